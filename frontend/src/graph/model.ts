// The graph as PulseView draws it: pure functions over GraphState (no sigma, no DOM), so the
// placement, clustering and neighbourhood rules are tested on their own.
import type { GraphEdge, GraphNode } from "../api/types";

export type GroupLevel = "division" | "department" | "team";
export const GROUP_LEVELS: GroupLevel[] = ["division", "department", "team"];

export interface Point { x: number; y: number }

/** A node's group at one level, or null when it has none. Department and team keys carry their
 *  parents, so two "Platform" teams in different divisions stay apart. */
export function groupKey(node: Pick<GraphNode, "division" | "department" | "team">, level: GroupLevel): string | null {
  const d = node.division ?? "";
  if (!d) return null;
  if (level === "division") return `division|${d}`;
  const dep = node.department ?? "";
  if (!dep) return null;
  if (level === "department") return `department|${d}|${dep}`;
  const t = node.team ?? "";
  return t ? `team|${d}|${dep}|${t}` : null;
}

export function groupName(key: string): string {
  const parts = key.split("|");
  return parts[parts.length - 1];
}

export function groupLevel(key: string): GroupLevel {
  return key.split("|")[0] as GroupLevel;
}

export interface Cluster { key: string; label: string; count: number; x: number; y: number; members: string[] }
export interface ClusterEdge { key: string; source: string; target: string; count: number }
export interface ClusterView {
  /** node id → the cluster key that stands for it (only nodes inside a collapsed group). */
  repOf: Map<string, string>;
  clusters: Cluster[];
  edges: ClusterEdge[];
}

export const CLUSTER_PREFIX = "cluster:";

/** Collapsed groups as single nodes: the outermost collapsed group a node belongs to stands for
 *  it; edges between different stand-ins are merged into one edge each, with their count. */
export function clusterView(
  nodes: Record<string, GraphNode>, edges: Record<string, GraphEdge>, collapsed: ReadonlySet<string>,
  position: (id: string) => Point | undefined,
): ClusterView {
  const repOf = new Map<string, string>();
  const groups = new Map<string, Cluster>();
  if (collapsed.size === 0) return { repOf, clusters: [], edges: [] };
  for (const n of Object.values(nodes)) {
    for (const level of GROUP_LEVELS) {
      const key = groupKey(n, level);
      if (key && collapsed.has(key)) {
        const id = CLUSTER_PREFIX + key;
        repOf.set(n.id, id);
        let c = groups.get(id);
        if (!c) groups.set(id, (c = { key, label: groupName(key), count: 0, x: 0, y: 0, members: [] }));
        const p = position(n.id) ?? { x: n.x ?? 0, y: n.y ?? 0 };
        c.count += 1;
        c.x += p.x;
        c.y += p.y;
        c.members.push(n.id);
        break;
      }
    }
  }
  for (const c of groups.values()) {
    c.x /= c.count;
    c.y /= c.count;
  }
  const merged = new Map<string, ClusterEdge>();
  for (const e of Object.values(edges)) {
    const a = repOf.get(e.source);
    const b = repOf.get(e.target);
    if (!a && !b) continue;
    if (!nodes[e.source] || !nodes[e.target]) continue;
    const s = a ?? e.source;
    const t = b ?? e.target;
    if (s === t) continue;
    const [x, y] = s < t ? [s, t] : [t, s];
    const key = `cedge:${x}|${y}`;
    const m = merged.get(key);
    if (m) m.count += 1;
    else merged.set(key, { key, source: x, target: y, count: 1 });
  }
  return { repOf, clusters: [...groups.values()], edges: [...merged.values()] };
}

/** Nodes within `hops` steps of `start`, edges taken in either direction. */
export function neighbourhood(start: string, hops: number, neighbours: (id: string) => Iterable<string>): Set<string> {
  const seen = new Set([start]);
  let frontier = [start];
  for (let h = 0; h < hops && frontier.length; h++) {
    const next: string[] = [];
    for (const id of frontier) {
      for (const n of neighbours(id)) {
        if (!seen.has(n)) {
          seen.add(n);
          next.push(n);
        }
      }
    }
    frontier = next;
  }
  return seen;
}

/** A uniform grid of occupied points, for "is anything within `gap` of here?" in O(1). */
export class SpatialGrid {
  private cells = new Map<number, Point[]>();
  constructor(private gap: number) {}
  private static key(cx: number, cy: number): number {
    return (cx + 1_048_576) * 2_097_152 + (cy + 1_048_576);
  }
  add(p: Point): void {
    const k = SpatialGrid.key(Math.floor(p.x / this.gap), Math.floor(p.y / this.gap));
    const list = this.cells.get(k);
    if (list) list.push(p);
    else this.cells.set(k, [p]);
  }
  /** Forgets one point at exactly `p` (a node that moved or went); false when none is there. */
  remove(p: Point): boolean {
    const k = SpatialGrid.key(Math.floor(p.x / this.gap), Math.floor(p.y / this.gap));
    const list = this.cells.get(k);
    const i = list ? list.findIndex((q) => q.x === p.x && q.y === p.y) : -1;
    if (!list || i < 0) return false;
    list[i] = list[list.length - 1];
    list.pop();
    if (!list.length) this.cells.delete(k);
    return true;
  }
  free(p: Point): boolean {
    const cx = Math.floor(p.x / this.gap);
    const cy = Math.floor(p.y / this.gap);
    const g2 = this.gap * this.gap;
    for (let dx = -1; dx <= 1; dx++) {
      for (let dy = -1; dy <= 1; dy++) {
        const list = this.cells.get(SpatialGrid.key(cx + dx, cy + dy));
        if (!list) continue;
        for (const q of list) if ((q.x - p.x) ** 2 + (q.y - p.y) ** 2 < g2) return false;
      }
    }
    return true;
  }
}

const GOLDEN = Math.PI * (3 - Math.sqrt(5));

/** The nearest free spot to `target` on a golden-angle spiral outwards from step `from`, `gap`
 *  from every other node; returns the spot and the step it was found at. */
export function freeSpotNear(target: Point, grid: SpatialGrid, gap: number, from = 0): { spot: Point; step: number } {
  if (from === 0 && grid.free(target)) return { spot: target, step: 0 };
  for (let i = Math.max(1, from); i < from + 50_000; i++) {
    const r = gap * 0.9 * Math.sqrt(i);
    const a = i * GOLDEN;
    const p = { x: target.x + Math.cos(a) * r, y: target.y + Math.sin(a) * r };
    if (grid.free(p)) return { spot: p, step: i };
  }
  return { spot: { x: target.x + gap * 300, y: target.y }, step: from + 50_000 };
}

/**
 * Where nodes without stored coordinates go: next to the centre of their placed neighbours (or,
 * with none, near where they would have fallen), never within `gap` of another node. Placed
 * nodes join the grid at once, so a burst of new nodes spreads out instead of stacking; nodes
 * aiming at the same spot continue the spiral where the last one stopped (a burst of 5,000
 * around one hub stays linear, not quadratic). `placed` may be a grid kept by the caller: the
 * new spots are added to it, and `resume` (where each spiral stopped) may be kept beside it, so
 * the next batch costs its own size, not the graph's.
 */
export function placeNodes(
  toPlace: string[], placed: Iterable<Point> | SpatialGrid, neighbourPositions: (id: string) => Point[],
  fallback: (id: string) => Point, gap: number, resume = new Map<string, number>(),
): Map<string, Point> {
  let grid: SpatialGrid;
  if (placed instanceof SpatialGrid) grid = placed;
  else {
    grid = new SpatialGrid(gap);
    for (const p of placed) grid.add(p);
  }
  const out = new Map<string, Point>();
  for (const id of toPlace) {
    const near = neighbourPositions(id);
    const target = near.length
      ? { x: near.reduce((s, p) => s + p.x, 0) / near.length, y: near.reduce((s, p) => s + p.y, 0) / near.length }
      : fallback(id);
    // Nodes with no neighbour yet share one spiral (they gather in one place, and stay linear).
    const key = near.length ? `${Math.round(target.x / gap)},${Math.round(target.y / gap)}` : "alone";
    const { spot, step } = freeSpotNear(target, grid, gap, resume.get(key) ?? 0);
    resume.set(key, step + 1);
    grid.add(spot);
    out.set(id, spot);
  }
  return out;
}

/** "10,088 nodes · 50,176 edges" */
export function countsText(nodes: number, edges: number): string {
  const f = (n: number) => n.toLocaleString("en-GB");
  return `${f(nodes)} ${nodes === 1 ? "node" : "nodes"} · ${f(edges)} ${edges === 1 ? "edge" : "edges"}`;
}
