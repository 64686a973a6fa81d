import { describe, expect, it } from "vitest";
import { node } from "../test/fixtures";
import { markdownFileName, mdDate, mdText, nodeMarkdown } from "./markdown";

const ada = node({
  id: "p-10", type: "person", label: "Ada *Lovelace*", division: "Engineering", updated_at: "2026-11-28T09:30:00Z",
  extras: { manager_id: "p-02", skills: ["maths", "engines"], started_on: "2026-01-05", note: "owner p-99" },
});
const labels: Record<string, string> = { "p-02": "Grace Hopper", "t-01": "Perception" };

describe("node Markdown", () => {
  const md = nodeMarkdown(ada, [
    { id: "t-01", label: "Perception", type: "team", relation: "member_of", direction: "out" },
    { id: "p-02", label: "Grace Hopper", type: "person", relation: "reports_to", direction: "out" },
  ], [{ action: "update_node", created_at: "2026-11-30T10:00:00Z", actor: "editor" }], (id) => labels[id] ?? null);

  it("is headed by the label, escaped", () => {
    expect(md.startsWith("# Ada \\*Lovelace\\*\n")).toBe(true);
  });
  it("names neighbours and node-id extras by label, keeping the id beside it", () => {
    expect(md).toContain("- → member of: **Perception** (team, `t-01`)");
    expect(md).toContain("- → reports to: **Grace Hopper** (person, `p-02`)");
    expect(md).toContain("| manager id | Grace Hopper (p-02) |");
    expect(md).toContain("| note | owner p-99 |"); // not a node: left as written
  });
  it("writes dates unambiguously and lists history", () => {
    expect(md).toContain("| updated at | 2026-11-28 09:30 UTC |");
    expect(md).toContain("| started on | 2026-01-05 |");
    expect(md).toContain("- 2026-11-30 10:00 UTC — update\\_node by editor");
  });
  it("helpers", () => {
    expect(mdText("a|b")).toBe("a\\|b");
    expect(mdDate("not a date")).toBe("not a date");
    expect(markdownFileName(ada)).toBe("ada-lovelace-p-10.md");
  });
});
