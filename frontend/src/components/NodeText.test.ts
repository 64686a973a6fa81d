import { describe, expect, it } from "vitest";
import { nodeFromOption } from "../editing/EdgeForm";
import type { GraphNode } from "../types";
import { splitIds } from "./NodeText";

const labels: Record<string, string> = { "p-10": "Priya Raman", "c-03": "Calibration report" };

describe("ids in text become node links", () => {
  it("replaces a bare id and swallows a label written beside its id", () => {
    expect(splitIds("Commitment c-03: owner Priya Raman (p-10), due soon.", (id) => labels[id])).toEqual([
      "Commitment ", { id: "c-03" }, ": owner ", { id: "p-10" }, ", due soon.",
    ]);
  });
  it("leaves ids that are no node, and words with dashes, alone", () => {
    expect(splitIds("p-99 is well-known", (id) => labels[id])).toEqual(["p-99 is well-known"]);
  });
});

describe("choosing the other end of an edge by name", () => {
  const nodes = {
    "p-10": { id: "p-10", type: "person", label: "Priya Raman" },
    "p-11": { id: "p-11", type: "person", label: "Sam" },
    "p-12": { id: "p-12", type: "person", label: "Sam" },
  } as Record<string, GraphNode>;
  it("reads the option text, an id or a unique label", () => {
    expect(nodeFromOption("Priya Raman · person (p-10)", nodes)).toBe("p-10");
    expect(nodeFromOption("p-11", nodes)).toBe("p-11");
    expect(nodeFromOption("priya raman", nodes)).toBe("p-10");
    expect(nodeFromOption("Sam", nodes)).toBeNull();
  });
});
