// Shapes of the NEXUS API (see /api/docs/). Optional fields are ones older servers may omit.

export type NodeType =
  | "person" | "agent" | "team" | "decision" | "fact" | "commitment" | "question" | "topic";

export const NODE_TYPES: NodeType[] = [
  "person", "agent", "team", "decision", "fact", "commitment", "question", "topic",
];

export interface GraphNode {
  id: string;
  type: NodeType | string;
  label: string;
  division?: string | null;
  department?: string | null;
  team?: string | null;
  health?: string | null;
  size?: number | null;
  x?: number | null;
  y?: number | null;
  status?: string | null;
  freshness_score?: number | null;
  current_freshness?: number | null;
  half_life_days?: number | null;
  source_type?: string | null;
  source_id?: string | null;
  created_at?: string | null;
  updated_at?: string | null;
  extras?: Record<string, unknown> | null;
  /** Set by the client: the node came without coordinates and sits where the view placed it. */
  auto_placed?: boolean;
}

export interface GraphEdge {
  id: string;
  source: string;
  target: string;
  type: string;
  weight?: number | null;
  animated?: boolean | null;
  extras?: Record<string, unknown> | null;
}

export interface GraphResponse {
  nodes: GraphNode[];
  edges: GraphEdge[];
  metadata?: Record<string, unknown>;
}

export type ChangeEventType = "INSERT" | "UPDATE" | "DELETE";

/** A postgres_changes event as realtime-js delivers it, plus the change-log cursor. */
export interface ChangeEvent {
  table: string;
  eventType: ChangeEventType;
  new: Record<string, unknown>;
  old: Record<string, unknown>;
  cursor: number | null;
  commit_timestamp?: string;
}

export interface Notification {
  id: number;
  person_id: string;
  person_name?: string | null;
  priority?: string | null;
  action_required?: boolean | null;
  suggested_action?: string | null;
  summary?: string | null;
  source_unit?: unknown;
  acknowledged?: boolean | null;
  created_at?: string | null;
}

export type ConnectionStatus = "connecting" | "live" | "reconnecting" | "offline";
