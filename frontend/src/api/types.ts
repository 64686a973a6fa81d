// Names for the API's shapes. Every one is the OpenAPI schema's (schema.d.ts, written by
// `make api-types` from the server's code): nothing here restates a field by hand.
import type { components, operations } from "./schema";

export type Schemas = components["schemas"];

export type NodeType = Schemas["TypeEnum"];
export type NodeOut = Schemas["NodeOut"];
export type EdgeOut = Schemas["EdgeOut"];
export type CompactNodeOut = Schemas["CompactNodeOut"];
export type CompactEdgeOut = Schemas["CompactEdgeOut"];
export type GraphOut = Schemas["GraphOut"];
export type GraphCompactOut = Schemas["GraphCompactOut"];
export type NodeDetail = Schemas["NodeDetailOut"];
export type HistoryEntry = Schemas["HistoryEntryOut"];
export type NodeCascade = Schemas["NodeCascadeOut"];
export type NodeVersions = Schemas["NodeVersionsOut"];
export type GraphDiff = Schemas["GraphDiffOut"];
export type DiffEntry = Schemas["DiffEntryOut"];
export type GraphTimeline = Schemas["GraphTimelineOut"];
export type SearchOut = Schemas["SearchOut"];
export type SearchResult = Schemas["SearchResultOut"];
export type Notification = Schemas["Notification"];
export type NotificationPage = Schemas["NotificationPage"];
export type AskResponse = Schemas["AskResponse"];
export type Conversation = Schemas["Conversation"];
export type Citation = Schemas["Citation"];
export type InfoDropResponse = Schemas["InfoDropResponse"];
export type AlertsResponse = Schemas["AlertsResponse"];
export type Alert = Schemas["Alert"];
export type AlertState = Schemas["AlertState"];
export type AlertStateResponse = Schemas["AlertStateResponse"];
export type ImmuneScan = Schemas["ImmuneScan"];
export type TaskGraph = Schemas["TaskGraph"];
export type ScheduledTask = Schemas["ScheduledTask"];
export type TaskInput = Schemas["TaskInputRequest"];
export type WorkerAnalysis = Schemas["WorkerAnalysis"];
export type Reallocation = Schemas["Reallocation"];
export type AppliedReallocation = Schemas["AppliedReallocation"];
export type UsageReport = Schemas["UsageReport"];
export type Config = Schemas["Config"];
export type Session = Schemas["Session"];
export type SessionUser = Schemas["SessionUser"];
export type Role = Schemas["RoleEnum"];
export type RealtimeChange = Schemas["RealtimeChange"];
export type RealtimeChangesPage = Schemas["RealtimeChangesPage"];
export type HealthOut = Schemas["HealthOut"];
export type NodeCreate = Schemas["NodeCreateInputRequest"];
export type NodeUpdate = Schemas["PatchedNodeUpdateInputRequest"];
export type EdgeCreate = Schemas["EdgeCreateInputRequest"];
/** The `fields` of a 400 answer: the messages for each request field. */
export type ErrorFields = NonNullable<Schemas["ErrorBody"]["fields"]>;
/** The query parameters of GET /api/search. */
export type SearchQuery = NonNullable<operations["search"]["parameters"]["query"]>;

// Every node type, once: a Record keyed by the schema's enum fails to compile when one is missing.
const TYPE_SET: Record<NodeType, true> = {
  person: true, agent: true, team: true, decision: true, fact: true, commitment: true, question: true, topic: true,
};
export const NODE_TYPES = Object.keys(TYPE_SET) as NodeType[];

// ── Table rows, as realtime delivers them ───────────────────────────────────
// A change carries the table's row as stored: the API's node and edge shapes without what the API
// computes (a node's current_freshness), and a notification exactly as the API answers it.
export type NodeRow = Omit<NodeOut, "current_freshness">;
export type EdgeRow = EdgeOut;
export type NotificationRow = Notification;

/** A node of the graph being drawn: the compact snapshot's fields, plus whatever the full record or
 *  a live row added (a live row has no current_freshness: it is worked out from the stored score). */
export type GraphNode = Omit<CompactNodeOut, "current_freshness"> & Partial<NodeOut> & {
  /** Set by the client: the node came without coordinates and sits where the view placed it. */
  auto_placed?: boolean;
};
export type GraphEdge = CompactEdgeOut & Partial<EdgeOut>;

/** What a graph reset starts from: either view of GET /api/graph. */
export interface GraphSnapshot {
  nodes: (CompactNodeOut | NodeOut)[];
  edges: (CompactEdgeOut | EdgeOut)[];
}

export type ChangeEventType = "INSERT" | "UPDATE" | "DELETE";

interface RowChange<Table extends string, Row> {
  table: Table;
  eventType: ChangeEventType;
  /** The row after (INSERT, UPDATE); empty on DELETE. */
  new: Partial<Row>;
  /** The row before (UPDATE, DELETE); empty on INSERT. */
  old: Partial<Row>;
  /** The change-log id (null when the server sent none). */
  cursor: number | null;
  commit_timestamp: string;
}

/** A postgres_changes event of one of the tables PulseView listens to, with its cursor. */
export type ChangeEvent =
  | RowChange<"nodes", NodeRow>
  | RowChange<"edges", EdgeRow>
  | RowChange<"notifications", NotificationRow>
  // Panels refetch when these change (useTableChanges); they read nothing from the row.
  | RowChange<"immune_alert_states" | "immune_scans" | "task_graphs", Record<string, unknown>>;

export type RealtimeTable = ChangeEvent["table"];

export type ConnectionStatus = "connecting" | "live" | "reconnecting" | "offline";
