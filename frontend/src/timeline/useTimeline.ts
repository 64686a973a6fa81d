// Viewing the graph as it stood at a moment: the requested moment, the as-of graph last loaded for
// it, and the span the slider covers. Scrubbing is debounced and stale answers are dropped; the live
// graph (useLiveGraph) keeps receiving changes meanwhile and is simply not what is drawn.
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { api, errorText } from "../api";
import { emptyGraph, graphReducer, type GraphState } from "../graph/reducer";
import type { GraphResponse } from "../types";
import { clampMoment, debounce, serverNow, spanOf, type Span, type TimelineSpanBody } from "./logic";

export const SCRUB_DEBOUNCE_MS = 250;

export interface Timeline {
  /** The moment being viewed (ms), or null: live. */
  asOf: number | null;
  /** The graph as of the moment last loaded (null while live or before the first answer). */
  graph: GraphState | null;
  /** The moment `graph` shows. */
  shownAt: number | null;
  loading: boolean;
  error: string | null;
  span: Span | null;
  /** Now on the server's clock, refreshed each minute (the slider's right end). */
  end: number;
  /** `exact`: a moment the server reported (never read as "now"). */
  goTo: (t: number | null, exact?: boolean) => void;
  backToLive: () => void;
}

export function useTimeline(): Timeline {
  const [asOf, setAsOf] = useState<number | null>(null);
  const [loaded, setLoaded] = useState<{ at: number; graph: GraphState } | null>(null);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [span, setSpan] = useState<Span | null>(null);
  const [tick, setTick] = useState(() => Date.now());
  const seq = useRef(0);
  const spanRef = useRef<Span | null>(null);
  spanRef.current = span;

  const readSpan = useCallback(async () => {
    try {
      const s = spanOf(await api<TimelineSpanBody>("/api/graph/timeline"), Date.now());
      setSpan(s);
      return s;
    } catch {
      return spanRef.current; // an older server: the slider waits; the date input still works
    }
  }, []);
  useEffect(() => {
    void readSpan();
    // Each minute: the right end moves on, and a first write (or a compaction) moves the left end.
    const t = setInterval(() => {
      setTick(Date.now());
      void readSpan();
    }, 60_000);
    return () => clearInterval(t);
  }, [readSpan]);

  const load = useMemo(() => debounce(async (t: number) => {
    const mine = ++seq.current;
    setLoading(true);
    try {
      const body = await api<GraphResponse>(`/api/graph?as_of=${encodeURIComponent(new Date(t).toISOString())}`);
      if (mine !== seq.current) return;
      setLoaded({ at: t, graph: graphReducer(emptyGraph, { type: "reset", graph: body, cursor: null }) });
      setError(null);
    } catch (e) {
      if (mine === seq.current) setError(errorText(e));
    } finally {
      if (mine === seq.current) setLoading(false);
    }
  }, SCRUB_DEBOUNCE_MS), []);
  useEffect(() => () => load.cancel(), [load]);

  const backToLive = useCallback(() => {
    load.cancel();
    seq.current++;
    setAsOf(null);
    setLoaded(null);
    setLoading(false);
    setError(null);
  }, [load]);

  const goTo = useCallback((t: number | null, exact = false) => {
    const s = spanRef.current ?? { start: null, skew: 0 };
    const moment = t === null ? null : clampMoment(t, s, Date.now(), exact ? 0 : undefined);
    if (moment === null) return backToLive();
    setAsOf(moment);
    setLoading(true);
    load(moment);
  }, [load, backToLive]);

  const end = span ? serverNow(span, tick) : tick;
  return {
    asOf, graph: asOf === null ? null : loaded?.graph ?? null, shownAt: asOf === null ? null : loaded?.at ?? null,
    loading, error, span, end, goTo, backToLive,
  };
}
