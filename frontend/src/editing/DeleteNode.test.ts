import { describe, expect, it } from "vitest";
import { keptRowsText } from "./DeleteNode";

describe("keptRowsText", () => {
  it("says what stays behind a deleted person, in words", () => {
    expect(keptRowsText({ table: "notifications", column: "person_id", count: 3 })).toBe("3 notifications addressed to this person");
    expect(keptRowsText({ table: "notifications", column: "person_id", count: 1 })).toBe("1 notification addressed to this person");
    expect(keptRowsText({ table: "immune_alert_states", column: "assignee_id", count: 2 })).toBe("2 alerts assigned to this person");
    expect(keptRowsText({ table: "task_owners", column: "person_id", count: 1 })).toBe("1 task owners row (person id)");
  });
});
