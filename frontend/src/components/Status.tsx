// Small shared pieces: loading / empty / error states, connection indicator, health banner.
import { useQuery } from "@tanstack/react-query";
import { errorText } from "../api/client";
import type { ConnectionStatus, HealthOut } from "../api/types";

export function Loading({ what }: { what: string }) {
  return <p className="state state-loading" role="status">Loading {what}…</p>;
}

export function Empty({ children }: { children: React.ReactNode }) {
  return <p className="state state-empty">{children}</p>;
}

export function ErrorNote({ message, onRetry }: { message: string; onRetry?: () => void }) {
  return (
    <div className="state state-error" role="alert">
      <span>{message}</span>
      {onRetry && <button type="button" onClick={onRetry}>Retry</button>}
    </div>
  );
}

/** The part of a query result QueryStatus reads. */
export interface QueryView {
  isLoading: boolean;
  isError: boolean;
  error: unknown;
  refetch: () => unknown;
}

/** A read's loading and error states, the same in every panel: "Loading …" until its first
 *  answer, then its error (if any) with a Retry button. */
export function QueryStatus({ query, what }: { query: QueryView; what: string }) {
  return (
    <>
      {query.isError && <ErrorNote message={errorText(query.error)} onRetry={() => void query.refetch()} />}
      {query.isLoading && <Loading what={what} />}
    </>
  );
}

const STATUS_TEXT: Record<ConnectionStatus, string> = {
  connecting: "connecting",
  live: "live",
  reconnecting: "reconnecting",
  offline: "offline",
};

export function ConnectionIndicator({ status, transport }: { status: ConnectionStatus; transport?: string }) {
  return (
    <span
      className={`conn conn-${status}`}
      data-testid="connection-status"
      data-status={status}
      role="status"
      aria-live="polite"
      title={transport ? `Realtime via ${transport}` : undefined}
    >
      <span className="conn-dot" aria-hidden="true" />
      {STATUS_TEXT[status]}
    </span>
  );
}

const FALLBACK_TEXT = "The configured database is unreachable: NEXUS is running on its local fallback database. Changes made here will not reach the main database.";
const DOWN_TEXT = "The database is unavailable. Showing the last data loaded; changes cannot be saved right now.";

/** What the banner should say for a /api/health answer (status 0: no answer at all), or null. */
export function healthProblem(status: number, body: HealthOut | null): string | null {
  if (status === 503) return DOWN_TEXT;
  if (status === 0) return "Cannot reach the NEXUS server.";
  if (status >= 200 && status < 300 && body?.database.mode === "fallback") return FALLBACK_TEXT;
  return null; // healthy, or a server without /api/health: say nothing rather than guess
}

async function readHealth(): Promise<string | null> {
  let res: Response;
  try {
    res = await fetch("/api/health", { headers: { Accept: "application/json" } });
  } catch {
    return healthProblem(0, null);
  }
  // Not through api(): a 503 is an answer here (the database is down), not a failed read.
  const body = res.ok ? ((await res.json().catch(() => null)) as HealthOut | null) : null;
  return healthProblem(res.status, body);
}

/** Polls /api/health; shows a banner when the database is a fallback or unavailable. */
export function HealthBanner() {
  const { data: problem } = useQuery({ queryKey: ["health"], queryFn: readHealth, refetchInterval: 15_000 });
  if (!problem) return null;
  return <div className="banner" role="alert" data-testid="health-banner">{problem}</div>;
}
