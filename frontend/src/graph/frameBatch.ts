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
  schedule?: (cb: () => void) => unknown;
  cancel?: (handle: unknown) => void;
}

const raf = (cb: () => void) => (typeof requestAnimationFrame === "function" ? requestAnimationFrame(cb) : setTimeout(cb, 16));
const caf = (h: unknown) => (typeof cancelAnimationFrame === "function" ? cancelAnimationFrame(h as number) : clearTimeout(h as ReturnType<typeof setTimeout>));

export function createFrameBatcher<T>(flush: (items: T[]) => void, opts: BatchOptions = {}): FrameBatcher<T> {
  const maxPerFrame = opts.maxPerFrame ?? 2500;
  const schedule = opts.schedule ?? raf;
  const cancel = opts.cancel ?? caf;
  let queue: T[] = [];
  let handle: unknown = null;
  let closed = false;

  const tick = () => {
    handle = null;
    if (closed || queue.length === 0) return;
    const take = queue.length <= maxPerFrame ? queue : queue.slice(0, maxPerFrame);
    queue = take === queue ? [] : queue.slice(maxPerFrame);
    flush(take);
    if (queue.length) handle = schedule(tick);
  };

  return {
    push(item) {
      if (closed) return;
      queue.push(item);
      if (handle === null) handle = schedule(tick);
    },
    flushNow() {
      if (handle !== null) cancel(handle);
      handle = null;
      if (queue.length === 0 || closed) return;
      const all = queue;
      queue = [];
      flush(all);
    },
    pending: () => queue.length,
    close() {
      closed = true;
      if (handle !== null) cancel(handle);
      handle = null;
      queue = [];
    },
  };
}
