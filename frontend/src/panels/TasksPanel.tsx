// Tasks: the active task graph's critical path, drawn as a timeline of its tasks.
import { useEffect, useState } from "react";
import { api, ApiError, errorText } from "../api";
import { Empty, ErrorNote, Loading } from "../components/Status";

interface Task {
  id: string; name: string; duration_days: number; depends_on: string[]; owner?: string | null;
  earliest_start: number; earliest_finish: number; slack: number; critical: boolean;
}
interface TaskGraph { id: number; tasks: Task[]; critical_path: string[]; project_duration_days?: number }

export default function TasksPanel({ onFocus }: { onFocus: (ids: string[]) => void }) {
  const [data, setData] = useState<TaskGraph | null>(null);
  const [none, setNone] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);

  const load = () => {
    setLoading(true);
    api<TaskGraph>("/api/tasks/current")
      .then((g) => {
        setData(g);
        setNone(false);
        setError(null);
      })
      .catch((e) => {
        if (e instanceof ApiError && e.status === 404) setNone(true);
        else setError(errorText(e));
      })
      .finally(() => setLoading(false));
  };
  useEffect(() => {
    load();
  }, []); // eslint-disable-line react-hooks/exhaustive-deps

  if (loading) return <section className="panel"><h2>Tasks</h2><Loading what="task graph" /></section>;
  const tasks = data?.tasks ?? [];
  const byId = Object.fromEntries(tasks.map((t) => [t.id, t]));
  const total = data?.project_duration_days || Math.max(1, ...tasks.map((t) => t.earliest_finish ?? 0));
  const path = (data?.critical_path ?? []).map((id) => byId[id]).filter(Boolean);

  return (
    <section aria-labelledby="tasks-title" className="panel">
      <h2 id="tasks-title">Tasks</h2>
      {error && <ErrorNote message={error} onRetry={load} />}
      {none && <Empty>No active task graph yet (POST /api/tasks creates one).</Empty>}
      {data && (
        <>
          <p className="muted">{tasks.length} tasks · project takes {total.toFixed(1)} days · critical path of {path.length}</p>
          <h3>Critical path</h3>
          {path.length === 0 ? <Empty>No critical path.</Empty> : (
            <ol className="critical-path" data-testid="critical-path">
              {path.map((t) => (
                <li key={t.id}>
                  <div className="cp-bar" aria-hidden="true">
                    <div style={{ marginLeft: `${(t.earliest_start / total) * 100}%`, width: `${Math.max(1, (t.duration_days / total) * 100)}%` }} />
                  </div>
                  <strong>{t.name}</strong> <span className="muted">{t.duration_days} d · day {t.earliest_start}–{t.earliest_finish}{t.owner ? ` · ${t.owner}` : ""}</span>
                  {t.owner && /^[a-z]+-\d+$/.test(t.owner) && (
                    <button type="button" className="link" onClick={() => onFocus([t.owner as string])}>owner in graph</button>
                  )}
                </li>
              ))}
            </ol>
          )}
          <details>
            <summary>All tasks ({tasks.length})</summary>
            <ul className="small">
              {tasks.map((t) => (
                <li key={t.id}>{t.critical ? "★ " : ""}{t.name} — slack {t.slack} d{t.depends_on?.length ? `, after ${t.depends_on.join(", ")}` : ""}</li>
              ))}
            </ul>
          </details>
        </>
      )}
    </section>
  );
}
