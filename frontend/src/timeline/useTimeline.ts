// Viewing the graph as it stood at a moment: the requested moment, the as-of graph last loaded for
// it, and the span the slider covers. Scrubbing is debounced and stale answers are dropped; the live
// graph (useLiveGraph) keeps receiving changes meanwhile and is simply not what is drawn.
import { useQuery } from "@tanstack/react-query";
import { useCallback, useEffect, useMemo, useState } from "react";
import { api, errorText } from "../api/client";
import { queryKeys } from "../api/query";
import type { GraphOut, GraphTimeline } from "../api/types";
import { emptyGraph, graphReducer, type GraphState } from "../graph/reducer";
import { clampMoment, debounce, serverNow, spanOf, type Span } from "./logic";

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
  // The moment asked of the server: asOf once scrubbing settles. A visit to the past starts at
  // each goTo from live; an answer of an earlier visit is never shown as a placeholder.
  const [requested, setRequested] = useState<{ at: number; visit: number } | null>(null);
  const [visit, setVisit] = useState(0);
  const [tick, setTick] = useState(() => Date.now());

  // Each minute: the right end moves on, and a first write (or a compaction) moves the left end.
  const spanRead = useQuery({
    queryKey: queryKeys.timeline,
    queryFn: async () => spanOf(await api<GraphTimeline>("/api/graph/timeline"), Date.now()),
    refetchInterval: 60_000,
  });
  const span = spanRead.data ?? null; // unread (an older server): the slider waits; the date input still works
  useEffect(() => {
    const t = setInterval(() => setTick(Date.now()), 60_000);
    return () => clearInterval(t);
  }, []);

  const past = useQuery({
    queryKey: [...queryKeys.graphAsOf(requested?.at ?? 0), requested?.visit ?? 0],
    enabled: requested !== null,
    queryFn: async () => {
      const { at, visit: of } = requested!;
      const body = await api<GraphOut>(`/api/graph?as_of=${encodeURIComponent(new Date(at).toISOString())}`);
      return { at, visit: of, graph: graphReducer(emptyGraph, { type: "reset", graph: body, cursor: null }) };
    },
    // While the next moment loads, the last one of this visit stays drawn.
    placeholderData: (previous) => (previous?.visit === requested?.visit ? previous : undefined),
  });

  const settle = useMemo(() => debounce((at: number, of: number) => setRequested({ at, visit: of }), SCRUB_DEBOUNCE_MS), []);
  useEffect(() => () => settle.cancel(), [settle]);

  const backToLive = useCallback(() => {
    settle.cancel();
    setAsOf(null);
    setRequested(null);
  }, [settle]);

  const goTo = useCallback((t: number | null, exact = false) => {
    const s = span ?? { start: null, skew: 0 };
    const moment = t === null ? null : clampMoment(t, s, Date.now(), exact ? 0 : undefined);
    if (moment === null) return backToLive();
    const of = asOf === null ? visit + 1 : visit;
    if (asOf === null) setVisit(of);
    setAsOf(moment);
    settle(moment, of);
  }, [span, asOf, visit, settle, backToLive]);

  const end = span ? serverNow(span, tick) : tick;
  const shown = asOf === null ? null : past.data ?? null;
  return {
    asOf, graph: shown?.graph ?? null, shownAt: shown?.at ?? null,
    loading: asOf !== null && (requested?.at !== asOf || past.isFetching),
    error: asOf !== null && past.isError ? errorText(past.error) : null,
    span, end, goTo, backToLive,
  };
}
