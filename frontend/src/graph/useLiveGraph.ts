// Loads the graph, keeps it live over realtime, and catches up after every reconnect so no
// change is lost: GET changes after the last cursor, or a full resync when the log answers 410.
import { useCallback, useEffect, useReducer, useRef, useState } from "react";
import { api, errorText } from "../api/client";
import { changesUrl, readChangesAfter } from "../realtime/catchup";
import { connectRealtime, type RealtimeHandle } from "../realtime/connection";
import { chooseTransport, type TransportChoice } from "../realtime/transport";
import type { ChangeEvent, Config, ConnectionStatus, GraphCompactOut, RealtimeChangesPage } from "../api/types";
import { createFrameBatcher, type FrameBatcher } from "./frameBatch";
import { emptyGraph, graphReducer } from "./reducer";

export interface LiveGraph {
  graph: ReturnType<typeof graphReducer>;
  loading: boolean;
  error: string | null;
  status: ConnectionStatus;
  transport: TransportChoice | null;
  reload: () => void;
  /** Subscribe to every change event (notifications included); returns an unsubscribe. */
  listen: (f: (e: ChangeEvent) => void) => () => void;
  /** Bumped after each reconnect, so other views can refresh what they hold. */
  reconnects: number;
}

export function useLiveGraph(): LiveGraph {
  const [graph, dispatch] = useReducer(graphReducer, emptyGraph);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | null>(null);
  const [status, setStatus] = useState<ConnectionStatus>("connecting");
  const [transport, setTransport] = useState<TransportChoice | null>(null);
  const [reconnects, setReconnects] = useState(0);

  // The latest cursor and size, for callbacks that outlive a render (catch-up, the batcher).
  const cursorRef = useRef<number | null>(null);
  const sizeRef = useRef(0);
  useEffect(() => {
    cursorRef.current = graph.cursor;
    sizeRef.current = graph.tally.nodes;
  }, [graph.cursor, graph.tally]);
  const buffering = useRef<ChangeEvent[] | null>([]); // non-null while a snapshot is loading
  const listeners = useRef(new Set<(e: ChangeEvent) => void>());
  const choiceRef = useRef<TransportChoice | null>(null);
  // Live events reach the reducer in one batch per animation frame, not one render per row.
  const batcher = useRef<FrameBatcher<ChangeEvent> | null>(null);
  useEffect(() => {
    const b = createFrameBatcher<ChangeEvent>((events) => dispatch({ type: "changes", events }), {
      // Every batch costs sigma one pass over the whole graph: the bigger the graph, the fewer
      // and larger the batches during a burst. A lone change still shows on the next frame.
      minInterval: () => (sizeRef.current > 5000 ? 400 : sizeRef.current > 1000 ? 250 : 120),
      // Appending nodes costs ~0.1 ms each in software WebGL: a backlog is spread over frames.
      maxPerFrame: 1000,
      // The tail of a burst is shown as soon as the stream pauses, not up to 400 ms later.
      quiet: 60,
    });
    batcher.current = b;
    return () => {
      b.close();
      if (batcher.current === b) batcher.current = null;
    };
  }, []);

  const handleEvent = useCallback((ev: ChangeEvent) => {
    for (const f of listeners.current) f(ev);
    if (ev.table !== "nodes" && ev.table !== "edges") return;
    if (buffering.current) buffering.current.push(ev);
    else if (batcher.current) batcher.current.push(ev);
    else dispatch({ type: "change", event: ev });
  }, []);

  const changesBase = () => choiceRef.current?.changesUrl ?? "/api/realtime/changes";

  /** Full reload: note the change-log position first, then take the snapshot, so replaying
   *  every change after that position on top of it can only repeat, never miss, a change. */
  const resync = useCallback(async () => {
    buffering.current = buffering.current ?? [];
    try {
      let cursor: number | null = null;
      try {
        cursor = (await api<RealtimeChangesPage>(changesUrl(changesBase(), null))).cursor;
      } catch {
        cursor = null; // no change log: live events still patch the graph, a reconnect reloads it
      }
      const body = await api<GraphCompactOut>("/api/graph?view=compact");
      batcher.current?.flushNow();
      dispatch({ type: "reset", graph: body, cursor });
      const pending = buffering.current ?? [];
      buffering.current = null;
      if (pending.length) dispatch({ type: "changes", events: pending });
      setError(null);
    } catch (e) {
      buffering.current = null;
      setError(errorText(e));
    } finally {
      setLoading(false);
    }
  }, []);

  /** After a reconnect: every change after our cursor; 410 (or any failure) means resync. */
  const catchUp = useCallback(async () => {
    const after = cursorRef.current;
    if (after === null) return resync();
    const result = await readChangesAfter(after, changesBase(), (url) => api<RealtimeChangesPage>(url));
    if (result.kind === "resync") return resync();
    batcher.current?.flushNow();
    if (result.events.length) dispatch({ type: "changes", events: result.events });
    dispatch({ type: "cursor", cursor: result.cursor });
  }, [resync]);

  useEffect(() => {
    let handle: RealtimeHandle | null = null;
    let cancelled = false;
    (async () => {
      let config: Config | null;
      try {
        config = await api<Config>("/api/config");
      } catch {
        config = null; // older server: NEXUS's own endpoint is the default
      }
      const choice = chooseTransport(config, window.location);
      choiceRef.current = choice;
      setTransport(choice);
      // Subscribe first and buffer, so a change between snapshot and subscription is not lost.
      try {
        handle = await connectRealtime(choice, {
          onEvent: handleEvent,
          onStatus: (s) => !cancelled && setStatus(s),
          onResubscribed: () => {
            if (cancelled) return;
            setReconnects((n) => n + 1);
            void catchUp();
          },
        });
        if (cancelled) handle.close();
      } catch {
        setStatus("offline");
      }
      if (!cancelled) await resync();
    })();
    return () => {
      cancelled = true;
      handle?.close();
    };
  }, [handleEvent, catchUp, resync]);

  const listen = useCallback((f: (e: ChangeEvent) => void) => {
    listeners.current.add(f);
    return () => {
      listeners.current.delete(f);
    };
  }, []);

  const reload = useCallback(() => {
    setLoading(true);
    void resync();
  }, [resync]);

  return { graph, loading, error, status, transport, reload, listen, reconnects };
}
