import { describe, expect, it } from "vitest";
import { healthProblem } from "./Status";

describe("healthProblem (the database banner)", () => {
  it("says nothing for a healthy configured or embedded database", () => {
    expect(healthProblem(200, { status: "ok", database: { mode: "configured" } })).toBeNull();
    expect(healthProblem(200, { status: "ok", database: { mode: "embedded" } })).toBeNull();
  });
  it("warns about the fallback database", () => {
    expect(healthProblem(200, { status: "ok", database: { mode: "fallback" } })).toMatch(/fallback database/);
  });
  it("warns when the database is unavailable (503) or the server is unreachable", () => {
    expect(healthProblem(503, { status: "unavailable", database: { mode: "configured" }, error: {} })).toMatch(/unavailable/);
    expect(healthProblem(0, null)).toMatch(/Cannot reach/);
  });
  it("stays quiet for a server without /api/health", () => {
    expect(healthProblem(404, { error: { status: 404 } })).toBeNull();
  });
});
