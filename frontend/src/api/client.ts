// One fetch wrapper for every API call: every API error arrives as
// {"error": {status, code, message, fields?}}; credentials are added here and nowhere else.
import type { ErrorFields, Schemas } from "./types";

export class ApiError extends Error {
  status: number;
  code: string;
  fields?: ErrorFields;
  constructor(status: number, code: string, message: string, fields?: ErrorFields) {
    super(message);
    this.status = status;
    this.code = code;
    this.fields = fields;
  }
}

/** How requests are authenticated; set by the sign-in gate (src/auth/). */
export interface AuthHooks {
  /** A Supabase Auth access token (Supabase mode), else null: the session cookie is used. */
  bearer: () => string | null | Promise<string | null>;
  /** Called when the server answers 401: the session is gone, show the sign-in screen. */
  onUnauthorized: () => void;
}

const NO_AUTH: AuthHooks = { bearer: () => null, onUnauthorized: () => {} };
let hooks: AuthHooks = NO_AUTH;
let rememberedCsrf: string | null = null;

export function setAuthHooks(next: Partial<AuthHooks> | null): void {
  hooks = next ? { ...NO_AUTH, ...next } : NO_AUTH;
}

/** The token from the last session/login answer, used when the cookie cannot be read. */
export function rememberCsrfToken(token: string | null | undefined): void {
  rememberedCsrf = token || null;
}

function readCookie(name: string): string | null {
  const jar = (globalThis as { document?: { cookie?: string } }).document?.cookie ?? "";
  for (const part of jar.split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return null;
}

/** Django checks the header against the csrftoken cookie, so the cookie is the truth when readable. */
export function csrfToken(): string | null {
  return readCookie("csrftoken") ?? rememberedCsrf;
}

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS", "TRACE"]);

/** The credential headers for one request (exported for the tests). */
export async function authHeaders(method: string): Promise<Record<string, string>> {
  const token = await hooks.bearer();
  if (token) return { Authorization: `Bearer ${token}` }; // a bearer token needs no CSRF token
  if (SAFE_METHODS.has(method.toUpperCase())) return {};
  const csrf = csrfToken();
  return csrf ? { "X-CSRFToken": csrf } : {};
}

/** The API's error, or a sentence of our own when the answer is not one (a proxy's page). */
export async function toApiError(res: Response): Promise<ApiError> {
  let body: Partial<Schemas["ErrorOut"]> | null = null;
  try {
    body = await res.json();
  } catch {
    // Not JSON (e.g. a proxy page): fall through to a generic message, never the raw body.
  }
  const err = body?.error;
  if (err && typeof err.message === "string") {
    return new ApiError(res.status, err.code, err.message, err.fields);
  }
  const generic = res.status === 404 ? "Not available on this server yet." : `The server answered ${res.status}.`;
  return new ApiError(res.status, "http_" + res.status, generic);
}

export type ApiInit = RequestInit & {
  json?: unknown;
  /** A 401 here is an answer, not a lost session (the sign-in call itself). */
  keepSignedIn?: boolean;
};

export async function api<T>(path: string, init?: ApiInit): Promise<T> {
  const { json, keepSignedIn, ...rest } = init ?? {};
  const method = (rest.method ?? "GET").toUpperCase();
  const headers: Record<string, string> = { Accept: "application/json", ...(await authHeaders(method)) };
  if (json !== undefined) headers["Content-Type"] = "application/json";
  let res: Response;
  try {
    res = await fetch(path, {
      credentials: "same-origin",
      ...rest,
      method,
      headers: { ...headers, ...(rest.headers as Record<string, string> | undefined) },
      body: json !== undefined ? JSON.stringify(json) : rest.body,
    });
  } catch {
    throw new ApiError(0, "network", "Cannot reach the NEXUS server.");
  }
  if (!res.ok) {
    const error = await toApiError(res);
    if (res.status === 401 && !keepSignedIn) hooks.onUnauthorized();
    throw error;
  }
  if (res.status === 204) return undefined as T;
  return (await res.json()) as T;
}

/** A user-facing sentence for any thrown value (never a stack trace). */
export function errorText(e: unknown): string {
  if (e instanceof ApiError) return e.message;
  return "Something went wrong. Try again.";
}
