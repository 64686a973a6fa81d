// Info Drop: paste text; NEXUS extracts what changed and routes it to the people concerned.
import { useMutation } from "@tanstack/react-query";
import { useState } from "react";
import { api, errorText } from "../api/client";
import { useAuth } from "../auth/context";
import { EditorsOnly } from "../components/EditorsOnly";
import { NodeRef } from "../components/NodeRef";
import { ErrorNote } from "../components/Status";
import type { GraphNode, InfoDropResponse, Schemas } from "../api/types";

interface Props {
  persons: GraphNode[];
  nodes: Record<string, GraphNode>;
  onFocus: (ids: string[]) => void;
}

export default function InfoDropPanel({ persons, nodes, onFocus }: Props) {
  const { canWrite } = useAuth();
  const [text, setText] = useState("");
  const [author, setAuthor] = useState("");
  const [source, setSource] = useState("");
  const [problem, setProblem] = useState<string | null>(null);
  // The last drop's result stays shown while the next one is routed (and if it fails).
  const [result, setResult] = useState<InfoDropResponse | null>(null);
  const drop = useMutation({
    mutationFn: (body: Schemas["InfoDropRequestRequest"]) => api<InfoDropResponse>("/api/info-drop", { method: "POST", json: body }),
    onSuccess: setResult,
  });
  const busy = drop.isPending;
  const error = problem ?? (drop.error && errorText(drop.error));

  const submit = (e: React.FormEvent) => {
    e.preventDefault();
    if (!text.trim()) {
      setProblem("Write or paste some text first.");
      return;
    }
    setProblem(null);
    drop.mutate({ text, author, source });
  };

  const items = result?.items ?? [];
  const created = result?.nodes_created ?? [];
  const updated = result?.nodes_updated ?? [];
  const edges = result?.edges_created ?? [];
  const recognised = result?.recognised ?? [];
  const notified = result?.notified ?? [];
  const touched = [...new Set([...created, ...updated, ...items.map((i) => i.node_id)])].filter((id) => nodes[id]);

  return (
    <section aria-labelledby="drop-title" className="panel">
      <h2 id="drop-title">Info Drop</h2>
      {!canWrite ? <EditorsOnly what="an Info Drop changes the graph" /> : (
        <form onSubmit={submit} className="stack">
          <label className="field">
            <span>What happened?</span>
            <textarea value={text} onChange={(e) => setText(e.target.value)} rows={5}
              placeholder="e.g. The Halden go-live moved to 14 April; Rebecca hands c-03 to Tom." />
          </label>
          <div className="row">
            <label className="field">
              <span>Author</span>
              <select value={author} onChange={(e) => setAuthor(e.target.value)}>
                <option value="">(none)</option>
                {persons.map((p) => <option key={p.id} value={p.label}>{p.label}</option>)}
              </select>
            </label>
            <label className="field">
              <span>Source</span>
              <select value={source} onChange={(e) => setSource(e.target.value)}>
                <option value="">(none)</option>
                {["slack", "meeting", "doc", "jira", "email"].map((s) => <option key={s} value={s}>{s}</option>)}
              </select>
            </label>
          </div>
          <button type="submit" disabled={busy}>{busy ? "Routing…" : "Drop it in"}</button>
        </form>
      )}
      {error && <ErrorNote message={error} />}
      {result && (
        <div className="result" data-testid="info-drop-result" aria-live="polite">
          <h3>What changed</h3>
          <p className="muted small">
            {created.length} node(s) created, {updated.length} updated, {edges.length} link(s) added
            {` · ${result.mode} mode`}
          </p>
          {items.length === 0 ? <p className="muted">No statement changed the graph.</p> : (
            <ul>
              {items.map((it, i) => (
                <li key={i}>
                  <strong>{it.action}</strong> {it.type}:{" "}
                  {nodes[it.node_id] ? <NodeRef id={it.node_id} /> : it.label}
                </li>
              ))}
            </ul>
          )}
          {recognised.length > 0 && (
            <p className="small">Recognised: {recognised.map((r, i) => (
              <span key={r.id}>{i > 0 && ", "}{nodes[r.id] ? <NodeRef id={r.id} /> : r.label}</span>
            ))}</p>
          )}
          {touched.length > 0 && <button type="button" onClick={() => onFocus(touched)}>Show changes in graph</button>}
          <h3>Who was notified</h3>
          {notified.length > 0 ? (
            <ul>
              {notified.map((n) => (
                <li key={n.notification_id}>{nodes[n.person_id] ? <NodeRef id={n.person_id} /> : n.person_name ?? n.person_id} ({n.priority})</li>
              ))}
            </ul>
          ) : <p className="muted">Nobody needed to know.</p>}
        </div>
      )}
    </section>
  );
}
