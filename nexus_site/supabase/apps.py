from django.apps import AppConfig, apps
from django.db.models.signals import post_migrate

from nexus_site.supabase.rls import lock_down_after_migrate


def _after_every_app(sender, **kwargs):
    """post_migrate goes to each app with models in turn; lock down once, after the last of them
    (this app has no models of its own to be the sender)."""
    last = [config for config in apps.get_app_configs() if config.models_module is not None][-1]
    if sender is last:
        lock_down_after_migrate(sender, **kwargs)


class SupabaseConfig(AppConfig):
    """Supabase integration: client, RLS lockdown after each migrate, audit, check_supabase, and the
    realtime publication (its migration)."""

    name = "nexus_site.supabase"
    label = "supabase"
    verbose_name = "NEXUS on Supabase"

    def ready(self):
        post_migrate.connect(_after_every_app, dispatch_uid="nexus_supabase_lockdown")
