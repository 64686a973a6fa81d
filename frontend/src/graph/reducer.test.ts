import { describe, expect, it } from "vitest";
import type { ChangeEvent, ChangeEventType, GraphSnapshot } from "../api/types";
import { change, compactNode, edge, node, notification } from "../test/fixtures";
import freshnessSamples from "./freshness-samples.json";
import { applyNotificationChange, currentFreshness, emptyGraph, graphReducer, tallyGroups, unacknowledged, type GraphState } from "./reducer";

const snapshot: GraphSnapshot = {
  nodes: [
    compactNode({ id: "p-01", type: "person", label: "Eleanor", x: 100, y: 200, size: 5, health: "green", current_freshness: 0.9 }),
    compactNode({ id: "t-01", type: "team", label: "Motion", x: 300, y: 400, size: 3, health: "yellow" }),
  ],
  edges: [edge({ id: "e-001", source: "p-01", target: "t-01", type: "member_of" })],
};

function loaded(cursor: number | null = 10): GraphState {
  return graphReducer(emptyGraph, { type: "reset", graph: snapshot, cursor });
}

const ev = (e: { table: ChangeEvent["table"]; eventType: ChangeEventType; cursor?: number | null; new?: object; old?: object }) =>
  change(e.table, e.eventType, { new: e.new, old: e.old }, e.cursor ?? null);

describe("graphReducer", () => {
  it("loads a snapshot with its cursor", () => {
    const s = loaded(10);
    expect(Object.keys(s.nodes).sort()).toEqual(["p-01", "t-01"]);
    expect(s.edges["e-001"].source).toBe("p-01");
    expect(s.cursor).toBe(10);
  });

  it("inserts a node, keeping stored coordinates", () => {
    const s = graphReducer(loaded(), {
      type: "change",
      event: ev({ table: "nodes", eventType: "INSERT", cursor: 11, new: { id: "f-99", type: "fact", label: "New fact", x: 50, y: 60 } }),
    });
    expect(s.nodes["f-99"]).toMatchObject({ label: "New fact", x: 50, y: 60 });
    expect(s.cursor).toBe(11);
  });

  it("places an inserted node without coordinates deterministically", () => {
    const e = ev({ table: "nodes", eventType: "INSERT", cursor: 11, new: { id: "f-98", type: "fact", label: "No pos", x: null, y: null } });
    const a = graphReducer(loaded(), { type: "change", event: e });
    const b = graphReducer(loaded(), { type: "change", event: e });
    expect(typeof a.nodes["f-98"].x).toBe("number");
    expect(a.nodes["f-98"].x).toBe(b.nodes["f-98"].x);
  });

  it("updates a node in place and keeps its position when the change has none", () => {
    const s0 = loaded();
    const s = graphReducer(s0, {
      type: "change",
      event: ev({ table: "nodes", eventType: "UPDATE", cursor: 12, new: { id: "p-01", type: "person", label: "Eleanor W.", x: null, y: null, health: "red" } }),
    });
    expect(s.nodes["p-01"]).toMatchObject({ label: "Eleanor W.", x: 100, y: 200, health: "red", size: 5 });
    // The API's current_freshness is stale once the row changed: it is recomputed.
    expect(s.nodes["p-01"].current_freshness).toBeUndefined();
    // Untouched nodes keep their identity, so React Flow re-renders only the changed one.
    expect(s.nodes["t-01"]).toBe(s0.nodes["t-01"]);
  });

  it("deletes a node and its dangling edges", () => {
    const s = graphReducer(loaded(), {
      type: "change",
      event: ev({ table: "nodes", eventType: "DELETE", cursor: 13, old: { id: "t-01" } }),
    });
    expect(s.nodes["t-01"]).toBeUndefined();
    expect(s.edges["e-001"]).toBeUndefined();
    expect(s.nodes["p-01"]).toBeDefined();
  });

  it("inserts, updates and deletes edges", () => {
    let s = graphReducer(loaded(), {
      type: "change",
      event: ev({ table: "edges", eventType: "INSERT", cursor: 11, new: { id: "e-900", source: "t-01", target: "p-01", type: "leads", weight: 0.5, animated: true } }),
    });
    expect(s.edges["e-900"]).toMatchObject({ type: "leads", weight: 0.5, animated: true });
    s = graphReducer(s, { type: "change", event: ev({ table: "edges", eventType: "UPDATE", cursor: 12, new: { id: "e-900", source: "t-01", target: "p-01", type: "leads", animated: false } }) });
    expect(s.edges["e-900"].animated).toBe(false);
    s = graphReducer(s, { type: "change", event: ev({ table: "edges", eventType: "DELETE", cursor: 13, old: { id: "e-900" } }) });
    expect(s.edges["e-900"]).toBeUndefined();
  });

  it("ignores a duplicate event (same cursor) and returns the same state object", () => {
    const first = ev({ table: "nodes", eventType: "UPDATE", cursor: 11, new: { id: "p-01", label: "A" } });
    const s1 = graphReducer(loaded(), { type: "change", event: first });
    const s2 = graphReducer(s1, { type: "change", event: ev({ table: "nodes", eventType: "UPDATE", cursor: 11, new: { id: "p-01", label: "B" } }) });
    expect(s2).toBe(s1);
    expect(s2.nodes["p-01"].label).toBe("A");
  });

  it("ignores an out-of-order event older than the last applied cursor", () => {
    const newer = ev({ table: "nodes", eventType: "UPDATE", cursor: 15, new: { id: "p-01", label: "newer" } });
    const older = ev({ table: "nodes", eventType: "UPDATE", cursor: 14, new: { id: "p-01", label: "older" } });
    const s = graphReducer(loaded(), { type: "changes", events: [newer, older] });
    expect(s.nodes["p-01"].label).toBe("newer");
    expect(s.cursor).toBe(15);
  });

  it("ignores events already contained in the snapshot", () => {
    const s = graphReducer(loaded(10), {
      type: "change",
      event: ev({ table: "nodes", eventType: "DELETE", cursor: 9, old: { id: "p-01" } }),
    });
    expect(s.nodes["p-01"]).toBeDefined();
  });

  it("applies events without a cursor idempotently", () => {
    const ins = ev({ table: "nodes", eventType: "INSERT", new: { id: "q-9", type: "question", label: "Why?", x: 1, y: 2 } });
    const once = graphReducer(loaded(null), { type: "change", event: ins });
    const twice = graphReducer(once, { type: "change", event: ins });
    expect(Object.keys(twice.nodes)).toHaveLength(3);
    expect(twice.cursor).toBeNull();
  });

  it("applies a catch-up batch in order and moves the cursor to its end", () => {
    const s = graphReducer(loaded(10), {
      type: "changes",
      events: [
        ev({ table: "nodes", eventType: "INSERT", cursor: 11, new: { id: "c-50", type: "commitment", label: "Ship", x: 0, y: 0 } }),
        ev({ table: "nodes", eventType: "UPDATE", cursor: 12, new: { id: "c-50", type: "commitment", label: "Ship v2" } }),
        ev({ table: "nodes", eventType: "DELETE", cursor: 13, old: { id: "p-01" } }),
      ],
    });
    expect(s.nodes["c-50"].label).toBe("Ship v2");
    expect(s.nodes["p-01"]).toBeUndefined();
    expect(s.cursor).toBe(13);
  });
});

describe("the tally (totals kept by the reducer)", () => {
  /** What the tally must say, worked out from the maps themselves. */
  const recount = (s: GraphState) => {
    const groups: Record<string, number> = {};
    for (const n of Object.values(s.nodes)) {
      const k = `${n.type}/${n.division ?? ""}`;
      groups[k] = (groups[k] ?? 0) + 1;
    }
    return { nodes: Object.keys(s.nodes).length, edges: Object.keys(s.edges).length, groups };
  };
  const told = (s: GraphState) => {
    const groups: Record<string, number> = {};
    for (const g of tallyGroups(s.tally)) groups[`${g.type}/${g.division}`] = g.count;
    return { nodes: s.tally.nodes, edges: s.tally.edges, groups };
  };

  it("counts a snapshot by type and division", () => {
    const s = loaded();
    expect(told(s)).toEqual({ nodes: 2, edges: 1, groups: { "person/": 1, "team/": 1 } });
  });

  it("moves a node between groups when its type or division changes, and drops emptied groups", () => {
    let s = loaded();
    s = graphReducer(s, { type: "change", event: ev({ table: "nodes", eventType: "UPDATE", cursor: 11, new: { id: "t-01", division: "Motion" } }) });
    expect(told(s).groups).toEqual({ "person/": 1, "team/Motion": 1 });
    s = graphReducer(s, { type: "change", event: ev({ table: "nodes", eventType: "UPDATE", cursor: 12, new: { id: "t-01", type: "topic" } }) });
    expect(told(s).groups).toEqual({ "person/": 1, "topic/Motion": 1 });
    expect(s.tally.nodes).toBe(2);
  });

  it("counts a deleted node's cascaded edges once, and a later delete of one of them not at all", () => {
    let s = graphReducer(loaded(), { type: "change", event: ev({ table: "edges", eventType: "INSERT", cursor: 11, new: { id: "e-2", source: "t-01", target: "p-01", type: "leads" } }) });
    expect(s.tally.edges).toBe(2);
    s = graphReducer(s, {
      type: "changes",
      events: [
        ev({ table: "nodes", eventType: "DELETE", cursor: 12, old: { id: "t-01" } }),
        ev({ table: "edges", eventType: "DELETE", cursor: 13, old: { id: "e-2" } }),
      ],
    });
    expect(told(s)).toEqual({ nodes: 1, edges: 0, groups: { "person/": 1 } });
  });

  it("keeps the people by label, and the same list through a batch that touched none", () => {
    let s = loaded();
    expect(s.people.map((n) => n.label)).toEqual(["Eleanor"]);
    const before = s.people;
    s = graphReducer(s, { type: "change", event: ev({ table: "nodes", eventType: "INSERT", cursor: 11, new: { id: "f-1", type: "fact", label: "A fact", x: 0, y: 0 } }) });
    expect(s.people).toBe(before);
    s = graphReducer(s, { type: "change", event: ev({ table: "nodes", eventType: "INSERT", cursor: 12, new: { id: "p-02", type: "person", label: "Ada", x: 0, y: 0 } }) });
    expect(s.people.map((n) => n.label)).toEqual(["Ada", "Eleanor"]);
    // A person who becomes something else leaves the list; a rename re-sorts it.
    s = graphReducer(s, { type: "change", event: ev({ table: "nodes", eventType: "UPDATE", cursor: 13, new: { id: "p-02", type: "agent" } }) });
    s = graphReducer(s, { type: "change", event: ev({ table: "nodes", eventType: "UPDATE", cursor: 14, new: { id: "p-01", label: "Zoe" } }) });
    expect(s.people.map((n) => n.label)).toEqual(["Zoe"]);
  });

  it("stays exact over a random run of inserts, updates, deletes, replays and duplicates", () => {
    let seed = 7;
    const rand = (n: number) => {
      seed ^= seed << 13; // xorshift32: repeatable, and uniform enough for this
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      return (seed >>> 0) % n;
    };
    const types = ["fact", "person", "topic"];
    const divisions = [null, "North", "South"];
    let s = loaded(0);
    let cursor = 1;
    let most = { nodes: 0, edges: 0 };
    for (let step = 0; step < 400; step++) {
      const events = [];
      for (let i = 0, k = 1 + rand(30); i < k; i++) {
        const id = `n-${rand(40)}`;
        const r = rand(10);
        // Every fifth event is a replay of an old cursor (ignored), or one without a cursor.
        const at = rand(5) === 0 ? (rand(2) ? null : Math.max(1, cursor - 3)) : ++cursor;
        if (r < 5) events.push(ev({ table: "nodes", eventType: r < 3 ? "INSERT" : "UPDATE", cursor: at, new: { id, type: types[rand(3)], label: id, division: divisions[rand(3)], x: 0, y: 0 } }));
        else if (r < 7) events.push(ev({ table: "nodes", eventType: "DELETE", cursor: at, old: { id } }));
        else if (r < 9) events.push(ev({ table: "edges", eventType: "INSERT", cursor: at, new: { id: `e-${rand(60)}`, source: id, target: `n-${rand(40)}`, type: "about" } }));
        else events.push(ev({ table: "edges", eventType: "DELETE", cursor: at, old: { id: `e-${rand(60)}` } }));
      }
      s = graphReducer(s, { type: "changes", events });
      expect(told(s), `after step ${step}`).toEqual(recount(s));
      expect(s.people.map((n) => n.id), `people after step ${step}`).toEqual(
        Object.values(s.nodes).filter((n) => n.type === "person").sort((a, b) => a.label.localeCompare(b.label)).map((n) => n.id));
      most = { nodes: Math.max(most.nodes, s.tally.nodes), edges: Math.max(most.edges, s.tally.edges) };
    }
    // The run did reach a graph worth counting.
    expect(most.nodes).toBeGreaterThan(10);
    expect(most.edges).toBeGreaterThan(5);
  });
});

describe("currentFreshness", () => {
  it("prefers the API value and otherwise halves per half-life", () => {
    expect(currentFreshness(node({ id: "a", current_freshness: 0.3 }))).toBe(0.3);
    const now = Date.parse("2026-11-25T00:00:00Z");
    const f = currentFreshness(node({ id: "a", freshness_score: 0.8, half_life_days: 14, updated_at: "2026-11-11T00:00:00Z" }), now);
    expect(f).toBeCloseTo(0.4, 6);
  });

  it("agrees with the server's SQL formula on the shared samples", () => {
    const now = Date.parse("2026-11-25T00:00:00Z");
    for (const s of freshnessSamples.samples) {
      const updated = new Date(now - s.age_days * 86_400_000).toISOString();
      const sample = node({ id: "a", freshness_score: s.score, half_life_days: s.half_life_days, updated_at: updated });
      expect(currentFreshness(sample, now), JSON.stringify(s)).toBeCloseTo(s.expected, 9);
    }
  });
});

describe("notifications", () => {
  const base = [notification({ id: 1, person_id: "p-10", summary: "old" })];
  it("adds a notification for the chosen person and counts it unread", () => {
    const list = applyNotificationChange(base, ev({ table: "notifications", eventType: "INSERT", new: notification({ id: 2, person_id: "p-10", summary: "new" }) }), "p-10");
    expect(list.map((n) => n.id)).toEqual([2, 1]);
    expect(unacknowledged(list)).toBe(2);
  });
  it("ignores other people's notifications", () => {
    const list = applyNotificationChange(base, ev({ table: "notifications", eventType: "INSERT", new: { id: 3, person_id: "p-11" } }), "p-10");
    expect(list).toBe(base);
  });
  it("marks an acknowledgement and removes deleted rows", () => {
    let list = applyNotificationChange(base, ev({ table: "notifications", eventType: "UPDATE", new: notification({ id: 1, person_id: "p-10", acknowledged: true }) }), "p-10");
    expect(unacknowledged(list)).toBe(0);
    list = applyNotificationChange(list, ev({ table: "notifications", eventType: "DELETE", old: { id: 1, person_id: "p-10" } }), "p-10");
    expect(list).toEqual([]);
  });
});
