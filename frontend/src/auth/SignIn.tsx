// The sign-in screen: nothing else of PulseView is loaded or fetched until it succeeds.
import { useState } from "react";
import { errorText } from "../api/client";
import type { Provider } from "./types";

interface Props {
  provider: Provider;
  notice: string | null;
  onSignIn: (username: string, password: string) => Promise<void>;
}

export function SignIn({ provider, notice, onSignIn }: Props) {
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const supabase = provider === "supabase";

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    if (!username.trim() || !password) {
      setError("Enter your username and password.");
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await onSignIn(username.trim(), password);
    } catch (err) {
      setError(errorText(err));
      setPassword("");
    } finally {
      setBusy(false);
    }
  };

  return (
    <main className="signin">
      <form className="signin-card stack" onSubmit={submit} aria-labelledby="signin-title" data-testid="sign-in">
        <h1 id="signin-title">NEXUS <span className="muted">PulseView</span></h1>
        <p className="muted">Sign in to see the live knowledge graph.</p>
        {notice && <p className="signin-notice" role="status">{notice}</p>}
        <label className="field">
          <span>Username</span>
          <input
            name="username" autoComplete={supabase ? "email" : "username"} inputMode={supabase ? "email" : undefined}
            autoFocus value={username} onChange={(e) => setUsername(e.target.value)}
            aria-describedby={supabase ? "signin-hint" : undefined}
          />
        </label>
        {supabase && <p id="signin-hint" className="small muted">The email address of your Supabase account.</p>}
        <label className="field">
          <span>Password</span>
          <input type="password" name="password" autoComplete="current-password"
            value={password} onChange={(e) => setPassword(e.target.value)} />
        </label>
        {error && <p className="state state-error" role="alert" data-testid="sign-in-error">{error}</p>}
        <button type="submit" disabled={busy} aria-busy={busy}>Sign in</button>
      </form>
    </main>
  );
}
