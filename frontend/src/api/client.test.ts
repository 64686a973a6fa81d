import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { api, ApiError, rememberCsrfToken, setAuthHooks } from "./client";

type Call = { url: string; init: RequestInit };

function stubFetch(status = 200, body: unknown = { ok: true }) {
  const calls: Call[] = [];
  vi.stubGlobal("fetch", vi.fn(async (url: string, init: RequestInit) => {
    calls.push({ url, init });
    return new Response(status === 204 ? null : JSON.stringify(body), {
      status, headers: { "Content-Type": "application/json" },
    });
  }));
  return calls;
}

const headersOf = (c: Call) => c.init.headers as Record<string, string>;

beforeEach(() => {
  vi.stubGlobal("document", { cookie: "sessionid=s3; csrftoken=cookie-token; other=x" });
});
afterEach(() => {
  vi.unstubAllGlobals();
  setAuthHooks(null);
  rememberCsrfToken(null);
});

describe("api(): CSRF on a session cookie", () => {
  it("sends the csrftoken cookie as X-CSRFToken on POST, PATCH, PUT and DELETE", async () => {
    const calls = stubFetch();
    for (const method of ["POST", "PATCH", "PUT", "delete"]) await api("/api/nodes", { method, json: {} });
    expect(calls.map((c) => headersOf(c)["X-CSRFToken"])).toEqual(["cookie-token", "cookie-token", "cookie-token", "cookie-token"]);
    expect(calls.every((c) => c.init.credentials === "same-origin")).toBe(true);
  });

  it("sends no CSRF token (and no Authorization) on GET and HEAD", async () => {
    const calls = stubFetch();
    await api("/api/graph");
    await api("/api/graph", { method: "HEAD" });
    for (const c of calls) {
      expect(headersOf(c)).not.toHaveProperty("X-CSRFToken");
      expect(headersOf(c)).not.toHaveProperty("Authorization");
    }
  });

  it("falls back to the token the session endpoint answered when the cookie is unreadable", async () => {
    vi.stubGlobal("document", { cookie: "" });
    rememberCsrfToken("answered-token");
    const calls = stubFetch();
    await api("/api/info-drop", { method: "POST", json: { text: "x" } });
    expect(headersOf(calls[0])["X-CSRFToken"]).toBe("answered-token");
  });
});

describe("api(): Bearer in Supabase mode", () => {
  it("sends the access token on every method and no CSRF token", async () => {
    setAuthHooks({ bearer: async () => "jwt-abc" });
    const calls = stubFetch();
    await api("/api/graph");
    await api("/api/nodes", { method: "POST", json: {} });
    for (const c of calls) {
      expect(headersOf(c).Authorization).toBe("Bearer jwt-abc");
      expect(headersOf(c)).not.toHaveProperty("X-CSRFToken");
    }
  });

  it("asks for the token on each call, so a refreshed token is used at once", async () => {
    let token = "old";
    setAuthHooks({ bearer: () => token });
    const calls = stubFetch();
    await api("/api/graph");
    token = "refreshed";
    await api("/api/graph");
    expect(calls.map((c) => headersOf(c).Authorization)).toEqual(["Bearer old", "Bearer refreshed"]);
  });

  it("falls back to the cookie session when there is no Supabase session", async () => {
    setAuthHooks({ bearer: async () => null });
    const calls = stubFetch();
    await api("/api/nodes", { method: "POST", json: {} });
    expect(headersOf(calls[0])).not.toHaveProperty("Authorization");
    expect(headersOf(calls[0])["X-CSRFToken"]).toBe("cookie-token");
  });
});

describe("api(): 401 means signed out", () => {
  const refused = { error: { status: 401, code: "not_authenticated", message: "Authentication credentials were not provided." } };

  it("calls onUnauthorized and throws the API's error", async () => {
    const onUnauthorized = vi.fn();
    setAuthHooks({ onUnauthorized });
    stubFetch(401, refused);
    const err = await api("/api/graph").catch((e) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ status: 401, code: "not_authenticated", message: refused.error.message });
    expect(onUnauthorized).toHaveBeenCalledTimes(1);
  });

  it("does not sign out on 403 (role too low) or on other errors", async () => {
    const onUnauthorized = vi.fn();
    setAuthHooks({ onUnauthorized });
    stubFetch(403, { error: { status: 403, code: "permission_denied", message: "Editors only." } });
    await expect(api("/api/info-drop", { method: "POST", json: {} })).rejects.toMatchObject({ status: 403, code: "permission_denied" });
    stubFetch(400, { error: { status: 400, code: "invalid_credentials", message: "Wrong username or password." } });
    await expect(api("/api/auth/login", { method: "POST", json: {} })).rejects.toMatchObject({ code: "invalid_credentials" });
    expect(onUnauthorized).not.toHaveBeenCalled();
  });

  it("keepSignedIn: a 401 from the sign-in call itself is only an answer", async () => {
    const onUnauthorized = vi.fn();
    setAuthHooks({ onUnauthorized });
    stubFetch(401, refused);
    await expect(api("/api/auth/session", { keepSignedIn: true })).rejects.toMatchObject({ status: 401 });
    expect(onUnauthorized).not.toHaveBeenCalled();
  });
});
