from django.apps import AppConfig


class NexusSiteConfig(AppConfig):
    """The project itself: installed for its management commands (seed_nexus, ensure_admin)."""

    name = "nexus_site"
    verbose_name = "NEXUS"
