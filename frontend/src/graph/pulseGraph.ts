// The graphology graph sigma draws, kept in step with GraphState by diffing: only nodes and
// edges whose objects changed are touched (the reducer keeps unchanged ones identical), so a
// batch of live changes costs its own size, not the graph's.
import Graph from "graphology";
import { bidirectional } from "graphology-shortest-path/unweighted";
import type { GraphNode } from "../api/types";
import { CLUSTER_PREFIX, clusterView, freeSpotNear, neighbourhood, placeNodes, SpatialGrid, type Cluster, type ClusterEdge, type Point } from "./model";
import { currentFreshness, deltaBetween, fallbackPosition, type GraphState } from "./reducer";
import { EDGE_COLOURS, healthColour, typeColour } from "./style";

/** Minimum distance between two placed nodes, in stored coordinates. */
export const PLACEMENT_GAP = 36;

export interface NodeAttrs {
  x: number;
  y: number;
  label: string;
  kind: string;
  importance: number;
  color: string;
  borderColor: string;
  health: string;
  freshness: number;
  cluster?: string;
  count?: number;
}

/** Stored y grows downwards (as on screen); sigma's grows upwards. */
export const toView = (p: Point): Point => ({ x: p.x, y: -p.y });
export const toStored = (p: Point): Point => ({ x: Math.round(p.x * 10) / 10, y: Math.round(-p.y * 10) / 10 });

function mix(hex: string, towards: string, t: number): string {
  const a = parseInt(hex.slice(1), 16);
  const b = parseInt(towards.slice(1), 16);
  const ch = (s: number) => Math.round(((a >> s) & 255) * (1 - t) + ((b >> s) & 255) * t);
  return `#${((ch(16) << 16) | (ch(8) << 8) | ch(0)).toString(16).padStart(6, "0")}`;
}

const BACKGROUND = "#0b1220";

export function nodeAttrs(n: GraphNode, now: number): NodeAttrs {
  const f = Math.max(0, Math.min(1, currentFreshness(n, now)));
  const s = typeof n.size === "number" && Number.isFinite(n.size) ? Math.min(Math.max(n.size, 1), 5) : 1;
  const p = toView({ x: n.x ?? 0, y: n.y ?? 0 });
  return {
    x: p.x, y: p.y, label: n.label, kind: n.type, importance: s,
    // Stale nodes fade into the background; the ring is health.
    color: mix(typeColour(n.type), BACKGROUND, (1 - f) * 0.6),
    borderColor: healthColour(n.health), health: n.health ?? "", freshness: f,
  };
}

/** A first load with more edges than this draws its nodes first and adds the edges just after
 *  (`completeEdges`): the first view is on screen ~1 s sooner in software WebGL, and a graph
 *  this big shows no edges at its first, zoomed-out view anyway (level of detail). */
export const DEFER_EDGES = 20_000;

/** What one `sync` touched: keys added or changed, and keys dropped (`reset`: everything anew). */
export interface SyncReport {
  reset: boolean;
  /** The edges of this first load are still to come: call `completeEdges`. */
  edgesPending?: boolean;
  nodes: string[];
  edges: string[];
  droppedNodes: string[];
  droppedEdges: string[];
}

export class PulseGraph {
  readonly graph = new Graph<NodeAttrs>({ type: "undirected", multi: true, allowSelfLoops: true });
  private prev: GraphState | null = null;
  private prevCollapsed: ReadonlySet<string> = new Set();
  /** Placed without any neighbour: moved next to its first neighbour when one arrives. */
  private lonely = new Set<string>();
  private alone: Point | null = null;
  /** Where the drawn nodes are, for placement, kept between batches (a batch of new nodes then
   *  costs its own size, not the graph's); null: rebuilt from the graph when next needed. Every
   *  add, move and drop of a node goes through it. */
  private occupied: { grid: SpatialGrid; resume: Map<string, number> } | null = null;
  repOf = new Map<string, string>();
  clusters: Cluster[] = [];
  clusterEdges: ClusterEdge[] = [];

  /** Brings the graph in line with `state`; says what it touched (null: nothing changed), so a
   *  renderer listening to none of the graph's events can update just those items. */
  sync(state: GraphState, collapsed: ReadonlySet<string>, now = Date.now(), opts: { deferEdges?: boolean } = {}): SyncReport | null {
    if (state === this.prev && collapsed === this.prevCollapsed) return null;
    const g = this.graph;
    const prevNodes = this.prev?.nodes ?? {};
    const prevEdges = this.prev?.edges ?? {};
    const report: SyncReport = { reset: false, nodes: [], edges: [], droppedNodes: [], droppedEdges: [] };
    const dropNode = (id: string) => {
      g.forEachEdge(id, (e) => {
        report.droppedEdges.push(e);
      });
      this.vacate(id);
      g.dropNode(id);
      report.droppedNodes.push(id);
    };
    for (const c of this.clusters) if (g.hasNode(CLUSTER_PREFIX + c.key)) dropNode(CLUSTER_PREFIX + c.key);
    if (this.prev === null || state.version < this.prev.version) {
      g.clear();
      this.occupied = null;
      this.alone = null;
      this.lonely.clear();
      this.waiting.clear();
      report.reset = true;
    }

    // A batch of node changes leaves the edge map as it was (and the reverse): skip the other map;
    // one batch applied to the state drawn last says which ids it touched: look at those only.
    const nodesChanged = report.reset || state.nodes !== prevNodes;
    const edgesChanged = report.reset || state.edges !== prevEdges;
    const delta = report.reset ? null : deltaBetween(this.prev, state);
    const nodeIds = !nodesChanged ? [] : delta ? [...new Set(delta.nodes)] : null;
    // While a first load's edges are still to come, only a full look at the edge map is right.
    const edgeIds = this.edgeBacklog ? null : !edgesChanged ? [] : delta ? [...new Set(delta.edges)] : null;
    for (const id of nodeIds ?? Object.keys(prevNodes)) if (!state.nodes[id] && g.hasNode(id)) {
      dropNode(id);
      this.lonely.delete(id);
    }
    const toPlace: string[] = [];
    const queued = new Set<string>();
    for (const id of nodeIds ?? Object.keys(state.nodes)) {
      const n = state.nodes[id];
      if (!n || (prevNodes[id] === n && g.hasNode(id))) continue;
      const attrs = nodeAttrs(n, now);
      report.nodes.push(id);
      if (g.hasNode(id)) {
        const cur = g.getNodeAttributes(id);
        if (n.auto_placed) {
          attrs.x = cur.x;
          attrs.y = cur.y;
        } else this.lonely.delete(id);
        const moved = attrs.x !== cur.x || attrs.y !== cur.y;
        if (moved) this.vacate(id);
        g.replaceNodeAttributes(id, attrs);
        if (moved) this.occupy(attrs);
      } else {
        g.addNode(id, attrs);
        if (n.auto_placed) {
          toPlace.push(id);
          queued.add(id);
        } else this.occupy(attrs);
      }
    }
    // A first load: no edge drawn yet (the snapshot after the empty mount, or after a reset).
    const defer = !!opts.deferEdges && g.size === 0 && !collapsed.size && !toPlace.length
      && Object.keys(state.edges).length > DEFER_EDGES;
    if (defer) {
      this.edgeBacklog = true;
      report.edgesPending = true;
    } else {
      this.edgeBacklog = false;
      this.syncEdges(state, prevEdges, edgeIds, report, queued, toPlace);
    }
    if (toPlace.length) {
      this.place(toPlace);
      // A lonely node moved next to its first neighbour was not reported yet.
      const reported = new Set(report.nodes);
      for (const id of toPlace) if (!reported.has(id)) report.nodes.push(id);
    }

    this.repOf = new Map();
    this.clusters = [];
    this.clusterEdges = [];
    if (collapsed.size) {
      const view = clusterView(state.nodes, state.edges, collapsed, (id) => (g.hasNode(id) ? g.getNodeAttributes(id) : undefined));
      this.repOf = view.repOf;
      this.clusters = view.clusters;
      this.clusterEdges = view.edges;
      for (const c of view.clusters) {
        const key = CLUSTER_PREFIX + c.key;
        g.addNode(key, {
          x: c.x, y: c.y, label: `${c.label} (${c.count.toLocaleString("en-GB")})`, kind: "cluster",
          importance: Math.min(8, 3 + Math.log2(c.count)), color: "#64748b", borderColor: "#e2e8f0",
          health: "", freshness: 1, cluster: c.key, count: c.count,
        });
        report.nodes.push(key);
      }
      for (const e of view.edges) {
        g.addEdgeWithKey(e.key, e.source, e.target, { relation: `${e.count} links`, color: "#64748b", size: Math.min(6, 1 + Math.log2(e.count)) } as never);
        report.edges.push(e.key);
      }
    }
    this.prev = state;
    this.prevCollapsed = collapsed;
    return report;
  }

  /** Edges that arrived before one of their nodes: added once it is there. */
  private waiting = new Set<string>();
  /** A first load's edges not added yet (see DEFER_EDGES). */
  private edgeBacklog = false;

  /** Adds the edges a first load deferred; null when none are due. */
  completeEdges(): SyncReport | null {
    if (!this.edgeBacklog || !this.prev) return null;
    this.edgeBacklog = false;
    const report: SyncReport = { reset: false, nodes: [], edges: [], droppedNodes: [], droppedEdges: [] };
    const toPlace: string[] = [];
    this.syncEdges(this.prev, {}, null, report, new Set(), toPlace);
    if (toPlace.length) {
      this.place(toPlace);
      report.nodes.push(...toPlace);
    }
    return report;
  }

  private syncEdges(state: GraphState, prevEdges: GraphState["edges"], edgeIds: string[] | null, report: SyncReport, queued: Set<string>, toPlace: string[]): void {
    const g = this.graph;
    for (const id of edgeIds ?? Object.keys(prevEdges)) if (!state.edges[id] && g.hasEdge(id)) {
      g.dropEdge(id);
      report.droppedEdges.push(id);
    }
    // Edges that waited for a node are tried again first, whichever map changed.
    const pendingEdges = this.waiting;
    this.waiting = new Set();
    for (const id of pendingEdges) if (state.edges[id] && !g.hasEdge(id)) this.addEdge(id, state, report, queued, toPlace);
    for (const id of edgeIds ?? Object.keys(state.edges)) {
      const e = state.edges[id];
      if (!e || (prevEdges[id] === e && g.hasEdge(id))) continue;
      this.addEdge(id, state, report, queued, toPlace);
    }
  }

  private addEdge(id: string, state: GraphState, report: SyncReport, queued: Set<string>, toPlace: string[]): void {
    const g = this.graph;
    const e = state.edges[id];
    if (!g.hasNode(e.source) || !g.hasNode(e.target)) {
      this.waiting.add(id); // arrives with its node
      return;
    }
    const attrs = {
      relation: e.type, from: e.source, to: e.target,
      color: EDGE_COLOURS[e.type] ?? "#64748b", size: 0.6 + (e.weight ?? 0.5) * 1.4,
    };
    report.edges.push(id);
    if (g.hasEdge(id)) {
      if (g.source(id) !== e.source && g.target(id) !== e.source) g.dropEdge(id);
      else {
        g.replaceEdgeAttributes(id, attrs);
        return;
      }
    }
    g.addEdgeWithKey(id, e.source, e.target, attrs);
    for (const end of [e.source, e.target]) {
      if (this.lonely.has(end) && !queued.has(end)) {
        toPlace.push(end);
        queued.add(end);
      }
    }
  }

  /** The occupancy grid, built from the graph (all but `except` and cluster stand-ins) if due. */
  private occupancy(except: ReadonlySet<string> = new Set()): { grid: SpatialGrid; resume: Map<string, number> } {
    if (!this.occupied) {
      const grid = new SpatialGrid(PLACEMENT_GAP);
      this.graph.forEachNode((id, a) => {
        if (!except.has(id) && !id.startsWith(CLUSTER_PREFIX)) grid.add({ x: a.x, y: a.y });
      });
      this.occupied = { grid, resume: new Map() };
    }
    return this.occupied;
  }

  private occupy(p: Point): void {
    this.occupied?.grid.add({ x: p.x, y: p.y });
  }

  private vacate(id: string): void {
    if (!this.occupied || id.startsWith(CLUSTER_PREFIX) || !this.graph.hasNode(id)) return;
    this.occupied.grid.remove(this.graph.getNodeAttributes(id));
    this.occupied.resume.clear(); // a spot freed near a spiral's start is found again
  }

  private place(ids: string[]): void {
    const g = this.graph;
    const pending = new Set(ids);
    // A lonely node placed before is in the grid at its old spot; a new one never was.
    if (this.occupied) for (const id of ids) if (this.lonely.has(id)) this.vacate(id);
    const { grid, resume } = this.occupancy(pending);
    const spots = placeNodes(
      ids, grid,
      (id) => g.neighbors(id).filter((n) => !pending.has(n) && !n.startsWith(CLUSTER_PREFIX)).map((n) => g.getNodeAttributes(n)),
      () => this.aloneCentre(), PLACEMENT_GAP, resume,
    );
    for (const [id, p] of spots) {
      g.mergeNodeAttributes(id, p);
      pending.delete(id);
      if (g.degree(id) === 0) this.lonely.add(id);
      else this.lonely.delete(id);
    }
  }

  /** Where nodes without neighbours gather: just below the drawing, clear of the organisation. */
  private aloneCentre(): Point {
    if (!this.alone) {
      let minX = Infinity, maxX = -Infinity, minY = Infinity;
      this.graph.forEachNode((id, a) => {
        if (this.lonely.has(id)) return;
        minX = Math.min(minX, a.x);
        maxX = Math.max(maxX, a.x);
        minY = Math.min(minY, a.y);
      });
      this.alone = Number.isFinite(minX) ? { x: (minX + maxX) / 2, y: minY - PLACEMENT_GAP * 4 } : toView(fallbackPosition(""));
    }
    return this.alone;
  }

  /** A stored position for a new node near `target` (stored coordinates), clear of every node. */
  freeSpot(target: Point): Point {
    return toStored(freeSpotNear(toView(target), this.occupancy().grid, PLACEMENT_GAP).spot);
  }

  /** A node dragged to `p` (view coordinates). */
  move(id: string, p: Point): void {
    if (!this.graph.hasNode(id)) return;
    this.vacate(id);
    this.graph.mergeNodeAttributes(id, { x: p.x, y: p.y });
    if (!id.startsWith(CLUSTER_PREFIX)) this.occupy(p);
  }

  /** After a drag: the node now has a chosen position and is no longer placed by the view. */
  pin(id: string): void {
    this.lonely.delete(id);
  }

  neighbours(id: string): string[] {
    return this.graph.hasNode(id) ? this.graph.neighbors(id) : [];
  }

  neighbourhood(id: string, hops: number): Set<string> {
    return neighbourhood(id, hops, (n) => this.neighbours(n));
  }

  /** The fewest-hops path between two nodes (edges either way), or null when none joins them. */
  shortestPath(a: string, b: string): string[] | null {
    if (!this.graph.hasNode(a) || !this.graph.hasNode(b)) return null;
    return bidirectional(this.graph, a, b);
  }
}
