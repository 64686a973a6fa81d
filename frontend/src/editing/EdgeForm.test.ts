import { describe, expect, it } from "vitest";
import { byId, node } from "../test/fixtures";
import { nodeFromOption } from "./EdgeForm";

describe("choosing the other end of an edge by name", () => {
  const nodes = byId([
    node({ id: "p-10", type: "person", label: "Priya Raman" }),
    node({ id: "p-11", type: "person", label: "Sam" }),
    node({ id: "p-12", type: "person", label: "Sam" }),
  ]);
  it("reads the option text, an id or a unique label", () => {
    expect(nodeFromOption("Priya Raman · person (p-10)", nodes)).toBe("p-10");
    expect(nodeFromOption("p-11", nodes)).toBe("p-11");
    expect(nodeFromOption("priya raman", nodes)).toBe("p-10");
    expect(nodeFromOption("Sam", nodes)).toBeNull();
  });
});
