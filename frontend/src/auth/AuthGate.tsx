// Decides what the page shows: the sign-in screen, or (signed in, or open mode) PulseView.
// PulseView's code and data are only loaded once signed in.
import { lazy, Suspense, useCallback, useEffect, useMemo, useRef, useState } from "react";
import { api, ApiError, errorText, setAuthHooks } from "../api";
import { ErrorNote, Loading } from "../components/Status";
import type { NexusConfig } from "../realtime/transport";
import { AuthContext, authView } from "./context";
import { djangoProvider, fetchSession, supabaseProvider, type SignInProvider } from "./providers";
import { SignIn } from "./SignIn";
import { phaseFromSession, type AuthPhase } from "./types";

const App = lazy(() => import("../App"));

const SESSION_ENDED = "Your session has ended. Sign in again.";

export function AuthGate() {
  const [state, setState] = useState<AuthPhase>({ phase: "loading" });
  const [attempt, setAttempt] = useState(0);
  const providerRef = useRef<SignInProvider>(djangoProvider);

  useEffect(() => {
    let stop = false;
    let unsubscribe = () => {};
    setState({ phase: "loading" });
    (async () => {
      try {
        const config = await api<NexusConfig>("/api/config").catch(() => null);
        const provider = config?.auth?.provider === "supabase" ? await supabaseProvider(config) : djangoProvider;
        if (stop) return;
        providerRef.current = provider;
        const signedOut = (notice: string | null) =>
          setState((s) => (s.phase === "signed-in" ? { phase: "signed-out", provider: provider.kind, notice } : s));
        // Any API call answered 401 means the session is gone: back to the sign-in screen.
        setAuthHooks({ bearer: provider.bearer, onUnauthorized: () => signedOut(SESSION_ENDED) });
        unsubscribe = provider.onSignedOut(() => signedOut(SESSION_ENDED));
        const session = await fetchSession();
        if (!stop) setState(phaseFromSession(session, provider.kind));
      } catch (e) {
        if (!stop) setState({ phase: "unavailable", message: errorText(e) });
      }
    })();
    return () => {
      stop = true;
      unsubscribe();
      setAuthHooks(null);
    };
  }, [attempt]);

  const signIn = useCallback(async (username: string, password: string) => {
    const provider = providerRef.current;
    const next = phaseFromSession(await provider.signIn(username, password), provider.kind);
    if (next.phase !== "signed-in") {
      throw new ApiError(401, "not_authenticated", "The server did not keep the session: allow cookies for this site.");
    }
    setState(next);
  }, []);

  const signOut = useCallback(async () => {
    const provider = providerRef.current;
    await provider.signOut();
    setState({ phase: "signed-out", provider: provider.kind, notice: "You are signed out." });
  }, []);

  const view = useMemo(
    () => (state.phase === "signed-in" ? authView(state.user, state.open, signOut) : null), [state, signOut]);

  switch (state.phase) {
    case "loading":
      return <div className="centre"><Loading what="NEXUS" /></div>;
    case "unavailable":
      return <div className="centre"><ErrorNote message={state.message} onRetry={() => setAttempt((n) => n + 1)} /></div>;
    case "signed-out":
      return <SignIn provider={state.provider} notice={state.notice} onSignIn={signIn} />;
    case "signed-in":
      return (
        <AuthContext.Provider value={view!}>
          <Suspense fallback={<div className="centre"><Loading what="PulseView" /></div>}>
            <App key={state.user.username} />
          </Suspense>
        </AuthContext.Provider>
      );
  }
}
