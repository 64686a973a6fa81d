// A node as it stood at the moment being viewed: its stored fields and its links then. Read-only:
// the live details (and their edit controls) come back with "Back to live".
import type { ReactNode } from "react";
import { NodeRef } from "../components/NodeRef";
import { When } from "../components/When";
import type { GraphState } from "../graph/reducer";
import { formatValue } from "./logic";

const FIELDS = ["type", "division", "department", "team", "status", "health", "source_type", "source_id", "freshness_score"] as const;

export function PastNode({ nodeId, graph, asOf, tools }: { nodeId: string; graph: GraphState | null; asOf: number; tools?: ReactNode }) {
  const node = graph?.nodes[nodeId];
  const when = <When value={new Date(asOf).toISOString()} />;
  if (!graph) return <p className="state-loading">Loading the graph as of {when}…</p>;
  if (!node) {
    return (
      <div className="past-node" data-testid="past-node">
        <p className="note">This node did not exist on {when}.</p>
      </div>
    );
  }
  const links = Object.values(graph.edges).filter((e) => e.source === nodeId || e.target === nodeId);
  const extras = node.extras && typeof node.extras === "object" ? Object.entries(node.extras) : [];
  return (
    <div className="node-details past-node" data-testid="past-node">
      <p className="note small">As it stood on {when} (read-only).</p>
      <h2 tabIndex={-1}>{node.label}</h2>
      <dl className="fields">
        {FIELDS.map((f) => node[f] != null && node[f] !== "" && (
          <div key={f}><dt>{f.replace(/_/g, " ")}</dt><dd>{formatValue(node[f])}</dd></div>
        ))}
        <div><dt>updated</dt><dd><When value={node.updated_at} /></dd></div>
        {extras.map(([k, v]) => <div key={k}><dt>{k.replace(/_/g, " ")}</dt><dd>{formatValue(v)}</dd></div>)}
      </dl>
      {tools}
      <h3>Links then ({links.length})</h3>
      {links.length === 0 ? <p className="state-empty">None.</p> : (
        <ul className="neighbours">
          {links.map((e) => {
            const other = e.source === nodeId ? e.target : e.source;
            return <li key={e.id}><span className="muted small">{e.type.replace(/_/g, " ")}</span> <NodeRef id={other} /></li>;
          })}
        </ul>
      )}
    </div>
  );
}
