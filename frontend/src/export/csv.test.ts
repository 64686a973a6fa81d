import { describe, expect, it } from "vitest";
import type { GraphEdge, GraphNode } from "../api/types";
import { edge, node as nodeOf } from "../test/fixtures";
import { csvCell, drawnEdges, edgesCsv, nodesCsv, toCsv } from "./csv";

const node = (id: string, extra: Partial<GraphNode> = {}): GraphNode => nodeOf({ id, type: "person", label: id.toUpperCase(), ...extra });

describe("CSV", () => {
  it("quotes commas, quotes and line breaks, and defuses formulas", () => {
    expect(csvCell('Say "hi", then go')).toBe('"Say ""hi"", then go"');
    expect(csvCell("two\nlines")).toBe('"two\nlines"');
    expect(csvCell("=HYPERLINK(1)")).toBe("'=HYPERLINK(1)");
    expect(csvCell("-3.5")).toBe("-3.5");
    expect(csvCell(null)).toBe("");
    expect(toCsv(["a", "b"], [[1, "x,y"]])).toBe('a,b\r\n1,"x,y"\r\n');
  });

  it("holds exactly the drawn nodes, in order, and a collapsed group as one row with its size", () => {
    const nodes = { a: node("a", { division: "Eng", current_freshness: 0.5 }), b: node("b"), hidden: node("hidden") };
    const clusters = new Map([["cluster:team|Eng|Platform|Cloud", { id: "cluster:team|Eng|Platform|Cloud", count: 7 }]]);
    const lines = nodesCsv(["b", "a", "cluster:team|Eng|Platform|Cloud"], nodes, clusters).trimEnd().split("\r\n");
    expect(lines).toHaveLength(4);
    expect(lines[0]).toBe("id,label,type,division,department,team,status,health,freshness,updated_at,members");
    expect(lines[1].startsWith("b,B,person,")).toBe(true);
    expect(lines[2]).toBe("a,A,person,Eng,,,,,0.5,,");
    expect(lines[3]).toBe("cluster:team|Eng|Platform|Cloud,Cloud,team group,,,,,,,,7");
    expect(lines.join("\n")).not.toContain("hidden");
  });

  it("lists the edges between drawn nodes only, with both ends named", () => {
    const edges: Record<string, GraphEdge> = {
      e1: edge({ id: "e1", source: "a", target: "b", type: "reports_to", weight: 0.8 }),
      e2: edge({ id: "e2", source: "a", target: "hidden", type: "about" }),
    };
    const drawn = drawnEdges(new Set(["a", "b", "cluster:x"]), edges, [{ key: "cedge:a|cluster:x", source: "a", target: "cluster:x", count: 3 }]);
    expect(drawn.map((e) => e.id)).toEqual(["e1", "cedge:a|cluster:x"]);
    const csv = edgesCsv(drawn, (id) => ({ a: "Ada", b: "Bob" })[id] ?? id).split("\r\n");
    expect(csv[1]).toBe("e1,a,Ada,reports_to,b,Bob,0.8");
    expect(csv[2]).toBe("cedge:a|cluster:x,a,Ada,3 links,cluster:x,cluster:x,");
  });
});
