// Worker analysis: conflicts, duplicates, overloads and reallocation suggestions, each linked to
// the people and commitments involved; an editor applies a reallocation after confirming it.
import { useCallback, useEffect, useState } from "react";
import { api, ApiError, errorText } from "../api";
import { useAuth } from "../auth/context";
import { EditorsOnly } from "../components/EditorsOnly";
import { LinkedText } from "../components/LinkedText";
import { NodeRef } from "../components/NodeRef";
import { Empty, ErrorNote, Loading } from "../components/Status";
import { When } from "../components/When";
import type { GraphEdge } from "../types";

interface Person { id: string; name: string; team_id?: string | null; team?: string | null }
export interface Reallocation {
  commitment_id: string; commitment: string; from: Person; to: Person; reason: string;
  applied?: { by: string | null; at: string } | null;
}
interface Conflict { kind: string; node_ids: string[]; people: Person[]; description: string; suggested_action: string }
interface Duplicate { node_ids: string[]; type: string; similarity: number; method: string; people: Person[]; suggested_action: string }
interface Overload { id: string; name: string; team?: string | null; open_commitments: string[]; count: number; limit: number; blocked: string[] }
interface Analysis {
  id: number; created_at?: string | null; conflicts: Conflict[]; duplicates: Duplicate[]; overloads: Overload[];
  reallocation_suggestions: Reallocation[];
}

/** The owners the live graph holds for a commitment (its incoming ``owns`` edges). */
export function currentOwners(edges: Record<string, GraphEdge>, commitmentId: string): string[] {
  return Object.values(edges).filter((e) => e.type === "owns" && e.target === commitmentId).map((e) => e.source).sort();
}

const refs = (ids: string[]) => ids.map((id, i) => <span key={id}>{i > 0 && ", "}<NodeRef id={id} /></span>);

function ReallocationCard({ analysisId, move, owners, onApplied }: { analysisId: number; move: Reallocation; owners: string[]; onApplied: (m: Reallocation) => void }) {
  const { canWrite } = useAuth();
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const done = !!move.applied || (owners.length === 1 && owners[0] === move.to.id);

  const apply = async () => {
    setBusy(true);
    setError(null);
    try {
      onApplied(await api<Reallocation>(`/api/workers/analyses/${analysisId}/apply`, { method: "POST", json: { commitment_id: move.commitment_id } }));
      setConfirming(false);
    } catch (e) {
      setError(e instanceof ApiError && e.status === 409 ? `Not applied: ${e.message}` : errorText(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <li className={`card${done ? " card-done" : ""}`} data-testid={`realloc-${move.commitment_id}`} data-applied={done}>
      <span className="card-title"><NodeRef id={move.commitment_id} /></span>
      <p className="small">Move from <NodeRef id={move.from.id} /> to <NodeRef id={move.to.id} /></p>
      <p className="small muted"><LinkedText text={move.reason} /></p>
      <p className="small" data-testid="realloc-owner">Owner now: {owners.length ? refs(owners) : <span className="muted">nobody</span>}</p>
      {move.applied && <p className="small muted">Applied by {move.applied.by ?? "someone"} <When value={move.applied.at} /></p>}
      {error && <p className="state-error small" role="alert">{error}</p>}
      {canWrite && !done && (
        confirming ? (
          <div className="row" role="group" aria-label="Confirm the reallocation">
            <span className="small">Make {move.to.name} the owner of “{move.commitment}” instead of {move.from.name}?</span>
            <button type="button" onClick={() => void apply()} disabled={busy}>{busy ? "Applying…" : "Confirm"}</button>
            <button type="button" onClick={() => setConfirming(false)} disabled={busy}>Cancel</button>
          </div>
        ) : <div className="card-actions"><button type="button" onClick={() => setConfirming(true)}>Apply…</button></div>
      )}
    </li>
  );
}

export default function WorkersPanel({ edges }: { edges: Record<string, GraphEdge> }) {
  const { canWrite } = useAuth();
  const [data, setData] = useState<Analysis | null>(null);
  const [none, setNone] = useState(false);
  const [loading, setLoading] = useState(true);
  const [running, setRunning] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const load = useCallback(async () => {
    setLoading(true);
    try {
      setData(await api<Analysis>("/api/workers/latest"));
      setNone(false);
      setError(null);
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) setNone(true);
      else setError(errorText(e));
    } finally {
      setLoading(false);
    }
  }, []);
  useEffect(() => { void load(); }, [load]);

  const run = async () => {
    setRunning(true);
    setError(null);
    try {
      setData(await api<Analysis>("/api/workers/analyze", { method: "POST" }));
      setNone(false);
    } catch (e) {
      setError(errorText(e));
    } finally {
      setRunning(false);
    }
  };

  const applied = (m: Reallocation) => setData((d) => d && ({
    ...d, reallocation_suggestions: d.reallocation_suggestions.map((x) => (x.commitment_id === m.commitment_id ? m : x)),
  }));

  return (
    <section aria-labelledby="workers-title" className="panel" data-testid="workers-panel">
      <h2 id="workers-title">Workers</h2>
      <div className="row">
        {canWrite
          ? <button type="button" onClick={() => void run()} disabled={running} aria-busy={running}>{running ? "Analysing…" : "Run analysis"}</button>
          : <EditorsOnly what="running an analysis and applying reallocations" />}
        {data?.created_at && <span className="muted small">last analysis <When value={data.created_at} /></span>}
      </div>
      {running && <p className="state state-loading" role="status">Analysing owners, workloads and conflicts…</p>}
      {error && <ErrorNote message={error} onRetry={() => void load()} />}
      {loading && !data && <Loading what="worker analysis" />}
      {none && !data && <Empty>No analysis yet.{canWrite ? " Run one above." : ""}</Empty>}
      {data && (
        <>
          <h3>Reallocation suggestions ({data.reallocation_suggestions.length})</h3>
          {data.reallocation_suggestions.length === 0 ? <Empty>Nobody needs relief.</Empty> : (
            <ul className="cards" data-testid="reallocations">
              {data.reallocation_suggestions.map((m) => <ReallocationCard key={m.commitment_id} analysisId={data.id} move={m} owners={currentOwners(edges, m.commitment_id)} onApplied={applied} />)}
            </ul>
          )}
          <h3>Overloads ({data.overloads.length})</h3>
          {data.overloads.length === 0 ? <Empty>Nobody is over the limit.</Empty> : (
            <ul className="cards" data-testid="overloads">
              {data.overloads.map((o) => (
                <li key={o.id} className="card sev-high">
                  <span className="card-title"><NodeRef id={o.id} /> owns {o.count} open commitments (limit {o.limit})</span>
                  <p className="small">{refs(o.open_commitments)}</p>
                  {o.blocked.length > 0 && <p className="small muted">Blocked: {refs(o.blocked)}</p>}
                </li>
              ))}
            </ul>
          )}
          <h3>Conflicts ({data.conflicts.length})</h3>
          {data.conflicts.length === 0 ? <Empty>No conflicts.</Empty> : (
            <ul className="cards" data-testid="conflicts">
              {data.conflicts.map((c) => (
                <li key={`${c.kind}:${c.node_ids.join("+")}`} className="card sev-medium">
                  <span className="card-title">{c.kind === "circular_dependency" ? "Circular dependency" : "Contradicting decisions"}</span>
                  <p className="small"><LinkedText text={c.description} /></p>
                  <p className="small">Nodes: {refs(c.node_ids)}</p>
                  {c.people.length > 0 && <p className="small">People: {refs(c.people.map((p) => p.id))}</p>}
                  <p className="small muted">Suggested: <LinkedText text={c.suggested_action} /></p>
                </li>
              ))}
            </ul>
          )}
          <h3>Duplicates ({data.duplicates.length})</h3>
          {data.duplicates.length === 0 ? <Empty>No duplicates.</Empty> : (
            <ul className="cards" data-testid="duplicates">
              {data.duplicates.map((d) => (
                <li key={d.node_ids.join("+")} className="card sev-low">
                  <span className="card-title">{refs(d.node_ids)}</span>
                  <p className="small muted">{d.type}s, {d.method} similarity {d.similarity}</p>
                  {d.people.length > 0 && <p className="small">People: {refs(d.people.map((p) => p.id))}</p>}
                  <p className="small muted">Suggested: <LinkedText text={d.suggested_action} /></p>
                </li>
              ))}
            </ul>
          )}
        </>
      )}
    </section>
  );
}
