// One fetch wrapper: every API error arrives as {"error": {status, code, message, fields?}}.

export class ApiError extends Error {
  status: number;
  code: string;
  fields?: Record<string, unknown>;
  constructor(status: number, code: string, message: string, fields?: Record<string, unknown>) {
    super(message);
    this.status = status;
    this.code = code;
    this.fields = fields;
  }
}

async function toApiError(res: Response): Promise<ApiError> {
  let body: unknown = null;
  try {
    body = await res.json();
  } catch {
    // Not JSON (e.g. a proxy page): fall through to a generic message, never the raw body.
  }
  const err = (body as { error?: { code?: string; message?: string; fields?: Record<string, unknown> } })?.error;
  if (err && typeof err.message === "string") {
    return new ApiError(res.status, err.code ?? "error", err.message, err.fields);
  }
  const generic = res.status === 404 ? "Not available on this server yet." : `The server answered ${res.status}.`;
  return new ApiError(res.status, "http_" + res.status, generic);
}

export async function api<T>(path: string, init?: RequestInit & { json?: unknown }): Promise<T> {
  const { json, ...rest } = init ?? {};
  const headers: Record<string, string> = { Accept: "application/json" };
  if (json !== undefined) headers["Content-Type"] = "application/json";
  let res: Response;
  try {
    res = await fetch(path, {
      ...rest,
      headers: { ...headers, ...(rest.headers as Record<string, string> | undefined) },
      body: json !== undefined ? JSON.stringify(json) : rest.body,
    });
  } catch {
    throw new ApiError(0, "network", "Cannot reach the NEXUS server.");
  }
  if (!res.ok) throw await toApiError(res);
  if (res.status === 204) return undefined as T;
  return (await res.json()) as T;
}

/** A user-facing sentence for any thrown value (never a stack trace). */
export function errorText(e: unknown): string {
  if (e instanceof ApiError) return e.message;
  return "Something went wrong. Try again.";
}

/** List endpoints may answer a bare array, DRF pagination ({results}) or {<key>: [...]}. */
export function asList<T>(body: unknown, ...keys: string[]): T[] {
  if (Array.isArray(body)) return body as T[];
  if (body && typeof body === "object") {
    const obj = body as Record<string, unknown>;
    for (const k of [...keys, "results", "items", "data"]) {
      if (Array.isArray(obj[k])) return obj[k] as T[];
    }
  }
  return [];
}
