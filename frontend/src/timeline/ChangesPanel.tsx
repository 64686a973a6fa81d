// "Changes since": the nodes added, removed and changed from a chosen moment to now, each with who
// and when and, for a change, every field's before → after. A click on an item frames its node.
import { useContext } from "react";
import { NodeDirectoryContext, NodeRef } from "../components/NodeRef";
import { When } from "../components/When";
import { edgeCounts, fromLocalInput, toLocalInput, type ChangeItem, type ChangeKind } from "./logic";
import type { ChangesSince } from "./useChangesSince";
import "./timeline.css";

const KIND_TEXT: Record<ChangeKind, string> = { added: "added", removed: "removed", changed: "changed" };
const DAY = 86_400_000;

function Who({ actors }: { actors: string[] }) {
  return actors.length ? <span>{actors.join(", ")}</span> : <span className="muted">outside the API</span>;
}

function Item({ item, onShowRemoved }: { item: ChangeItem; onShowRemoved: (id: string, at: number) => void }) {
  const { nodes, open } = useContext(NodeDirectoryContext);
  const inGraph = !!nodes[item.id];
  // A removed node is only in the past: show the graph just before it went.
  const showRemoved = () => onShowRemoved(item.id, Date.parse(item.at) - 1);
  return (
    <li className={`card change change-${item.kind}`} data-testid="change-item" data-node-id={item.id} data-kind={item.kind}
      onClick={(e) => {
        if ((e.target as HTMLElement).closest("button")) return;
        if (item.kind === "removed") showRemoved();
        else if (inGraph) open(item.id);
      }}>
      <div className="change-head">
        <span className={`change-kind change-kind-${item.kind}`}>{KIND_TEXT[item.kind]}</span>
        {item.kind === "removed"
          ? <button type="button" className="link node-ref" title={`${item.id}: show the graph just before it was removed`}
              onClick={showRemoved} data-testid="show-removed">{item.label}</button>
          : inGraph ? <NodeRef id={item.id} /> : <span className="card-title" title={item.id}>{item.label}</span>}
        {item.type && <span className="muted small">{item.type}</span>}
      </div>
      {item.fields.length > 0 && (
        <ul className="change-fields">
          {item.fields.map((f) => (
            <li key={f.field} data-field={f.field}>
              <span className="muted">{f.field}</span>: <del>{f.before}</del> → <ins>{f.after}</ins>
            </li>
          ))}
        </ul>
      )}
      <p className="small muted"><Who actors={item.actors} /> · <When value={item.at} /></p>
    </li>
  );
}

export default function ChangesPanel({ changes, onFocus, onShowRemoved }: {
  changes: ChangesSince;
  onFocus: (ids: string[]) => void;
  /** Show the graph as of `at` with the node `id` selected. */
  onShowRemoved: (id: string, at: number) => void;
}) {
  const { since, lastVisit, setSince, diff, items, loading, error, refresh } = changes;
  const { nodes } = useContext(NodeDirectoryContext);
  const byKind = (k: ChangeKind) => items.filter((i) => i.kind === k);
  const shown = items.filter((i) => i.kind !== "removed" && nodes[i.id]).map((i) => i.id);
  const edges = diff ? edgeCounts(diff) : null;
  // The input's upper end: the moment of the last answer (or the last visit, before one).
  const latest = Math.max(changes.readAt, lastVisit);

  return (
    <div className="panel changes-panel" data-testid="changes-panel">
      <h2>Changes since</h2>
      <div className="row changes-since">
        <label className="inline-field">
          <span className="sr-only">Changes since</span>
          <input
            type="datetime-local" aria-label="Changes since" step={60} value={toLocalInput(since)} max={toLocalInput(latest)}
            onChange={(e) => { const t = fromLocalInput(e.target.value); if (t !== null) setSince(t); }}
            data-testid="changes-since-input"
          />
        </label>
        <button type="button" onClick={() => setSince(lastVisit)} aria-pressed={since === lastVisit}>Last visit</button>
        <button type="button" onClick={() => setSince(Date.now() - DAY)}>24 hours</button>
        <button type="button" onClick={() => setSince(Date.now() - 7 * DAY)}>7 days</button>
        <button type="button" onClick={refresh} disabled={loading}>Refresh</button>
      </div>
      <p className="small muted">Since <When value={new Date(since).toISOString()} />{since === lastVisit ? " (your last visit here)" : ""}.</p>
      {error && <p className="state-error" role="alert">{error}</p>}
      {loading && !diff && <p className="state-loading">Loading changes…</p>}
      {diff && (
        <>
          <p className="changes-summary" data-testid="changes-summary" role="status">
            {byKind("added").length} added · {byKind("changed").length} changed · {byKind("removed").length} removed
            {edges && ` · links: ${edges.added} added, ${edges.changed} changed, ${edges.removed} removed`}
            {loading && " · updating…"}
          </p>
          <p className="small change-legend">
            In the graph: <span className="change-kind change-kind-added">added</span> and{" "}
            <span className="change-kind change-kind-changed">changed</span> nodes are ringed; a removed one shows in the graph just before it went.
            {shown.length > 0 && <button type="button" className="link" onClick={() => onFocus(shown)}>Highlight them</button>}
          </p>
          {items.length === 0
            ? <p className="state-empty">Nothing changed since then.</p>
            : <ul className="cards" data-testid="change-list">{items.map((i) => <Item key={`${i.kind}-${i.id}`} item={i} onShowRemoved={onShowRemoved} />)}</ul>}
        </>
      )}
    </div>
  );
}
