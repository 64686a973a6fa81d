import { describe, expect, it } from "vitest";
import { canWrite, OPEN_ACCESS_USER, phaseFromSession } from "./types";

const viewer = { username: "vera", role: "viewer" as const, person_id: "p-02" };

describe("phaseFromSession", () => {
  it("signed in only with an authenticated user", () => {
    expect(phaseFromSession({ authenticated: true, user: viewer, auth: { mode: "required", provider: "django" }, csrf_token: "t" }, "django"))
      .toEqual({ phase: "signed-in", user: viewer, open: false, provider: "django" });
    expect(phaseFromSession({ authenticated: false, user: null, auth: { mode: "required", provider: "supabase" }, csrf_token: "t" }, "supabase", "bye"))
      .toEqual({ phase: "signed-out", provider: "supabase", notice: "bye" });
  });
  it("open mode needs no sign-in and writes as an editor", () => {
    const phase = phaseFromSession({ authenticated: false, user: null, auth: { mode: "open", provider: "django" }, csrf_token: "t" }, "django");
    expect(phase).toEqual({ phase: "signed-in", user: OPEN_ACCESS_USER, open: true, provider: "django" });
    expect(canWrite(OPEN_ACCESS_USER.role)).toBe(true);
  });
  it("only editors and admins write", () => {
    expect([canWrite("viewer"), canWrite("editor"), canWrite("admin"), canWrite(null)]).toEqual([false, true, true, false]);
  });
});
