// The side panel for one node: its fields, extras, neighbours and recent history.
import { keepPreviousData, useMutation, useQuery } from "@tanstack/react-query";
import { useMemo, useState } from "react";
import { api, errorText } from "../api/client";
import { isNotFound, queryKeys } from "../api/query";
import type { EdgeOut, GraphEdge, GraphNode, HistoryEntry, NodeDetail, NodeOut } from "../api/types";
import { useAuth } from "../auth/context";
import { EditorsOnly } from "../components/EditorsOnly";
import { NodeRef } from "../components/NodeRef";
import { When } from "../components/When";
import DeleteNode from "../editing/DeleteNode";
import EdgeForm from "../editing/EdgeForm";
import NodeForm from "../editing/NodeForm";
import type { GraphEditing } from "../editing/useGraphEditing";
import { download } from "../export/download";
import { markdownFileName, nodeMarkdown } from "../export/markdown";
import { currentFreshness, type GraphState } from "../graph/reducer";
import { healthColour, typeColour } from "../graph/style";
import { Empty, ErrorNote, Loading } from "../components/Status";

interface Neighbour { id: string; label: string; type: string; relation: string; direction: "out" | "in"; edgeId: string }

/** One line per edge of the node (the API lists its edges and the nodes at their other ends). */
function fromEdges(edges: EdgeOut[], rows: NodeOut[], selfId: string): Neighbour[] {
  const byId = new Map(rows.map((r) => [r.id, r]));
  return edges.map((e) => {
    const out = e.source === selfId;
    const other = out ? e.target : e.source;
    const row = byId.get(other);
    return { id: other, label: row?.label ?? other, type: row?.type ?? "", relation: e.type, direction: out ? "out" : "in", edgeId: e.id };
  });
}

function localNeighbours(edges: Record<string, GraphEdge>, nodes: Record<string, GraphNode>, id: string): Neighbour[] {
  const out: Neighbour[] = [];
  for (const e of Object.values(edges)) {
    const other = e.source === id ? e.target : e.target === id ? e.source : null;
    if (!other || !nodes[other]) continue;
    const n = nodes[other];
    out.push({ id: other, label: n.label, type: n.type, relation: e.type, direction: e.source === id ? "out" : "in", edgeId: e.id });
  }
  return out;
}

function fmt(v: unknown): string {
  if (v === null || v === undefined || v === "") return "—";
  if (Array.isArray(v)) return v.map(fmt).join(", ");
  if (typeof v === "object") return JSON.stringify(v);
  return String(v);
}

const DATE_LIKE = /^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/;

/** A value as people read it: a node id as the node's name (linked), a date as a local date. */
function Value({ v, nodes }: { v: unknown; nodes: Record<string, GraphNode> }) {
  if (Array.isArray(v) && v.some((x) => typeof x === "string" && nodes[x])) {
    return <>{v.map((x, i) => <span key={i}>{i > 0 && ", "}<Value v={x} nodes={nodes} /></span>)}</>;
  }
  if (typeof v === "string" && nodes[v]) return <NodeRef id={v} />;
  if (typeof v === "string" && DATE_LIKE.test(v)) return <When value={v} />;
  return <>{fmt(v)}</>;
}

/** An extras key that holds a node id (owner_id, manager_id, decided_by…). */
function isRefKey(key: string): boolean {
  return /_id$|_by$/.test(key) && key !== "source_id";
}

const FIELDS: (keyof NodeOut)[] = [
  "id", "type", "status", "health", "division", "department", "team", "size", "freshness_score",
  "half_life_days", "source_type", "source_id", "created_at", "updated_at",
];
const TIME_FIELDS = new Set<keyof NodeOut>(["created_at", "updated_at"]);

/** The edge a history row is about, named from this node's side. */
function edgeChange(h: HistoryEntry, selfId: string): { relation: string; other: string; out: boolean } | null {
  // data holds the edge row before and/or after the write (the schema leaves its columns open).
  const e = (h.data.after ?? h.data.before) as Partial<EdgeOut> | undefined;
  if (!h.action.endsWith("_edge") || !e || typeof e.source !== "string" || typeof e.target !== "string") return null;
  const out = e.source === selfId;
  return { relation: String(e.type ?? ""), other: out ? e.target : e.source, out };
}

interface Props {
  nodeId: string;
  graph: GraphState;
  onSelect: (id: string) => void;
  onFocus: (ids: string[]) => void;
  /** Graph tools for this node (focus mode, path, collapse), drawn under its header. */
  tools?: React.ReactNode;
  /** Editing shared with the graph (drawing an edge); absent: read-only. */
  editing?: GraphEditing;
  /** After this node was deleted from here. */
  onDeleted?: () => void;
}

type Mode = "view" | "edit" | "delete";

export default function NodeDetails({ nodeId, graph, onSelect, onFocus, tools, editing, onDeleted }: Props) {
  const { canWrite } = useAuth();
  const local = graph.nodes[nodeId];
  // Mounted per node (keyed by its id), so these start afresh for each.
  const [mode, setMode] = useState<Mode>("view");
  const [removing, setRemoving] = useState<string | null>(null);
  // The live graph's edges are the truth for a node in it: an edge added or removed shows at once.
  const liveNeighbours = useMemo(() => (local ? localNeighbours(graph.edges, graph.nodes, nodeId) : null), [local, graph.edges, graph.nodes, nodeId]);
  // The full record is read again when the live node changes (a new version, label or edge).
  const stamp = local ? `${local.updated_at ?? ""}|${local.label}|${liveNeighbours?.length ?? 0}` : "gone";
  // Opened on a node the live graph does not hold: read it anyway. One that leaves the graph
  // (deleted) is not read again: its last record stays shown, marked deleted.
  const [openedOutside] = useState(() => !graph.nodes[nodeId]);
  const read = useQuery({
    queryKey: queryKeys.node(nodeId, stamp),
    queryFn: () => api<NodeDetail>(`/api/nodes/${encodeURIComponent(nodeId)}`),
    enabled: local !== undefined || openedOutside,
    // While the next version loads, the last one stays shown.
    placeholderData: keepPreviousData,
  });
  const loading = read.isFetching;
  // A node the server no longer has (404) but the live graph still shows: work from the graph.
  const error = read.isError && !(local && isNotFound(read.error)) ? errorText(read.error) : null;
  const details = read.data;
  const removeEdge = useMutation({
    mutationFn: (edgeId: string) => api(`/api/edges/${encodeURIComponent(edgeId)}`, { method: "DELETE" }),
    onSuccess: () => setRemoving(null),
  });
  const edgeError = removeEdge.error && errorText(removeEdge.error);

  const node: GraphNode | undefined = local ? { ...details?.node, ...local } : details?.node;
  if (!node && read.isLoading) return <Loading what="node" />;
  if (!node) return error ? <ErrorNote message={error} /> : <Empty>This node no longer exists.</Empty>;

  const neighbours = liveNeighbours ?? (details ? fromEdges(details.edges, details.neighbours, nodeId) : []);
  const fresh = currentFreshness(node);
  const extras = Object.entries(node.extras ?? {});
  const connecting = editing?.connecting?.from === nodeId ? editing.connecting : null;

  if (mode === "edit" && local) {
    return <NodeForm nodes={graph.nodes} node={node} onDone={() => setMode("view")} onCancel={() => setMode("view")} />;
  }

  const exportMarkdown = () => {
    const label = (id: string) => graph.nodes[id]?.label ?? null;
    download(markdownFileName(node), nodeMarkdown(node, neighbours, details?.history.slice(0, 20) ?? [], label), "text/markdown;charset=utf-8");
  };

  return (
    <article className="node-details" aria-labelledby="node-details-title" data-testid="node-details">
      <header>
        <span className="swatch big" style={{ background: typeColour(node.type), borderColor: healthColour(node.health) }} aria-hidden="true" />
        <div>
          <h2 id="node-details-title" tabIndex={-1}>{node.label}</h2>
          <p className="muted">{node.type} · {node.id}{!local && " · deleted"}</p>
        </div>
      </header>
      <div className="fresh-meter" aria-label={`Current freshness ${Math.round(fresh * 100)}%`}>
        <div style={{ width: `${Math.round(fresh * 100)}%` }} />
        <span>freshness now {Math.round(fresh * 100)}%</span>
      </div>
      <div className="row">
        <button type="button" onClick={() => onFocus([nodeId])}>Centre in graph</button>
        {/* After the full record: the live graph carries no extras or history. */}
        <button type="button" onClick={exportMarkdown} disabled={loading}>Export Markdown</button>
      </div>
      {local && (canWrite ? (
        <div className="row edit-tools" role="group" aria-label="Edit this node">
          {/* The full record first: the form keeps extras it does not show, so it needs them all. */}
          <button type="button" onClick={() => setMode("edit")} disabled={!details?.node}>Edit</button>
          <button type="button" onClick={() => editing?.startConnect(nodeId)} aria-pressed={!!connecting} disabled={!editing}>Connect to…</button>
          <button type="button" className="danger" onClick={() => setMode("delete")} aria-pressed={mode === "delete"}>Delete…</button>
        </div>
      ) : <EditorsOnly what="editing the graph" />)}
      {mode === "delete" && local && (
        <DeleteNode nodeId={nodeId} onCancel={() => setMode("view")} onDeleted={() => { setMode("view"); onDeleted?.(); }} />
      )}
      {connecting && editing && (
        <EdgeForm nodes={graph.nodes} edges={graph.edges} from={nodeId} to={connecting.to} onTo={editing.setConnectTo}
          onDone={editing.stopConnect} onCancel={editing.stopConnect} />
      )}
      {tools}
      {error && <ErrorNote message={error} />}
      <h3>Fields</h3>
      <dl className="fields">
        {FIELDS.map((f) => (
          <div key={f}><dt>{f.replace(/_/g, " ")}</dt><dd>{TIME_FIELDS.has(f) ? <When value={node[f] as string | null} /> : fmt(node[f])}</dd></div>
        ))}
      </dl>
      <h3>Extras</h3>
      {extras.length === 0 ? <Empty>No extras.</Empty> : (
        <dl className="fields" data-testid="node-extras">
          {extras.map(([k, v]) => (
            <div key={k}>
              <dt>{isRefKey(k) ? k.replace(/_id$/, "").replace(/_/g, " ") : k.replace(/_/g, " ")}</dt>
              <dd>{isRefKey(k) && typeof v === "string" ? <NodeRef id={v} /> : <Value v={v} nodes={graph.nodes} />}</dd>
            </div>
          ))}
        </dl>
      )}
      <h3>Neighbours ({neighbours.length})</h3>
      {edgeError && <ErrorNote message={edgeError} />}
      {neighbours.length === 0 ? <Empty>No connections.</Empty> : (
        <ul className="neighbours" data-testid="neighbours">
          {neighbours.map((n, i) => (
            <li key={`${n.id}-${n.relation}-${i}`} className="neighbour">
              <button type="button" onClick={() => onSelect(n.id)}>
                <span className="swatch" style={{ background: typeColour(n.type) }} aria-hidden="true" />
                <span className="muted">{n.direction === "in" ? "←" : "→"} {n.relation.replace(/_/g, " ")}</span> {n.label}
              </button>
              {canWrite && local && (removing === n.edgeId ? (
                <span className="row confirm-inline">
                  <button type="button" className="danger" onClick={() => removeEdge.mutate(n.edgeId)}>Remove edge</button>
                  <button type="button" onClick={() => setRemoving(null)}>Keep</button>
                </span>
              ) : (
                <button type="button" className="icon-button" onClick={() => setRemoving(n.edgeId)}
                  aria-label={`Remove the edge ${n.relation.replace(/_/g, " ")} ${n.label}`} title="Remove this edge">×</button>
              ))}
            </li>
          ))}
        </ul>
      )}
      <h3>Recent history</h3>
      {loading ? <Loading what="history" /> : details?.history.length ? (
        <ol className="history">
          {details.history.slice(0, 20).map((h) => {
            const edge = edgeChange(h, nodeId);
            return (
              <li key={h.id}>
                <strong>{h.action}</strong>{" "}
                {edge && <span>{edge.out ? "→" : "←"} {edge.relation.replace(/_/g, " ")} <NodeRef id={edge.other} /> </span>}
                <span className="muted"><When value={h.created_at} /></span>
                {" "}<span className="muted" data-testid="history-actor">
                  {h.actor ? `by ${h.actor}` : "by an outside write"}
                </span>
              </li>
            );
          })}
        </ol>
      ) : <Empty>No recorded changes.</Empty>}
    </article>
  );
}
