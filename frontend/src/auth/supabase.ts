// One supabase-js client per page: it holds the Supabase Auth session, refreshes it, and hands
// its access token to Realtime itself, so the API and Realtime always see the same user.
// Loaded on demand: the local transport never downloads supabase-js.
import type { SupabaseClient } from "@supabase/supabase-js";
import { REALTIME_OPTIONS } from "../realtime/options";

let client: Promise<SupabaseClient> | null = null;
let clientKey = "";

export function supabaseClient(url: string, anonKey: string): Promise<SupabaseClient> {
  const key = `${url} ${anonKey}`;
  if (!client || clientKey !== key) {
    clientKey = key;
    client = import("@supabase/supabase-js").then(({ createClient }) =>
      createClient(url, anonKey, {
        auth: { persistSession: true, autoRefreshToken: true, detectSessionInUrl: false },
        realtime: { ...REALTIME_OPTIONS, params: { apikey: anonKey } },
      }));
  }
  return client;
}
