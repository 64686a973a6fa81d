import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { ChangeEvent, RealtimeTable } from "../api/types";
import { watchTables, type Listen } from "./useTableChanges";

function bus() {
  const listeners = new Set<(e: ChangeEvent) => void>();
  const listen: Listen = (f) => {
    listeners.add(f);
    return () => listeners.delete(f);
  };
  const emit = (table: RealtimeTable) => {
    for (const f of listeners) f({ table, eventType: "UPDATE", new: {}, old: {}, cursor: 1, commit_timestamp: "" } as ChangeEvent);
  };
  return { listen, emit, size: () => listeners.size };
}

describe("watchTables", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("refetches once per burst of changes to its tables, and not for other tables", () => {
    const b = bus();
    const onChange = vi.fn();
    watchTables(b.listen, ["immune_alert_states", "immune_scans"], onChange, 100);
    b.emit("nodes");
    b.emit("notifications");
    vi.advanceTimersByTime(500);
    expect(onChange).not.toHaveBeenCalled();

    b.emit("immune_alert_states");
    b.emit("immune_alert_states");
    vi.advanceTimersByTime(50);
    b.emit("immune_scans");
    expect(onChange).not.toHaveBeenCalled(); // still coalescing
    vi.advanceTimersByTime(60);
    expect(onChange).toHaveBeenCalledTimes(1);

    b.emit("immune_scans"); // a later change is a new burst
    vi.advanceTimersByTime(100);
    expect(onChange).toHaveBeenCalledTimes(2);
  });

  it("stops listening and drops a pending refetch when stopped", () => {
    const b = bus();
    const onChange = vi.fn();
    const stop = watchTables(b.listen, ["task_graphs"], onChange, 100);
    expect(b.size()).toBe(1);
    b.emit("task_graphs");
    stop();
    vi.advanceTimersByTime(500);
    expect(onChange).not.toHaveBeenCalled();
    expect(b.size()).toBe(0);
  });
});
