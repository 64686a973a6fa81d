// The sign-in state PulseView is in (the shapes of /api/auth/* are the schema's).
import type { Role, Schemas, Session, SessionUser } from "../api/types";

export type Provider = Schemas["AuthProviderEnum"];
export type AuthUser = SessionUser;

export type AuthPhase =
  | { phase: "loading" }
  | { phase: "unavailable"; message: string }
  | { phase: "signed-out"; provider: Provider; notice: string | null }
  | { phase: "signed-in"; user: AuthUser; open: boolean; provider: Provider };

/** Who may write: editors and admins (and everybody in open mode, where the server says editor). */
export function canWrite(role: Role | null | undefined): boolean {
  return role === "editor" || role === "admin";
}

export const OPEN_ACCESS_TEXT =
  "Open access: anyone who can reach this server can read and change it (NEXUS_AUTH=open)";

/** In open mode nobody signs in: everybody is an editor, shown as such. */
export const OPEN_ACCESS_USER: AuthUser = { username: "open access", role: "editor", person_id: null };

export function phaseFromSession(session: Session, provider: Provider, notice: string | null = null): AuthPhase {
  if (session.auth.mode === "open") {
    return { phase: "signed-in", user: session.user ?? OPEN_ACCESS_USER, open: true, provider };
  }
  if (session.authenticated && session.user) return { phase: "signed-in", user: session.user, open: false, provider };
  return { phase: "signed-out", provider, notice };
}
