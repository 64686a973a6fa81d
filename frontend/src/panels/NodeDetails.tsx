// The side panel for one node: its fields, extras, neighbours and recent history.
import { useEffect, useState } from "react";
import { api, ApiError, errorText } from "../api";
import { currentFreshness, type GraphState } from "../graph/reducer";
import { healthColour, typeColour } from "../graph/style";
import type { GraphNode } from "../types";
import { Empty, ErrorNote, Loading } from "../components/Status";

interface Neighbour { id: string; label: string; type: string; relation: string; direction: "out" | "in" | "" }
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
function fromEdges(edges: { source: string; target: string; type: string }[], rows: Record<string, unknown>[], selfId: string): Neighbour[] {
  const byId = new Map(rows.map((r) => [String(r.id), r]));
  return edges.map((e) => {
    const out = e.source === selfId;
    const other = out ? e.target : e.source;
    const row = byId.get(other) ?? {};
    return { id: other, label: String(row.label ?? other), type: String(row.type ?? ""), relation: e.type, direction: out ? "out" : "in" };
  });
}

function localNeighbours(graph: GraphState, id: string): Neighbour[] {
  const out: Neighbour[] = [];
  for (const e of Object.values(graph.edges)) {
    const other = e.source === id ? e.target : e.target === id ? e.source : null;
    if (!other || !graph.nodes[other]) continue;
    const n = graph.nodes[other];
    out.push({ id: other, label: n.label, type: n.type, relation: e.type, direction: e.source === id ? "out" : "in" });
  }
  return out;
}

function fmt(v: unknown): string {
  if (v === null || v === undefined || v === "") return "—";
  if (Array.isArray(v)) return v.map(fmt).join(", ");
  if (typeof v === "object") return JSON.stringify(v);
  return String(v);
}

const FIELDS: (keyof GraphNode)[] = [
  "id", "type", "status", "health", "division", "department", "team", "size", "freshness_score",
  "half_life_days", "source_type", "source_id", "created_at", "updated_at",
];

interface Props {
  nodeId: string;
  graph: GraphState;
  onSelect: (id: string) => void;
  onFocus: (ids: string[]) => void;
  /** Graph tools for this node (focus mode, path, collapse), drawn under its header. */
  tools?: React.ReactNode;
}

export default function NodeDetails({ nodeId, graph, onSelect, onFocus, tools }: Props) {
  const local = graph.nodes[nodeId];
  const [details, setDetails] = useState<Details | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const stamp = local ? `${local.updated_at ?? ""}|${local.label}` : "gone";

  useEffect(() => {
    let stop = false;
    setLoading(true);
    api<Record<string, unknown>>(`/api/nodes/${encodeURIComponent(nodeId)}`)
      .then((body) => {
        if (stop) return;
        const node = (body.node ?? body) as GraphNode;
        const rawN = (body.neighbours ?? body.neighbors) as Record<string, unknown>[] | undefined;
        const rawE = body.edges as { source: string; target: string; type: string }[] | undefined;
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

  const neighbours = details?.neighbours ?? localNeighbours(graph, nodeId);
  const fresh = currentFreshness(node);
  const extras = node.extras && typeof node.extras === "object" ? Object.entries(node.extras) : [];

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
      <button type="button" onClick={() => onFocus([nodeId])}>Centre in graph</button>
      {tools}
      {error && <ErrorNote message={error} />}
      <h3>Fields</h3>
      <dl className="fields">
        {FIELDS.map((f) => (
          <div key={f}><dt>{f.replace(/_/g, " ")}</dt><dd>{fmt(node[f])}</dd></div>
        ))}
      </dl>
      <h3>Extras</h3>
      {extras.length === 0 ? <Empty>No extras.</Empty> : (
        <dl className="fields">
          {extras.map(([k, v]) => (
            <div key={k}><dt>{k.replace(/_/g, " ")}</dt><dd>{fmt(v)}</dd></div>
          ))}
        </dl>
      )}
      <h3>Neighbours ({neighbours.length})</h3>
      {neighbours.length === 0 ? <Empty>No connections.</Empty> : (
        <ul className="neighbours">
          {neighbours.map((n, i) => (
            <li key={`${n.id}-${n.relation}-${i}`}>
              <button type="button" onClick={() => onSelect(n.id)}>
                <span className="swatch" style={{ background: typeColour(n.type) }} aria-hidden="true" />
                <span className="muted">{n.direction === "in" ? "←" : n.direction === "out" ? "→" : "·"} {n.relation.replace(/_/g, " ")}</span> {n.label}
              </button>
            </li>
          ))}
        </ul>
      )}
      <h3>Recent history</h3>
      {loading ? <Loading what="history" /> : details?.history.length ? (
        <ol className="history">
          {details.history.slice(0, 20).map((h, i) => (
            <li key={String(h.id ?? i)}>
              <strong>{h.action ?? "change"}</strong>{" "}
              <span className="muted">{h.created_at ? new Date(h.created_at).toLocaleString() : ""}</span>
              {" "}<span className="muted" data-testid="history-actor">
                {h.actor ? `by ${h.actor}` : "by an outside write"}
              </span>
            </li>
          ))}
        </ol>
      ) : <Empty>No recorded changes.</Empty>}
    </article>
  );
}
