"""A Supabase-shaped database on the embedded test server.

Supabase is PostgreSQL with a few roles and grants that decide what its public API keys reach:
``anon`` and ``authenticated`` (what PostgREST and Realtime switch to for browser requests),
``service_role`` (server keys, bypasses RLS), ``authenticator`` (PostgREST's login role), and a
non-superuser ``postgres`` that owns the schema and runs migrations. pgvector lives in the
``extensions`` schema, which is on the search_path.

Default privileges come in two shapes: ``current`` — since 2026-10-30 new tables, sequences and
functions are granted to service_role only; ``legacy`` — older projects also grant them to anon
and authenticated. NEXUS must end up locked down in both.

There is no ``auth`` schema (no ``auth.jwt()``): NEXUS's policies read the JWT claims from
``request.jwt.claims`` directly, the setting PostgREST and Realtime fill and ``auth.jwt()`` reads,
so a test sets the claims the same way: ``SELECT set_config('request.jwt.claims', '{...}', true)``.

``make_supabase_database(shape)`` builds such a database, runs ``migrate`` and ``seed_nexus`` in a
subprocess as the owner role (as a deployment would), and returns its connection parameters.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass

import psycopg

from conftest import ROOT

OWNER = "nexus_supabase_owner"  # stands in for Supabase's (non-superuser) postgres role

ROLES_SQL = f"""
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'anon') THEN
    CREATE ROLE anon NOLOGIN NOINHERIT;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'authenticated') THEN
    CREATE ROLE authenticated NOLOGIN NOINHERIT;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'service_role') THEN
    CREATE ROLE service_role NOLOGIN NOINHERIT BYPASSRLS;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'authenticator') THEN
    CREATE ROLE authenticator LOGIN NOINHERIT;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{OWNER}') THEN
    CREATE ROLE {OWNER} LOGIN CREATEDB;
  END IF;
END
$$;
GRANT anon, authenticated, service_role TO authenticator;
GRANT anon, authenticated, service_role TO {OWNER};
"""


def _defaults_sql(shape: str) -> str:
    grantees = "service_role" if shape == "current" else "anon, authenticated, service_role"
    return f"""
CREATE SCHEMA IF NOT EXISTS extensions;
GRANT USAGE ON SCHEMA extensions TO anon, authenticated, service_role;
CREATE EXTENSION IF NOT EXISTS vector WITH SCHEMA extensions;
GRANT USAGE ON SCHEMA public TO anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES FOR ROLE {OWNER} IN SCHEMA public GRANT ALL ON TABLES TO {grantees};
ALTER DEFAULT PRIVILEGES FOR ROLE {OWNER} IN SCHEMA public GRANT ALL ON SEQUENCES TO {grantees};
ALTER DEFAULT PRIVILEGES FOR ROLE {OWNER} IN SCHEMA public GRANT ALL ON FUNCTIONS TO {grantees};
"""


@dataclass(frozen=True)
class SupabaseDatabase:
    shape: str
    name: str
    host: str
    migrate_output: str

    def connect(self, user: str = OWNER, **kwargs) -> psycopg.Connection:
        return psycopg.connect(dbname=self.name, user=user, host=self.host, **kwargs)

    def env(self, public_graph: bool = False) -> dict:
        """Environment for a manage.py subprocess on this database, as its owner."""
        return {
            **{k: v for k, v in os.environ.items() if k != "DATABASE_URL"},
            "DJANGO_SETTINGS_MODULE": "nexus_site.test_settings",
            "NEXUS_TEST_DATABASE_NAME": self.name,
            "NEXUS_TEST_DATABASE_USER": OWNER,
            "NEXUS_PUBLIC_GRAPH": "true" if public_graph else "false",  # never the ambient value
        }

    def manage(self, *args: str, public_graph: bool = False, timeout: float = 300) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env(public_graph),
            capture_output=True,
            text=True,
            timeout=timeout,
        )


def socket_dir() -> str:
    from django.conf import settings

    from nexus_site.embedded_backend.base import ensure_embedded_server

    return ensure_embedded_server(settings.DATABASES["default"]["NEXUS_HOME"])


def make_supabase_database(shape: str) -> SupabaseDatabase:
    host = socket_dir()
    name = f"supabase_shape_{shape}"
    with psycopg.connect(dbname="postgres", user="postgres", host=host, autocommit=True) as admin:
        admin.execute(ROLES_SQL)
        admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.execute(f"CREATE DATABASE {name} OWNER {OWNER}")
        admin.execute(f'ALTER DATABASE {name} SET search_path = "$user", public, extensions')
    with psycopg.connect(dbname=name, user="postgres", host=host, autocommit=True) as admin:
        admin.execute(_defaults_sql(shape))
    db = SupabaseDatabase(shape=shape, name=name, host=host, migrate_output="")
    migrated = db.manage("migrate", "--no-input")
    if migrated.returncode != 0:
        raise RuntimeError(f"migrate failed on the Supabase-shaped database:\n{migrated.stdout}\n{migrated.stderr}")
    seeded = db.manage("seed_nexus")
    if seeded.returncode != 0:
        raise RuntimeError(f"seed_nexus failed on the Supabase-shaped database:\n{seeded.stdout}\n{seeded.stderr}")
    return SupabaseDatabase(
        shape=shape, name=name, host=host, migrate_output=migrated.stdout + migrated.stderr + seeded.stdout
    )
