// The realtime connection: one channel for every table the server names (GET /api/config's
// realtime.tables: nodes, edges, notifications, alert states, scans, task plans) over realtime-js,
// against Supabase Realtime or NEXUS's own Supabase-compatible endpoint (same client code).
import type { RealtimeChannel, RealtimeClient, RealtimePostgresChangesPayload } from "@supabase/realtime-js";
import type { ChangeEvent, ConnectionStatus } from "../api/types";
import { supabaseClient } from "../auth/supabase";
import { REALTIME_OPTIONS } from "./options";
import { LOCAL_ANON_KEY, toChangeEvent, type TransportChoice } from "./transport";

export interface RealtimeCallbacks {
  onEvent: (event: ChangeEvent) => void;
  onStatus: (status: ConnectionStatus) => void;
  /** Called on every (re)subscription after the first: catch up from the change log. */
  onResubscribed: () => void;
}

export interface RealtimeHandle {
  close: () => void;
}

const OFFLINE_AFTER_MS = 15_000;

async function makeClient(choice: TransportChoice): Promise<RealtimeClient> {
  if (choice.kind === "supabase") {
    // The page's one supabase-js client: Realtime joins with the signed-in user's token.
    return (await supabaseClient(choice.url, choice.anonKey)).realtime;
  }
  // NEXUS's own endpoint authenticates the join by the session cookie the browser sends.
  const { RealtimeClient } = await import("@supabase/realtime-js");
  return new RealtimeClient(choice.endpoint, { ...REALTIME_OPTIONS, params: { apikey: LOCAL_ANON_KEY } });
}

export async function connectRealtime(choice: TransportChoice, cb: RealtimeCallbacks): Promise<RealtimeHandle> {
  const client = await makeClient(choice);
  let closed = false;
  let everSubscribed = false;
  let live = false;
  let offlineTimer: ReturnType<typeof setTimeout> | null = null;

  const setDown = () => {
    if (closed) return;
    if (live || !offlineTimer) cb.onStatus("reconnecting");
    live = false;
    if (!offlineTimer) {
      offlineTimer = setTimeout(() => {
        if (!live && !closed) cb.onStatus("offline");
      }, OFFLINE_AFTER_MS);
    }
  };

  const channel: RealtimeChannel = client.channel("nexus-pulse");
  for (const table of choice.tables) {
    channel.on("postgres_changes", { event: "*", schema: "public", table }, (payload: RealtimePostgresChangesPayload<Record<string, unknown>>) => {
      if (closed) return;
      const ev = toChangeEvent(payload);
      if (ev) cb.onEvent(ev);
    });
  }
  channel.subscribe((status: string) => {
    if (closed) return;
    if (status === "SUBSCRIBED") {
      if (offlineTimer) clearTimeout(offlineTimer);
      offlineTimer = null;
      const again = everSubscribed;
      everSubscribed = true;
      live = true;
      cb.onStatus("live");
      if (again) cb.onResubscribed();
    } else {
      setDown();
    }
  });
  // A dropped socket shows up as a channel error only after a while; watch the heartbeat too.
  client.onHeartbeat?.((status: string) => {
    if (status === "disconnected" || status === "timeout" || status === "error") setDown();
  });

  return {
    close: () => {
      closed = true;
      if (offlineTimer) clearTimeout(offlineTimer);
      void client.removeAllChannels().finally(() => client.disconnect());
    },
  };
}
