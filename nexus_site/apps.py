from django.apps import AppConfig
from django.db.models.signals import post_migrate


class NexusSiteConfig(AppConfig):
    name = "nexus_site"
    verbose_name = "NEXUS"

    def ready(self):
        # On Supabase, lock every NEXUS table away from the public API keys after each migrate.
        from nexus_site.supabase_rls import lock_down_after_migrate

        post_migrate.connect(lock_down_after_migrate, sender=self, dispatch_uid="nexus_supabase_lockdown")
