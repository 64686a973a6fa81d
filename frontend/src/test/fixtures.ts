// Whole API shapes for unit tests: a test names the fields it is about, the rest are the values a
// fresh row has (null where the column is nullable), so every fixture is a shape the server sends.
import type {
  ChangeEvent, ChangeEventType, CompactNodeOut, EdgeOut, GraphEdge, GraphNode, NodeOut, NodeRow, Notification, RealtimeChange,
} from "../api/types";

export function nodeOut(fields: Partial<NodeOut> & Pick<NodeOut, "id">): NodeOut {
  return {
    type: "fact", label: fields.id, division: null, department: null, team: null, health: null, size: null, x: null, y: null,
    status: null, current_freshness: null, freshness_score: null, half_life_days: null, source_type: null, source_id: null,
    created_at: null, updated_at: null, extras: null, ...fields,
  };
}

/** A node of the compact snapshot (the first view of the graph). */
export function compactNode(fields: Partial<CompactNodeOut> & Pick<CompactNodeOut, "id">): CompactNodeOut {
  return {
    type: "fact", label: fields.id, division: null, department: null, team: null, health: null, size: null, x: null, y: null,
    status: null, current_freshness: null, ...fields,
  };
}

/** A node as the live graph holds it after the full record was read. */
export function node(fields: Partial<GraphNode> & Pick<GraphNode, "id">): GraphNode {
  return nodeOut(fields);
}

/** A nodes-table row (what a realtime change carries). */
export function nodeRow(fields: Partial<NodeRow> & Pick<NodeRow, "id">): NodeRow {
  const { current_freshness: _computed, ...row } = nodeOut(fields);
  void _computed;
  return row;
}

export function edge(fields: Partial<EdgeOut> & Pick<EdgeOut, "id" | "source" | "target">): GraphEdge & EdgeOut {
  return { type: "related_to", weight: 1, animated: false, created_at: null, extras: null, ...fields };
}

export function notification(fields: Partial<Notification> & Pick<Notification, "id" | "person_id">): Notification {
  return {
    person_name: null, priority: "medium", action_required: false, suggested_action: null, summary: null, source_unit: null,
    acknowledged: false, created_at: null, ...fields,
  };
}

export function byId<T extends { id: string }>(items: T[]): Record<string, T> {
  return Object.fromEntries(items.map((i) => [i.id, i]));
}

/** A change event of `table` (cursor null unless given); rows are (parts of) that table's rows. */
export function change(
  table: ChangeEvent["table"], eventType: ChangeEventType, rows: { new?: object; old?: object }, cursor: number | null = null,
): ChangeEvent {
  return { table, eventType, new: rows.new ?? {}, old: rows.old ?? {}, cursor, commit_timestamp: "2026-11-01T10:00:00.000Z" } as ChangeEvent;
}

/** A row of GET /api/realtime/changes: the realtime shape, its records carrying _change_id. */
export function wireChange(id: number, table: string, eventType: RealtimeChange["eventType"], record: Record<string, unknown>): RealtimeChange {
  const withCursor = { ...record, _change_id: id };
  return {
    id, schema: "public", table, eventType, commit_timestamp: "2026-11-01T10:00:00.000Z", errors: null,
    new: eventType === "DELETE" ? {} : withCursor, old: eventType === "DELETE" || eventType === "UPDATE" ? withCursor : {},
  };
}
