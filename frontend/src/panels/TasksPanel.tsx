// Tasks: build and edit the active task graph (tasks, durations, dependencies, owners), see its
// critical path and each task's slack, mark tasks done. Every edit saves a new version of the plan.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { api, ApiError, errorText } from "../api/client";
import { orNone, queryKeys } from "../api/query";
import type { ScheduledTask, TaskGraph, TaskInput } from "../api/types";
import { useAuth } from "../auth/context";
import { EditorsOnly } from "../components/EditorsOnly";
import { NodeRef } from "../components/NodeRef";
import { PersonPicker } from "../components/PersonPicker";
import { Empty, Loading, QueryStatus } from "../components/Status";
import { When } from "../components/When";
import { useTableChanges } from "../realtime/useTableChanges";

/** A task as the form edits it and POST /api/tasks takes it, every field given. */
export type Draft = Required<TaskInput>;

const days = (n: number) => (Number.isInteger(n) ? String(n) : n.toFixed(1));

function toDraft(t: ScheduledTask): Draft {
  return { id: t.id, name: t.name, duration_days: t.duration_days, depends_on: t.depends_on, owner: t.owner, done: !!t.done };
}

/** An id not used yet: task-1, task-2, … */
export function nextTaskId(tasks: { id: string }[]): string {
  const used = new Set(tasks.map((t) => t.id));
  let n = tasks.length + 1;
  while (used.has(`task-${n}`)) n += 1;
  return `task-${n}`;
}

interface FormProps {
  initial: Draft;
  others: Draft[];
  onSave: (d: Draft) => void;
  onCancel: () => void;
  saving: boolean;
  title: string;
}

function TaskForm({ initial, others, onSave, onCancel, saving, title }: FormProps) {
  const [name, setName] = useState(initial.name);
  const [duration, setDuration] = useState(String(initial.duration_days));
  const [after, setAfter] = useState<Set<string>>(new Set(initial.depends_on));
  const [owner, setOwner] = useState(initial.owner ?? "");
  const [problem, setProblem] = useState<string | null>(null);
  const submit = (e: React.FormEvent) => {
    e.preventDefault();
    const value = Number(duration);
    if (!name.trim()) return setProblem("Give the task a name.");
    if (duration.trim() === "" || !Number.isFinite(value) || value < 0) return setProblem("The duration is a number of days, 0 or more.");
    setProblem(null);
    onSave({ ...initial, name: name.trim(), duration_days: value, depends_on: others.filter((o) => after.has(o.id)).map((o) => o.id), owner: owner || null });
  };
  return (
    <form className="card stack" onSubmit={submit} aria-label={title} data-testid="task-form">
      <strong>{title}</strong>
      <label className="field"><span>Name</span><input value={name} onChange={(e) => setName(e.target.value)} /></label>
      <label className="field"><span>Duration (days)</span>
        <input type="number" min={0} step="any" value={duration} onChange={(e) => setDuration(e.target.value)} />
      </label>
      <label className="field"><span>Owner</span><PersonPicker label="Owner" value={owner} onChange={setOwner} none="No owner" /></label>
      {others.length > 0 && (
        <fieldset className="field">
          <legend className="small muted">Starts after</legend>
          {others.map((o) => (
            <label key={o.id} className="inline-field">
              <input type="checkbox" checked={after.has(o.id)} onChange={(e) => setAfter((s) => {
                const next = new Set(s);
                if (e.target.checked) next.add(o.id);
                else next.delete(o.id);
                return next;
              })} />
              {o.name}
            </label>
          ))}
        </fieldset>
      )}
      {problem && <p className="state-error" role="alert">{problem}</p>}
      <div className="row">
        <button type="submit" disabled={saving}>{saving ? "Saving…" : "Save task"}</button>
        <button type="button" onClick={onCancel}>Cancel</button>
      </div>
    </form>
  );
}

/** What a refused save says: a dependency cycle (by task name), a stale base (409), or the API's words. */
export function saveErrorOf(e: unknown, tasks: Draft[]): { message: string; cycle?: string[]; names: Record<string, string>; stale: boolean } {
  const names = Object.fromEntries(tasks.map((t) => [t.id, t.name]));
  const cycle = e instanceof ApiError ? e.fields?.cycle : undefined;
  return { message: errorText(e), cycle, names, stale: e instanceof ApiError && e.status === 409 };
}

export default function TasksPanel({ onFocus }: { onFocus: (ids: string[]) => void }) {
  const { canWrite } = useAuth();
  const queryClient = useQueryClient();
  const [editing, setEditing] = useState<string | null>(null); // a task id, or "new"
  // null: no plan yet (404).
  const plan = useQuery({ queryKey: queryKeys.tasks, queryFn: () => orNone(api<TaskGraph>("/api/tasks/current")) });
  const data = plan.data ?? null;
  const none = plan.data === null;
  const save = useMutation({
    mutationFn: (tasks: Draft[]) => api<TaskGraph>("/api/tasks", { method: "POST", json: { tasks, base_id: data?.id ?? null } }),
    onSuccess: (saved) => queryClient.setQueryData(queryKeys.tasks, saved),
  });
  const saving = save.isPending;
  const saveError = save.error && saveErrorOf(save.error, save.variables ?? []);
  const reload = () => {
    save.reset();
    void plan.refetch();
  };
  useTableChanges(["task_graphs"], () => plan.refetch()); // another page saved the plan

  const drafts = (data?.tasks ?? []).map(toDraft);

  const upsert = (d: Draft) => {
    const exists = drafts.some((t) => t.id === d.id);
    save.mutate(exists ? drafts.map((t) => (t.id === d.id ? d : t)) : [...drafts, d], { onSuccess: () => setEditing(null) });
  };
  const remove = (id: string) => save.mutate(drafts.filter((t) => t.id !== id).map((t) => ({ ...t, depends_on: t.depends_on.filter((x) => x !== id) })));
  const toggleDone = (id: string) => save.mutate(drafts.map((t) => (t.id === id ? { ...t, done: !t.done } : t)));

  if (plan.isLoading) return <section className="panel"><h2>Tasks</h2><Loading what="task graph" /></section>;
  const tasks = data?.tasks ?? [];
  const byId = Object.fromEntries(tasks.map((t) => [t.id, t]));
  const total = data?.project_duration_days || Math.max(1, ...tasks.map((t) => t.earliest_finish));
  const path = (data?.critical_path ?? []).map((id) => byId[id]).filter(Boolean);
  const doneCount = tasks.filter((t) => t.done).length;
  const editingDraft = editing && editing !== "new" ? drafts.find((t) => t.id === editing) : undefined;

  return (
    <section aria-labelledby="tasks-title" className="panel">
      <h2 id="tasks-title">Tasks</h2>
      <QueryStatus query={plan} what="task graph" />
      {none && <Empty>No plan yet. {canWrite ? "Add its first task below." : "An editor can build one here."}</Empty>}
      {saveError && (
        <div className="state state-error" role="alert" data-testid="task-error">
          {saveError.cycle
            ? <span data-testid="task-cycle">Not saved: these tasks depend on each other in a cycle: {saveError.cycle.map((id) => saveError.names[id] ?? id).join(" → ")}. Change a dependency to break it.</span>
            : <span>Not saved: {saveError.message}</span>}
          {saveError.stale && <button type="button" onClick={reload}>Reload the plan</button>}
        </div>
      )}
      {data && (
        <>
          <p className="muted" data-testid="task-summary">
            {tasks.length} tasks · {doneCount} done · the project takes {days(total)} days · saved <When value={data.created_at} />
          </p>
          <h3>Critical path</h3>
          {path.length === 0 ? <Empty>No critical path.</Empty> : (
            <ol className="critical-path" data-testid="critical-path">
              {path.map((t) => (
                <li key={t.id} data-task={t.id}>
                  <div className="cp-bar" aria-hidden="true">
                    <div style={{ marginLeft: `${(t.earliest_start / total) * 100}%`, width: `${Math.max(1, (t.duration_days / total) * 100)}%` }} />
                  </div>
                  <strong className={t.done ? "task-done" : undefined}>{t.name}</strong>{" "}
                  <span className="muted">{days(t.duration_days)} d · day {days(t.earliest_start)}–{days(t.earliest_finish)}</span>
                  {t.owner && <> · <NodeRef id={t.owner} /></>}
                </li>
              ))}
            </ol>
          )}
          <h3>All tasks</h3>
          <ul className="cards" data-testid="task-list">
            {tasks.map((t) => (
              <li key={t.id} className={`card${t.critical ? " task-critical" : ""}`} data-testid={`task-${t.id}`} data-critical={t.critical} data-slack={t.slack}>
                <div className="row">
                  {canWrite
                    ? <label className="inline-field"><input type="checkbox" checked={!!t.done} disabled={saving} onChange={() => toggleDone(t.id)} aria-label={`Done: ${t.name}`} /></label>
                    : t.done && <span aria-label="done">✓</span>}
                  <strong className={t.done ? "task-done" : undefined}>{t.name}</strong>
                  {t.critical && <span className="badge-sev" title="On the critical path: no slack">critical</span>}
                </div>
                <div className="small">
                  {days(t.duration_days)} d · day {days(t.earliest_start)}–{days(t.earliest_finish)} ·{" "}
                  <span data-testid="slack">slack {days(t.slack)} d</span>
                  {t.depends_on.length ? <> · after {t.depends_on.map((d) => byId[d]?.name ?? d).join(", ")}</> : null}
                  {" · owner "}{t.owner ? <NodeRef id={t.owner} /> : <span className="muted">none</span>}
                </div>
                {canWrite && (
                  <div className="card-actions">
                    <button type="button" onClick={() => setEditing(t.id)} aria-label={`Edit ${t.name}`}>Edit</button>
                    <button type="button" onClick={() => remove(t.id)} disabled={saving || tasks.length === 1}
                      title={tasks.length === 1 ? "A plan keeps at least one task" : undefined} aria-label={`Remove ${t.name}`}>Remove</button>
                    {t.owner && <button type="button" className="link" onClick={() => onFocus([t.owner!])}>Show owner in graph</button>}
                  </div>
                )}
              </li>
            ))}
          </ul>
        </>
      )}
      {canWrite ? (
        editing === null
          ? <button type="button" onClick={() => setEditing("new")} disabled={plan.isError}>Add task</button>
          : (
            <TaskForm
              key={editing}
              title={editingDraft ? `Edit ${editingDraft.name}` : "New task"}
              initial={editingDraft ?? { id: nextTaskId(drafts), name: "", duration_days: 1, depends_on: [], owner: null, done: false }}
              others={drafts.filter((t) => t.id !== editing)}
              onSave={upsert}
              onCancel={() => { setEditing(null); save.reset(); }}
              saving={saving}
            />
          )
      ) : <EditorsOnly what="editing the plan" />}
    </section>
  );
}
