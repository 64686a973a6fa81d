"""check_supabase: print what Supabase's public anon key can reach; exit 1 if anything unexpected.

Expected: anon (and authenticated) may read nodes, edges and notifications — what Realtime needs —
and nothing else: no other table, no write anywhere, no ``search_similar_nodes``.

* default: database side, on the Django connection — catalog grants, RLS, policies, the security
  advisor's findings, and a live probe as role anon inside a transaction that is rolled back;
* ``--remote``: through the project's REST API (PostgREST) with SUPABASE_ANON_KEY.
"""
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from nexus_site import supabase_audit, supabase_remote


def _pairs(items) -> str:
    return ", ".join(items) if items else "—"


class Command(BaseCommand):
    help = "Report what Supabase's public anon key can reach (database side, or --remote via REST)."

    def add_arguments(self, parser):
        parser.add_argument("--remote", action="store_true",
                            help="probe the project's REST API with SUPABASE_ANON_KEY instead of the database")
        parser.add_argument("--timeout", type=float, default=10.0, help="seconds per REST request (--remote)")

    def handle(self, *args, remote=False, timeout=10.0, **options):
        if remote:
            ok = self._remote(timeout)
        else:
            ok = self._database()
        if not ok:
            raise CommandError("The public anon key reaches more (or less) than NEXUS expects; see above.",
                               returncode=1)

    # ── database side ──────────────────────────────────────────────────────
    def _database(self) -> bool:
        from django.db import connection

        report = supabase_audit.audit_database(connection)
        w = self.stdout.write
        w(f"Supabase exposure check — database {connection.settings_dict['NAME']!r} (catalog + live probe as anon, rolled back)")
        for note in report.notes:
            w(f"  note: {note}")
        if not report.roles_present:
            w(self.style.SUCCESS("OK: no Supabase roles here; nothing to expose."))
            return True
        expected = sorted({t for (_, t, _) in report.exposed & supabase_audit.EXPECTED})
        w(f"  anon/authenticated can read (expected): {_pairs(expected)}")
        grouped: dict = {}
        for role, obj, privilege in report.unexpected:
            grouped.setdefault((obj, role), []).append(privilege)
        for (obj, role), privileges in sorted(grouped.items()):
            w(self.style.ERROR(f"  EXPOSED: {obj} — {role} has {', '.join(sorted(privileges))}"))
        for role, table, _ in report.missing:
            w(self.style.WARNING(f"  MISSING: {role} cannot read {table} — Supabase Realtime will deliver nothing for it"))
        if report.probe:
            allowed = sorted(f"{action} {obj}" for (obj, action), outcome in report.probe.items()
                             if not supabase_audit.is_denied(outcome))
            denied = sum(1 for outcome in report.probe.values() if supabase_audit.is_denied(outcome))
            w(f"  live probe as anon (rolled back): {denied} of {len(report.probe)} attempts denied; "
              f"allowed: {_pairs(allowed)}")
        for lint, obj, detail in report.advisor:
            w(self.style.ERROR(f"  advisor {lint}: {obj} — {detail}"))
        if report.ok:
            w(self.style.SUCCESS("OK: the anon key reads nodes, edges, notifications and nothing else; no writes, "
                                 "no search_similar_nodes."))
        return report.ok

    # ── through Supabase's REST API ────────────────────────────────────────
    def _remote(self, timeout: float) -> bool:
        url, anon_key = settings.SUPABASE_URL, settings.SUPABASE_ANON_KEY
        if not url or not anon_key:
            raise CommandError("Supabase not configured: set SUPABASE_URL and SUPABASE_ANON_KEY for --remote.")
        report = supabase_remote.probe_project(url, anon_key, dimensions=settings.EMBEDDING_DIMENSIONS,
                                               timeout=timeout)
        w = self.stdout.write
        w(f"Supabase exposure check — {url.rstrip('/')}/rest/v1 with the anon key")
        if all(detail.startswith("no answer") for _, detail in report.results.values()):
            raise CommandError(f"Supabase at {url} did not answer; check SUPABASE_URL and the network.")
        reads = sorted(obj for (obj, action) in report.reachable if action == "read" and
                       (obj, action) in supabase_remote.EXPECTED)
        w(f"  anon can read (expected): {_pairs(reads)}")
        for obj, action in report.unexpected:
            verdict, detail = report.results[(obj, action)]
            label = "EXPOSED" if verdict == "allowed" else "NOT DENIED"
            w(self.style.ERROR(f"  {label}: {action} {obj} ({detail})"))
        for obj, action in report.missing:
            w(self.style.WARNING(f"  MISSING: anon cannot {action} {obj} ({report.results[(obj, action)][1]}) — "
                                 "Supabase Realtime will deliver nothing for it"))
        denied = sum(1 for verdict, _ in report.results.values() if verdict == "denied")
        w(f"  {denied} of {len(report.results)} probes denied")
        if report.ok:
            w(self.style.SUCCESS("OK: the anon key reads nodes, edges, notifications and nothing else; no writes, "
                                 "no search_similar_nodes."))
        return report.ok
