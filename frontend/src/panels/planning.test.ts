import { describe, expect, it } from "vitest";
import { splitIds } from "../components/LinkedText";
import { nextTaskId } from "./TasksPanel";
import { currentOwners } from "./WorkersPanel";

describe("planning helpers", () => {
  it("gives a new task an unused id", () => {
    expect(nextTaskId([])).toBe("task-1");
    expect(nextTaskId([{ id: "task-2" }, { id: "x" }])).toBe("task-3");
    expect(nextTaskId([{ id: "task-2" }, { id: "task-3" }])).toBe("task-4");
  });

  it("reads the live owners of a commitment from its owns edges", () => {
    const edges = {
      e1: { id: "e1", source: "p-12", target: "c-05", type: "owns" },
      e2: { id: "e2", source: "p-10", target: "c-05", type: "owns" },
      e3: { id: "e3", source: "p-10", target: "c-06", type: "owns" },
      e4: { id: "e4", source: "c-05", target: "tp-01", type: "about" },
    };
    expect(currentOwners(edges, "c-05")).toEqual(["p-10", "p-12"]);
    expect(currentOwners(edges, "c-07")).toEqual([]);
  });

  it("links only the ids of known nodes in a sentence", () => {
    const labels: Record<string, string> = { "c-05": "Ship v3", "p-10": "Rebecca Holloway" };
    const label = (id: string) => labels[id];
    expect(splitIds("Reassign some of p-10's commitments (c-05, c-99) to follow-up people.", label)).toEqual([
      { text: "Reassign some of " }, { text: "p-10", id: "p-10" }, { text: "'s commitments (" },
      { text: "c-05", id: "c-05" }, { text: ", c-99) to follow-up people." },
    ]);
  });

  it("names a node once where the sentence gives its label next to its id", () => {
    const label = (id: string) => ({ "c-05": "Ship v3", "p-10": "Rebecca Holloway", "f-07": "AMR-400 lead time is 6 weeks" } as Record<string, string>)[id];
    expect(splitIds("'Ship v3' (c-05) has no owner; Rebecca Holloway (p-10) owns 7.", label)).toEqual([
      { text: "c-05", id: "c-05" }, { text: " has no owner; " }, { text: "p-10", id: "p-10" }, { text: " owns 7." },
    ]);
    expect(splitIds("Stale: 'AMR-400 lead time is 6 weeks' (f-07) was updated.", label)).toEqual([
      { text: "Stale: " }, { text: "f-07", id: "f-07" }, { text: " was updated." },
    ]);
  });
});
