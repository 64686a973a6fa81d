// The timeline's pure parts: the slider's scale, moments the server accepts, the remembered last
// visit, and a diff turned into what the Changes panel lists and the graph marks.
import type { DiffEntry, GraphDiff, GraphTimeline } from "../api/types";

export type TimelineSpanBody = GraphTimeline;

export interface Span {
  /** The first moment history answers for (ms), or null: nothing recorded yet. */
  start: number | null;
  /** Server clock minus client clock (ms): the server refuses moments after its own now. */
  skew: number;
}

export function spanOf(body: TimelineSpanBody, clientNow: number): Span {
  // Date keeps milliseconds, the server microseconds: the next millisecond is the first one that
  // shows the first version (the truncated one would fall just before it, on an empty graph).
  const start = body.earliest ? Date.parse(body.earliest) + 1 : null;
  const serverNow = Date.parse(body.now);
  return { start: Number.isFinite(start) ? start : null, skew: Number.isFinite(serverNow) ? serverNow - clientNow : 0 };
}

/** Now, on the server's clock. */
export function serverNow(span: Span, clientNow: number = Date.now()): number {
  return clientNow + span.skew;
}

/** A moment to ask the server for, or null when it means "now" (then the live graph is shown):
 *  kept within [start, now]; anything within `margin` (default LIVE_MARGIN) of now is live. A
 *  moment the server itself reported (a removal's time) is past on its clock: margin 0. */
export const LIVE_MARGIN = 5_000;
export function clampMoment(t: number, span: Span, clientNow: number = Date.now(), margin: number = LIVE_MARGIN): number | null {
  const end = serverNow(span, clientNow);
  if (!Number.isFinite(t) || t >= end - margin) return null;
  return span.start !== null ? Math.max(t, span.start) : t;
}

/** The slider runs 0..SLIDER_STEPS from the first moment to now (linear in time). */
export const SLIDER_STEPS = 1000;
export function positionOf(t: number | null, start: number, end: number): number {
  if (t === null || end <= start) return SLIDER_STEPS;
  return Math.round(Math.min(1, Math.max(0, (t - start) / (end - start))) * SLIDER_STEPS);
}
export function momentAt(position: number, start: number, end: number): number {
  return start + (end - start) * (Math.min(SLIDER_STEPS, Math.max(0, position)) / SLIDER_STEPS);
}

const pad = (n: number) => String(n).padStart(2, "0");

/** The value of an <input type="datetime-local"> for a moment, in local time, to the minute. */
export function toLocalInput(t: number): string {
  const d = new Date(t);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** A datetime-local value ("2026-11-01T14:05", local time) as a moment, or null. */
export function fromLocalInput(value: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(value.trim());
  if (!m) return null;
  const [, y, mo, d, h, mi, s] = m.map(Number);
  const date = new Date(y, mo - 1, d, h, mi, s || 0);
  return Number.isNaN(date.getTime()) ? null : date.getTime();
}

/** Calls fn with the last arguments once `wait` ms pass without another call. */
export function debounce<A extends unknown[]>(fn: (...args: A) => void, wait: number) {
  let timer: ReturnType<typeof setTimeout> | null = null;
  const call = (...args: A) => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = null;
      fn(...args);
    }, wait);
  };
  call.cancel = () => {
    if (timer) clearTimeout(timer);
    timer = null;
  };
  return call;
}

// ── the last visit, per user ────────────────────────────────────────────────

export const FIRST_VISIT_DAYS = 7;
type Store = Pick<Storage, "getItem" | "setItem">;

export function lastVisitKey(username: string): string {
  return `nexus.lastVisit.${username}`;
}

/** When this user was last here (as remembered in this browser); a first visit: 7 days ago. */
export function readLastVisit(store: Store, username: string, now: number = Date.now()): number {
  const stored = Date.parse(store.getItem(lastVisitKey(username)) ?? "");
  if (Number.isFinite(stored) && stored <= now) return stored;
  return now - FIRST_VISIT_DAYS * 86_400_000;
}

export function writeLastVisit(store: Store, username: string, now: number = Date.now()): void {
  try {
    store.setItem(lastVisitKey(username), new Date(now).toISOString());
  } catch {
    // storage full or refused (private mode): the next visit falls back to a week
  }
}

// ── a diff, as listed and marked ────────────────────────────────────────────

export type ChangeKind = "added" | "removed" | "changed";

export interface FieldChange {
  field: string;
  before: string;
  after: string;
}

export interface ChangeItem {
  id: string;
  kind: ChangeKind;
  label: string;
  type: string;
  at: string;
  actors: string[];
  fields: FieldChange[];
}

// Restarted by every update: listing them would repeat the same line under every change.
const BOOKKEEPING = new Set(["updated_at", "current_freshness"]);

/** A stored value as one short line. */
export function formatValue(value: unknown): string {
  if (value === null || value === undefined || value === "") return "—";
  if (typeof value === "number") return Number.isInteger(value) ? String(value) : String(Math.round(value * 1000) / 1000);
  if (typeof value === "string") return value;
  const text = JSON.stringify(value);
  return text.length > 120 ? text.slice(0, 118) + "…" : text;
}

/** Extras change as one JSON column: list the keys that changed inside it instead. */
function fieldChanges(changes: DiffEntry["changes"]): FieldChange[] {
  const out: FieldChange[] = [];
  for (const [field, { before, after }] of Object.entries(changes ?? {}).sort(([a], [b]) => a.localeCompare(b))) {
    if (BOOKKEEPING.has(field)) continue;
    const isObject = (v: unknown) => !!v && typeof v === "object" && !Array.isArray(v);
    if (field === "extras" && (isObject(before) || isObject(after))) {
      const b = (before ?? {}) as Record<string, unknown>;
      const a = (after ?? {}) as Record<string, unknown>;
      for (const key of [...new Set([...Object.keys(b), ...Object.keys(a)])].sort()) {
        if (JSON.stringify(b[key]) !== JSON.stringify(a[key])) {
          out.push({ field: `extras.${key}`, before: formatValue(b[key]), after: formatValue(a[key]) });
        }
      }
      continue;
    }
    out.push({ field, before: formatValue(before), after: formatValue(after) });
  }
  return out;
}

/** The node changes, newest first. */
export function changeItems(diff: GraphDiff): ChangeItem[] {
  const items: ChangeItem[] = [];
  const whole = (kind: ChangeKind) => (e: DiffEntry) => items.push({
    // node: the stored row (added or removed); the schema leaves its columns open.
    id: e.id, kind, label: String(e.node?.label ?? e.id), type: String(e.node?.type ?? ""), at: e.at, actors: e.actors, fields: [],
  });
  diff.nodes.added.forEach(whole("added"));
  diff.nodes.removed.forEach(whole("removed"));
  for (const e of diff.nodes.changed) {
    items.push({
      id: e.id, kind: "changed", label: e.label ?? e.id, type: e.type ?? "", at: e.at, actors: e.actors,
      fields: fieldChanges(e.changes),
    });
  }
  return items.sort((a, b) => Date.parse(b.at) - Date.parse(a.at) || a.id.localeCompare(b.id));
}

/** Node id → how it changed, for the graph's marks. */
export function marksOf(diff: GraphDiff | null): Map<string, ChangeKind> {
  const marks = new Map<string, ChangeKind>();
  if (!diff) return marks;
  for (const kind of ["added", "removed", "changed"] as const) for (const e of diff.nodes[kind]) marks.set(e.id, kind);
  return marks;
}

export function edgeCounts(diff: GraphDiff): Record<ChangeKind, number> {
  return { added: diff.edges.added.length, removed: diff.edges.removed.length, changed: diff.edges.changed.length };
}
