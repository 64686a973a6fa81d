import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { ApiError } from "../api/client";
import { QueryStatus, type QueryView } from "./Status";

const view = (q: Partial<QueryView>): QueryView => ({ isLoading: false, isError: false, error: null, refetch: () => undefined, ...q });
const html = (q: Partial<QueryView>) => renderToStaticMarkup(createElement(QueryStatus, { query: view(q), what: "alerts" }));

describe("QueryStatus: one loading and error display for every panel", () => {
  it("says what is loading until the first answer", () => {
    expect(html({ isLoading: true })).toContain("Loading alerts…");
  });
  it("shows the API's sentence with a Retry button", () => {
    const out = html({ isError: true, error: new ApiError(503, "database_unavailable", "The database is unavailable.") });
    expect(out).toContain('role="alert"');
    expect(out).toContain("The database is unavailable.");
    expect(out).toContain(">Retry</button>");
  });
  it("shows nothing once answered", () => {
    expect(html({})).toBe("");
  });
});
