// "Changes since": what changed in the graph from a chosen moment (default: this user's last visit
// in this browser, remembered per username) up to now. Re-read while shown and the live graph moves.
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { api, errorText } from "../api";
import { changeItems, debounce, marksOf, readLastVisit, writeLastVisit, type ChangeItem, type ChangeKind, type GraphDiff } from "./logic";

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
  const [diff, setDiff] = useState<GraphDiff | null>(null);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const seq = useRef(0);

  const read = useCallback(async (from: number) => {
    const mine = ++seq.current;
    setLoading(true);
    try {
      // A moment ahead of the server's clock would be refused as future: ask from no later than now.
      const t = new Date(Math.min(from, Date.now() - 1000)).toISOString();
      const body = await api<GraphDiff>(`/api/graph/diff?from=${encodeURIComponent(t)}`);
      if (mine !== seq.current) return;
      setDiff(body);
      setError(null);
    } catch (e) {
      if (mine === seq.current) setError(errorText(e));
    } finally {
      if (mine === seq.current) setLoading(false);
    }
  }, []);
  const later = useMemo(() => debounce((from: number) => void read(from), REFRESH_DEBOUNCE_MS), [read]);
  useEffect(() => () => later.cancel(), [later]);

  useEffect(() => {
    if (active) void read(since);
  }, [active, since, read]);
  const first = useRef(true);
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    if (active) later(since);
  }, [liveVersion]); // eslint-disable-line react-hooks/exhaustive-deps

  const items = useMemo(() => (diff ? changeItems(diff) : []), [diff]);
  const marks = useMemo(() => marksOf(diff), [diff]);
  const setSince = useCallback((t: number) => setSinceState(t), []);
  const refresh = useCallback(() => void read(since), [read, since]);
  return { since, lastVisit, setSince, diff, items, marks, loading, error, refresh };
}
