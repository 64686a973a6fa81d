// Small shared pieces: loading / empty / error states, connection indicator, health banner.
import { useEffect, useState } from "react";
import type { ConnectionStatus } from "../types";

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
export function healthProblem(status: number, body: unknown): string | null {
  const db = (body as { database?: { mode?: string } } | null)?.database;
  if (status === 503) return DOWN_TEXT;
  if (status === 0) return "Cannot reach the NEXUS server.";
  if (status >= 200 && status < 300 && db?.mode === "fallback") return FALLBACK_TEXT;
  return null; // healthy, or a server without /api/health: say nothing rather than guess
}

/** Polls /api/health; shows a banner when the database is a fallback or unavailable. */
export function HealthBanner() {
  const [problem, setProblem] = useState<string | null>(null);
  useEffect(() => {
    let stop = false;
    const check = async () => {
      let status: number;
      let body: unknown = null;
      try {
        const res = await fetch("/api/health", { headers: { Accept: "application/json" } });
        status = res.status;
        body = await res.json().catch(() => null);
      } catch {
        status = 0;
      }
      if (!stop) setProblem(healthProblem(status, body));
    };
    void check();
    const t = setInterval(check, 15_000);
    return () => {
      stop = true;
      clearInterval(t);
    };
  }, []);
  if (!problem) return null;
  return <div className="banner" role="alert" data-testid="health-banner">{problem}</div>;
}
