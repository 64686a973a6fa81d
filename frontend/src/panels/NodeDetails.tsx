// The side panel for one node: its fields, extras, neighbours and recent history.
import { useEffect, useMemo, useState } from "react";
import { api, ApiError, errorText } from "../api";
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
import type { GraphNode } from "../types";
import { Empty, ErrorNote, Loading } from "../components/Status";

interface Neighbour { id: string; label: string; type: string; relation: string; direction: "out" | "in" | ""; edgeId?: string }
interface HistoryRow { id?: unknown; action?: string; created_at?: string; data?: unknown; actor?: string | null }

interface Details { node: GraphNode | null; neighbours: Neighbour[] | null; history: HistoryRow[] }

function normaliseNeighbour(raw: Record<string, unknown>, selfId: string): Neighbour | null {
  const node = (raw.node ?? raw) as Record<string, unknown>;
  const edge = (raw.edge ?? {}) as Record<string, unknown>;
  const id = node.id ?? raw.node_id ?? raw.id;
  if (id === undefined || id === null) return null;
  const relation = String(raw.edge_type ?? raw.relation ?? edge.type ?? raw.type_of_edge ?? "");
  let direction = String(raw.direction ?? "") as Neighbour["direction"];
  if (!direction && edge.source) direction = edge.source === selfId ? "out" : "in";
  return { id: String(id), label: String(node.label ?? id), type: String(node.type ?? ""), relation, direction };
}

/** The API answers neighbour rows plus the node's edges: one line per edge, named by its type. */
function fromEdges(edges: { id?: string; source: string; target: string; type: string }[], rows: Record<string, unknown>[], selfId: string): Neighbour[] {
  const byId = new Map(rows.map((r) => [String(r.id), r]));
  return edges.map((e) => {
    const out = e.source === selfId;
    const other = out ? e.target : e.source;
    const row = byId.get(other) ?? {};
    return { id: other, label: String(row.label ?? other), type: String(row.type ?? ""), relation: e.type, direction: out ? "out" : "in", edgeId: e.id };
  });
}

function localNeighbours(graph: GraphState, id: string): Neighbour[] {
  const out: Neighbour[] = [];
  for (const e of Object.values(graph.edges)) {
    const other = e.source === id ? e.target : e.target === id ? e.source : null;
    if (!other || !graph.nodes[other]) continue;
    const n = graph.nodes[other];
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

const FIELDS: (keyof GraphNode)[] = [
  "id", "type", "status", "health", "division", "department", "team", "size", "freshness_score",
  "half_life_days", "source_type", "source_id", "created_at", "updated_at",
];
const TIME_FIELDS = new Set<keyof GraphNode>(["created_at", "updated_at"]);

/** The edge a history row is about, named from this node's side. */
function edgeChange(h: HistoryRow, selfId: string): { relation: string; other: string; out: boolean } | null {
  const d = (h.data ?? {}) as { after?: Record<string, unknown>; before?: Record<string, unknown> };
  const e = d.after ?? d.before;
  if (!h.action?.endsWith("_edge") || !e || typeof e.source !== "string" || typeof e.target !== "string") return null;
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
  const [details, setDetails] = useState<Details | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [mode, setMode] = useState<Mode>("view");
  const [removing, setRemoving] = useState<string | null>(null);
  const [edgeError, setEdgeError] = useState<string | null>(null);
  // The live graph's edges are the truth for a node in it: an edge added or removed shows at once.
  const liveNeighbours = useMemo(() => (local ? localNeighbours(graph, nodeId) : null), [local, graph.edges, graph.nodes, nodeId]); // eslint-disable-line react-hooks/exhaustive-deps
  const stamp = local ? `${local.updated_at ?? ""}|${local.label}|${liveNeighbours?.length ?? 0}` : "gone";

  useEffect(() => {
    setMode("view");
    setRemoving(null);
    setEdgeError(null);
  }, [nodeId]);

  useEffect(() => {
    let stop = false;
    setLoading(true);
    api<Record<string, unknown>>(`/api/nodes/${encodeURIComponent(nodeId)}`)
      .then((body) => {
        if (stop) return;
        const node = (body.node ?? body) as GraphNode;
        const rawN = (body.neighbours ?? body.neighbors) as Record<string, unknown>[] | undefined;
        const rawE = body.edges as { id?: string; source: string; target: string; type: string }[] | undefined;
        const rawH = (body.history ?? body.recent_history ?? body.mutations ?? []) as HistoryRow[];
        setDetails({
          node,
          neighbours: Array.isArray(rawE) && Array.isArray(rawN)
            ? fromEdges(rawE, rawN, nodeId)
            : Array.isArray(rawN) ? rawN.map((r) => normaliseNeighbour(r, nodeId)).filter((n): n is Neighbour => !!n) : null,
          history: Array.isArray(rawH) ? rawH : [],
        });
        setError(null);
      })
      .catch((e) => {
        if (stop) return;
        // Without the detail endpoint the panel still works from the live graph.
        if (e instanceof ApiError && e.status === 404 && graph.nodes[nodeId]) setDetails({ node: null, neighbours: null, history: [] });
        else setError(errorText(e));
      })
      .finally(() => !stop && setLoading(false));
    return () => {
      stop = true;
    };
  }, [nodeId, stamp]); // eslint-disable-line react-hooks/exhaustive-deps

  const node: GraphNode | undefined = local ? { ...(details?.node ?? {}), ...local } as GraphNode : details?.node ?? undefined;
  if (!node && loading) return <Loading what="node" />;
  if (!node) return error ? <ErrorNote message={error} /> : <Empty>This node no longer exists.</Empty>;

  const neighbours = liveNeighbours ?? details?.neighbours ?? [];
  const fresh = currentFreshness(node);
  const extras = node.extras && typeof node.extras === "object" ? Object.entries(node.extras) : [];
  const connecting = editing?.connecting?.from === nodeId ? editing.connecting : null;

  if (mode === "edit" && local) {
    return <NodeForm nodes={graph.nodes} node={node} onDone={() => setMode("view")} onCancel={() => setMode("view")} />;
  }

  const removeEdge = async (edgeId: string) => {
    setEdgeError(null);
    try {
      await api(`/api/edges/${encodeURIComponent(edgeId)}`, { method: "DELETE" });
      setRemoving(null);
    } catch (e) {
      setEdgeError(errorText(e));
    }
  };
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
                <span className="muted">{n.direction === "in" ? "←" : n.direction === "out" ? "→" : "·"} {n.relation.replace(/_/g, " ")}</span> {n.label}
              </button>
              {canWrite && local && n.edgeId && (removing === n.edgeId ? (
                <span className="row confirm-inline">
                  <button type="button" className="danger" onClick={() => removeEdge(n.edgeId!)}>Remove edge</button>
                  <button type="button" onClick={() => setRemoving(null)}>Keep</button>
                </span>
              ) : (
                <button type="button" className="icon-button" onClick={() => setRemoving(n.edgeId!)}
                  aria-label={`Remove the edge ${n.relation.replace(/_/g, " ")} ${n.label}`} title="Remove this edge">×</button>
              ))}
            </li>
          ))}
        </ul>
      )}
      <h3>Recent history</h3>
      {loading ? <Loading what="history" /> : details?.history.length ? (
        <ol className="history">
          {details.history.slice(0, 20).map((h, i) => {
            const edge = edgeChange(h, nodeId);
            return (
              <li key={String(h.id ?? i)}>
                <strong>{h.action ?? "change"}</strong>{" "}
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
