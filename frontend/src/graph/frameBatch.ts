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
  now?: () => number;
  delay?: (cb: () => void, ms: number) => unknown;
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
  let queue: T[] = [];
  let handle: unknown = null;
  let timer: unknown = null;
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
    if (handle !== null || timer !== null) return;
    const wait = last + minInterval() - now();
    if (wait <= 0) handle = schedule(tick);
    else timer = delay(() => {
      timer = null;
      if (!closed && handle === null) handle = schedule(tick);
    }, wait);
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
      if (timer !== null) clearTimeout(timer as ReturnType<typeof setTimeout>);
      timer = null;
      last = now();
      if (queue.length === 0 || closed) return;
      const all = queue;
      queue = [];
      flush(all);
    },
    pending: () => queue.length,
    close() {
      closed = true;
      if (timer !== null) clearTimeout(timer as ReturnType<typeof setTimeout>);
      if (handle !== null) cancel(handle);
      handle = null;
      queue = [];
    },
  };
}
