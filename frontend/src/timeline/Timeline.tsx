// The timeline bar over the graph: a slider from the first recorded moment to now, a date/time
// input, the "Viewing …" state with "Back to live", and the way to "Changes since".
import { useState } from "react";
import { When } from "../components/When";
import { fromLocalInput, momentAt, positionOf, SLIDER_STEPS, toLocalInput } from "./logic";
import type { Timeline as TimelineState } from "./useTimeline";
import "./timeline.css";

export function Timeline({ timeline, onChanges }: { timeline: TimelineState; onChanges: () => void }) {
  const { asOf, span, end, loading, error, goTo, backToLive } = timeline;
  const start = span?.start ?? null;
  // What is typed stays until the moment shown (or now) moves on; then the input shows that.
  const shownValue = toLocalInput(asOf ?? end);
  const [typed, setTyped] = useState<{ over: string; text: string } | null>(null);
  const draft = typed && typed.over === shownValue ? typed.text : shownValue;
  const past = asOf !== null;

  return (
    <div className={past ? "timeline timeline-past" : "timeline"} role="group" aria-label="Time travel" data-testid="timeline"
      data-state={past ? "past" : "live"}>
      <input
        type="range" className="timeline-slider" aria-label="Time: drag back to see the graph as it was"
        min={0} max={SLIDER_STEPS} step={1} disabled={start === null}
        value={start === null ? SLIDER_STEPS : positionOf(asOf, start, end)}
        aria-valuetext={past ? `as of ${new Date(asOf).toLocaleString()}` : "now (live)"}
        onChange={(e) => {
          const position = Number(e.target.value);
          // the right end is now, however long ago the range was last drawn: live
          if (start !== null) goTo(position >= SLIDER_STEPS ? null : momentAt(position, start, end));
        }}
        data-testid="timeline-slider"
      />
      <label className="inline-field">
        <span className="sr-only">Date and time to view</span>
        <input
          type="datetime-local" aria-label="Date and time to view" step={60} value={draft}
          min={start !== null ? toLocalInput(start) : undefined} max={toLocalInput(end)}
          onChange={(e) => {
            setTyped({ over: shownValue, text: e.target.value });
            const t = fromLocalInput(e.target.value);
            if (t !== null) goTo(t);
          }}
          data-testid="timeline-input"
        />
      </label>
      {past ? (
        <span className="timeline-state" role="status" data-testid="timeline-viewing">
          Viewing <When value={new Date(asOf).toISOString()} /> · read-only{loading ? " · loading…" : ""}
        </span>
      ) : (
        <span className="timeline-state muted" data-testid="timeline-live">Live</span>
      )}
      {past && <button type="button" className="primary" onClick={backToLive} data-testid="back-to-live">Back to live</button>}
      <button type="button" onClick={onChanges} data-testid="open-changes">Changes since…</button>
      {error && <span className="state-error" role="alert">{error}</span>}
    </div>
  );
}
