"""check_supabase: print what Supabase's API roles reach; exit 1 if it is not what NEXUS expects.

Expected: ``authenticated`` (a signed-in Supabase Auth user) reads nodes and edges, the
notifications of the person in its JWT's ``app_metadata.nexus_person_id`` — every notification for
``nexus_role`` editor or admin — and, with any ``nexus_role``, the other realtime tables (alert
states, immune scans, task graphs). ``anon`` (the public anon key) reads nothing, or nodes and edges
when ``NEXUS_PUBLIC_GRAPH`` is on — never notifications. Neither writes anything or calls
``search_similar_nodes``.

* default: database side, on the Django connection — catalog grants, RLS, policies, the security
  advisor's findings, and a live probe as anon and authenticated inside a transaction that is
  rolled back;
* ``--remote``: through the project's REST API (PostgREST) with SUPABASE_ANON_KEY.
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from nexus_site.supabase import audit as supabase_audit
from nexus_site.supabase import remote as supabase_remote
from nexus_site.supabase import rls
from nexus_site.supabase.rls import public_graph_enabled


def _pairs(items) -> str:
    return ", ".join(items) if items else "—"


def _anon_rule(public_graph: bool) -> str:
    if public_graph:
        return "NEXUS_PUBLIC_GRAPH=true: the anon key may read nodes and edges, never notifications"
    return "NEXUS_PUBLIC_GRAPH=false: the anon key may read no NEXUS table"


class Command(BaseCommand):
    help = "Report what Supabase's API roles can reach (database side, or --remote via REST with the anon key)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--remote",
            action="store_true",
            help="probe the project's REST API with SUPABASE_ANON_KEY instead of the database",
        )
        parser.add_argument("--timeout", type=float, default=10.0, help="seconds per REST request (--remote)")

    def handle(self, *args, remote=False, timeout=10.0, **options):
        if remote:
            ok = self._remote(timeout)
        else:
            ok = self._database()
        if not ok:
            raise CommandError("Supabase's API roles reach more (or less) than NEXUS expects; see above.", returncode=1)

    # ── database side ──────────────────────────────────────────────────────
    def _database(self) -> bool:
        from django.db import connection

        report = supabase_audit.audit_database(connection)
        w = self.stdout.write
        w(
            f"Supabase exposure check — database {connection.settings_dict['NAME']!r} "
            "(catalog + live probe as anon and authenticated, rolled back)"
        )
        for note in report.notes:
            w(f"  note: {note}")
        if not report.roles_present:
            w(self.style.SUCCESS("OK: no Supabase roles here; nothing to expose."))
            return True
        w(f"  {_anon_rule(report.public_graph)}")
        for role in report.roles:
            reached = sorted(f"{privilege} {obj}" for (r, obj, privilege) in report.exposed if r == role)
            w(f"  {role} reaches: {_pairs(reached)}")
        for who, result in report.notifications.items():
            if isinstance(result, str):
                w(f"  notifications as authenticated, {who}: {result}")
                continue
            seen, expected = result
            verdict = "as expected" if seen == expected else "WRONG"
            w(
                f"  notifications as authenticated, {who}: sees {_pairs(sorted(seen))} "
                f"(expected {_pairs(sorted(expected))}) — {verdict}"
            )
        grouped: dict = {}
        for role, obj, privilege in report.unexpected:
            grouped.setdefault((obj, role), []).append(privilege)
        for (obj, role), privileges in sorted(grouped.items()):
            w(self.style.ERROR(f"  EXPOSED: {obj} — {role} has {', '.join(sorted(privileges))}"))
        for who, people in report.leaks:
            w(self.style.ERROR(f"  LEAK: authenticated as {who} reads notifications of {', '.join(people)}"))
        for role, table, _ in report.missing:
            w(
                self.style.WARNING(
                    f"  MISSING: {role} cannot read {table} — Supabase Realtime will deliver nothing for it"
                )
            )
        for who, people in report.blind:
            detail = people if isinstance(people, str) else f"does not see the notifications of {', '.join(people)}"
            w(self.style.WARNING(f"  MISSING: authenticated as {who} {detail} — Realtime will not deliver them"))
        if report.probe:
            denied = sum(1 for outcome in report.probe.values() if supabase_audit.is_denied(outcome))
            w(f"  live probe (rolled back): {denied} of {len(report.probe)} attempts denied")
        for table, name, roles, expression in report.policies:
            w(f"  policy {table}.{name} for {', '.join(roles)}: USING ({expression})")
        for lint, obj, detail in report.advisor:
            w(self.style.ERROR(f"  advisor {lint}: {obj} — {detail}"))
        if report.ok:
            anon = "reads nodes and edges only" if report.public_graph else "reaches no NEXUS table"
            w(
                self.style.SUCCESS(
                    f"OK: anon {anon}; authenticated reads nodes, edges and its own notifications "
                    f"(editor and admin: all), and with a NEXUS role {', '.join(rls.member_tables())}; "
                    "no writes, no search_similar_nodes."
                )
            )
        return report.ok

    # ── through Supabase's REST API ────────────────────────────────────────
    def _remote(self, timeout: float) -> bool:
        url, anon_key = settings.SUPABASE_URL, settings.SUPABASE_ANON_KEY
        if not url or not anon_key:
            raise CommandError("Supabase not configured: set SUPABASE_URL and SUPABASE_ANON_KEY for --remote.")
        public_graph = public_graph_enabled()
        report = supabase_remote.probe_project(
            url, anon_key, dimensions=settings.EMBEDDING_DIMENSIONS, timeout=timeout, public_graph=public_graph
        )
        w = self.stdout.write
        w(f"Supabase exposure check — {url.rstrip('/')}/rest/v1 with the anon key")
        if all(detail.startswith("no answer") for _, detail in report.results.values()):
            raise CommandError(f"Supabase at {url} did not answer; check SUPABASE_URL and the network.")
        w(f"  {_anon_rule(public_graph)}")
        reads = sorted(obj for (obj, action) in report.reachable if action == "read")
        w(f"  anon can read: {_pairs(reads)}")
        for obj, action in report.unexpected:
            verdict, detail = report.results[(obj, action)]
            label = "EXPOSED" if verdict == "allowed" else "NOT DENIED"
            w(self.style.ERROR(f"  {label}: {action} {obj} ({detail})"))
        for obj, action in report.missing:
            w(
                self.style.WARNING(
                    f"  MISSING: anon cannot {action} {obj} ({report.results[(obj, action)][1]}) — "
                    "Supabase Realtime will deliver nothing for it"
                )
            )
        denied = sum(1 for verdict, _ in report.results.values() if verdict == "denied")
        w(f"  {denied} of {len(report.results)} probes denied")
        if report.ok:
            anon = "reads nodes and edges and nothing else" if public_graph else "reaches no NEXUS table"
            w(self.style.SUCCESS(f"OK: the anon key {anon}; no writes, no search_similar_nodes."))
        return report.ok
