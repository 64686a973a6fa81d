// Collects live change events and hands them over once per animation frame, at most
// `maxPerFrame` at a time, so a burst of thousands of rows costs a few frames, never a freeze.
export interface FrameBatcher<T> {
  push(item: T): void;
  /** Hand over everything pending now (before a snapshot or catch-up replaces the state). */
  flushNow(): void;
  pending(): number;
  close(): void;
}

export interface BatchOptions {
  maxPerFrame?: number;
  /** During a burst, hand over at most this often (ms): fewer, larger batches mean fewer redraws. */
  minInterval?: number | (() => number);
  /** A burst that goes quiet this long (ms) is handed over at once, not at the end of minInterval. */
  quiet?: number;
  now?: () => number;
  delay?: (cb: () => void, ms: number) => unknown;
  undelay?: (handle: unknown) => void;
  schedule?: (cb: () => void) => unknown;
  cancel?: (handle: unknown) => void;
}

const raf = (cb: () => void) => (typeof requestAnimationFrame === "function" ? requestAnimationFrame(cb) : setTimeout(cb, 16));
const caf = (h: unknown) => (typeof cancelAnimationFrame === "function" ? cancelAnimationFrame(h as number) : clearTimeout(h as ReturnType<typeof setTimeout>));

export function createFrameBatcher<T>(flush: (items: T[]) => void, opts: BatchOptions = {}): FrameBatcher<T> {
  const maxPerFrame = opts.maxPerFrame ?? 2500;
  const schedule = opts.schedule ?? raf;
  const cancel = opts.cancel ?? caf;
  const minInterval = typeof opts.minInterval === "function" ? opts.minInterval : () => (opts.minInterval as number | undefined) ?? 0;
  const now = opts.now ?? (() => (typeof performance !== "undefined" ? performance.now() : Date.now()));
  const delay = opts.delay ?? ((cb: () => void, ms: number) => setTimeout(cb, ms));
  const undelay = opts.undelay ?? ((h: unknown) => clearTimeout(h as ReturnType<typeof setTimeout>));
  let queue: T[] = [];
  let handle: unknown = null;
  let timer: unknown = null;
  let quietTimer: unknown = null;
  let last = -Infinity;
  let lastPush = -Infinity;
  let closed = false;
  const stopTimers = () => {
    if (timer !== null) undelay(timer);
    if (quietTimer !== null) undelay(quietTimer);
    timer = quietTimer = null;
  };

  const tick = () => {
    handle = null;
    if (closed || queue.length === 0) return;
    const take = queue.length <= maxPerFrame ? queue : queue.slice(0, maxPerFrame);
    queue = take === queue ? [] : queue.slice(maxPerFrame);
    last = now();
    flush(take);
    if (queue.length) handle = schedule(tick);
  };
  const frameNow = () => {
    stopTimers();
    if (!closed && handle === null) handle = schedule(tick);
  };
  // One quiet timer per wait, not one per item (a burst of 5,000 made 5,000 timers): when it fires
  // early because items kept coming, it waits out the rest of the quiet period from the last one.
  const onQuiet = () => {
    quietTimer = null;
    const idle = now() - lastPush;
    if (opts.quiet !== undefined && idle < opts.quiet) quietTimer = delay(onQuiet, opts.quiet - idle);
    else frameNow();
  };
  const arm = () => {
    if (handle !== null) return; // a frame is coming: it takes what is queued
    // A full frame's worth waiting is handed over at once: holding it back only adds latency.
    if (queue.length >= maxPerFrame) return frameNow();
    if (timer === null) {
      const wait = last + minInterval() - now();
      if (wait <= 0) return frameNow();
      timer = delay(() => {
        timer = null;
        frameNow();
      }, wait);
    }
    if (opts.quiet !== undefined && quietTimer === null) quietTimer = delay(onQuiet, opts.quiet);
  };

  return {
    push(item) {
      if (closed) return;
      queue.push(item);
      if (opts.quiet !== undefined) lastPush = now();
      arm();
    },
    flushNow() {
      if (handle !== null) cancel(handle);
      handle = null;
      stopTimers();
      last = now();
      if (queue.length === 0 || closed) return;
      const all = queue;
      queue = [];
      flush(all);
    },
    pending: () => queue.length,
    close() {
      closed = true;
      stopTimers();
      if (handle !== null) cancel(handle);
      handle = null;
      queue = [];
    },
  };
}
