// Colours and sizes shared by the graph, its legend and the panels.
export const TYPE_COLOURS: Record<string, string> = {
  person: "#60a5fa",
  agent: "#c084fc",
  team: "#f472b6",
  decision: "#fbbf24",
  fact: "#34d399",
  commitment: "#fb923c",
  question: "#22d3ee",
  topic: "#a3e635",
};

export const HEALTH_COLOURS: Record<string, string> = {
  green: "#22c55e",
  yellow: "#facc15",
  red: "#ef4444",
};

export const EDGE_COLOURS: Record<string, string> = {
  contradicts: "#f87171",
  depends_on: "#fb923c",
  supports: "#34d399",
  reports_to: "#94a3b8",
  member_of: "#475569",
  leads: "#f472b6",
};

export function typeColour(type: string): string {
  return TYPE_COLOURS[type] ?? "#cbd5e1";
}

export function healthColour(health: string | null | undefined): string {
  return HEALTH_COLOURS[health ?? ""] ?? "#64748b";
}

/** Diameter in px for the API's size 1–5. */
export function nodeDiameter(size: number | null | undefined): number {
  const s = typeof size === "number" && Number.isFinite(size) ? Math.min(Math.max(size, 1), 5) : 1;
  return 20 + s * 8;
}

export function freshnessLabel(f: number): string {
  if (f >= 0.75) return "fresh";
  if (f >= 0.4) return "ageing";
  if (f >= 0.25) return "stale soon";
  return "stale";
}
