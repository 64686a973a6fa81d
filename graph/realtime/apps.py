from django.apps import AppConfig


class RealtimeConfig(AppConfig):
    """Realtime: the change log (written by triggers), the LISTEN bridge, the Supabase-compatible
    websocket and the resume API."""

    name = "graph.realtime"
    label = "realtime"
    verbose_name = "Realtime"

    def ready(self):
        from graph.realtime import registry

        # The graph's own tables; apps above graph register theirs (see registry).
        registry.register("nodes", app_label="graph")
        registry.register("edges", app_label="graph")
