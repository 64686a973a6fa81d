import { describe, expect, it } from "vitest";
import { ApiError } from "../api/client";
import type { RealtimeChangesPage } from "../api/types";
import { wireChange as row } from "../test/fixtures";
import { changesUrl, readChangesAfter } from "./catchup";

const page = (p: Omit<RealtimeChangesPage, "pending">): RealtimeChangesPage => ({ ...p, pending: false });

describe("readChangesAfter", () => {
  it("builds the resume URL", () => {
    expect(changesUrl("/api/realtime/changes", 7)).toBe("/api/realtime/changes?after=7&tables=nodes,edges");
    expect(changesUrl("/api/realtime/changes", null)).toBe("/api/realtime/changes?tables=nodes,edges");
  });

  it("reads every page in order and returns the last cursor", async () => {
    const pages: Record<string, RealtimeChangesPage> = {
      "/c?after=10&tables=nodes,edges": page({ changes: [row(11, "nodes", "INSERT", { id: "f-1", label: "a" })], cursor: 11, has_more: true }),
      "/c?after=11&tables=nodes,edges": page({ changes: [row(12, "nodes", "DELETE", { id: "f-1" }), row(13, "edges", "INSERT", { id: "e-1", source: "a", target: "b", type: "x" })], cursor: 13, has_more: false }),
    };
    const seen: string[] = [];
    const out = await readChangesAfter(10, "/c", async (url) => {
      seen.push(url);
      return pages[url];
    });
    expect(seen).toEqual(Object.keys(pages));
    expect(out.kind).toBe("events");
    if (out.kind !== "events") return;
    expect(out.events.map((e) => [e.cursor, e.table, e.eventType])).toEqual([[11, "nodes", "INSERT"], [12, "nodes", "DELETE"], [13, "edges", "INSERT"]]);
    expect(out.events[0].new).toEqual({ id: "f-1", label: "a" }); // the cursor is not a node field
    expect(out.cursor).toBe(13);
  });

  it("answers resync on 410", async () => {
    const out = await readChangesAfter(1, "/c", async () => {
      throw new ApiError(410, "resync_required", "gone");
    });
    expect(out).toEqual({ kind: "resync", reason: "change log pruned past our cursor" });
  });

  it("answers resync when the log cannot be read or the backlog never ends", async () => {
    expect((await readChangesAfter(1, "/c", async () => { throw new ApiError(0, "network", "down"); })).kind).toBe("resync");
    let n = 1;
    const endless = await readChangesAfter(1, "/c", async () => page({ changes: [], cursor: ++n, has_more: true }), 3);
    expect(endless.kind).toBe("resync");
  });

  it("keeps the cursor when nothing changed", async () => {
    const out = await readChangesAfter(5, "/c", async () => page({ changes: [], cursor: 5, has_more: false }));
    expect(out).toEqual({ kind: "events", events: [], cursor: 5 });
  });
});
