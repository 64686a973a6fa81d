// LLM usage: cost by model and by feature (task type) as plain SVG bar charts.
import { useEffect, useState } from "react";
import { api, errorText } from "../api";
import { Empty, ErrorNote, Loading } from "../components/Status";
import { When } from "../components/When";

interface Row { calls: number; input_tokens: number; output_tokens: number; cost_usd: number; [k: string]: unknown }
interface Usage {
  totals?: { calls: number; input_tokens: number; output_tokens: number; cost_usd: number };
  by_model?: Row[]; by_task_type?: Row[]; by_day?: Row[];
}

function usd(v: number): string {
  return v >= 1 ? `$${v.toFixed(2)}` : `$${v.toFixed(4)}`;
}

export function Bars({ rows, keyField, title }: { rows: Row[]; keyField: string; title: string }) {
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
  const [data, setData] = useState<Usage | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = () => {
    setError(null);
    api<Usage>("/api/usage").then(setData).catch((e) => setError(errorText(e)));
  };
  useEffect(() => {
    load();
  }, []); // eslint-disable-line react-hooks/exhaustive-deps
  return (
    <section aria-labelledby="usage-title" className="panel">
      <h2 id="usage-title">LLM usage</h2>
      {error && <ErrorNote message={error} onRetry={load} />}
      {!data && !error && <Loading what="usage" />}
      {data && (
        <>
          <p>
            {data.totals ? <>Total {usd(data.totals.cost_usd)} over {data.totals.calls} calls ({data.totals.input_tokens.toLocaleString()} in / {data.totals.output_tokens.toLocaleString()} out tokens)</> : null}
          </p>
          <Bars rows={data.by_model ?? []} keyField="model" title="Cost by model" />
          <Bars rows={data.by_task_type ?? []} keyField="task_type" title="Cost by feature" />
          {(data.by_day ?? []).length > 0 && (
            <>
              <h3>By day</h3>
              <ul className="small" data-testid="usage-days">
                {[...(data.by_day ?? [])].reverse().slice(0, 14).map((r) => (
                  <li key={String(r.day)}><When value={String(r.day)} />: {usd(r.cost_usd)}, {r.calls} calls</li>
                ))}
              </ul>
            </>
          )}
          <button type="button" onClick={load}>Refresh</button>
        </>
      )}
    </section>
  );
}
