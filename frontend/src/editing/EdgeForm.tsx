// Connect two nodes (editors): the source is the node whose panel this is; the other end is
// clicked in the graph or chosen here by name.
import { useId, useMemo, useState } from "react";
import { api } from "../api/client";
import { NodeRef } from "../components/NodeRef";
import type { GraphEdge, GraphNode } from "../api/types";
import { fieldErrors, type FieldErrors } from "./fields";
import { FieldError } from "./NodeForm";

interface Props {
  nodes: Record<string, GraphNode>;
  edges: Record<string, GraphEdge>;
  from: string;
  /** The other end, when it was clicked in the graph. */
  to: string | null;
  onTo: (id: string | null) => void;
  onDone: () => void;
  onCancel: () => void;
}

const COMMON_TYPES = ["about", "answers", "asked_by", "contradicts", "decided_by", "depends_on", "leads", "member_of", "operates", "owns", "reports_to", "supports", "works_on"];

export function nodeOption(n: GraphNode): string {
  return `${n.label} · ${n.type} (${n.id})`;
}

/** The node an option text names: "Label · type (id)", an id, or an unambiguous label. */
export function nodeFromOption(text: string, nodes: Record<string, GraphNode>): string | null {
  const t = text.trim();
  const m = /\(([^()]+)\)$/.exec(t);
  if (m && nodes[m[1]]) return m[1];
  if (nodes[t]) return t;
  const byLabel = Object.values(nodes).filter((n) => n.label.toLowerCase() === t.toLowerCase());
  return byLabel.length === 1 ? byLabel[0].id : null;
}

export default function EdgeForm({ nodes, edges, from, to, onTo, onDone, onCancel }: Props) {
  const uid = useId();
  const [typed, setTyped] = useState("");
  const [type, setType] = useState("");
  const [weight, setWeight] = useState("1");
  const [reverse, setReverse] = useState(false);
  const [errors, setErrors] = useState<FieldErrors>({ byField: {}, general: null });
  const [busy, setBusy] = useState(false);
  const types = useMemo(() => [...new Set([...COMMON_TYPES, ...Object.values(edges).map((e) => e.type)])].sort(), [edges]);
  const options = useMemo(() => Object.values(nodes).filter((n) => n.id !== from).sort((a, b) => a.label.localeCompare(b.label)), [nodes, from]);
  const [source, target] = reverse ? [to, from] : [from, to];

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    const other = to ?? nodeFromOption(typed, nodes);
    if (!other) {
      setErrors({ byField: { [reverse ? "source" : "target"]: typed ? `No node is called “${typed}”.` : "Click the other node in the graph or choose it here." }, general: null });
      return;
    }
    setBusy(true);
    setErrors({ byField: {}, general: null });
    const ends = reverse ? { source: other, target: from } : { source: from, target: other };
    try {
      const w = weight.trim() === "" ? undefined : Number.isFinite(Number(weight)) ? Number(weight) : weight;
      await api("/api/edges", { method: "POST", json: { ...ends, type: type.trim(), ...(w === undefined ? {} : { weight: w }) } });
      onDone();
    } catch (err) {
      setErrors(fieldErrors(err, ["source", "target", "type", "weight"]));
    } finally {
      setBusy(false);
    }
  };

  const otherField = reverse ? "source" : "target";
  const err = (name: string) => errors.byField[name];
  // A picked node is a link, not a control: it sits outside a <label>, which would rename it.
  const picker = to ? (
    <div className="field" data-testid="edge-other">
      <span>{reverse ? "From" : "To"}</span>
      <span className="row"><NodeRef id={to} /> <button type="button" className="link" onClick={() => onTo(null)}>choose another</button></span>
      <FieldError id={`${uid}-other-err`} message={err(otherField)} />
    </div>
  ) : (
    <label className="field">
      <span>{reverse ? "From" : "To"}</span>
      {(
        <>
          <input value={typed} onChange={(e) => setTyped(e.target.value)} list={`${uid}-nodes`} autoComplete="off"
            placeholder="click a node in the graph, or type its name" name="other"
            aria-invalid={err(otherField) ? true : undefined} aria-describedby={err(otherField) ? `${uid}-other-err` : undefined} />
          <datalist id={`${uid}-nodes`}>{options.map((n) => <option key={n.id} value={nodeOption(n)} />)}</datalist>
        </>
      )}
      <FieldError id={`${uid}-other-err`} message={err(otherField)} />
    </label>
  );
  return (
    <form className="edge-form stack" onSubmit={submit} noValidate aria-label="Connect to another node" data-testid="edge-form">
      <h3>Connect</h3>
      {reverse ? picker : <p className="small">From <NodeRef id={from} /></p>}
      <label className="field">
        <span>Relation</span>
        <input name="edge-type" value={type} onChange={(e) => setType(e.target.value)} list={`${uid}-types`} autoComplete="off"
          placeholder="e.g. works_on" aria-invalid={err("type") ? true : undefined} aria-describedby={err("type") ? `${uid}-type-err` : undefined} />
        <datalist id={`${uid}-types`}>{types.map((t) => <option key={t} value={t} />)}</datalist>
        <FieldError id={`${uid}-type-err`} message={err("type")} />
      </label>
      {reverse ? <p className="small">To <NodeRef id={from} /></p> : picker}
      <label className="field">
        <span>Weight</span>
        <input name="weight" type="number" step="0.1" value={weight} onChange={(e) => setWeight(e.target.value)}
          aria-invalid={err("weight") ? true : undefined} aria-describedby={err("weight") ? `${uid}-weight-err` : undefined} />
        <FieldError id={`${uid}-weight-err`} message={err("weight")} />
      </label>
      <label className="inline-field">
        <input type="checkbox" checked={reverse} onChange={(e) => setReverse(e.target.checked)} />
        <span>The other node points here (reverse the direction)</span>
      </label>
      {source && target && <p className="muted small">{nodes[source]?.label ?? source} → {type || "…"} → {nodes[target]?.label ?? target}</p>}
      {errors.general && <p className="state-error" role="alert" data-testid="form-error">{errors.general}</p>}
      <div className="row">
        <button type="submit" disabled={busy}>{busy ? "Connecting…" : "Create edge"}</button>
        <button type="button" onClick={onCancel} disabled={busy}>Cancel</button>
      </div>
    </form>
  );
}
