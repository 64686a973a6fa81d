// Worker analysis: conflicts, duplicates, overloads and reallocation suggestions, each linked to
// the people and commitments involved; an editor applies a reallocation after confirming it.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { api, ApiError, errorText } from "../api/client";
import { orNone, queryKeys } from "../api/query";
import { useAuth } from "../auth/context";
import { EditorsOnly } from "../components/EditorsOnly";
import { LinkedText } from "../components/LinkedText";
import { NodeRef } from "../components/NodeRef";
import { Empty, ErrorNote, QueryStatus } from "../components/Status";
import { When } from "../components/When";
import type { AppliedReallocation, GraphEdge, Reallocation, WorkerAnalysis } from "../api/types";

/** The owners the live graph holds for a commitment (its incoming ``owns`` edges). */
export function currentOwners(edges: Record<string, Pick<GraphEdge, "source" | "target" | "type">>, commitmentId: string): string[] {
  return Object.values(edges).filter((e) => e.type === "owns" && e.target === commitmentId).map((e) => e.source).sort();
}

const refs = (ids: string[]) => ids.map((id, i) => <span key={id}>{i > 0 && ", "}<NodeRef id={id} /></span>);

function ReallocationCard({ analysisId, move, owners }: { analysisId: number; move: Reallocation; owners: string[] }) {
  const { canWrite } = useAuth();
  const queryClient = useQueryClient();
  const [confirming, setConfirming] = useState(false);
  const apply = useMutation({
    mutationFn: () => api<AppliedReallocation>(`/api/workers/analyses/${analysisId}/apply`, { method: "POST", json: { commitment_id: move.commitment_id } }),
    onSuccess: (applied) => {
      queryClient.setQueryData<WorkerAnalysis | null>(queryKeys.workers, (d) => d && ({
        ...d, reallocation_suggestions: d.reallocation_suggestions.map((x) => (x.commitment_id === applied.commitment_id ? applied : x)),
      }));
      setConfirming(false);
    },
  });
  const busy = apply.isPending;
  const error = !apply.error ? null
    : apply.error instanceof ApiError && apply.error.status === 409 ? `Not applied: ${apply.error.message}` : errorText(apply.error);
  const done = !!move.applied || (owners.length === 1 && owners[0] === move.to.id);

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
            <button type="button" onClick={() => apply.mutate()} disabled={busy}>{busy ? "Applying…" : "Confirm"}</button>
            <button type="button" onClick={() => setConfirming(false)} disabled={busy}>Cancel</button>
          </div>
        ) : <div className="card-actions"><button type="button" onClick={() => setConfirming(true)}>Apply…</button></div>
      )}
    </li>
  );
}

export default function WorkersPanel({ edges }: { edges: Record<string, GraphEdge> }) {
  const { canWrite } = useAuth();
  const queryClient = useQueryClient();
  // null: no analysis yet (404).
  const latest = useQuery({ queryKey: queryKeys.workers, queryFn: () => orNone(api<WorkerAnalysis>("/api/workers/latest")) });
  const analyse = useMutation({
    mutationFn: () => api<WorkerAnalysis>("/api/workers/analyze", { method: "POST" }),
    onSuccess: (analysis) => queryClient.setQueryData(queryKeys.workers, analysis),
  });
  const data = latest.data ?? null;
  const running = analyse.isPending;

  return (
    <section aria-labelledby="workers-title" className="panel" data-testid="workers-panel">
      <h2 id="workers-title">Workers</h2>
      <div className="row">
        {canWrite
          ? <button type="button" onClick={() => analyse.mutate()} disabled={running} aria-busy={running}>{running ? "Analysing…" : "Run analysis"}</button>
          : <EditorsOnly what="running an analysis and applying reallocations" />}
        {data?.created_at && <span className="muted small">last analysis <When value={data.created_at} /></span>}
      </div>
      {running && <p className="state state-loading" role="status">Analysing owners, workloads and conflicts…</p>}
      {analyse.isError && <ErrorNote message={errorText(analyse.error)} />}
      <QueryStatus query={latest} what="worker analysis" />
      {latest.data === null && <Empty>No analysis yet.{canWrite ? " Run one above." : ""}</Empty>}
      {data && (
        <>
          <h3>Reallocation suggestions ({data.reallocation_suggestions.length})</h3>
          {data.reallocation_suggestions.length === 0 ? <Empty>Nobody needs relief.</Empty> : (
            <ul className="cards" data-testid="reallocations">
              {data.reallocation_suggestions.map((m) => <ReallocationCard key={m.commitment_id} analysisId={data.id} move={m} owners={currentOwners(edges, m.commitment_id)} />)}
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
