import { describe, expect, it } from "vitest";
import { splitIds } from "../components/LinkedText";
import { nextTaskId } from "./TasksPanel";
import { currentOwner } from "./WorkersPanel";

describe("planning helpers", () => {
  it("gives a new task an unused id", () => {
    expect(nextTaskId([])).toBe("task-1");
    expect(nextTaskId([{ id: "task-2" }, { id: "x" }])).toBe("task-3");
    expect(nextTaskId([{ id: "task-2" }, { id: "task-3" }])).toBe("task-4");
  });

  it("reads the live owner of a commitment", () => {
    expect(currentOwner({ owner_id: "p-11", due_date: "2026-12-01" })).toBe("p-11");
    expect(currentOwner({ owner_id: null })).toBeNull();
    expect(currentOwner(undefined)).toBeNull();
  });

  it("links only the ids of known nodes in a sentence", () => {
    const known = (id: string) => ["c-05", "p-10"].includes(id);
    expect(splitIds("Reassign some of p-10's commitments (c-05, c-99) to follow-up people.", known)).toEqual([
      { text: "Reassign some of " }, { text: "p-10", id: "p-10" }, { text: "'s commitments (" },
      { text: "c-05", id: "c-05" }, { text: ", " }, { text: "c-99" }, { text: ") to " }, { text: "follow-up" }, { text: " people." },
    ]);
  });
});
