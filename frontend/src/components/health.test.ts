import { describe, expect, it } from "vitest";
import type { HealthOut } from "../api/types";
import { healthProblem } from "./Status";

const answer = (mode: string): HealthOut => ({ status: "ok", database: { mode }, auth: { mode: "required" } });

describe("healthProblem (the database banner)", () => {
  it("says nothing for a healthy configured or embedded database", () => {
    expect(healthProblem(200, answer("configured"))).toBeNull();
    expect(healthProblem(200, answer("embedded"))).toBeNull();
  });
  it("warns about the fallback database", () => {
    expect(healthProblem(200, answer("fallback"))).toMatch(/fallback database/);
  });
  it("warns when the database is unavailable (503) or the server is unreachable", () => {
    expect(healthProblem(503, null)).toMatch(/unavailable/);
    expect(healthProblem(0, null)).toMatch(/Cannot reach/);
  });
  it("stays quiet for a server without /api/health", () => {
    expect(healthProblem(404, null)).toBeNull();
  });
});
