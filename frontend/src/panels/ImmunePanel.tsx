// Immune system: run a scan, list alerts, click one to focus its nodes.
import { useCallback, useEffect, useState } from "react";
import { api, errorText } from "../api";
import { useAuth } from "../auth/context";
import { EditorsOnly } from "../components/EditorsOnly";
import { Empty, ErrorNote, Loading } from "../components/Status";

interface Alert {
  id: string; agent: string; severity: string; title: string; description: string;
  node_ids: string[]; suggested_action?: string;
}

interface Props { onFocus: (ids: string[]) => void }

const SEVERITY_ORDER: Record<string, number> = { high: 0, medium: 1, low: 2 };

export default function ImmunePanel({ onFocus }: Props) {
  const { canWrite } = useAuth();
  const [alerts, setAlerts] = useState<Alert[] | null>(null);
  const [scannedAt, setScannedAt] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [scanning, setScanning] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const load = useCallback(async () => {
    setLoading(true);
    try {
      const body = await api<{ alerts?: Alert[]; created_at?: string | null }>("/api/immune/alerts");
      setAlerts(Array.isArray(body.alerts) ? body.alerts : []);
      setScannedAt(body.created_at ?? null);
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

  const scan = async () => {
    setScanning(true);
    setError(null);
    try {
      const body = await api<{ alerts?: Alert[]; created_at?: string }>("/api/immune/scan", { method: "POST", json: {} });
      setAlerts(Array.isArray(body.alerts) ? body.alerts : []);
      setScannedAt(body.created_at ?? new Date().toISOString());
    } catch (e) {
      setError(errorText(e));
    } finally {
      setScanning(false);
    }
  };

  const sorted = (alerts ?? []).slice().sort((a, b) => (SEVERITY_ORDER[a.severity] ?? 3) - (SEVERITY_ORDER[b.severity] ?? 3));
  return (
    <section aria-labelledby="immune-title" className="panel">
      <h2 id="immune-title">Immune system</h2>
      <div className="row">
        {canWrite
          ? <button type="button" onClick={scan} disabled={scanning}>{scanning ? "Scanning…" : "Run scan"}</button>
          : <EditorsOnly what="running a scan" />}
        {scannedAt && <span className="muted">last scan {new Date(scannedAt).toLocaleString()}</span>}
      </div>
      {error && <ErrorNote message={error} onRetry={load} />}
      {loading && !alerts && <Loading what="alerts" />}
      {alerts && alerts.length === 0 && <Empty>No alerts: the graph looks healthy.</Empty>}
      <ul className="cards" data-testid="alerts">
        {sorted.map((a) => (
          <li key={a.id} className={`card sev-${a.severity}`}>
            <button type="button" className="card-button" onClick={() => onFocus(a.node_ids ?? [])}>
              <span className="badge-sev">{a.severity}</span> <span className="muted">{a.agent}</span>
              <span className="card-title">{a.title}</span>
              <span className="small">{a.description}</span>
              {a.suggested_action && <span className="small muted">Suggested: {a.suggested_action}</span>}
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}
