// The visible part of the graph as CSV (RFC 4180: quoted when needed, CRLF line ends), one file
// of nodes and one of edges. A collapsed group is one row, as it is one drawn node.
import { CLUSTER_PREFIX, groupName } from "../graph/model";
import { currentFreshness } from "../graph/reducer";
import type { GraphEdge, GraphNode } from "../api/types";

export function csvCell(v: unknown): string {
  if (v === null || v === undefined) return "";
  let s = typeof v === "object" ? JSON.stringify(v) : String(v);
  // A cell starting with = + - @ is a formula to a spreadsheet: make it text.
  if (/^[=+\-@\t\r]/.test(s) && !/^-?\d/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function toCsv(header: string[], rows: unknown[][]): string {
  return [header, ...rows].map((r) => r.map(csvCell).join(",")).join("\r\n") + "\r\n";
}

export const NODE_COLUMNS = ["id", "label", "type", "division", "department", "team", "status", "health", "freshness", "updated_at", "members"];
export const EDGE_COLUMNS = ["id", "source", "source_label", "type", "target", "target_label", "weight"];

export interface ClusterRow { id: string; count: number }

/** Nodes in the order given (drawn ids); a cluster id becomes a group row with its member count. */
export function nodesCsv(ids: string[], nodes: Record<string, GraphNode>, clusters: Map<string, ClusterRow>, now = Date.now()): string {
  const rows: unknown[][] = [];
  for (const id of ids) {
    if (id.startsWith(CLUSTER_PREFIX)) {
      const key = id.slice(CLUSTER_PREFIX.length);
      const [level] = key.split("|");
      rows.push([id, groupName(key), `${level} group`, "", "", "", "", "", "", "", clusters.get(id)?.count ?? ""]);
      continue;
    }
    const n = nodes[id];
    if (!n) continue;
    rows.push([n.id, n.label, n.type, n.division, n.department, n.team, n.status, n.health,
      Math.round(currentFreshness(n, now) * 1000) / 1000, n.updated_at, ""]);
  }
  return toCsv(NODE_COLUMNS, rows);
}

export interface DrawnEdge { id: string; source: string; target: string; type: string; weight?: number | null }

export function edgesCsv(edges: DrawnEdge[], label: (id: string) => string): string {
  return toCsv(EDGE_COLUMNS, edges.map((e) => [e.id, e.source, label(e.source), e.type, e.target, label(e.target), e.weight]));
}

/** The drawn edges: the graph's edges with both ends drawn, plus the merged edges between groups. */
export function drawnEdges(
  drawn: ReadonlySet<string>, edges: Record<string, GraphEdge>, merged: { key: string; source: string; target: string; count: number }[],
): DrawnEdge[] {
  const out: DrawnEdge[] = [];
  for (const e of Object.values(edges)) {
    if (drawn.has(e.source) && drawn.has(e.target)) out.push({ id: e.id, source: e.source, target: e.target, type: e.type, weight: e.weight ?? null });
  }
  for (const m of merged) {
    if (drawn.has(m.source) && drawn.has(m.target)) out.push({ id: m.key, source: m.source, target: m.target, type: `${m.count} links`, weight: null });
  }
  return out;
}
