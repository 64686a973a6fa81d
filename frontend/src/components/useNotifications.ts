// Notifications of the chosen person, live: read once, then patched by realtime events; re-read
// after every reconnect (what happened while offline).
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useCallback, useEffect } from "react";
import { api, errorText } from "../api/client";
import { queryKeys } from "../api/query";
import type { ChangeEvent, Notification, NotificationPage } from "../api/types";
import { applyNotificationChange } from "../graph/reducer";

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
  const queryClient = useQueryClient();
  const list = useQuery({
    queryKey: queryKeys.notifications(personId ?? ""),
    queryFn: async () =>
      (await api<NotificationPage>(`/api/notifications?person_id=${encodeURIComponent(personId ?? "")}&limit=200`)).results,
    enabled: personId !== null,
  });

  useEffect(() => {
    if (reconnects > 0) void queryClient.invalidateQueries({ queryKey: ["notifications"] });
  }, [reconnects, queryClient]);

  useEffect(() => listen((ev) => {
    if (ev.table !== "notifications" || !personId) return;
    queryClient.setQueryData<Notification[]>(queryKeys.notifications(personId), (items) => items && applyNotificationChange(items, ev, personId));
  }), [listen, personId, queryClient]);

  const acknowledge = useCallback(async (id: number) => {
    const updated = await api<Notification>(`/api/notifications/${id}/ack`, { method: "POST" });
    queryClient.setQueryData<Notification[]>(queryKeys.notifications(personId ?? ""), (items) => items?.map((n) => (n.id === id ? updated : n)));
  }, [queryClient, personId]);

  return {
    items: personId ? list.data ?? [] : [],
    loading: list.isLoading,
    error: list.isError ? errorText(list.error) : null,
    acknowledge,
    reload: () => void list.refetch(),
  };
}
