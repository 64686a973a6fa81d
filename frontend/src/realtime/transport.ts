// Which realtime transport to use, decided from GET /api/config (pure, unit-tested).
import type { ChangeEvent, Config, RealtimeChange, RealtimeTable } from "../api/types";

export type TransportChoice =
  | { kind: "supabase"; url: string; anonKey: string; changesUrl: string; tables: string[] }
  | { kind: "channels"; endpoint: string; changesUrl: string; tables: string[] };

/** The key NEXUS's own Supabase-compatible endpoint accepts; not a secret. */
export const LOCAL_ANON_KEY = "nexus-local-anon";

interface Place { protocol: string; host: string }

function wsOrigin(place: Place): string {
  return `${place.protocol === "https:" ? "wss" : "ws"}://${place.host}`;
}

/** realtime-js wants the endpoint without the trailing "/websocket" (it appends it). */
function channelsEndpoint(url: string | undefined, place: Place): string {
  let u = (url ?? "").trim();
  if (!u) u = "/realtime/v1";
  if (u.startsWith("/")) u = wsOrigin(place) + u;
  else if (u.startsWith("http://")) u = "ws://" + u.slice(7);
  else if (u.startsWith("https://")) u = "wss://" + u.slice(8);
  u = u.replace(/\/+$/, "").replace(/\/websocket$/, "");
  return u;
}

/** The tables to subscribe to: the server's list (one definition, kept by the server). Without
 *  one, "*": every table NEXUS's own endpoint carries. */
function tablesOf(names: readonly string[] | undefined): string[] {
  const named = (names ?? []).filter((t) => t !== "");
  return named.length ? named : ["*"];
}

/** `config` null: /api/config could not be read; NEXUS's own endpoint is the default. */
export function chooseTransport(config: Config | null, place: Place): TransportChoice {
  const changesUrl = config?.changes_url || "/api/realtime/changes";
  const rt = config?.realtime;
  const tables = tablesOf(rt?.tables);
  if (rt?.transport === "supabase" && rt.url && rt.anon_key) {
    return { kind: "supabase", url: rt.url.replace(/\/+$/, ""), anonKey: rt.anon_key, changesUrl, tables };
  }
  // Anything else (channels, missing or half-configured Supabase) uses NEXUS's own endpoint.
  return { kind: "channels", endpoint: channelsEndpoint(rt?.transport === "channels" ? rt.url : undefined, place), changesUrl, tables };
}

/** A postgres_changes event as a callback receives it from realtime-js, or a row of
 *  /api/realtime/changes (the same shape plus the change-log id). */
export type WireChange = Pick<RealtimeChange, "table" | "eventType" | "new" | "old" | "commit_timestamp">;

// The tables this page understands: the graph it patches, and those whose panels refetch.
const TABLES: ReadonlySet<string> = new Set<RealtimeTable>([
  "nodes", "edges", "notifications", "immune_alert_states", "immune_scans", "task_graphs",
]);

// NEXUS puts the change-log id in each record as _change_id: the one place realtime-js passes
// through to the callback unchanged. It is not a column, so it leaves the row here.
function split(record: Record<string, unknown>): { row: Record<string, unknown>; cursor: number | null } {
  const { _change_id: cursor, ...row } = record;
  return { row, cursor: typeof cursor === "number" ? cursor : null };
}

/** The ChangeEvent of a change to a table PulseView follows (null for others, and TRUNCATE). */
export function toChangeEvent(wire: WireChange): ChangeEvent | null {
  if (!TABLES.has(wire.table) || wire.eventType === "TRUNCATE") return null;
  const after = split(wire.new);
  const before = split(wire.old);
  // The boundary of the typing: a change carries its table's row as stored (see NodeRow etc.).
  return {
    table: wire.table,
    eventType: wire.eventType,
    new: after.row,
    old: before.row,
    cursor: after.cursor ?? before.cursor,
    commit_timestamp: wire.commit_timestamp,
  } as ChangeEvent;
}
