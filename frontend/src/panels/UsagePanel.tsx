// LLM usage: cost by model and by feature (task type) as plain SVG bar charts.
import { useQuery } from "@tanstack/react-query";
import { api } from "../api/client";
import { queryKeys } from "../api/query";
import type { Schemas, UsageReport } from "../api/types";
import { Empty, QueryStatus } from "../components/Status";
import { When } from "../components/When";

type Row = Schemas["UsageRow"];

function usd(v: number): string {
  return v >= 1 ? `$${v.toFixed(2)}` : `$${v.toFixed(4)}`;
}

export function Bars<R extends Row>({ rows, keyField, title }: { rows: R[]; keyField: keyof R & string; title: string }) {
  if (!rows.length) return <Empty>No {title.toLowerCase()} yet.</Empty>;
  const max = Math.max(...rows.map((r) => r.cost_usd), 1e-9);
  const barH = 22;
  const width = 320;
  const labelW = 120;
  return (
    <figure className="bars">
      <figcaption>{title}</figcaption>
      <svg viewBox={`0 0 ${width} ${rows.length * (barH + 6)}`} width="100%" role="img"
        aria-label={`${title}: ${rows.map((r) => `${r[keyField]} ${usd(r.cost_usd)}`).join(", ")}`}>
        {rows.map((r, i) => {
          const w = ((width - labelW - 70) * r.cost_usd) / max;
          const y = i * (barH + 6);
          return (
            <g key={String(r[keyField])}>
              <text x={0} y={y + 15} fill="#cbd5e1" fontSize="11">{String(r[keyField]).slice(0, 18)}</text>
              <rect x={labelW} y={y} width={Math.max(w, 1)} height={barH} rx={3} fill="#60a5fa" />
              <text x={labelW + Math.max(w, 1) + 4} y={y + 15} fill="#e2e8f0" fontSize="11">{usd(r.cost_usd)}</text>
            </g>
          );
        })}
      </svg>
    </figure>
  );
}

export default function UsagePanel() {
  const usage = useQuery({ queryKey: queryKeys.usage, queryFn: () => api<UsageReport>("/api/usage") });
  const data = usage.data;
  return (
    <section aria-labelledby="usage-title" className="panel">
      <h2 id="usage-title">LLM usage</h2>
      <QueryStatus query={usage} what="usage" />
      {data && (
        <>
          <p>
            Total {usd(data.totals.cost_usd)} over {data.totals.calls} calls ({data.totals.input_tokens.toLocaleString()} in / {data.totals.output_tokens.toLocaleString()} out tokens)
          </p>
          <Bars rows={data.by_model} keyField="model" title="Cost by model" />
          <Bars rows={data.by_task_type} keyField="task_type" title="Cost by feature" />
          {data.by_day.length > 0 && (
            <>
              <h3>By day</h3>
              <ul className="small" data-testid="usage-days">
                {[...data.by_day].reverse().slice(0, 14).map((r) => (
                  <li key={r.day}><When value={r.day} />: {usd(r.cost_usd)}, {r.calls} calls</li>
                ))}
              </ul>
            </>
          )}
          <button type="button" onClick={() => void usage.refetch()}>Refresh</button>
        </>
      )}
    </section>
  );
}
