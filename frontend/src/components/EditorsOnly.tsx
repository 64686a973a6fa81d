// The note shown in place of a write control for a viewer.
import { useAuth } from "../auth/context";

export function EditorsOnly({ what }: { what: string }) {
  const { user } = useAuth();
  return (
    <p className="editors-only small" data-testid="editors-only">
      Editors only: {what}. You are signed in as a {user.role}.
    </p>
  );
}
