// The keyboard path into the graph: a filterable list of nodes (the graph's filters apply too).
// Arrow keys move, Enter selects and frames the node; only a window of the list is rendered, so
// 10,000 nodes cost a hundred rows.
import { forwardRef, useMemo, useState, type KeyboardEvent } from "react";
import type { GraphNode } from "../api/types";
import { isVisible, type Filters } from "../graph/PulseView";
import { typeColour } from "../graph/style";

const WINDOW = 100;

interface Props {
  nodes: Record<string, GraphNode>;
  filters: Filters;
  selectedId: string | null;
  onPick: (id: string) => void;
}

export const NodeList = forwardRef<HTMLInputElement, Props>(function NodeList({ nodes, filters, selectedId, onPick }, ref) {
  const [q, setQ] = useState("");
  const [active, setActive] = useState(0);
  const matches = useMemo(() => {
    const needle = q.trim().toLowerCase();
    const out: GraphNode[] = [];
    for (const n of Object.values(nodes)) {
      if (!isVisible(n, filters)) continue;
      if (needle && !n.label.toLowerCase().includes(needle) && !n.id.toLowerCase().includes(needle)) continue;
      out.push(n);
    }
    return out.sort((a, b) => (a.label < b.label ? -1 : a.label > b.label ? 1 : 0));
  }, [nodes, filters, q]);
  const cur = Math.min(active, Math.max(0, matches.length - 1));
  const start = Math.max(0, Math.min(cur - WINDOW / 2, matches.length - WINDOW));
  const shown = matches.slice(start, start + WINDOW);

  const onKey = (e: KeyboardEvent<HTMLInputElement>) => {
    const step: Record<string, number> = { ArrowDown: 1, ArrowUp: -1, PageDown: 10, PageUp: -10 };
    if (e.key in step) setActive(Math.max(0, Math.min(matches.length - 1, cur + step[e.key])));
    else if (e.key === "Home" && e.ctrlKey) setActive(0);
    else if (e.key === "End" && e.ctrlKey) setActive(matches.length - 1);
    else if (e.key === "Enter" && matches[cur]) onPick(matches[cur].id);
    else return;
    e.preventDefault();
  };

  return (
    <section className="panel node-list" aria-labelledby="node-list-title">
      <h2 id="node-list-title">Nodes</h2>
      <label className="field">
        <span>Filter by name or id (arrow keys move, Enter selects and frames)</span>
        <input
          ref={ref}
          id="node-list-filter"
          type="search"
          role="combobox"
          aria-expanded="true"
          aria-controls="node-list"
          aria-autocomplete="list"
          aria-activedescendant={matches[cur] ? `nl-${cur}` : undefined}
          value={q}
          autoComplete="off"
          onChange={(e) => {
            setQ(e.target.value);
            setActive(0);
          }}
          onKeyDown={onKey}
        />
      </label>
      <p className="muted small" data-testid="node-list-count">
        {matches.length.toLocaleString("en-GB")} {matches.length === 1 ? "node" : "nodes"}
        {matches.length > WINDOW && ` (showing ${start + 1}–${start + shown.length})`}
      </p>
      <ul id="node-list" role="listbox" aria-label="Nodes" className="node-options" data-testid="node-list">
        {shown.map((n, i) => (
          <li
            key={n.id}
            id={`nl-${start + i}`}
            role="option"
            aria-selected={start + i === cur}
            className={`${start + i === cur ? "active" : ""} ${n.id === selectedId ? "chosen" : ""}`}
            data-node-id={n.id}
            onClick={() => {
              setActive(start + i);
              onPick(n.id);
            }}
          >
            <span className="swatch" style={{ background: typeColour(n.type) }} aria-hidden="true" />
            {n.label} <span className="muted small">{n.type}</span>
          </li>
        ))}
      </ul>
    </section>
  );
});
