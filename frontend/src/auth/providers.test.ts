import { afterEach, describe, expect, it, vi } from "vitest";
import { rememberCsrfToken } from "../api/client";
import { djangoProvider } from "./providers";

const signedIn = { authenticated: true, user: { username: "ed", role: "editor", person_id: null }, auth: { mode: "required", provider: "django" } };

function reply(status: number, body: unknown) {
  return new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
}

afterEach(() => {
  vi.unstubAllGlobals();
  rememberCsrfToken(null);
});

describe("Django sign-in", () => {
  it("uses the token the server rotated at sign-in for the next unsafe request", async () => {
    vi.stubGlobal("document", { cookie: "" }); // e.g. CSRF_COOKIE_HTTPONLY: only the answers carry it
    rememberCsrfToken("before");
    const sent: (string | undefined)[] = [];
    vi.stubGlobal("fetch", vi.fn(async (url: string, init: RequestInit) => {
      sent.push((init.headers as Record<string, string>)["X-CSRFToken"]);
      return url === "/api/auth/login" ? reply(200, { ...signedIn, csrf_token: "rotated" }) : reply(200, { authenticated: false });
    }));
    await djangoProvider.signIn("ed", "pw");
    await djangoProvider.signOut();
    expect(sent).toEqual(["before", "rotated"]);
  });

  it("a stale CSRF token (403) fetches a fresh one and retries once", async () => {
    vi.stubGlobal("document", { cookie: "" });
    rememberCsrfToken("stale");
    const calls: string[] = [];
    vi.stubGlobal("fetch", vi.fn(async (url: string, init: RequestInit) => {
      const token = (init.headers as Record<string, string>)["X-CSRFToken"];
      calls.push(`${init.method} ${url} ${token ?? "-"}`);
      if (url === "/api/auth/session") return reply(200, { authenticated: false, user: null, csrf_token: "fresh" });
      if (token !== "fresh") return reply(403, { error: { status: 403, code: "permission_denied", message: "CSRF Failed" } });
      return reply(200, signedIn);
    }));
    await expect(djangoProvider.signIn("ed", "pw")).resolves.toMatchObject({ authenticated: true });
    expect(calls).toEqual(["POST /api/auth/login stale", "GET /api/auth/session -", "POST /api/auth/login fresh"]);
  });

  it("wrong credentials are not retried and keep the API's message", async () => {
    vi.stubGlobal("document", { cookie: "csrftoken=t" });
    const fetchMock = vi.fn(async () => reply(400, { error: { status: 400, code: "invalid_credentials", message: "Wrong username or password." } }));
    vi.stubGlobal("fetch", fetchMock);
    await expect(djangoProvider.signIn("ed", "bad")).rejects.toMatchObject({ message: "Wrong username or password." });
    expect(fetchMock).toHaveBeenCalledTimes(1);
  });
});
