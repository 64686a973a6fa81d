import { describe, expect, it } from "vitest";
import { createFrameBatcher } from "./frameBatch";
import { applyChanges, emptyGraph, graphReducer } from "./reducer";
import type { ChangeEvent } from "../api/types";
import { change, compactNode } from "../test/fixtures";

function manualFrames() {
  const frames: (() => void)[] = [];
  return {
    schedule: (cb: () => void) => frames.push(cb),
    cancel: () => frames.splice(0),
    run: () => frames.shift()?.(),
    count: () => frames.length,
  };
}

const insert = (i: number, cursor: number): ChangeEvent => ({
  ...change("nodes", "INSERT", { new: { id: `g-${i}`, type: "fact", label: `Generated ${i}` } }, cursor),
});

describe("frame batcher", () => {
  it("hands a burst over in one call per frame, never synchronously", () => {
    const f = manualFrames();
    const calls: number[][] = [];
    const b = createFrameBatcher<number>((items) => calls.push(items), { schedule: f.schedule, cancel: f.cancel });
    for (let i = 0; i < 100; i++) b.push(i);
    expect(calls).toEqual([]);
    expect(f.count()).toBe(1); // one frame scheduled for the whole burst
    f.run();
    expect(calls.length).toBe(1);
    expect(calls[0].length).toBe(100);
  });

  it("spreads a very large burst over frames of at most maxPerFrame, in order", () => {
    const f = manualFrames();
    const calls: number[][] = [];
    const b = createFrameBatcher<number>((items) => calls.push(items), { schedule: f.schedule, cancel: f.cancel, maxPerFrame: 2000 });
    for (let i = 0; i < 5000; i++) b.push(i);
    while (f.count()) f.run();
    expect(calls.map((c) => c.length)).toEqual([2000, 2000, 1000]);
    expect(calls.flat()).toEqual([...Array(5000).keys()]);
    expect(b.pending()).toBe(0);
  });

  it("during a burst it hands over at most every minInterval; a lone change waits for no timer", () => {
    const f = manualFrames();
    let clock = 0;
    const timers: { at: number; cb: () => void }[] = [];
    const calls: number[][] = [];
    const b = createFrameBatcher<number>((items) => calls.push(items), {
      schedule: f.schedule, cancel: f.cancel, minInterval: 100, now: () => clock,
      delay: (cb, ms) => timers.push({ at: clock + ms, cb }),
    });
    clock = 1000;
    b.push(1);
    expect(timers).toHaveLength(0); // idle: the very next frame
    f.run();
    expect(calls).toEqual([[1]]);
    for (let i = 2; i <= 50; i++) {
      clock += 5;
      b.push(i);
    }
    expect(f.count()).toBe(0);
    expect(timers).toHaveLength(1); // one timer for the whole burst
    expect(timers[0].at).toBe(1100);
    clock = 1100;
    timers.shift()!.cb();
    f.run();
    expect(calls.length).toBe(2);
    expect(calls[1]).toEqual([...Array(49).keys()].map((i) => i + 2));
  });

  function clockAndTimers() {
    const t = { clock: 0, timers: [] as { at: number; cb: () => void; id: number }[], next: 0 };
    return Object.assign(t, {
      delay: (cb: () => void, ms: number) => { const id = t.next++; t.timers.push({ at: t.clock + ms, cb, id }); return id; },
      undelay: (h: unknown) => { t.timers = t.timers.filter((x) => x.id !== h); },
      /** Moves the clock to `to`, firing every timer due by then, in order. */
      advance(to: number) {
        for (;;) {
          const due = t.timers.filter((x) => x.at <= to).sort((a, b) => a.at - b.at)[0];
          if (!due) break;
          t.timers = t.timers.filter((x) => x !== due);
          t.clock = due.at;
          due.cb();
        }
        t.clock = to;
      },
    });
  }

  it("the tail of a burst is handed over once the stream goes quiet, before minInterval ends", () => {
    const f = manualFrames();
    const t = clockAndTimers();
    const calls: number[][] = [];
    const b = createFrameBatcher<number>((items) => calls.push(items), {
      schedule: f.schedule, cancel: f.cancel, minInterval: 400, quiet: 60, now: () => t.clock,
      delay: t.delay, undelay: t.undelay,
    });
    t.clock = 1000;
    b.push(0);
    f.run(); // a lone change: the next frame
    for (let i = 1; i <= 10; i++) {
      t.advance(t.clock + 10);
      b.push(i); // each pushes the quiet moment back
    }
    expect(t.timers.length).toBeLessThanOrEqual(2); // a quiet timer and the interval's, not one per item
    t.advance(1159);
    expect(f.count()).toBe(0); // 1100 was the last push: not quiet yet
    t.advance(1160);
    expect(f.count()).toBe(1);
    expect(t.timers).toHaveLength(0); // the interval timer is cancelled
    f.run();
    expect(calls).toEqual([[0], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]]);
  });

  it("a full frame's worth waiting is handed over at once, not at the end of minInterval", () => {
    const f = manualFrames();
    const t = clockAndTimers();
    const calls: number[][] = [];
    const b = createFrameBatcher<number>((items) => calls.push(items), {
      schedule: f.schedule, cancel: f.cancel, minInterval: 400, quiet: 60, maxPerFrame: 100, now: () => t.clock,
      delay: t.delay, undelay: t.undelay,
    });
    t.clock = 1000;
    b.push(0);
    f.run();
    for (let i = 1; i <= 99; i++) b.push(i);
    expect(f.count()).toBe(0); // 99 waiting: the interval holds them
    b.push(100);
    expect(f.count()).toBe(1); // 100: the next frame, 350 ms before the interval would end
    expect(t.timers).toHaveLength(0);
    f.run();
    expect(calls.map((c) => c.length)).toEqual([1, 100]);
  });

  it("flushNow hands over everything pending at once and cancels the frame", () => {
    const f = manualFrames();
    const calls: number[][] = [];
    const b = createFrameBatcher<number>((items) => calls.push(items), { schedule: f.schedule, cancel: f.cancel, maxPerFrame: 10 });
    for (let i = 0; i < 25; i++) b.push(i);
    b.flushNow();
    expect(calls.map((c) => c.length)).toEqual([25]);
    expect(f.count()).toBe(0);
  });

  it("a 5,000-row insert batched into a 10,000-node graph keeps counts exact and is fast", () => {
    let state = graphReducer(emptyGraph, {
      type: "reset", cursor: 0,
      graph: { nodes: Array.from({ length: 10_000 }, (_, i) => compactNode({ id: `n-${i}`, label: `n${i}`, x: i, y: i })), edges: [] },
    });
    const f = manualFrames();
    const b = createFrameBatcher<ChangeEvent>((evs) => (state = applyChanges(state, evs)), { schedule: f.schedule, cancel: f.cancel });
    for (let i = 0; i < 5000; i++) b.push(insert(i, i + 1));
    b.push(insert(3, 3)); // a replayed duplicate changes nothing
    const t0 = performance.now();
    while (f.count()) f.run();
    const took = performance.now() - t0;
    expect(Object.keys(state.nodes).length).toBe(15_000);
    expect(state.cursor).toBe(5000);
    expect(state.nodes["g-0"].auto_placed).toBe(true);
    // One map copy per batch, not per row: a per-row copy takes seconds here.
    expect(took).toBeLessThan(500);
  });
});
