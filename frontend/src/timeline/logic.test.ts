import { afterEach, describe, expect, it, vi } from "vitest";
import type { GraphDiff } from "../api/types";
import {
  changeItems, clampMoment, debounce, formatValue, fromLocalInput, LIVE_MARGIN, marksOf, momentAt, positionOf,
  readLastVisit, SLIDER_STEPS, spanOf, toLocalInput, writeLastVisit,
} from "./logic";

const DAY = 86_400_000;

function memoryStore(initial: Record<string, string> = {}) {
  const data = { ...initial };
  return { data, getItem: (k: string) => data[k] ?? null, setItem: (k: string, v: string) => { data[k] = v; } };
}

describe("the timeline span", () => {
  it("takes the earliest moment and the server's clock offset", () => {
    const client = Date.parse("2026-12-01T12:00:00Z");
    const span = spanOf({ earliest: "2026-08-03T12:00:00.000250Z", horizon: null, now: "2026-12-01T12:00:02Z" }, client);
    // the first whole millisecond at or after the first version (microseconds are cut by Date)
    expect(span.start).toBe(Date.parse("2026-08-03T12:00:00.001Z"));
    expect(span.skew).toBe(2000);
  });
  it("has no start when nothing was ever recorded", () => {
    expect(spanOf({ earliest: null, horizon: null, now: "2026-12-01T12:00:00Z" }, 0).start).toBeNull();
  });
});

describe("clampMoment", () => {
  const now = Date.parse("2026-12-01T12:00:00Z");
  const span = { start: now - 100 * DAY, skew: 0 };
  it("keeps a moment inside the span", () => {
    expect(clampMoment(now - DAY, span, now)).toBe(now - DAY);
  });
  it("raises a moment before the first record to it", () => {
    expect(clampMoment(now - 400 * DAY, span, now)).toBe(span.start);
  });
  it("reads now, the future and the last seconds as live", () => {
    expect(clampMoment(now, span, now)).toBeNull();
    expect(clampMoment(now + DAY, span, now)).toBeNull();
    expect(clampMoment(now - LIVE_MARGIN + 1, span, now)).toBeNull();
  });
  it("takes a moment the server reported as past, however recent", () => {
    expect(clampMoment(now - 1000, span, now, 0)).toBe(now - 1000);
    expect(clampMoment(now, span, now, 0)).toBeNull();
  });
  it("follows the server's clock, not the browser's", () => {
    // the browser runs a minute ahead: a minute ago by its clock is the server's now
    expect(clampMoment(now - 60_000, { start: span.start, skew: -60_000 }, now)).toBeNull();
  });
});

describe("the slider scale", () => {
  const start = 1_000_000, end = start + 1000 * 60_000;
  it("maps the ends and the middle both ways", () => {
    expect(positionOf(start, start, end)).toBe(0);
    expect(positionOf(null, start, end)).toBe(SLIDER_STEPS);
    expect(positionOf(start + 500 * 60_000, start, end)).toBe(500);
    expect(momentAt(250, start, end)).toBe(start + 250 * 60_000);
    expect(momentAt(SLIDER_STEPS + 5, start, end)).toBe(end);
  });
  it("sits at the right end when the span is empty", () => {
    expect(positionOf(start, start, start)).toBe(SLIDER_STEPS);
  });
});

describe("datetime-local values", () => {
  it("round-trips a local minute", () => {
    const t = new Date(2026, 9, 4, 9, 5).getTime();
    expect(toLocalInput(t)).toBe("2026-10-04T09:05");
    expect(fromLocalInput("2026-10-04T09:05")).toBe(t);
  });
  it("rejects what is not a date and time", () => {
    expect(fromLocalInput("")).toBeNull();
    expect(fromLocalInput("yesterday")).toBeNull();
  });
});

describe("debounce", () => {
  afterEach(() => vi.useRealTimers());
  it("calls once, with the last arguments, after the pause", () => {
    vi.useFakeTimers();
    const seen: number[] = [];
    const f = debounce((n: number) => seen.push(n), 250);
    f(1); f(2);
    vi.advanceTimersByTime(200);
    f(3);
    vi.advanceTimersByTime(249);
    expect(seen).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(seen).toEqual([3]);
  });
  it("can be cancelled", () => {
    vi.useFakeTimers();
    const seen: number[] = [];
    const f = debounce((n: number) => seen.push(n), 100);
    f(1);
    f.cancel();
    vi.advanceTimersByTime(500);
    expect(seen).toEqual([]);
  });
});

describe("the last visit", () => {
  const now = Date.parse("2026-12-01T12:00:00Z");
  it("is a week ago on a first visit", () => {
    expect(readLastVisit(memoryStore(), "ana", now)).toBe(now - 7 * DAY);
  });
  it("is remembered per user", () => {
    const store = memoryStore();
    writeLastVisit(store, "ana", now - 3 * DAY);
    writeLastVisit(store, "ben", now - DAY);
    expect(readLastVisit(store, "ana", now)).toBe(now - 3 * DAY);
    expect(readLastVisit(store, "ben", now)).toBe(now - DAY);
  });
  it("ignores a stored value that is garbage or in the future", () => {
    expect(readLastVisit(memoryStore({ "nexus.lastVisit.ana": "soon" }), "ana", now)).toBe(now - 7 * DAY);
    expect(readLastVisit(memoryStore({ "nexus.lastVisit.ana": "2027-01-01T00:00:00Z" }), "ana", now)).toBe(now - 7 * DAY);
  });
});

const DIFF: GraphDiff = {
  from: "2026-11-24T12:00:00Z",
  to: "2026-12-01T12:00:00Z",
  nodes: {
    added: [{ id: "f-99", at: "2026-11-30T10:00:00Z", actors: ["ana"], node: { id: "f-99", type: "fact", label: "New fact" } }],
    removed: [{ id: "q-01", at: "2026-11-29T10:00:00Z", actors: [], node: { id: "q-01", type: "question", label: "Old question" } }],
    changed: [{
      id: "f-01", at: "2026-12-01T09:00:00Z", actors: ["ben"], type: "fact", label: "Halden go-live is 10 March 2027",
      changes: {
        label: { before: "Halden go-live is 3 March 2027", after: "Halden go-live is 10 March 2027" },
        updated_at: { before: "2026-11-22T00:00:00Z", after: "2026-12-01T09:00:00Z" },
        freshness_score: { before: 0.95, after: 1 },
        extras: { before: { source: "plan v2", confidence: 0.8 }, after: { source: "plan v3", confidence: 0.8 } },
      },
    }],
  },
  edges: { added: [], removed: [], changed: [] },
};

describe("changeItems", () => {
  it("lists every node change newest first, with who and when", () => {
    const items = changeItems(DIFF);
    expect(items.map((i) => [i.id, i.kind])).toEqual([["f-01", "changed"], ["f-99", "added"], ["q-01", "removed"]]);
    expect(items[1]).toMatchObject({ label: "New fact", type: "fact", actors: ["ana"] });
    expect(items[2]).toMatchObject({ label: "Old question", type: "question", actors: [] });
  });
  it("gives each changed field before → after, extras key by key, without the timestamps", () => {
    expect(changeItems(DIFF)[0].fields).toEqual([
      { field: "extras.source", before: "plan v2", after: "plan v3" },
      { field: "freshness_score", before: "0.95", after: "1" },
      { field: "label", before: "Halden go-live is 3 March 2027", after: "Halden go-live is 10 March 2027" },
    ]);
  });
});

describe("marksOf", () => {
  it("marks each node by how it changed", () => {
    expect([...marksOf(DIFF)]).toEqual([["f-99", "added"], ["q-01", "removed"], ["f-01", "changed"]]);
    expect(marksOf(null).size).toBe(0);
  });
});

describe("formatValue", () => {
  it("shows empty values as a dash and rounds long numbers", () => {
    expect(formatValue(null)).toBe("—");
    expect(formatValue(0.123456)).toBe("0.123");
    expect(formatValue({ a: 1 })).toBe('{"a":1}');
  });
});
