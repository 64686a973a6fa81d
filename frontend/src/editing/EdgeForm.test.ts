import { describe, expect, it } from "vitest";
import type { GraphNode } from "../types";
import { nodeFromOption } from "./EdgeForm";

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
