// Who is signed in, for the views that show or hide write controls.
import { createContext, useContext } from "react";
import { canWrite, OPEN_ACCESS_USER, type AuthUser } from "./types";

export interface AuthView {
  user: AuthUser;
  /** NEXUS_AUTH=open: nobody signs in and everybody may write. */
  open: boolean;
  canWrite: boolean;
  signOut: () => Promise<void>;
}

export const AuthContext = createContext<AuthView>({
  user: OPEN_ACCESS_USER, open: true, canWrite: true, signOut: async () => {},
});

export function useAuth(): AuthView {
  return useContext(AuthContext);
}

export function authView(user: AuthUser, open: boolean, signOut: () => Promise<void>): AuthView {
  return { user, open, canWrite: open || canWrite(user.role), signOut };
}
