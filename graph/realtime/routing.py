"""Websocket routes (filled in by the realtime feature)."""
websocket_urlpatterns = []
