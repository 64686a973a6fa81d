// Decides what the page shows: the sign-in screen, or (signed in, or open mode) PulseView.
// PulseView's code and data are only loaded once signed in.
import { useQueryClient } from "@tanstack/react-query";
import { lazy, Suspense, useCallback, useEffect, useMemo, useState } from "react";
import { api, ApiError, errorText, setAuthHooks } from "../api/client";
import type { Config } from "../api/types";
import { ErrorNote, Loading } from "../components/Status";
import { AuthContext, authView } from "./context";
import { djangoProvider, fetchSession, supabaseProvider, type SignInProvider } from "./providers";
import { SignIn } from "./SignIn";
import { phaseFromSession, type AuthPhase } from "./types";

const App = lazy(() => import("../App"));

const SESSION_ENDED = "Your session has ended. Sign in again.";

export function AuthGate() {
  const [state, setState] = useState<AuthPhase>({ phase: "loading" });
  const [attempt, setAttempt] = useState(0);
  const [provider, setProvider] = useState<SignInProvider>(djangoProvider);
  // What was read for one user is not shown to the next: the cache goes with the session.
  const queryClient = useQueryClient();

  useEffect(() => {
    let stop = false;
    let unsubscribe = () => {};
    (async () => {
      try {
        const config = await api<Config>("/api/config").catch(() => null);
        const provider = config?.auth?.provider === "supabase" ? await supabaseProvider(config) : djangoProvider;
        if (stop) return;
        setProvider(provider);
        const signedOut = (notice: string | null) => {
          queryClient.clear();
          setState((s) => (s.phase === "signed-in" ? { phase: "signed-out", provider: provider.kind, notice } : s));
        };
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
  }, [attempt, queryClient]);

  const signIn = useCallback(async (username: string, password: string) => {
    const next = phaseFromSession(await provider.signIn(username, password), provider.kind);
    if (next.phase !== "signed-in") {
      throw new ApiError(401, "not_authenticated", "The server did not keep the session: allow cookies for this site.");
    }
    setState(next);
  }, [provider]);

  const signOut = useCallback(async () => {
    await provider.signOut();
    queryClient.clear();
    setState({ phase: "signed-out", provider: provider.kind, notice: "You are signed out." });
  }, [provider, queryClient]);

  const view = useMemo(
    () => (state.phase === "signed-in" ? authView(state.user, state.open, signOut) : null), [state, signOut]);

  switch (state.phase) {
    case "loading":
      return <div className="centre"><Loading what="NEXUS" /></div>;
    case "unavailable":
      return <div className="centre"><ErrorNote message={state.message} onRetry={() => { setState({ phase: "loading" }); setAttempt((n) => n + 1); }} /></div>;
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
