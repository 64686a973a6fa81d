// Info Drop: paste text; NEXUS extracts what changed and routes it to the people concerned.
import { useState } from "react";
import { api, errorText } from "../api";
import { useAuth } from "../auth/context";
import { EditorsOnly } from "../components/EditorsOnly";
import { NodeRef } from "../components/NodeRef";
import { ErrorNote } from "../components/Status";
import type { GraphNode } from "../types";

type Dict = Record<string, unknown>;

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
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [result, setResult] = useState<Dict | null>(null);

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    if (!text.trim()) {
      setError("Write or paste some text first.");
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const body: Dict = { text };
      if (author) body.author = author;
      if (source) body.source = source;
      setResult(await api<Dict>("/api/info-drop", { method: "POST", json: body }));
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  const notified = result ? ((result.notified ?? result.notifications ?? result.routed_to ?? []) as unknown[]) : [];
  const items = result && Array.isArray(result.items) ? (result.items as Dict[]) : [];
  const idList = (k: string) => (result && Array.isArray(result[k]) ? (result[k] as unknown[]).map(String) : []);
  const created = idList("nodes_created");
  const updated = idList("nodes_updated");
  const edges = idList("edges_created");
  const recognised = result && Array.isArray(result.recognised) ? (result.recognised as Dict[]) : [];
  const touched = [...new Set([...created, ...updated, ...items.map((i) => String(i.node_id ?? ""))])].filter((id) => nodes[id]);

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
          {typeof result.summary === "string" && <p>{result.summary}</p>}
          <h3>What changed</h3>
          <p className="muted small">
            {created.length} node(s) created, {updated.length} updated, {edges.length} link(s) added
            {result.mode ? ` · ${String(result.mode)} mode` : ""}
          </p>
          {items.length === 0 ? <p className="muted">No statement changed the graph.</p> : (
            <ul>
              {items.map((it, i) => (
                <li key={i}>
                  <strong>{String(it.action ?? "changed")}</strong> {String(it.type ?? "")}:{" "}
                  {it.node_id && nodes[String(it.node_id)] ? <NodeRef id={String(it.node_id)} /> : String(it.label ?? it.node_id ?? "")}
                </li>
              ))}
            </ul>
          )}
          {recognised.length > 0 && (
            <p className="small">Recognised: {recognised.map((r, i) => (
              <span key={i}>{i > 0 && ", "}{r.id && nodes[String(r.id)] ? <NodeRef id={String(r.id)} /> : String(r.label ?? r.id)}</span>
            ))}</p>
          )}
          {touched.length > 0 && <button type="button" onClick={() => onFocus(touched)}>Show changes in graph</button>}
          <h3>Who was notified</h3>
          {Array.isArray(notified) && notified.length > 0 ? (
            <ul>
              {notified.map((n, i) => {
                const d = (n && typeof n === "object" ? n : { person_id: n }) as Dict;
                const pid = String(d.person_id ?? d.id ?? "");
                return <li key={i}>{nodes[pid] ? <NodeRef id={pid} /> : String(d.person_name ?? pid)}{d.priority ? ` (${d.priority})` : ""}{d.summary ? ` — ${d.summary}` : ""}</li>;
              })}
            </ul>
          ) : <p className="muted">Nobody needed to know.</p>}
        </div>
      )}
    </section>
  );
}
