// Notifications of the chosen person, live: loaded once, then patched by realtime events.
import { useCallback, useEffect, useState } from "react";
import { api, asList, errorText } from "../api";
import { applyNotificationChange } from "../graph/reducer";
import type { ChangeEvent, Notification } from "../types";

export interface NotificationsState {
  items: Notification[];
  loading: boolean;
  error: string | null;
  acknowledge: (id: number) => Promise<void>;
  reload: () => void;
}

export function useNotifications(
  personId: string | null, listen: (f: (e: ChangeEvent) => void) => () => void, reconnects: number,
): NotificationsState {
  const [items, setItems] = useState<Notification[]>([]);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [tick, setTick] = useState(0);

  useEffect(() => {
    if (!personId) {
      setItems([]);
      return;
    }
    let stop = false;
    setLoading(true);
    api<unknown>(`/api/notifications?person_id=${encodeURIComponent(personId)}&limit=200`)
      .then((body) => {
        if (stop) return;
        setItems(asList<Notification>(body, "notifications"));
        setError(null);
      })
      .catch((e) => !stop && setError(errorText(e)))
      .finally(() => !stop && setLoading(false));
    return () => {
      stop = true;
    };
  }, [personId, reconnects, tick]);

  useEffect(() => {
    const unsubscribe = listen((ev) => setItems((list) => applyNotificationChange(list, ev, personId)));
    return unsubscribe;
  }, [listen, personId]);

  const acknowledge = useCallback(async (id: number) => {
    const updated = await api<Notification>(`/api/notifications/${id}/ack`, { method: "POST" });
    setItems((list) => list.map((n) => (n.id === id ? { ...n, ...(updated ?? {}), acknowledged: true } : n)));
  }, []);

  return { items, loading, error, acknowledge, reload: () => setTick((t) => t + 1) };
}
