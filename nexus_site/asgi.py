"""ASGI entry point: HTTP through Django, websockets through Channels (served by daphne)."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nexus_site.settings")
django_asgi_app = get_asgi_application()

from django.conf import settings  # noqa: E402

if settings.NEXUS_DATABASE_MODE == "fallback":
    from nexus_site.fallback import prepare_fallback_database

    prepare_fallback_database()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from graph import embedding_worker  # noqa: E402
from graph.realtime.access import origin_checked  # noqa: E402
from graph.realtime.routing import websocket_urlpatterns  # noqa: E402
from nexus_site.asgi_guard import HttpGuard  # noqa: E402

# Nodes written from outside the API (psql, Supabase, COPY) are embedded in the background.
embedding_worker.start()

application = ProtocolTypeRouter(
    {
        "http": HttpGuard(django_asgi_app),
        # Origin checked at the handshake; the session cookie read for each join's authentication.
        "websocket": origin_checked(AuthMiddlewareStack(URLRouter(websocket_urlpatterns))),
    }
)
