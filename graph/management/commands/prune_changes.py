"""Delete realtime change-log rows older than REALTIME_RETENTION_HOURS (the bridge also does this)."""

from django.conf import settings
from django.core.management.base import BaseCommand

from graph.realtime.services import changes_prune


class Command(BaseCommand):
    help = "Delete realtime change-log rows older than the retention (default settings.REALTIME_RETENTION_HOURS)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--hours",
            type=float,
            default=None,
            help=f"retention in hours (default {settings.REALTIME_RETENTION_HOURS:g})",
        )

    def handle(self, *args, hours, **options):
        if hours is not None and hours < 0:
            self.stderr.write("--hours must be 0 or more.")
            raise SystemExit(2)
        deleted = changes_prune(retention_hours=hours)
        kept = settings.REALTIME_RETENTION_HOURS if hours is None else hours
        self.stdout.write(f"Pruned {deleted} realtime change(s) older than {kept:g} h (the newest is always kept).")
