// Timestamps as people read them: a local date and a relative time, the raw value on hover.
const RELATIVE = new Intl.RelativeTimeFormat(undefined, { numeric: "auto" });
const STEPS: [Intl.RelativeTimeFormatUnit, number][] = [
  ["year", 365 * 86400], ["month", 30 * 86400], ["week", 7 * 86400], ["day", 86400], ["hour", 3600], ["minute", 60],
];

export function relativeTime(date: Date, now: Date = new Date()): string {
  const seconds = (date.getTime() - now.getTime()) / 1000;
  for (const [unit, size] of STEPS) {
    if (Math.abs(seconds) >= size) return RELATIVE.format(Math.round(seconds / size), unit);
  }
  return RELATIVE.format(0, "second");
}

/** A date-only value ("2026-12-04") is a calendar day, not midnight UTC. */
function parse(value: string): Date {
  return /^\d{4}-\d{2}-\d{2}$/.test(value) ? new Date(`${value}T00:00:00`) : new Date(value);
}

export function When({ value }: { value: string | null | undefined }) {
  if (!value) return <span className="muted">—</span>;
  const date = parse(value);
  if (Number.isNaN(date.getTime())) return <span>{value}</span>;
  const dateOnly = /^\d{4}-\d{2}-\d{2}$/.test(value);
  const local = dateOnly
    ? date.toLocaleDateString(undefined, { dateStyle: "medium" })
    : date.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
  return (
    <time dateTime={value} title={value}>
      {local} <span className="muted">({relativeTime(date)})</span>
    </time>
  );
}
