// Immune system: run a scan, act on its alerts (resolve, dismiss with a reason, assign to a
// person, carry out the suggestion), see each alert's nodes. Decisions persist across scans.
import { useCallback, useEffect, useState } from "react";
import { api, errorText } from "../api";
import { useAuth } from "../auth/context";
import { EditorsOnly } from "../components/EditorsOnly";
import { LinkedText } from "../components/LinkedText";
import { NodeRef, useNodeLabel } from "../components/NodeRef";
import { PersonPicker } from "../components/PersonPicker";
import { Empty, ErrorNote, Loading } from "../components/Status";
import { When } from "../components/When";
import { useTableChanges } from "../realtime/useTableChanges";

export interface AlertState {
  state: "open" | "resolved" | "dismissed"; reason: string | null; assignee_id: string | null;
  actor: string | null; updated_at: string | null;
}
export interface Alert {
  id: string; fingerprint?: string; agent: string; severity: string; title: string; description: string;
  node_ids: string[]; suggested_action?: string; state?: AlertState;
  action?: { kind: "set_owner"; commitment_id: string } | { kind: "reallocate"; person_id: string }
    | { kind: "reverify"; node_id: string } | { kind: "supersede"; node_id: string; keep_id: string };
}
interface AlertsBody { alerts?: Alert[]; created_at?: string | null; suppressed?: Alert[] }

interface Props { onFocus: (ids: string[]) => void; onOpenWorkers?: () => void }

const SEVERITY_ORDER: Record<string, number> = { high: 0, medium: 1, low: 2 };
const alertPath = (a: Alert, action: string) => `/api/immune/alerts/${encodeURIComponent(a.fingerprint ?? a.id)}/${action}`;

type Mode = null | "dismiss" | "assign" | "owner";

function AlertCard({ alert, onFocus, onOpenWorkers, onChanged }: { alert: Alert; onFocus: (ids: string[]) => void; onOpenWorkers?: () => void; onChanged: (a: Alert, s: AlertState) => void }) {
  const { canWrite } = useAuth();
  const label = useNodeLabel();
  const [mode, setMode] = useState<Mode>(null);
  const [reason, setReason] = useState("");
  const [person, setPerson] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const state = alert.state ?? { state: "open", reason: null, assignee_id: null, actor: null, updated_at: null };
  const closed = state.state !== "open";

  const act = async (action: string, json: Record<string, unknown> = {}) => {
    setBusy(true);
    setError(null);
    try {
      const s = await api<AlertState>(alertPath(alert, action), { method: "POST", json });
      onChanged(alert, s);
      setMode(null);
      setReason("");
      setPerson("");
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <li className={`card sev-${alert.severity}${closed ? " card-done" : ""}`} data-testid="alert" data-fingerprint={alert.fingerprint ?? alert.id} data-state={state.state}>
      <div className="row">
        <span className="badge-sev">{alert.severity}</span> <span className="muted">{alert.agent}</span>
        {closed && <span className="badge-sev" data-testid="alert-state">{state.state}</span>}
      </div>
      <span className="card-title">{alert.title}</span>
      <p className="small"><LinkedText text={alert.description} /></p>
      {alert.suggested_action && <p className="small muted">Suggested: <LinkedText text={alert.suggested_action} /></p>}
      <p className="small">
        Nodes: {alert.node_ids.map((id, i) => <span key={id}>{i > 0 && ", "}<NodeRef id={id} /></span>)}{" "}
        <button type="button" className="link" onClick={() => onFocus(alert.node_ids ?? [])}>show in graph</button>
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
              ? <button type="button" disabled={busy} onClick={() => void act("reopen")}>Reopen</button>
              : <>
                  <button type="button" disabled={busy} onClick={() => void act("resolve")}>Resolve</button>
                  <button type="button" disabled={busy} aria-expanded={mode === "dismiss"} onClick={() => setMode(mode === "dismiss" ? null : "dismiss")}>Dismiss…</button>
                  <button type="button" disabled={busy} aria-expanded={mode === "assign"} onClick={() => setMode(mode === "assign" ? null : "assign")}>Assign…</button>
                  {alert.action?.kind === "set_owner" && (
                    <button type="button" disabled={busy} aria-expanded={mode === "owner"} onClick={() => setMode(mode === "owner" ? null : "owner")}>Set owner…</button>
                  )}
                  {alert.action?.kind === "reverify" && (
                    <button type="button" disabled={busy} onClick={() => void act("apply")} title="Its freshness restarts; the alert is resolved">Mark re-verified</button>
                  )}
                  {alert.action?.kind === "supersede" && (
                    <button type="button" disabled={busy} onClick={() => void act("apply")} title={`Keeps ${label(alert.action.keep_id)}; the alert is resolved`}>
                      Mark “{label(alert.action.node_id)}” superseded
                    </button>
                  )}
                  {alert.action?.kind === "reallocate" && onOpenWorkers && (
                    <button type="button" onClick={onOpenWorkers}>Suggest reallocations</button>
                  )}
                </>}
          </div>
          {mode === "dismiss" && (
            <form className="row" onSubmit={(e) => { e.preventDefault(); void act("dismiss", { reason }); }}>
              <input aria-label="Reason for dismissing" placeholder="Why is this not a problem?" value={reason} onChange={(e) => setReason(e.target.value)} required />
              <button type="submit" disabled={busy || !reason.trim()}>Dismiss</button>
            </form>
          )}
          {(mode === "assign" || mode === "owner") && (
            <form className="row" onSubmit={(e) => { e.preventDefault(); void act(mode === "assign" ? "assign" : "set-owner", { person_id: person }); }}>
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
  const [body, setBody] = useState<AlertsBody | null>(null);
  const [loading, setLoading] = useState(true);
  const [scanning, setScanning] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [showClosed, setShowClosed] = useState(false);

  const load = useCallback(async () => {
    setLoading(true);
    try {
      const b = await api<AlertsBody>("/api/immune/alerts");
      setBody({ ...b, alerts: Array.isArray(b.alerts) ? b.alerts : [] });
      setError(null);
    } catch (e) {
      setError(errorText(e));
    } finally {
      setLoading(false);
    }
  }, []);

  useEffect(() => {
    void load();
  }, [load]);
  useTableChanges(["immune_alert_states", "immune_scans"], load); // another page acted or scanned

  const scan = async () => {
    setScanning(true);
    setError(null);
    try {
      await api("/api/immune/scan", { method: "POST", json: {} });
      await load(); // the list carries each alert's state
    } catch (e) {
      setError(errorText(e));
    } finally {
      setScanning(false);
    }
  };

  const same = (a: Alert) => (x: Alert) => (x.fingerprint ?? x.id) === (a.fingerprint ?? a.id);
  const changed = (a: Alert, s: AlertState) => setBody((b) => b && ({
    ...b,
    alerts: (b.alerts ?? []).map((x) => (same(a)(x) ? { ...x, state: s } : x)),
    suppressed: (b.suppressed ?? []).map((x) => (same(a)(x) ? { ...x, state: s } : x)),
  }));

  const bySeverity = (a: Alert, b: Alert) => (SEVERITY_ORDER[a.severity] ?? 3) - (SEVERITY_ORDER[b.severity] ?? 3);
  // Alerts the last scan did not raise again still show, with their state, so they can be reopened.
  const suppressed = (body?.suppressed ?? []).filter((a) => Array.isArray(a.node_ids));
  const alerts = [...(body?.alerts ?? []), ...suppressed].sort(bySeverity);
  const open = alerts.filter((a) => (a.state?.state ?? "open") === "open");
  const closed = alerts.filter((a) => (a.state?.state ?? "open") !== "open");
  const shown = showClosed ? closed : open;
  return (
    <section aria-labelledby="immune-title" className="panel">
      <h2 id="immune-title">Immune system</h2>
      <div className="row">
        {canWrite
          ? <button type="button" onClick={scan} disabled={scanning}>{scanning ? "Scanning…" : "Run scan"}</button>
          : <EditorsOnly what="running a scan and acting on alerts" />}
        {body?.created_at && <span className="muted small">last scan <When value={body.created_at} /></span>}
      </div>
      {error && <ErrorNote message={error} onRetry={load} />}
      {loading && !body && <Loading what="alerts" />}
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
        {shown.map((a) => <AlertCard key={a.fingerprint ?? a.id} alert={a} onFocus={onFocus} onOpenWorkers={onOpenWorkers} onChanged={changed} />)}
      </ul>
    </section>
  );
}
