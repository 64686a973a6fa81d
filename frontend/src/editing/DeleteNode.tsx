// Delete a node (editors) after reading what goes with it: the server lists its edges by the
// other node's name, its embedding, and what is left pointing at nothing.
import { useEffect, useState } from "react";
import { api, errorText } from "../api";
import { NodeRef } from "../components/NodeRef";
import { ErrorNote, Loading } from "../components/Status";

export interface Cascade {
  node: { id: string; label: string; type: string };
  edges: { id: string; type: string; direction: "out" | "in"; other: { id: string; label: string; type: string } | null }[];
  embedding: boolean;
  search_document: boolean;
  referenced_by: { id: string; label: string; type: string; field: string }[];
  linked_accounts: number;
  /** Rows of other tables that name it without a foreign key: they stay. */
  kept_rows?: { table: string; column: string; count: number }[];
}

/** "3 notifications addressed to this person": what a kept row is, in words. */
export function keptRowsText(row: { table: string; column: string; count: number }): string {
  const n = row.count;
  if (row.table === "notifications") return `${n} notification${n === 1 ? "" : "s"} addressed to this person`;
  if (row.table === "immune_alert_states") return `${n} alert${n === 1 ? "" : "s"} assigned to this person`;
  return `${n} ${row.table.replace(/_/g, " ")} row${n === 1 ? "" : "s"} (${row.column.replace(/_/g, " ")})`;
}

interface Props {
  nodeId: string;
  onDeleted: () => void;
  onCancel: () => void;
}

export default function DeleteNode({ nodeId, onDeleted, onCancel }: Props) {
  const [cascade, setCascade] = useState<Cascade | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    let stop = false;
    api<Cascade>(`/api/nodes/${encodeURIComponent(nodeId)}/cascade`)
      .then((c) => !stop && setCascade(c))
      .catch((e) => !stop && setError(errorText(e)));
    return () => {
      stop = true;
    };
  }, [nodeId]);

  const confirm = async () => {
    setBusy(true);
    setError(null);
    try {
      await api(`/api/nodes/${encodeURIComponent(nodeId)}`, { method: "DELETE" });
      onDeleted();
    } catch (e) {
      setError(errorText(e));
      setBusy(false);
    }
  };

  const n = cascade?.edges.length ?? 0;
  return (
    <section className="confirm" role="alertdialog" aria-labelledby="delete-title" aria-describedby="delete-what" data-testid="delete-node">
      <h3 id="delete-title">Delete {cascade?.node.label ?? nodeId}?</h3>
      {!cascade && !error && <Loading what="what goes with it" />}
      {cascade && (
        <div id="delete-what" data-testid="delete-cascade">
          {n === 0 ? <p>It has no edges.</p> : (
            <>
              <p>Its {n === 1 ? "edge goes" : `${n} edges go`} with it:</p>
              <ul className="small">
                {cascade.edges.map((e) => (
                  <li key={e.id} data-testid="cascade-edge">
                    {e.direction === "out" ? "→" : "←"} {e.type.replace(/_/g, " ")} {e.other ? e.other.label : "(a node no longer there)"}
                  </li>
                ))}
              </ul>
            </>
          )}
          {(cascade.embedding || cascade.search_document) && <p className="small">Its search entries (embedding and full-text document) are removed too.</p>}
          {cascade.referenced_by.length > 0 && (
            <>
              <p>These stay, but will name a node that no longer exists:</p>
              <ul className="small">
                {cascade.referenced_by.map((r) => (
                  <li key={`${r.id}-${r.field}`} data-testid="cascade-reference"><NodeRef id={r.id} /> ({r.field.replace(/_/g, " ")})</li>
                ))}
              </ul>
            </>
          )}
          {(cascade.kept_rows ?? []).length > 0 && (
            <>
              <p>These stay, but will name a person or node that no longer exists:</p>
              <ul className="small">
                {(cascade.kept_rows ?? []).map((r) => <li key={`${r.table}-${r.column}`} data-testid="cascade-kept">{keptRowsText(r)}</li>)}
              </ul>
            </>
          )}
          {cascade.linked_accounts > 0 && (
            <p className="small">{cascade.linked_accounts === 1 ? "A user account is" : `${cascade.linked_accounts} user accounts are`} linked to this person and will be linked to nothing.</p>
          )}
          <p className="muted small">Its history stays: it can be seen as it was in the node's versions.</p>
        </div>
      )}
      {error && <ErrorNote message={error} />}
      <div className="row">
        <button type="button" className="danger" onClick={confirm} disabled={busy || !cascade}>
          {busy ? "Deleting…" : n ? `Delete node and ${n} ${n === 1 ? "edge" : "edges"}` : "Delete node"}
        </button>
        <button type="button" onClick={onCancel} disabled={busy}>Cancel</button>
      </div>
    </section>
  );
}
