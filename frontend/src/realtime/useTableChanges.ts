// Panels that show something other than the graph (alerts, the task plan) refresh when realtime
// says one of their tables changed: they refetch what they show, rather than patch it, so what a
// panel holds is always what the API answers. A burst of changes (a scan reopening alerts, a plan
// saved as two statements) is one refetch. After a reconnect the changes missed meanwhile are not
// replayed to panels: each refetches once instead.
import { createContext, useContext, useEffect, useRef } from "react";
import type { ChangeEvent } from "../api/types";

export type Listen = (f: (e: ChangeEvent) => void) => () => void;

export interface LiveChanges {
  /** Every realtime change event; returns an unsubscribe. */
  listen: Listen;
  /** Bumped after each reconnect (and catch-up). */
  reconnects: number;
}

/** Provided by the app around its panels (from useLiveGraph); without it panels just do not refresh. */
export const LiveChangesContext = createContext<LiveChanges | null>(null);

export const COALESCE_MS = 150;

/**
 * Calls `onChange` once, `delayMs` after the first change of one of `tables` in a burst (changes
 * arriving meanwhile join it). Returns a stop function that also drops a pending call.
 */
export function watchTables(
  listen: Listen, tables: readonly string[], onChange: () => void, delayMs: number = COALESCE_MS,
): () => void {
  const wanted = new Set(tables);
  let timer: ReturnType<typeof setTimeout> | null = null;
  const unsubscribe = listen((ev) => {
    if (!wanted.has(ev.table) || timer !== null) return;
    timer = setTimeout(() => {
      timer = null;
      onChange();
    }, delayMs);
  });
  return () => {
    if (timer !== null) clearTimeout(timer);
    timer = null;
    unsubscribe();
  };
}

/** Refetch-on-change for a panel: `refetch` runs after changes of `tables` and after each reconnect. */
export function useTableChanges(tables: readonly string[], refetch: () => unknown): void {
  const live = useContext(LiveChangesContext);
  const latest = useRef(refetch);
  useEffect(() => {
    latest.current = refetch; // the newest callback, without resubscribing on every render
  });
  const key = tables.join(",");
  const listen = live?.listen;

  useEffect(() => {
    if (!listen) return;
    return watchTables(listen, key.split(","), () => void latest.current());
  }, [listen, key]);

  const reconnects = live?.reconnects ?? 0;
  const seen = useRef(reconnects);
  useEffect(() => {
    if (seen.current === reconnects) return; // the panel's own first load covers the start
    seen.current = reconnects;
    void latest.current();
  }, [reconnects]);
}
