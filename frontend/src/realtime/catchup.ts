// Catching up after a reconnect: read the change log after our cursor, page by page.
// Any failure (410 "resync_required" above all) answers "resync": reload the whole graph.
import type { ChangeEvent, RealtimeChangesPage } from "../api/types";
import { toChangeEvent } from "./transport";


export type CatchUp =
  | { kind: "events"; events: ChangeEvent[]; cursor: number }
  | { kind: "resync"; reason: string };

export function changesUrl(base: string, after: number | null, tables = "nodes,edges"): string {
  const sep = base.includes("?") ? "&" : "?";
  return after === null ? `${base}${sep}tables=${tables}` : `${base}${sep}after=${after}&tables=${tables}`;
}

export async function readChangesAfter(
  after: number, base: string, get: (url: string) => Promise<RealtimeChangesPage>, maxPages = 50,
): Promise<CatchUp> {
  const events: ChangeEvent[] = [];
  let cursor = after;
  for (let page = 0; page < maxPages; page++) {
    let body: RealtimeChangesPage;
    try {
      body = await get(changesUrl(base, cursor));
    } catch (e) {
      const status = (e as { status?: number })?.status;
      return { kind: "resync", reason: status === 410 ? "change log pruned past our cursor" : "change log unreadable" };
    }
    for (const row of body.changes) {
      const ev = toChangeEvent(row);
      if (ev && (ev.table === "nodes" || ev.table === "edges")) events.push(ev);
    }
    if (body.cursor > cursor) cursor = body.cursor;
    if (!body.has_more) return { kind: "events", events, cursor };
  }
  return { kind: "resync", reason: "backlog too long" }; // a snapshot is cheaper
}
