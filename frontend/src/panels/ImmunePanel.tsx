// Immune system: run a scan, act on its alerts (resolve, dismiss with a reason, assign to a
// person, carry out the suggestion), see each alert's nodes. Decisions persist across scans.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { api, errorText } from "../api/client";
import { queryKeys } from "../api/query";
import type { Alert, AlertsResponse, AlertState, AlertStateResponse, ImmuneScan } from "../api/types";
import { useAuth } from "../auth/context";
import { EditorsOnly } from "../components/EditorsOnly";
import { LinkedText } from "../components/LinkedText";
import { NodeRef, useNodeLabel } from "../components/NodeRef";
import { PersonPicker } from "../components/PersonPicker";
import { Empty, ErrorNote, QueryStatus } from "../components/Status";
import { When } from "../components/When";
import { useTableChanges } from "../realtime/useTableChanges";


interface Props { onFocus: (ids: string[]) => void; onOpenWorkers?: () => void }

const SEVERITY_ORDER: Record<Alert["severity"], number> = { high: 0, medium: 1, low: 2 };
// Alerts of older scans may have no fingerprint (it is optional in the schema): their id names them.
const alertKey = (a: Alert) => a.fingerprint ?? a.id;
const alertPath = (a: Alert, action: string) => `/api/immune/alerts/${encodeURIComponent(alertKey(a))}/${action}`;
const OPEN: AlertState = { state: "open", reason: null, assignee_id: null, actor: null, updated_at: null };

/** The alerts list with one alert's new state (in the open list or among the suppressed). */
export function withAlertState(body: AlertsResponse, key: string, state: AlertState): AlertsResponse {
  const patch = (x: Alert) => (alertKey(x) === key ? { ...x, state } : x);
  return { ...body, alerts: body.alerts.map(patch), suppressed: body.suppressed.map(patch) };
}

type Mode = null | "dismiss" | "assign" | "owner";

function AlertCard({ alert, onFocus, onOpenWorkers }: { alert: Alert; onFocus: (ids: string[]) => void; onOpenWorkers?: () => void }) {
  const { canWrite } = useAuth();
  const label = useNodeLabel();
  const queryClient = useQueryClient();
  const [mode, setMode] = useState<Mode>(null);
  const [reason, setReason] = useState("");
  const [person, setPerson] = useState("");
  const change = useMutation({
    mutationFn: ({ action, json }: { action: string; json: Record<string, string> }) =>
      api<AlertStateResponse>(alertPath(alert, action), { method: "POST", json }),
    onSuccess: (next) => {
      queryClient.setQueryData<AlertsResponse>(queryKeys.alerts, (b) => b && withAlertState(b, alertKey(alert), next));
      setMode(null);
      setReason("");
      setPerson("");
    },
  });
  const act = (action: string, json: Record<string, string> = {}) => change.mutate({ action, json });
  const busy = change.isPending;
  const error = change.error && errorText(change.error);
  const state = alert.state ?? OPEN;
  const closed = state.state !== "open";

  return (
    <li className={`card sev-${alert.severity}${closed ? " card-done" : ""}`} data-testid="alert" data-fingerprint={alertKey(alert)} data-state={state.state}>
      <div className="row">
        <span className="badge-sev">{alert.severity}</span> <span className="muted">{alert.agent}</span>
        {closed && <span className="badge-sev" data-testid="alert-state">{state.state}</span>}
      </div>
      <span className="card-title">{alert.title}</span>
      <p className="small"><LinkedText text={alert.description} /></p>
      {alert.suggested_action && <p className="small muted">Suggested: <LinkedText text={alert.suggested_action} /></p>}
      <p className="small">
        Nodes: {alert.node_ids.map((id, i) => <span key={id}>{i > 0 && ", "}<NodeRef id={id} /></span>)}{" "}
        <button type="button" className="link" onClick={() => onFocus(alert.node_ids)}>show in graph</button>
      </p>
      {(state.assignee_id || state.actor) && (
        <p className="small muted" data-testid="alert-meta">
          {state.assignee_id && <>Assigned to <NodeRef id={state.assignee_id} /> · </>}
          {closed ? `${state.state} by ${state.actor ?? "someone"}` : state.actor ? `last change by ${state.actor}` : null}
          {state.updated_at && <> <When value={state.updated_at} /></>}
          {state.reason && <> — “{state.reason}”</>}
        </p>
      )}
      {error && <p className="state-error small" role="alert">{error}</p>}
      {canWrite && (
        <>
          <div className="card-actions row" role="group" aria-label={`Act on: ${alert.title}`}>
            {closed
              ? <button type="button" disabled={busy} onClick={() => act("reopen")}>Reopen</button>
              : <>
                  <button type="button" disabled={busy} onClick={() => act("resolve")}>Resolve</button>
                  <button type="button" disabled={busy} aria-expanded={mode === "dismiss"} onClick={() => setMode(mode === "dismiss" ? null : "dismiss")}>Dismiss…</button>
                  <button type="button" disabled={busy} aria-expanded={mode === "assign"} onClick={() => setMode(mode === "assign" ? null : "assign")}>Assign…</button>
                  {alert.action?.kind === "set_owner" && (
                    <button type="button" disabled={busy} aria-expanded={mode === "owner"} onClick={() => setMode(mode === "owner" ? null : "owner")}>Set owner…</button>
                  )}
                  {alert.action?.kind === "reverify" && (
                    <button type="button" disabled={busy} onClick={() => act("apply")} title="Its freshness restarts; the alert is resolved">Mark re-verified</button>
                  )}
                  {alert.action?.kind === "supersede" && (
                    <button type="button" disabled={busy} onClick={() => act("apply")} title={`Keeps ${label(alert.action.keep_id)}; the alert is resolved`}>
                      Mark “{label(alert.action.node_id)}” superseded
                    </button>
                  )}
                  {alert.action?.kind === "reallocate" && onOpenWorkers && (
                    <button type="button" onClick={onOpenWorkers}>Suggest reallocations</button>
                  )}
                </>}
          </div>
          {mode === "dismiss" && (
            <form className="row" onSubmit={(e) => { e.preventDefault(); act("dismiss", { reason }); }}>
              <input aria-label="Reason for dismissing" placeholder="Why is this not a problem?" value={reason} onChange={(e) => setReason(e.target.value)} required />
              <button type="submit" disabled={busy || !reason.trim()}>Dismiss</button>
            </form>
          )}
          {(mode === "assign" || mode === "owner") && (
            <form className="row" onSubmit={(e) => { e.preventDefault(); act(mode === "assign" ? "assign" : "set-owner", { person_id: person }); }}>
              <PersonPicker label={mode === "assign" ? "Assign to" : "New owner"} value={person} onChange={setPerson} />
              <button type="submit" disabled={busy || !person}>{mode === "assign" ? "Assign" : "Set owner"}</button>
            </form>
          )}
        </>
      )}
    </li>
  );
}

export default function ImmunePanel({ onFocus, onOpenWorkers }: Props) {
  const { canWrite } = useAuth();
  const queryClient = useQueryClient();
  const [showClosed, setShowClosed] = useState(false);
  // The list carries each alert's state; refetching it (or invalidating queryKeys.alerts) re-reads both.
  const list = useQuery({ queryKey: queryKeys.alerts, queryFn: () => api<AlertsResponse>("/api/immune/alerts") });
  const scan = useMutation({
    mutationFn: () => api<ImmuneScan>("/api/immune/scan", { method: "POST", json: {} }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: queryKeys.alerts }),
  });
  const scanning = scan.isPending;
  const body = list.data;

  useTableChanges(["immune_alert_states", "immune_scans"], () => list.refetch()); // another page acted or scanned

  const bySeverity = (a: Alert, b: Alert) => SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity];
  // Alerts the last scan did not raise again still show, with their state, so they can be reopened.
  const suppressed = body?.suppressed ?? [];
  const alerts = [...(body?.alerts ?? []), ...suppressed].sort(bySeverity);
  const open = alerts.filter((a) => (a.state ?? OPEN).state === "open");
  const closed = alerts.filter((a) => (a.state ?? OPEN).state !== "open");
  const shown = showClosed ? closed : open;
  return (
    <section aria-labelledby="immune-title" className="panel">
      <h2 id="immune-title">Immune system</h2>
      <div className="row">
        {canWrite
          ? <button type="button" onClick={() => scan.mutate()} disabled={scanning}>{scanning ? "Scanning…" : "Run scan"}</button>
          : <EditorsOnly what="running a scan and acting on alerts" />}
        {body?.created_at && <span className="muted small">last scan <When value={body.created_at} /></span>}
      </div>
      {scan.isError && <ErrorNote message={errorText(scan.error)} />}
      <QueryStatus query={list} what="alerts" />
      {body && (
        <div className="row" role="group" aria-label="Which alerts">
          <button type="button" aria-pressed={!showClosed} onClick={() => setShowClosed(false)}>Open ({open.length})</button>
          <button type="button" aria-pressed={showClosed} onClick={() => setShowClosed(true)}>Resolved &amp; dismissed ({closed.length})</button>
        </div>
      )}
      {suppressed.length > 0 && (
        <p className="small muted" data-testid="alerts-suppressed">
          The last scan did not raise {suppressed.length} alert{suppressed.length === 1 ? "" : "s"} again (resolved or dismissed, nothing changed since): {suppressed.map((a) => a.title).join("; ")}. They are listed under “Resolved &amp; dismissed”.
        </p>
      )}
      {body && shown.length === 0 && <Empty>{showClosed ? "Nothing resolved or dismissed in this scan." : alerts.length ? "No open alerts." : "No alerts: the graph looks healthy."}</Empty>}
      <ul className="cards" data-testid="alerts">
        {shown.map((a) => <AlertCard key={alertKey(a)} alert={a} onFocus={onFocus} onOpenWorkers={onOpenWorkers} />)}
      </ul>
    </section>
  );
}
