// The two ways to sign in: Django's session (cookie + CSRF) or Supabase Auth (bearer token).
import { api, ApiError, rememberCsrfToken } from "../api/client";
import type { Config, Session } from "../api/types";
import { supabaseClient } from "./supabase";
import type { Provider } from "./types";

export interface SignInProvider {
  kind: Provider;
  /** The bearer token for API calls, or null (the session cookie is used). */
  bearer: () => Promise<string | null>;
  /** Signs in and answers the server's session; throws an ApiError with a sentence to show. */
  signIn: (username: string, password: string) => Promise<Session>;
  signOut: () => Promise<void>;
  /** Calls back when the provider itself ends the session (e.g. a refresh token expired). */
  onSignedOut: (f: () => void) => () => void;
}

export async function fetchSession(): Promise<Session> {
  const session = await api<Session>("/api/auth/session", { keepSignedIn: true });
  rememberCsrfToken(session.csrf_token);
  return session;
}

export const djangoProvider: SignInProvider = {
  kind: "django",
  bearer: async () => null,
  async signIn(username, password) {
    const login = () => api<Session>("/api/auth/login", {
      method: "POST", json: { username, password }, keepSignedIn: true,
    });
    let session: Session;
    try {
      session = await login();
    } catch (e) {
      // 403 here is a stale CSRF token (e.g. the tab outlived a server restart): fetch one, retry once.
      if (!(e instanceof ApiError) || e.status !== 403) throw e;
      await fetchSession();
      session = await login();
    }
    rememberCsrfToken(session.csrf_token); // Django rotates the token on sign-in
    return session;
  },
  async signOut() {
    const session = await api<Session>("/api/auth/logout", { method: "POST", keepSignedIn: true });
    rememberCsrfToken(session?.csrf_token);
  },
  onSignedOut: () => () => {},
};

export async function supabaseProvider(config: Config | null): Promise<SignInProvider> {
  const url = config?.realtime?.url;
  const anonKey = config?.realtime?.anon_key;
  if (config?.realtime?.transport !== "supabase" || !url || !anonKey) {
    throw new ApiError(0, "supabase_unconfigured",
      "This server signs in with Supabase Auth but sends no project URL and anon key (set SUPABASE_ANON_KEY).");
  }
  const sb = await supabaseClient(url, anonKey);
  return {
    kind: "supabase",
    // getSession refreshes an expiring token first, so every call carries a valid one.
    bearer: async () => (await sb.auth.getSession()).data.session?.access_token ?? null,
    async signIn(username, password) {
      const { error } = await sb.auth.signInWithPassword({ email: username.trim(), password });
      if (error) {
        const status = error.status ?? 400;
        const message = status === 429 ? `Too many sign-in attempts. ${error.message}` : error.message;
        throw new ApiError(status, status === 429 ? "throttled" : "invalid_credentials", message);
      }
      const session = await fetchSession();
      if (!session.authenticated) {
        await sb.auth.signOut({ scope: "local" });
        throw new ApiError(401, "not_authenticated", "NEXUS did not accept this Supabase session.");
      }
      return session;
    },
    async signOut() {
      const { error } = await sb.auth.signOut();
      // Server unreachable or the token already revoked: at least forget it in this browser.
      if (error) await sb.auth.signOut({ scope: "local" });
      // A Django session on the same site (e.g. from the admin) would otherwise keep this page signed in.
      await api("/api/auth/logout", { method: "POST", keepSignedIn: true }).catch(() => undefined);
    },
    onSignedOut(f) {
      const { data } = sb.auth.onAuthStateChange((event) => {
        if (event === "SIGNED_OUT") f();
      });
      return () => data.subscription.unsubscribe();
    },
  };
}
