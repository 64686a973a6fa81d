// Ids are shown as the node's label, linked to the node; the raw id stays on hover.
import { createContext, useContext } from "react";
import type { GraphNode } from "../api/types";

export interface NodeDirectory {
  nodes: Record<string, GraphNode>;
  /** The person nodes by label (the graph state keeps them: no pass over every node per picker). */
  people: GraphNode[];
  /** Select the node and frame it in the graph. */
  open: (id: string) => void;
}

export const NodeDirectoryContext = createContext<NodeDirectory>({ nodes: {}, people: [], open: () => {} });

export function useNodeLabel(): (id: string) => string {
  const { nodes } = useContext(NodeDirectoryContext);
  return (id: string) => nodes[id]?.label ?? id;
}

export function NodeRef({ id }: { id: string | null | undefined }) {
  const { nodes, open } = useContext(NodeDirectoryContext);
  if (!id) return <span className="muted">—</span>;
  const node = nodes[id];
  if (!node) return <span title={id} data-node-ref={id}>{id} <span className="muted">(not in the graph)</span></span>;
  return (
    <button type="button" className="link node-ref" title={id} data-node-ref={id} onClick={() => open(id)}>
      {node.label}
    </button>
  );
}
