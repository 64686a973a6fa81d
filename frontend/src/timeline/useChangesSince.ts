// "Changes since": what changed in the graph from a chosen moment (default: this user's last visit
// in this browser, remembered per username) up to now. Re-read while shown and the live graph moves.
import { keepPreviousData, useQuery, useQueryClient } from "@tanstack/react-query";
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { api, errorText } from "../api/client";
import { queryKeys } from "../api/query";
import type { GraphDiff } from "../api/types";
import { changeItems, debounce, marksOf, readLastVisit, writeLastVisit, type ChangeItem, type ChangeKind } from "./logic";

const REMEMBER_EVERY_MS = 60_000;
const REFRESH_DEBOUNCE_MS = 800;

export interface ChangesSince {
  since: number;
  /** The previous visit read when the page opened (the default "since"). */
  lastVisit: number;
  setSince: (t: number) => void;
  diff: GraphDiff | null;
  items: ChangeItem[];
  marks: Map<string, ChangeKind>;
  loading: boolean;
  error: string | null;
  /** When the diff shown was read (ms; 0 before the first answer). */
  readAt: number;
  refresh: () => void;
}

function storage(): Storage | null {
  try {
    return window.localStorage;
  } catch {
    return null;
  }
}

/** Remember "now" as this user's last visit: every minute and when the page is hidden or left. */
export function useRememberVisit(username: string): number {
  const [lastVisit] = useState(() => {
    const store = storage();
    return store ? readLastVisit(store, username) : Date.now() - 7 * 86_400_000;
  });
  useEffect(() => {
    const store = storage();
    if (!store) return;
    const remember = () => writeLastVisit(store, username);
    const onVisibility = () => document.visibilityState === "hidden" && remember();
    const timer = setInterval(remember, REMEMBER_EVERY_MS);
    window.addEventListener("pagehide", remember);
    document.addEventListener("visibilitychange", onVisibility);
    return () => {
      clearInterval(timer);
      window.removeEventListener("pagehide", remember);
      document.removeEventListener("visibilitychange", onVisibility);
    };
  }, [username]);
  return lastVisit;
}

/** `active`: the panel is shown (nothing is read before); `liveVersion` bumps on live changes. */
export function useChangesSince(username: string, active: boolean, liveVersion: number): ChangesSince {
  const lastVisit = useRememberVisit(username);
  const [since, setSinceState] = useState(lastVisit);
  const queryClient = useQueryClient();
  const read = useQuery({
    queryKey: queryKeys.diff(since),
    queryFn: () => {
      // A moment ahead of the server's clock would be refused as future: ask from no later than now.
      const t = new Date(Math.min(since, Date.now() - 1000)).toISOString();
      return api<GraphDiff>(`/api/graph/diff?from=${encodeURIComponent(t)}`);
    },
    enabled: active,
    // A new "since" keeps the last diff shown (marked "updating…") until its own arrives.
    placeholderData: keepPreviousData,
  });

  // The live graph moved: the diff is stale; re-read once the burst settles (only while shown:
  // an inactive query is just marked stale and read when the panel shows again).
  const later = useMemo(() => debounce(() => void queryClient.invalidateQueries({ queryKey: queryKeys.diffs }), REFRESH_DEBOUNCE_MS), [queryClient]);
  useEffect(() => () => later.cancel(), [later]);
  const seenVersion = useRef(liveVersion);
  useEffect(() => {
    if (seenVersion.current === liveVersion) return;
    seenVersion.current = liveVersion;
    later();
  }, [liveVersion, later]);

  const diff = read.data ?? null;
  const items = useMemo(() => (diff ? changeItems(diff) : []), [diff]);
  const marks = useMemo(() => marksOf(diff), [diff]);
  const setSince = useCallback((t: number) => setSinceState(t), []);
  const { refetch } = read;
  const refresh = useCallback(() => void refetch(), [refetch]);
  return {
    since, lastVisit, setSince, diff, items, marks,
    loading: read.isFetching, error: read.isError ? errorText(read.error) : null, readAt: read.dataUpdatedAt, refresh,
  };
}
