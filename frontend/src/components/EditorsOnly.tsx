// The note shown in place of a write control for a viewer.
import { useAuth } from "../auth/context";
import { useViewingPast } from "../timeline/context";

export function EditorsOnly({ what }: { what: string }) {
  const { user } = useAuth();
  const past = useViewingPast();
  if (past !== null) {
    return (
      <p className="editors-only small" data-testid="read-only-past">
        Read-only while viewing {new Date(past).toLocaleString()}: go back to live to change the graph.
      </p>
    );
  }
  return (
    <p className="editors-only small" data-testid="editors-only">
      Editors only: {what}. You are signed in as a {user.role}.
    </p>
  );
}
