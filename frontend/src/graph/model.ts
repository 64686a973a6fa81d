// The graph as PulseView draws it: pure functions over GraphState (no sigma, no DOM), so the
// placement, clustering and neighbourhood rules are tested on their own.
import type { GraphEdge, GraphNode } from "../types";

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
  private cells = new Map<string, Point[]>();
  constructor(private gap: number) {}
  private cell(x: number, y: number): string {
    return `${Math.floor(x / this.gap)},${Math.floor(y / this.gap)}`;
  }
  add(p: Point): void {
    const k = this.cell(p.x, p.y);
    const list = this.cells.get(k);
    if (list) list.push(p);
    else this.cells.set(k, [p]);
  }
  free(p: Point): boolean {
    const cx = Math.floor(p.x / this.gap);
    const cy = Math.floor(p.y / this.gap);
    for (let dx = -1; dx <= 1; dx++) {
      for (let dy = -1; dy <= 1; dy++) {
        for (const q of this.cells.get(`${cx + dx},${cy + dy}`) ?? []) {
          if ((q.x - p.x) ** 2 + (q.y - p.y) ** 2 < this.gap * this.gap) return false;
        }
      }
    }
    return true;
  }
}

/** The nearest free spot to `target` (a golden-angle spiral outwards), `gap` from every other node. */
export function freeSpotNear(target: Point, grid: SpatialGrid, gap: number, seed = 0): Point {
  if (grid.free(target)) return target;
  const golden = Math.PI * (3 - Math.sqrt(5));
  for (let i = 1; i < 20_000; i++) {
    const r = gap * 0.9 * Math.sqrt(i);
    const a = i * golden + seed;
    const p = { x: target.x + Math.cos(a) * r, y: target.y + Math.sin(a) * r };
    if (grid.free(p)) return p;
  }
  return { x: target.x + gap * 150, y: target.y };
}

/**
 * Where nodes without stored coordinates go: next to the centre of their placed neighbours (or,
 * with none, near where they would have fallen), never within `gap` of another node. Placed
 * nodes join the grid at once, so a burst of new nodes spreads out instead of stacking.
 */
export function placeNodes(
  toPlace: string[], placed: Iterable<Point>, neighbourPositions: (id: string) => Point[],
  fallback: (id: string) => Point, gap: number,
): Map<string, Point> {
  const grid = new SpatialGrid(gap);
  for (const p of placed) grid.add(p);
  const out = new Map<string, Point>();
  toPlace.forEach((id, i) => {
    const near = neighbourPositions(id);
    const target = near.length
      ? { x: near.reduce((s, p) => s + p.x, 0) / near.length, y: near.reduce((s, p) => s + p.y, 0) / near.length }
      : fallback(id);
    const spot = freeSpotNear(target, grid, gap, i);
    grid.add(spot);
    out.set(id, spot);
  });
  return out;
}

/** "10,088 nodes · 50,176 edges" */
export function countsText(nodes: number, edges: number): string {
  const f = (n: number) => n.toLocaleString("en-GB");
  return `${f(nodes)} ${nodes === 1 ? "node" : "nodes"} · ${f(edges)} ${edges === 1 ? "edge" : "edges"}`;
}
