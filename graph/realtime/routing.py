"""Websocket routes: the Supabase Realtime-compatible endpoint (realtime-js appends /websocket)."""

from django.urls import re_path

from graph.realtime.consumers import RealtimeConsumer

websocket_urlpatterns = [
    re_path(r"^realtime/v1/websocket/?$", RealtimeConsumer.as_asgi()),
]
