// Catching up after a reconnect: read the change log after our cursor, page by page.
// Any failure (410 "resync_required" above all) answers "resync": reload the whole graph.
import { asList } from "../api";
import type { ChangeEvent } from "../types";
import { toChangeEvent } from "./transport";

export interface ChangesPage { changes?: unknown[]; cursor?: number; has_more?: boolean }

export type CatchUp =
  | { kind: "events"; events: ChangeEvent[]; cursor: number }
  | { kind: "resync"; reason: string };

export function changesUrl(base: string, after: number | null, tables = "nodes,edges"): string {
  const sep = base.includes("?") ? "&" : "?";
  return after === null ? `${base}${sep}tables=${tables}` : `${base}${sep}after=${after}&tables=${tables}`;
}

export async function readChangesAfter(
  after: number, base: string, get: (url: string) => Promise<ChangesPage>, maxPages = 50,
): Promise<CatchUp> {
  const events: ChangeEvent[] = [];
  let cursor = after;
  for (let page = 0; page < maxPages; page++) {
    let body: ChangesPage;
    try {
      body = await get(changesUrl(base, cursor));
    } catch (e) {
      const status = (e as { status?: number })?.status;
      return { kind: "resync", reason: status === 410 ? "change log pruned past our cursor" : "change log unreadable" };
    }
    for (const row of asList<unknown>(body, "changes", "events")) {
      const ev = toChangeEvent(row);
      if (ev && (ev.table === "nodes" || ev.table === "edges")) events.push(ev);
    }
    if (typeof body.cursor === "number" && body.cursor > cursor) cursor = body.cursor;
    if (!body.has_more) return { kind: "events", events, cursor };
  }
  return { kind: "resync", reason: "backlog too long" }; // a snapshot is cheaper
}
