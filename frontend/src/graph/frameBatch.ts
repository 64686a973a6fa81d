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
  const stopQuiet = () => {
    if (quietTimer !== null) undelay(quietTimer);
    quietTimer = null;
  };
  let last = -Infinity;
  let closed = false;

  const tick = () => {
    handle = null;
    if (closed || queue.length === 0) return;
    const take = queue.length <= maxPerFrame ? queue : queue.slice(0, maxPerFrame);
    queue = take === queue ? [] : queue.slice(maxPerFrame);
    last = now();
    flush(take);
    if (queue.length) handle = schedule(tick);
  };
  const arm = () => {
    if (handle === null && timer === null) {
      const wait = last + minInterval() - now();
      if (wait <= 0) {
        handle = schedule(tick);
        return;
      }
      timer = delay(() => {
        timer = null;
        stopQuiet();
        if (!closed && handle === null) handle = schedule(tick);
      }, wait);
    }
    if (timer !== null && opts.quiet !== undefined) {
      // Waiting out minInterval: each new item restarts the quiet countdown.
      stopQuiet();
      quietTimer = delay(() => {
        quietTimer = null;
        if (timer !== null) undelay(timer);
        timer = null;
        if (!closed && handle === null) handle = schedule(tick);
      }, opts.quiet);
    }
  };

  return {
    push(item) {
      if (closed) return;
      queue.push(item);
      arm();
    },
    flushNow() {
      if (handle !== null) cancel(handle);
      handle = null;
      if (timer !== null) undelay(timer);
      timer = null;
      stopQuiet();
      last = now();
      if (queue.length === 0 || closed) return;
      const all = queue;
      queue = [];
      flush(all);
    },
    pending: () => queue.length,
    close() {
      closed = true;
      stopQuiet();
      if (timer !== null) undelay(timer);
      if (handle !== null) cancel(handle);
      handle = null;
      queue = [];
    },
  };
}
