// The one data layer: every panel reads through TanStack Query (one QueryClient, made here) and
// writes with its mutations. Keys live here, so a write can name what it makes stale.
import { QueryClient } from "@tanstack/react-query";
import { ApiError } from "./client";

export function createQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      // A failed read shows its error with a Retry button (QueryStatus); it is not retried
      // behind the reader's back, nor re-read when the window regains focus.
      queries: { retry: false, refetchOnWindowFocus: false, refetchOnReconnect: false },
      mutations: { retry: false },
    },
  });
}

/** The answer, or null for a 404: "there is none yet" (no plan, no analysis). Other errors throw. */
export async function orNone<T>(request: Promise<T>): Promise<T | null> {
  try {
    return await request;
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) return null;
    throw e;
  }
}

/** Whether a thrown value is the API's 404. */
export function isNotFound(e: unknown): boolean {
  return e instanceof ApiError && e.status === 404;
}

export const queryKeys = {
  node: (id: string, version: string) => ["nodes", id, version] as const,
  cascade: (id: string) => ["nodes", id, "cascade"] as const,
  alerts: ["immune", "alerts"] as const,
  tasks: ["tasks", "current"] as const,
  workers: ["workers", "latest"] as const,
  usage: ["usage"] as const,
  notifications: (personId: string) => ["notifications", personId] as const,
  conversation: (id: string) => ["conversations", id] as const,
  timeline: ["graph", "timeline"] as const,
  graphAsOf: (t: number) => ["graph", "as_of", t] as const,
  diffs: ["graph", "diff"] as const,
  diff: (from: number) => ["graph", "diff", from] as const,
};
