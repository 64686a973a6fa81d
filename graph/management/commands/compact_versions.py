"""Compact node/edge versions older than the retention (settings.NEXUS_VERSION_RETENTION_DAYS)."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from graph.version_services import versions_compact


class Command(BaseCommand):
    help = (
        "Forget node and edge versions older than N days (default NEXUS_VERSION_RETENTION_DAYS; "
        "unset: keep everything). The graph as of any later moment is unchanged."
    )

    def add_arguments(self, parser):
        parser.add_argument("--days", type=float, default=None, help="keep this many days of history")

    def handle(self, *args, days, **options):
        days = settings.NEXUS_VERSION_RETENTION_DAYS if days is None else days
        if days is None:
            self.stdout.write("No retention set (NEXUS_VERSION_RETENTION_DAYS): every version is kept.")
            return
        if days < 0:
            raise CommandError("--days must be 0 or more.")
        result = versions_compact(older_than_days=days)
        self.stdout.write(
            f"History now starts at {result.horizon.isoformat()}: removed {result.deleted} "
            f"version(s), trimmed {result.trimmed} to start there."
        )
