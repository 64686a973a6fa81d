// realtime-js options shared by the local transport and the Supabase client.

// Reconnect fast at first (a restarted server is back within a second or two), then back off.
const BACKOFF_MS = [200, 500, 1000, 2000, 3000, 5000];

export const REALTIME_OPTIONS = {
  heartbeatIntervalMs: 10_000,
  timeout: 5_000,
  reconnectAfterMs: (tries: number) => BACKOFF_MS[Math.min(tries - 1, BACKOFF_MS.length - 1)],
};
