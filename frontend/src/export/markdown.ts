// A node's details as Markdown: its fields, its type-specific details (node ids as names), its
// neighbours by name and its recent history, for pasting into a document or a ticket.
import type { GraphNode, HistoryEntry } from "../api/types";

export interface MdNeighbour { id: string; label: string; type: string; relation: string; direction: "out" | "in" }
export type MdHistory = Pick<HistoryEntry, "action" | "created_at" | "actor">;

const FIELDS: (keyof GraphNode)[] = ["type", "status", "health", "division", "department", "team", "source_type", "source_id", "created_at", "updated_at"];

/** Escape what Markdown would read as markup in running text (and the table pipe). */
export function mdText(s: string): string {
  return s.replace(/([\\`*_[\]<>#|])/g, "\\$1").replace(/\r?\n/g, " ");
}

/** "2026-12-01 14:05 UTC": unambiguous wherever the file is read. */
export function mdDate(value: string): string {
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) return value;
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) return value;
  return `${d.toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

function value(v: unknown, label: (id: string) => string | null): string {
  if (v === null || v === undefined || v === "") return "—";
  if (Array.isArray(v)) return v.map((x) => value(x, label)).join(", ");
  if (typeof v === "object") return mdText(JSON.stringify(v));
  const s = String(v);
  const name = label(s);
  if (name !== null) return `${mdText(name)} (${mdText(s)})`;
  if (/^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(s)) return mdDate(s);
  return mdText(s);
}

/**
 * `label(id)` answers a node's label for a value that is a node id, else null (so plain text that
 * happens to look like an id stays as it is).
 */
export function nodeMarkdown(node: GraphNode, neighbours: MdNeighbour[], history: MdHistory[], label: (id: string) => string | null): string {
  const out: string[] = [`# ${mdText(node.label)}`, "", `${mdText(node.type)} · \`${node.id}\``, "", "## Fields", "", "| Field | Value |", "| --- | --- |"];
  for (const f of FIELDS) out.push(`| ${f.replace(/_/g, " ")} | ${value(node[f], () => null)} |`);
  const extras = node.extras && typeof node.extras === "object" ? Object.entries(node.extras) : [];
  if (extras.length) {
    out.push("", "## Details", "", "| Field | Value |", "| --- | --- |");
    for (const [k, v] of extras) out.push(`| ${mdText(k.replace(/_/g, " "))} | ${value(v, label)} |`);
  }
  out.push("", `## Neighbours (${neighbours.length})`, "");
  if (!neighbours.length) out.push("No connections.");
  for (const n of [...neighbours].sort((a, b) => a.relation.localeCompare(b.relation) || a.label.localeCompare(b.label))) {
    const arrow = n.direction === "in" ? "←" : "→";
    out.push(`- ${arrow} ${mdText(n.relation.replace(/_/g, " "))}: **${mdText(n.label)}** (${mdText(n.type)}, \`${n.id}\`)`);
  }
  if (history.length) {
    out.push("", "## Recent history", "");
    for (const h of history) {
      out.push(`- ${h.created_at ? mdDate(h.created_at) : "?"} — ${mdText(h.action)} ${h.actor ? `by ${mdText(h.actor)}` : "by an outside write"}`);
    }
  }
  return out.join("\n") + "\n";
}

export function markdownFileName(node: GraphNode): string {
  const slug = node.label.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "").slice(0, 60);
  return `${slug || "node"}-${node.id}.md`;
}
