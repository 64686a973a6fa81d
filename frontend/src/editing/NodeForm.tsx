// Create or edit a node (editors). The API validates; its messages appear next to their fields.
import { useContext, useId, useMemo, useState } from "react";
import { api } from "../api/client";
import { NodeDirectoryContext } from "../components/NodeRef";
import type { Point } from "../graph/model";
import { NODE_TYPES, type GraphNode, type NodeOut } from "../api/types";
import {
  BASE_FIELDS, existingValues, extraFields, fieldErrors, initialValues, nodeBody, type BaseField, type FieldErrors, type FormValues,
} from "./fields";

interface Props {
  nodes: Record<string, GraphNode>;
  /** The node being edited; absent: a new node. */
  node?: GraphNode | null;
  /** Where a new node goes (stored coordinates), asked at submit time. */
  place?: () => Point | null;
  onDone: (id: string) => void;
  onCancel: () => void;
}

const HEALTH = ["green", "yellow", "red"];
const SOURCES = ["slack", "meeting", "doc", "jira", "email"];
const MORE = ["status", "health", "size", "half_life_days", "source_type", "source_id"];

export function FieldError({ id, message }: { id: string; message?: string }) {
  if (!message) return null;
  return <span id={id} className="field-error" role="alert" data-testid="field-error">{message}</span>;
}

export default function NodeForm({ nodes, node, place, onDone, onCancel }: Props) {
  const uid = useId();
  const [values, setValues] = useState<FormValues>(() => initialValues(node));
  const [errors, setErrors] = useState<FieldErrors>({ byField: {}, general: null });
  const [busy, setBusy] = useState(false);
  const all = useMemo(() => Object.values(nodes), [nodes]);
  const { people: persons } = useContext(NodeDirectoryContext);
  const type = values.base.type;
  const extras = extraFields(type);
  const suggest = {
    division: existingValues(all, "division"),
    department: existingValues(all, "department", { division: values.base.division }),
    team: existingValues(all, "team", { division: values.base.division, department: values.base.department }),
    status: existingValues(all, "status"),
    source_type: [...new Set([...SOURCES, ...existingValues(all, "source_type")])].sort(),
  };

  const setBase = (f: BaseField, v: string) => setValues((s) => {
    const next = { ...s, base: { ...s.base, [f]: v } };
    if (f === "type") next.extras = initialValues({ ...(node ?? {}), type: v } as GraphNode).extras;
    return next;
  });
  const setExtra = (k: string, v: string) => setValues((s) => ({ ...s, extras: { ...s.extras, [k]: v } }));

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    const body = nodeBody(values, node);
    if (node && Object.keys(body).length === 0) {
      setErrors({ byField: {}, general: "Nothing changed." });
      return;
    }
    setBusy(true);
    setErrors({ byField: {}, general: null });
    try {
      if (node) {
        await api(`/api/nodes/${encodeURIComponent(node.id)}`, { method: "PATCH", json: body });
        onDone(node.id);
      } else {
        const at = place?.();
        const made = await api<NodeOut>("/api/nodes", { method: "POST", json: at ? { ...body, x: at.x, y: at.y } : body });
        onDone(made.id);
      }
    } catch (err) {
      setErrors(fieldErrors(err, [...BASE_FIELDS, "extras", ...extras.map((f) => `extras.${f.key}`)]));
    } finally {
      setBusy(false);
    }
  };

  const err = (name: string) => errors.byField[name];
  const described = (name: string) => (err(name) ? { "aria-invalid": true, "aria-describedby": `${uid}-${name}-err` } : {});
  const text = (f: BaseField, label: string, list?: string[]) => (
    <label className="field">
      <span>{label}</span>
      <input name={f} value={values.base[f]} onChange={(e) => setBase(f, e.target.value)} list={list ? `${uid}-${f}-list` : undefined}
        autoComplete="off" {...described(f)} />
      {list && <datalist id={`${uid}-${f}-list`}>{list.map((v) => <option key={v} value={v} />)}</datalist>}
      <FieldError id={`${uid}-${f}-err`} message={err(f)} />
    </label>
  );

  return (
    <form className="panel node-form stack" onSubmit={submit} noValidate aria-labelledby={`${uid}-title`} data-testid="node-form">
      <h2 id={`${uid}-title`}>{node ? `Edit ${node.label}` : "New node"}</h2>
      <label className="field">
        <span>Type</span>
        <select name="type" value={type} onChange={(e) => setBase("type", e.target.value)} {...described("type")}>
          {NODE_TYPES.map((t) => <option key={t} value={t}>{t}</option>)}
        </select>
        <FieldError id={`${uid}-type-err`} message={err("type")} />
      </label>
      {text("label", "Label")}
      <fieldset className="form-group">
        <legend>Where it sits</legend>
        {text("division", "Division", suggest.division)}
        {text("department", "Department", suggest.department)}
        {text("team", "Team", suggest.team)}
      </fieldset>
      {extras.length > 0 && (
        <fieldset className="form-group">
          <legend>{type} details</legend>
          {extras.map((f) => {
            const name = `extras.${f.key}`;
            const common = {
              name, value: values.extras[f.key] ?? "", ...described(name),
              onChange: (e: React.ChangeEvent<HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement>) => setExtra(f.key, e.target.value),
            };
            return (
              <label className="field" key={f.key}>
                <span>{f.label}</span>
                {f.kind === "person" ? (
                  <select {...common}>
                    <option value="">(nobody)</option>
                    {common.value && !nodes[common.value] && <option value={common.value}>{common.value} (not in the graph)</option>}
                    {persons.filter((p) => p.id !== node?.id).map((p) => <option key={p.id} value={p.id}>{p.label}</option>)}
                  </select>
                ) : f.kind === "long" ? <textarea rows={3} {...common} />
                  : <input type={f.kind === "date" ? "date" : f.kind === "email" ? "email" : f.kind === "fraction" ? "number" : "text"}
                      step={f.kind === "fraction" ? "0.05" : undefined} autoComplete="off" {...common} />}
                <FieldError id={`${uid}-${name}-err`} message={err(name)} />
              </label>
            );
          })}
          <FieldError id={`${uid}-extras-err`} message={err("extras")} />
        </fieldset>
      )}
      <details className="form-group" open={MORE.some((f) => !!err(f))}>
        <summary>More fields</summary>
        {text("status", "Status", suggest.status)}
        <label className="field">
          <span>Health</span>
          <select name="health" value={values.base.health} onChange={(e) => setBase("health", e.target.value)} {...described("health")}>
            <option value="">(default)</option>
            {HEALTH.map((h) => <option key={h} value={h}>{h}</option>)}
          </select>
          <FieldError id={`${uid}-health-err`} message={err("health")} />
        </label>
        <div className="row">
          <label className="field">
            <span>Size</span>
            <input name="size" type="number" value={values.base.size} onChange={(e) => setBase("size", e.target.value)} {...described("size")} />
            <FieldError id={`${uid}-size-err`} message={err("size")} />
          </label>
          <label className="field">
            <span>Half-life (days)</span>
            <input name="half_life_days" type="number" value={values.base.half_life_days} onChange={(e) => setBase("half_life_days", e.target.value)} {...described("half_life_days")} />
            <FieldError id={`${uid}-half_life_days-err`} message={err("half_life_days")} />
          </label>
        </div>
        {text("source_type", "Source type", suggest.source_type)}
        {text("source_id", "Source id")}
      </details>
      {errors.general && <p className="state-error" role="alert" data-testid="form-error">{errors.general}</p>}
      <div className="row">
        <button type="submit" disabled={busy}>{busy ? "Saving…" : node ? "Save changes" : "Create node"}</button>
        <button type="button" onClick={onCancel} disabled={busy}>Cancel</button>
      </div>
    </form>
  );
}
