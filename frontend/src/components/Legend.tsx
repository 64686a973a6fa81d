// Legend doubles as the type filter; a division select beside it.
import { NODE_TYPES } from "../api/types";
import type { Filters } from "../graph/PulseView";
import { HEALTH_COLOURS, typeColour } from "../graph/style";

interface Props {
  filters: Filters;
  divisions: string[];
  counts: Record<string, number>;
  onChange: (f: Filters) => void;
}

export function Legend({ filters, divisions, counts, onChange }: Props) {
  const toggle = (t: string) => {
    const hidden = new Set(filters.hiddenTypes);
    if (hidden.has(t)) hidden.delete(t);
    else hidden.add(t);
    onChange({ ...filters, hiddenTypes: hidden });
  };
  return (
    <div className="legend" role="group" aria-label="Graph filters and legend">
      <div className="legend-types" role="group" aria-label="Show node types">
        {NODE_TYPES.map((t) => {
          const on = !filters.hiddenTypes.has(t);
          return (
            <button
              key={t}
              type="button"
              className={`chip ${on ? "" : "chip-off"}`}
              aria-pressed={on}
              onClick={() => toggle(t)}
              title={on ? `Hide ${t} nodes` : `Show ${t} nodes`}
            >
              <span className="swatch" style={{ background: typeColour(t) }} aria-hidden="true" />
              {t} <span className="chip-count">{counts[t] ?? 0}</span>
            </button>
          );
        })}
      </div>
      <label className="division-filter">
        <span>Division</span>
        <select value={filters.division} onChange={(e) => onChange({ ...filters, division: e.target.value })}>
          <option value="">All divisions</option>
          {divisions.map((d) => (
            <option key={d} value={d}>{d}</option>
          ))}
        </select>
      </label>
      <div className="legend-health" aria-label="Ring colour shows health; fading and the bar show freshness">
        {Object.entries(HEALTH_COLOURS).map(([h, c]) => (
          <span key={h} className="legend-ring">
            <span className="ring" style={{ borderColor: c }} aria-hidden="true" />
            {h}
          </span>
        ))}
        <span className="legend-fresh"><span className="fresh-bar" aria-hidden="true" />freshness</span>
      </div>
    </div>
  );
}
