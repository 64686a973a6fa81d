// Which realtime transport to use, decided from GET /api/config (pure, unit-tested).
import type { ChangeEvent, ChangeEventType } from "../types";

export interface NexusConfig {
  realtime?: { transport?: string; url?: string; anon_key?: string; tables?: unknown } | null;
  changes_url?: string;
  auth?: { mode?: "required" | "open"; provider?: "django" | "supabase" } | null;
}

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
function tablesOf(value: unknown): string[] {
  const names = Array.isArray(value) ? value.filter((t): t is string => typeof t === "string" && t !== "") : [];
  return names.length ? names : ["*"];
}

export function chooseTransport(config: NexusConfig | null | undefined, place: Place): TransportChoice {
  const changesUrl = config?.changes_url || "/api/realtime/changes";
  const rt = config?.realtime;
  const tables = tablesOf(rt?.tables);
  if (rt?.transport === "supabase" && rt.url && rt.anon_key) {
    return { kind: "supabase", url: rt.url.replace(/\/+$/, ""), anonKey: rt.anon_key, changesUrl, tables };
  }
  // Anything else (channels, missing or half-configured Supabase) uses NEXUS's own endpoint.
  return { kind: "channels", endpoint: channelsEndpoint(rt?.transport === "channels" ? rt.url : undefined, place), changesUrl, tables };
}

// NEXUS puts the change-log id in each record as _change_id (realtime-js keeps unknown record
// keys), in the raw wire data as change_id, and /api/realtime/changes answers with cursor; a row
// of that endpoint has it as id (handled by the caller).
const CURSOR_KEYS = ["_change_id", "change_id", "cursor"];

/** The change-log id of an event, wherever the server put it (null when it sent none). */
export function cursorOf(...sources: unknown[]): number | null {
  for (const src of sources) {
    if (!src || typeof src !== "object") continue;
    const obj = src as Record<string, unknown>;
    for (const k of CURSOR_KEYS) {
      const v = obj[k];
      if (v !== undefined && v !== null && v !== "") {
        const n = Number(v);
        if (Number.isFinite(n)) return n;
      }
    }
  }
  return null;
}

function asRecord(v: unknown): Record<string, unknown> {
  if (v && typeof v === "object" && !Array.isArray(v)) return v as Record<string, unknown>;
  if (typeof v === "string") {
    try {
      const parsed = JSON.parse(v);
      if (parsed && typeof parsed === "object") return parsed as Record<string, unknown>;
    } catch {
      /* not JSON */
    }
  }
  return {};
}

function withoutCursor(rec: Record<string, unknown>): Record<string, unknown> {
  if (!("_change_id" in rec)) return rec;
  const { _change_id: _drop, ...rest } = rec;
  void _drop;
  return rest;
}

function eventTypeOf(v: unknown): ChangeEventType | null {
  const t = String(v ?? "").toUpperCase();
  return t === "INSERT" || t === "UPDATE" || t === "DELETE" ? t : null;
}

/**
 * A ChangeEvent from any of the shapes NEXUS speaks: the Supabase wire payload
 * (`{type, table, record, old_record}`), realtime-js's transformed payload
 * (`{eventType, table, new, old}`), or a row of /api/realtime/changes.
 */
export function toChangeEvent(raw: unknown, outer?: unknown): ChangeEvent | null {
  if (!raw || typeof raw !== "object") return null;
  const r = raw as Record<string, unknown>;
  const eventType = eventTypeOf(r.eventType ?? r.type ?? r.op ?? r.operation ?? r.action);
  const table = (r.table ?? r.table_name) as string | undefined;
  if (!eventType || !table) return null;
  return {
    table: String(table),
    eventType,
    new: withoutCursor(asRecord(r.new ?? r.record ?? r.new_record ?? r.row)),
    old: withoutCursor(asRecord(r.old ?? r.old_record ?? r.old_row)),
    cursor: cursorOf(r, outer, r.new ?? r.record, r.old ?? r.old_record) ?? (typeof r.id === "number" ? r.id : null),
    commit_timestamp: (r.commit_timestamp as string | undefined) ?? undefined,
  };
}
