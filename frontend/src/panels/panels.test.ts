import { describe, expect, it } from "vitest";
import { ApiError } from "../api/client";
import type { Alert, AlertsResponse, Conversation } from "../api/types";
import { turnsOf } from "./AskPanel";
import { withAlertState } from "./ImmunePanel";
import { saveErrorOf } from "./TasksPanel";

const alert = (id: string, fingerprint?: string): Alert => ({
  id, fingerprint, agent: "staleness", severity: "low", title: id, description: "", node_ids: ["f-1"], suggested_action: "",
});

describe("panel helpers over the API's shapes", () => {
  it("an alert's new state lands on it, in the open list or among the suppressed", () => {
    const body: AlertsResponse = { scan_id: 1, created_at: null, alerts: [alert("a", "fa"), alert("b", "fb")], suppressed: [alert("c", "fc")] };
    const resolved = { state: "resolved" as const, reason: "done", assignee_id: null, actor: "ed", updated_at: null };
    const next = withAlertState(body, "fc", resolved);
    expect(next.suppressed[0].state).toEqual(resolved);
    expect(next.alerts.map((a) => a.state)).toEqual([undefined, undefined]);
    // An alert without a fingerprint is named by its id.
    expect(withAlertState({ ...body, alerts: [alert("old")] }, "old", resolved).alerts[0].state).toEqual(resolved);
  });

  it("a refused plan names the cycle's tasks and tells a stale base apart", () => {
    const tasks = [{ id: "t1", name: "Design", duration_days: 1, depends_on: ["t2"], owner: null, done: false },
      { id: "t2", name: "Build", duration_days: 2, depends_on: ["t1"], owner: null, done: false }];
    const cycle = saveErrorOf(new ApiError(400, "invalid", "A cycle.", { cycle: ["t1", "t2"] }), tasks);
    expect(cycle).toMatchObject({ cycle: ["t1", "t2"], names: { t1: "Design", t2: "Build" }, stale: false });
    expect(saveErrorOf(new ApiError(409, "conflict", "Replaced."), tasks)).toMatchObject({ cycle: undefined, stale: true, message: "Replaced." });
  });

  it("a stored conversation's turns come back without citations", () => {
    const c: Conversation = { id: "c1", turns: [
      { seq: 1, role: "user", content: "Who owns c-03?", created_at: "2026-11-01T10:00:00Z" },
      { seq: 2, role: "assistant", content: "Tom.", created_at: "2026-11-01T10:00:01Z" },
    ] };
    expect(turnsOf(c)).toEqual([{ role: "user", content: "Who owns c-03?", citations: [] }, { role: "assistant", content: "Tom.", citations: [] }]);
  });
});
