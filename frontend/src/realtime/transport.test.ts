import { describe, expect, it } from "vitest";
import type { Config, Schemas } from "../api/types";
import { wireChange } from "../test/fixtures";
import { chooseTransport, toChangeEvent } from "./transport";

/** /api/config with this realtime part (and the defaults for the rest). */
const config = (realtime: Partial<Schemas["RealtimeConfig"]>, changes_url = "/api/realtime/changes"): Config => ({
  realtime: { transport: "channels", url: "/realtime/v1", tables: [], ...realtime }, changes_url, auth: { mode: "required", provider: "django" },
});

const http = { protocol: "http:", host: "127.0.0.1:8000" };
const https = { protocol: "https:", host: "nexus.example.org" };

describe("chooseTransport", () => {
  it("uses Supabase Realtime when the config names it with url and anon key", () => {
    const c = chooseTransport(
      config({ transport: "supabase", url: "https://abc.supabase.co/", anon_key: "anon", tables: ["nodes", "task_graphs"] }),
      http,
    );
    expect(c).toEqual({ kind: "supabase", url: "https://abc.supabase.co", anonKey: "anon", changesUrl: "/api/realtime/changes", tables: ["nodes", "task_graphs"] });
  });

  it("uses NEXUS's Channels endpoint with the URL the server gives", () => {
    const c = chooseTransport(config({ transport: "channels", url: "ws://127.0.0.1:8000/realtime/v1", tables: ["nodes", "edges"] }), http);
    expect(c).toEqual({ kind: "channels", endpoint: "ws://127.0.0.1:8000/realtime/v1", changesUrl: "/api/realtime/changes", tables: ["nodes", "edges"] });
  });

  it("strips a trailing /websocket (realtime-js appends it)", () => {
    const c = chooseTransport(config({ transport: "channels", url: "ws://h:1/realtime/v1/websocket" }), http);
    expect(c.kind === "channels" && c.endpoint).toBe("ws://h:1/realtime/v1");
  });

  it("resolves a relative channels URL against the page, wss under https", () => {
    const c = chooseTransport(config({ transport: "channels", url: "/realtime/v1" }), https);
    expect(c.kind === "channels" && c.endpoint).toBe("wss://nexus.example.org/realtime/v1");
    const d = chooseTransport(config({ transport: "channels", url: "http://h:2/realtime/v1/" }), https);
    expect(d.kind === "channels" && d.endpoint).toBe("ws://h:2/realtime/v1");
  });

  it("falls back to the page's own endpoint without config or with half a Supabase config", () => {
    // No list from the server: every table NEXUS's own endpoint carries ("*").
    expect(chooseTransport(null, http)).toEqual({ kind: "channels", endpoint: "ws://127.0.0.1:8000/realtime/v1", changesUrl: "/api/realtime/changes", tables: ["*"] });
    const half = chooseTransport(config({ transport: "supabase", url: "https://abc.supabase.co" }), http);
    expect(half.kind).toBe("channels");
  });

  it("subscribes to the tables the server lists", () => {
    expect(chooseTransport(config({ transport: "channels", tables: ["nodes", "", "immune_alert_states"] }), http).tables)
      .toEqual(["nodes", "immune_alert_states"]);
    expect(chooseTransport(config({ transport: "channels", tables: [] }), http).tables).toEqual(["*"]);
  });

  it("keeps the server's changes_url", () => {
    expect(chooseTransport(config({}, "/api/v2/changes"), http).changesUrl).toBe("/api/v2/changes");
  });
});

describe("change events", () => {
  it("reads realtime-js's payload, taking the cursor out of the row", () => {
    const e = toChangeEvent({
      eventType: "UPDATE", table: "nodes", commit_timestamp: "2026-11-01T10:00:00Z",
      new: { id: "p-1", label: "x", _change_id: 42 }, old: { id: "p-1", _change_id: 42 },
    });
    expect(e).toEqual({ table: "nodes", eventType: "UPDATE", new: { id: "p-1", label: "x" }, old: { id: "p-1" }, cursor: 42, commit_timestamp: "2026-11-01T10:00:00Z" });
  });
  it("finds the cursor in the old row of a DELETE", () => {
    const e = toChangeEvent({ eventType: "DELETE", table: "edges", commit_timestamp: "t", new: {}, old: { id: "e-1", _change_id: 7 } });
    expect(e).toMatchObject({ eventType: "DELETE", table: "edges", old: { id: "e-1" }, cursor: 7 });
  });
  it("reads a row of /api/realtime/changes", () => {
    const e = toChangeEvent(wireChange(9, "notifications", "INSERT", { id: 3, person_id: "p-1" }));
    expect(e).toMatchObject({ table: "notifications", eventType: "INSERT", new: { id: 3, person_id: "p-1" }, cursor: 9 });
  });
  it("has no cursor when the server sent none", () => {
    expect(toChangeEvent({ eventType: "INSERT", table: "nodes", commit_timestamp: "t", new: { id: "a" }, old: {} })?.cursor).toBeNull();
  });
  it("drops tables PulseView does not follow, and TRUNCATE", () => {
    expect(toChangeEvent({ eventType: "INSERT", table: "llm_usage", commit_timestamp: "t", new: { id: 1 }, old: {} })).toBeNull();
    expect(toChangeEvent({ eventType: "TRUNCATE", table: "nodes", commit_timestamp: "t", new: {}, old: {} })).toBeNull();
  });
});
