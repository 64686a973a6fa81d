import { describe, expect, it } from "vitest";
import { ApiError, errorText, toApiError } from "./client";
import { createQueryClient, isNotFound, orNone, queryKeys } from "./query";

const answer = (status: number, body: unknown, type = "application/json") =>
  new Response(typeof body === "string" ? body : JSON.stringify(body), { status, headers: { "Content-Type": type } });

describe("toApiError: every failed answer becomes one ApiError", () => {
  it("keeps the API's status, code, message and field messages", async () => {
    const e = await toApiError(answer(400, { error: { status: 400, code: "invalid", message: "Check the fields.", fields: { label: ["Required."] } } }));
    expect(e).toBeInstanceOf(ApiError);
    expect(e).toMatchObject({ status: 400, code: "invalid", message: "Check the fields.", fields: { label: ["Required."] } });
  });

  it("says something of its own for an answer that is not the API's (a proxy page), never the body", async () => {
    const page = await toApiError(answer(502, "<html>Bad gateway</html>", "text/html"));
    expect(page).toMatchObject({ status: 502, code: "http_502", message: "The server answered 502." });
    const missing = await toApiError(answer(404, { detail: "Not found." }));
    expect(missing).toMatchObject({ status: 404, code: "http_404", message: "Not available on this server yet." });
  });

  it("errorText shows an ApiError's sentence and hides anything else", () => {
    expect(errorText(new ApiError(409, "conflict", "Another edit replaced the plan."))).toBe("Another edit replaced the plan.");
    expect(errorText(new TypeError("x is undefined"))).toBe("Something went wrong. Try again.");
  });
});

describe("orNone: a 404 means there is none yet", () => {
  it("answers null for a 404 and the answer otherwise", async () => {
    await expect(orNone(Promise.reject(new ApiError(404, "not_found", "No task graph yet.")))).resolves.toBeNull();
    await expect(orNone(Promise.resolve({ id: 1 }))).resolves.toEqual({ id: 1 });
  });

  it("lets every other failure through", async () => {
    const refused = new ApiError(403, "permission_denied", "Editors only.");
    await expect(orNone(Promise.reject(refused))).rejects.toBe(refused);
    await expect(orNone(Promise.reject(new ApiError(0, "network", "Cannot reach the NEXUS server.")))).rejects.toMatchObject({ code: "network" });
    expect([isNotFound(new ApiError(404, "x", "y")), isNotFound(refused), isNotFound(null)]).toEqual([true, false, false]);
  });
});

describe("the query client", () => {
  it("does not retry a failed read behind the reader's back", async () => {
    const client = createQueryClient();
    let calls = 0;
    await expect(client.fetchQuery({ queryKey: queryKeys.usage, queryFn: async () => { calls++; throw new ApiError(500, "server_error", "Boom."); } }))
      .rejects.toMatchObject({ status: 500 });
    expect(calls).toBe(1);
  });

  it("keys a write can name: one prefix covers every diff", () => {
    expect(queryKeys.diff(5).slice(0, queryKeys.diffs.length)).toEqual([...queryKeys.diffs]);
    expect(queryKeys.node("p-1", "v1")).not.toEqual(queryKeys.node("p-1", "v2"));
  });
});
