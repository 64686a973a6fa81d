// The live graph as a pure reducer: snapshots replace it, change events patch it in place.
// Events carry the change-log cursor; one at or below the last applied cursor is a duplicate
// (or arrived out of order after a newer one) and is ignored, so replays after a reconnect are safe.
import type { ChangeEvent, GraphEdge, GraphNode, GraphSnapshot, NodeRow, Notification } from "../api/types";

export interface GraphState {
  nodes: Record<string, GraphNode>;
  edges: Record<string, GraphEdge>;
  /** Last change-log id applied (null: unknown, accept everything). */
  cursor: number | null;
  /** Bumped on every applied change, so views can cheaply tell that something moved. */
  version: number;
  /** The totals, kept up to date by each batch: the page's counts, legend and visible total cost a
   *  few dozen entries per render, not a pass over every node and edge. */
  tally: Tally;
  /** The person nodes by label (the pickers), worked out again only by a batch that touched one. */
  people: GraphNode[];
}

/** Nodes by type and division (key: groupKeyOf), and the node and edge totals. */
export interface Tally {
  nodes: number;
  edges: number;
  groups: Record<string, number>;
}

const SEP = "\u0000";
const groupKeyOf = (n: Pick<GraphNode, "type" | "division">) => `${n.type}${SEP}${n.division ?? ""}`;

/** Each (type, division) with its node count. */
export function tallyGroups(tally: Tally): { type: string; division: string; count: number }[] {
  return Object.entries(tally.groups).map(([k, count]) => {
    const [type, division] = k.split(SEP);
    return { type, division, count };
  });
}

function peopleIn(nodes: Record<string, GraphNode>): GraphNode[] {
  return Object.values(nodes).filter((n) => n.type === "person").sort((a, b) => a.label.localeCompare(b.label));
}

function tallyOf(nodes: Record<string, GraphNode>, edges: number): Tally {
  const groups: Record<string, number> = {};
  let count = 0;
  for (const id in nodes) {
    const k = groupKeyOf(nodes[id]);
    groups[k] = (groups[k] ?? 0) + 1;
    count++;
  }
  return { nodes: count, edges, groups };
}

export type GraphAction =
  | { type: "reset"; graph: GraphSnapshot; cursor?: number | null }
  | { type: "change"; event: ChangeEvent }
  | { type: "changes"; events: ChangeEvent[] }
  /** The change log is read up to here (a catch-up page may hold no graph change at all). */
  | { type: "cursor"; cursor: number };

export const emptyGraph: GraphState = { nodes: {}, edges: {}, cursor: null, version: 0, tally: { nodes: 0, edges: 0, groups: {} }, people: [] };

/** Stable fallback position for a node that has none (hash of its id around the centre). */
export function fallbackPosition(id: string): { x: number; y: number } {
  let h = 2166136261;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 16777619) >>> 0;
  const angle = ((h % 3600) / 3600) * Math.PI * 2;
  const radius = 120 + ((h >>> 12) % 240);
  return { x: 1000 + Math.cos(angle) * radius, y: 700 + Math.sin(angle) * radius };
}

/** A live row on top of what the graph holds. An INSERT or UPDATE carries the whole row. */
function mergeNode(prev: GraphNode | undefined, incoming: Partial<NodeRow>): GraphNode {
  const merged = { ...prev, ...incoming } as GraphNode;
  // Layout is kept: a change without coordinates never moves a node that has them. A node that
  // never had any is marked, so the view may place it next to its neighbours.
  if (incoming.x == null || incoming.y == null) {
    if (prev && prev.x != null && prev.y != null) {
      merged.x = prev.x;
      merged.y = prev.y;
    } else {
      Object.assign(merged, fallbackPosition(merged.id));
      merged.auto_placed = true;
    }
  } else {
    delete merged.auto_placed;
  }
  // current_freshness is computed by the API and not a column: after a live row it is worked out
  // from the row's stored score (currentFreshness).
  delete merged.current_freshness;
  return merged;
}

function rowId(event: ChangeEvent): string | null {
  const id = (event.eventType === "DELETE" ? event.old?.id : event.new?.id) ?? event.old?.id;
  return id === undefined || id === null ? null : String(id);
}

/** The ids one applied batch touched, so a view of the previous state can follow it without
 *  comparing every node and edge. Kept beside the states (a WeakMap), not in them; `from` is a
 *  token of the previous state, so no state keeps an older one alive. */
interface Delta { from: object; nodes: string[]; edges: string[] }
const deltas = new WeakMap<GraphState, Delta>();
const tokens = new WeakMap<GraphState, object>();
function tokenOf(state: GraphState): object {
  let t = tokens.get(state);
  if (!t) tokens.set(state, (t = {}));
  return t;
}

/** The node and edge ids that changed from `prev` to `next` when `next` is one batch applied to
 *  `prev`; null when unknown (look at everything). */
export function deltaBetween(prev: GraphState | null, next: GraphState): { nodes: string[]; edges: string[] } | null {
  if (!prev) return null;
  const d = deltas.get(next);
  return d && d.from === tokens.get(prev) ? d : null;
}

/** Applies a batch of events with one copy of the node and edge maps (not one per event), so a
 *  5,000-row insert costs 5,000 writes, not 5,000 copies of a 10,000-entry map. */
export function applyChanges(state: GraphState, events: ChangeEvent[]): GraphState {
  const touchedNodes: string[] = [];
  const touchedEdges: string[] = [];
  let nodes = state.nodes;
  let edges = state.edges;
  let cursor = state.cursor;
  const ownNodes = () => {
    if (nodes === state.nodes) nodes = { ...nodes };
  };
  const ownEdges = () => {
    if (edges === state.edges) edges = { ...edges };
  };
  let { nodes: nodeCount, edges: edgeCount } = state.tally;
  let groups = state.tally.groups;
  let peopleTouched = false;
  const count = (n: GraphNode, by: number) => {
    if (groups === state.tally.groups) groups = { ...groups };
    const k = groupKeyOf(n);
    const left = (groups[k] ?? 0) + by;
    if (left > 0) groups[k] = left;
    else delete groups[k];
  };
  // Edges by node, built only when a node is deleted (the database cascades; drop its edges now).
  const held: { byNode: Map<string, Set<string>> | null } = { byNode: null };
  const link = (map: Map<string, Set<string>>, n: string, e: string) => {
    let s = map.get(n);
    if (!s) map.set(n, (s = new Set()));
    s.add(e);
  };
  const index = () => {
    if (held.byNode) return held.byNode;
    const map = new Map<string, Set<string>>();
    for (const e of Object.values(edges)) {
      link(map, e.source, e.id);
      link(map, e.target, e.id);
    }
    return (held.byNode = map);
  };
  for (const event of events) {
    if (event.cursor != null && cursor != null && event.cursor <= cursor) continue;
    if (event.cursor != null) cursor = Math.max(event.cursor, cursor ?? event.cursor);
    const id = rowId(event);
    if (id === null) continue;
    if (event.table === "nodes") {
      if (event.eventType === "DELETE") {
        if (!nodes[id]) continue;
        ownNodes();
        if (nodes[id].type === "person") peopleTouched = true;
        count(nodes[id], -1);
        nodeCount--;
        delete nodes[id];
        touchedNodes.push(id);
        const dangling = index().get(id);
        if (dangling?.size) {
          ownEdges();
          for (const e of dangling) {
            if (!edges[e]) continue;
            delete edges[e];
            edgeCount--;
            touchedEdges.push(e);
          }
        }
      } else {
        ownNodes();
        const prev = nodes[id];
        const merged = mergeNode(prev, event.new);
        if (merged.type === "person" || prev?.type === "person") peopleTouched = true;
        if (!prev) nodeCount++;
        if (!prev || groupKeyOf(prev) !== groupKeyOf(merged)) {
          if (prev) count(prev, -1);
          count(merged, 1);
        }
        nodes[id] = merged;
        touchedNodes.push(id);
      }
    } else if (event.table === "edges") {
      if (event.eventType === "DELETE") {
        if (!edges[id]) continue;
        ownEdges();
        delete edges[id];
        edgeCount--;
        touchedEdges.push(id);
      } else {
        ownEdges();
        if (!edges[id]) edgeCount++;
        const edge = { ...edges[id], ...event.new } as GraphEdge;
        edges[id] = edge;
        touchedEdges.push(id);
        if (held.byNode) {
          link(held.byNode, edge.source, edge.id);
          link(held.byNode, edge.target, edge.id);
        }
      }
    }
  }
  if (nodes === state.nodes && edges === state.edges && cursor === state.cursor) return state;
  const tally = groups === state.tally.groups && nodeCount === state.tally.nodes && edgeCount === state.tally.edges
    ? state.tally
    : { nodes: nodeCount, edges: edgeCount, groups };
  const next = { nodes, edges, cursor, version: state.version + 1, tally, people: peopleTouched ? peopleIn(nodes) : state.people };
  deltas.set(next, { from: tokenOf(state), nodes: touchedNodes, edges: touchedEdges });
  return next;
}

export function applyChange(state: GraphState, event: ChangeEvent): GraphState {
  return applyChanges(state, [event]);
}

export function graphReducer(state: GraphState, action: GraphAction): GraphState {
  switch (action.type) {
    case "reset": {
      const nodes: Record<string, GraphNode> = {};
      for (const n of action.graph.nodes) {
        const node: GraphNode = { ...n };
        if (node.x == null || node.y == null) Object.assign(node, fallbackPosition(node.id), { auto_placed: true });
        nodes[node.id] = node;
      }
      const edges: Record<string, GraphEdge> = {};
      for (const e of action.graph.edges) edges[e.id] = { ...e };
      return { nodes, edges, cursor: action.cursor ?? null, version: state.version + 1, tally: tallyOf(nodes, Object.keys(edges).length), people: peopleIn(nodes) };
    }
    case "change":
      return applyChange(state, action.event);
    case "changes":
      return applyChanges(state, action.events);
    case "cursor":
      return state.cursor !== null && action.cursor <= state.cursor ? state : { ...state, cursor: action.cursor };
    default:
      return state;
  }
}

/**
 * Freshness now: freshness_score halved every half_life_days since updated_at; no half-life (or
 * one of 0 or less) means no decay. The API's value when it sent one; this is the server's SQL
 * formula (graph/selectors.py freshness_sql) for rows that arrive live without it — both are
 * checked against freshness-samples.json. No default half-life here: a live row carries the
 * column, whose database default is the one default.
 */
export function currentFreshness(node: GraphNode, now: number = Date.now()): number {
  if (typeof node.current_freshness === "number") return node.current_freshness;
  const score = typeof node.freshness_score === "number" ? node.freshness_score : 1;
  const half = node.half_life_days;
  if (typeof half !== "number" || !(half > 0)) return score;
  const updated = node.updated_at ? Date.parse(node.updated_at) : NaN;
  if (!Number.isFinite(updated)) return score;
  const days = Math.max(0, (now - updated) / 86_400_000);
  return score * 0.5 ** (days / half);
}

/** Notifications of one person, patched by change events on the notifications table. */
export function applyNotificationChange(
  list: Notification[], event: ChangeEvent, personId: string | null,
): Notification[] {
  if (event.table !== "notifications" || !personId) return list;
  const row = event.eventType === "DELETE" ? event.old : event.new;
  if (row.id === undefined) return list;
  const without = list.filter((n) => n.id !== row.id);
  if (event.eventType === "DELETE" || row.person_id !== personId) {
    return without.length === list.length ? list : without;
  }
  // An INSERT or UPDATE carries the whole row.
  return [row as Notification, ...without].sort((a, b) => b.id - a.id);
}

export function unacknowledged(list: Notification[]): number {
  return list.filter((n) => !n.acknowledged).length;
}
