from django.apps import AppConfig


class RealtimeConfig(AppConfig):
    """Realtime: the change log (written by triggers), the LISTEN bridge, the Supabase-compatible
    websocket and the resume API."""

    name = "graph.realtime"
    label = "realtime"
    verbose_name = "Realtime"
