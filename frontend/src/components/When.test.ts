import { describe, expect, it } from "vitest";
import { relativeTime } from "./When";

describe("relativeTime", () => {
  const now = new Date("2026-12-01T12:00:00Z");
  it("says days ago for a past date", () => {
    expect(relativeTime(new Date("2026-11-28T12:00:00Z"), now)).toMatch(/3 days ago/);
  });
  it("says in N hours for a future time", () => {
    expect(relativeTime(new Date("2026-12-01T15:00:00Z"), now)).toMatch(/in 3 hours/);
  });
  it("says now within a minute", () => {
    expect(relativeTime(new Date("2026-12-01T12:00:20Z"), now)).toMatch(/now/);
  });
});
