import { useMutation } from "@tanstack/react-query";
import { errorText } from "../api/client";
import { NodeRef } from "../components/NodeRef";
import { Empty, ErrorNote, Loading } from "../components/Status";
import { When } from "../components/When";
import type { NotificationsState } from "../components/useNotifications";
import type { GraphNode, Notification } from "../api/types";

interface Props {
  persons: GraphNode[];
  personId: string | null;
  /** null: the person is fixed (a viewer sees only their own notifications). */
  onPerson: ((id: string | null) => void) | null;
  state: NotificationsState;
  onFocus: (ids: string[]) => void;
}

const sourceNodeIds = (n: Notification): string[] => n.source_unit?.node_ids ?? [];

export default function NotificationsPanel({ persons, personId, onPerson, state, onFocus }: Props) {
  const ack = useMutation({ mutationFn: state.acknowledge });
  const busy = ack.isPending ? ack.variables : null;
  const ackError = ack.error && errorText(ack.error);
  const open = state.items.filter((n) => !n.acknowledged);
  const done = state.items.filter((n) => n.acknowledged);
  return (
    <section aria-labelledby="notif-title" className="panel">
      <h2 id="notif-title">Notifications</h2>
      {onPerson ? (
        <label className="field">
          <span>Person</span>
          <select
            value={personId ?? ""}
            onChange={(e) => onPerson(e.target.value || null)}
            data-testid="person-select"
          >
            <option value="">Choose a person…</option>
            {persons.map((p) => (
              <option key={p.id} value={p.id}>{p.label} ({p.team ?? p.division ?? p.id})</option>
            ))}
          </select>
        </label>
      ) : (
        <p className="muted" data-testid="own-notifications">
          {personId
            ? <>Your notifications (<NodeRef id={personId} />).</>
            : "Your account is not linked to a person, so no notifications are yours. An admin can link it."}
        </p>
      )}
      {!personId ? (onPerson && <Empty>Choose a person to see what NEXUS routed to them.</Empty>) : (
        <>
          {state.loading && <Loading what="notifications" />}
          {state.error && <ErrorNote message={state.error} onRetry={state.reload} />}
          {ackError && <ErrorNote message={ackError} />}
          {!state.loading && !state.error && state.items.length === 0 && <Empty>Nothing for this person yet.</Empty>}
          {open.length > 0 && <h3>Unread ({open.length})</h3>}
          <ul className="cards" data-testid="notification-list">
            {open.map((n) => (
              <li key={n.id} className={`card prio-${n.priority ?? "medium"}`} data-testid="notification">
                <p className="card-title">{n.summary ?? "(no summary)"}</p>
                <p className="muted">
                  {n.priority ?? "medium"} priority{n.action_required ? " · action required" : ""}
                  {n.created_at && <> · <When value={n.created_at} /></>}
                </p>
                {sourceNodeIds(n).length > 0 && (
                  <p className="small">About: {sourceNodeIds(n).map((id, i) => <span key={id}>{i > 0 && ", "}<NodeRef id={id} /></span>)}</p>
                )}
                {n.suggested_action && <p>Suggested: {n.suggested_action}</p>}
                <div className="card-actions">
                  <button type="button" onClick={() => ack.mutate(n.id)} disabled={busy === n.id}>
                    {busy === n.id ? "Acknowledging…" : "Acknowledge"}
                  </button>
                  {sourceNodeIds(n).length > 0 && (
                    <button type="button" onClick={() => onFocus(sourceNodeIds(n))}>Show in graph</button>
                  )}
                </div>
              </li>
            ))}
          </ul>
          {done.length > 0 && (
            <details>
              <summary>Acknowledged ({done.length})</summary>
              <ul className="cards">
                {done.map((n) => (
                  <li key={n.id} className="card card-done" data-testid="notification-acknowledged">
                    <p>{n.summary ?? "(no summary)"}</p>
                    {n.created_at && <p className="muted small"><When value={n.created_at} /></p>}
                  </li>
                ))}
              </ul>
            </details>
          )}
        </>
      )}
    </section>
  );
}
