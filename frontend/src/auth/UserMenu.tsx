// The signed-in user in the header: name, role, sign out.
import { useState } from "react";
import { errorText } from "../api/client";
import { useAuth } from "./context";
import { OPEN_ACCESS_USER } from "./types";

export function UserMenu() {
  const { user, signOut } = useAuth();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  if (user === OPEN_ACCESS_USER) {
    return <span className="user-menu" data-testid="user-menu"><span className="role-chip">open access</span></span>;
  }
  const out = async () => {
    setBusy(true);
    setError(null);
    try {
      await signOut();
    } catch (e) {
      setError(`Could not sign out: ${errorText(e)}`);
      setBusy(false);
    }
  };
  return (
    <span className="user-menu" data-testid="user-menu">
      <span className="user-name" data-testid="user-name">{user.username}</span>
      <span className="role-chip" data-testid="user-role" title="Your role">{user.role}</span>
      <button type="button" onClick={out} disabled={busy}>Sign out</button>
      {error && <span className="state-error small" role="alert">{error}</span>}
    </span>
  );
}
