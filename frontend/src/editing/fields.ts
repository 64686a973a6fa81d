// What the node form edits, and how its values become an API body. The API stores a node's
// type-specific fields in `extras` (any JSON object); these are the ones NEXUS itself reads
// (answers, immune scans, routing), with the kind of value each holds.
import { ApiError } from "../api/client";
import type { GraphNode, NodeType } from "../api/types";

export type ExtraKind = "text" | "long" | "date" | "fraction" | "person" | "list" | "email";

export interface ExtraField { key: string; label: string; kind: ExtraKind }

export const TYPE_FIELDS: Record<NodeType, ExtraField[]> = {
  person: [
    { key: "role", label: "Role", kind: "text" },
    { key: "email", label: "Email", kind: "email" },
    { key: "manager_id", label: "Manager", kind: "person" },
    { key: "skills", label: "Skills (comma-separated)", kind: "list" },
  ],
  team: [
    { key: "lead_id", label: "Lead", kind: "person" },
    { key: "mission", label: "Mission", kind: "long" },
  ],
  commitment: [
    { key: "owner_id", label: "Owner", kind: "person" },
    { key: "due_date", label: "Due date", kind: "date" },
    { key: "progress", label: "Progress (0–1)", kind: "fraction" },
  ],
  decision: [
    { key: "decided_by", label: "Decided by", kind: "person" },
    { key: "decided_on", label: "Decided on", kind: "date" },
    { key: "rationale", label: "Rationale", kind: "long" },
  ],
  fact: [
    { key: "source", label: "Source", kind: "text" },
    { key: "confidence", label: "Confidence (0–1)", kind: "fraction" },
  ],
  question: [
    { key: "asked_by", label: "Asked by", kind: "person" },
    { key: "asked_on", label: "Asked on", kind: "date" },
  ],
  topic: [{ key: "description", label: "Description", kind: "long" }],
  agent: [
    { key: "kind", label: "Kind", kind: "text" },
    { key: "operator_id", label: "Operator", kind: "person" },
  ],
};

export function extraFields(type: string): ExtraField[] {
  return TYPE_FIELDS[type as NodeType] ?? [];
}

/** The columns the form edits, in the API's names. */
export const BASE_FIELDS = [
  "type", "label", "division", "department", "team", "status", "health", "size", "half_life_days", "source_type", "source_id",
] as const;
export type BaseField = (typeof BASE_FIELDS)[number];
const NUMBER_FIELDS = new Set<BaseField>(["size", "half_life_days"]);

export interface FormValues {
  base: Record<BaseField, string>;
  extras: Record<string, string>;
}

function text(v: unknown): string {
  if (v === null || v === undefined) return "";
  if (Array.isArray(v)) return v.map(String).join(", ");
  return String(v);
}

export function initialValues(node?: Partial<GraphNode> | null, type = "fact"): FormValues {
  const base = {} as Record<BaseField, string>;
  for (const f of BASE_FIELDS) base[f] = text(node?.[f]);
  if (!base.type) base.type = type;
  const extras: Record<string, string> = {};
  const stored = (node?.extras ?? {}) as Record<string, unknown>;
  for (const f of extraFields(base.type)) extras[f.key] = text(stored[f.key]);
  return { base, extras };
}

function extraValue(kind: ExtraKind, raw: string): unknown {
  const v = raw.trim();
  if (v === "") return null;
  if (kind === "list") return v.split(",").map((s) => s.trim()).filter(Boolean);
  if (kind === "fraction") return Number.isFinite(Number(v)) ? Number(v) : v; // the text as typed: the API names it
  return v;
}

function baseValue(field: BaseField, raw: string): unknown {
  const v = field === "label" ? raw : raw.trim();
  if (v === "") return field === "label" ? "" : null;
  if (NUMBER_FIELDS.has(field)) return Number.isFinite(Number(v)) ? Number(v) : v;
  return v;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

/**
 * The JSON body for POST (no `original`) or PATCH (only what changed). Extras keys the form does
 * not show are kept: PATCH replaces the whole extras object. A cleared field is null on an
 * update and left out of a create.
 */
export function nodeBody(values: FormValues, original?: GraphNode | null): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const f of BASE_FIELDS) {
    const v = baseValue(f, values.base[f]);
    if (original) {
      if (!same(v, original[f] ?? null)) body[f] = v;
    } else if (v !== null) body[f] = v;
  }
  const stored = (original?.extras ?? {}) as Record<string, unknown>;
  const extras: Record<string, unknown> = { ...stored };
  for (const f of extraFields(values.base.type)) {
    const v = extraValue(f.kind, values.extras[f.key] ?? "");
    if (v === null && !(f.key in stored)) delete extras[f.key];
    else extras[f.key] = v;
  }
  if (original) {
    if (!same(extras, original.extras ?? {})) body.extras = extras;
  } else if (Object.keys(extras).length) body.extras = extras;
  return body;
}

/** The API's messages by field ("label", "extras.owner_id"…); `general` holds the rest. */
export interface FieldErrors { byField: Record<string, string>; general: string | null }

export function fieldErrors(e: unknown, shown: Iterable<string>): FieldErrors {
  if (!(e instanceof ApiError)) return { byField: {}, general: e ? "Something went wrong. Try again." : null };
  const known = new Set(shown);
  const byField: Record<string, string> = {};
  const rest: string[] = [];
  for (const [k, v] of Object.entries(e.fields ?? {})) {
    const msg = v.join(" ");
    // A batch answers "mutations[0].label": the same field.
    const name = k.replace(/^mutations\[\d+\]\./, "");
    if (known.has(name)) byField[name] = msg;
    else rest.push(`${name}: ${msg}`);
  }
  const general = Object.keys(byField).length && !rest.length ? null : rest.length ? rest.join(" ") : e.message;
  return { byField, general };
}

/** Distinct non-empty values of a column, sorted, for the form's suggestions. */
export function existingValues(nodes: Iterable<Partial<GraphNode>>, field: "division" | "department" | "team" | "status" | "source_type",
  within?: Partial<Record<"division" | "department", string>>): string[] {
  const out = new Set<string>();
  for (const n of nodes) {
    if (within?.division && n.division !== within.division) continue;
    if (within?.department && n.department !== within.department) continue;
    const v = n[field];
    if (typeof v === "string" && v) out.add(v);
  }
  return [...out].sort((a, b) => a.localeCompare(b));
}
