import { describe, expect, it } from "vitest";
import { chooseTransport, cursorOf, toChangeEvent } from "./transport";

const http = { protocol: "http:", host: "127.0.0.1:8000" };
const https = { protocol: "https:", host: "nexus.example.org" };

describe("chooseTransport", () => {
  it("uses Supabase Realtime when the config names it with url and anon key", () => {
    const c = chooseTransport(
      { realtime: { transport: "supabase", url: "https://abc.supabase.co/", anon_key: "anon", tables: ["nodes", "task_graphs"] }, changes_url: "/api/realtime/changes" },
      http,
    );
    expect(c).toEqual({ kind: "supabase", url: "https://abc.supabase.co", anonKey: "anon", changesUrl: "/api/realtime/changes", tables: ["nodes", "task_graphs"] });
  });

  it("uses NEXUS's Channels endpoint with the URL the server gives", () => {
    const c = chooseTransport({ realtime: { transport: "channels", url: "ws://127.0.0.1:8000/realtime/v1", tables: ["nodes", "edges"] } }, http);
    expect(c).toEqual({ kind: "channels", endpoint: "ws://127.0.0.1:8000/realtime/v1", changesUrl: "/api/realtime/changes", tables: ["nodes", "edges"] });
  });

  it("strips a trailing /websocket (realtime-js appends it)", () => {
    const c = chooseTransport({ realtime: { transport: "channels", url: "ws://h:1/realtime/v1/websocket" } }, http);
    expect(c.kind === "channels" && c.endpoint).toBe("ws://h:1/realtime/v1");
  });

  it("resolves a relative channels URL against the page, wss under https", () => {
    const c = chooseTransport({ realtime: { transport: "channels", url: "/realtime/v1" } }, https);
    expect(c.kind === "channels" && c.endpoint).toBe("wss://nexus.example.org/realtime/v1");
    const d = chooseTransport({ realtime: { transport: "channels", url: "http://h:2/realtime/v1/" } }, https);
    expect(d.kind === "channels" && d.endpoint).toBe("ws://h:2/realtime/v1");
  });

  it("falls back to the page's own endpoint without config or with half a Supabase config", () => {
    // No list from the server: every table NEXUS's own endpoint carries ("*").
    expect(chooseTransport(null, http)).toEqual({ kind: "channels", endpoint: "ws://127.0.0.1:8000/realtime/v1", changesUrl: "/api/realtime/changes", tables: ["*"] });
    const half = chooseTransport({ realtime: { transport: "supabase", url: "https://abc.supabase.co" } }, http);
    expect(half.kind).toBe("channels");
  });

  it("subscribes to the tables the server lists, ignoring what is not a table name", () => {
    expect(chooseTransport({ realtime: { transport: "channels", tables: ["nodes", 3, "", "immune_alert_states"] } }, http).tables)
      .toEqual(["nodes", "immune_alert_states"]);
    expect(chooseTransport({ realtime: { transport: "channels", tables: "nodes" } }, http).tables).toEqual(["*"]);
  });

  it("keeps the server's changes_url", () => {
    expect(chooseTransport({ changes_url: "/api/v2/changes" }, http).changesUrl).toBe("/api/v2/changes");
  });
});

describe("change events", () => {
  it("reads the Supabase wire payload with a cursor", () => {
    const e = toChangeEvent({ type: "UPDATE", table: "nodes", schema: "public", record: { id: "p-1", label: "x" }, old_record: { id: "p-1" }, cursor: 42 });
    expect(e).toMatchObject({ table: "nodes", eventType: "UPDATE", new: { id: "p-1" }, old: { id: "p-1" }, cursor: 42 });
  });
  it("reads realtime-js's transformed payload", () => {
    const e = toChangeEvent({ eventType: "DELETE", table: "edges", new: {}, old: { id: "e-1" } });
    expect(e).toMatchObject({ eventType: "DELETE", table: "edges", old: { id: "e-1" }, cursor: null });
  });
  it("reads a change-log row whose id is the cursor", () => {
    const e = toChangeEvent({ id: 7, table: "nodes", op: "insert", new: { id: "f-1" } });
    expect(e?.cursor).toBe(7);
    expect(e?.eventType).toBe("INSERT");
  });
  it("rejects what is not a change", () => {
    expect(toChangeEvent({ table: "nodes" })).toBeNull();
    expect(toChangeEvent(null)).toBeNull();
  });
  it("finds the cursor under its usual names", () => {
    expect(cursorOf({ change_id: "12" })).toBe(12);
    expect(cursorOf(undefined, { cursor: 3 })).toBe(3);
    expect(cursorOf({})).toBeNull();
  });
});
