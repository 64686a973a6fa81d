"""Settings for the test suite: never the machine's DATABASE_URL, never the developer's data.

Tests run against their own embedded PostgreSQL in ``NEXUS_TEST_HOME`` (default ``.nexus/test``),
so a developer's database and any ambient configuration stay out of it.
"""

import os
from pathlib import Path

_base = Path(__file__).resolve().parent.parent
os.environ["NEXUS_HOME"] = os.environ.get("NEXUS_TEST_HOME", str(_base / ".nexus" / "test"))
# NEXUS_TEST_KEEP_SECRETS=1 (set by a test for a server it starts) keeps the fake secret values
# that test passed in, so it can check that none of them leaks.
_keep: tuple[str, ...] = ()
if os.environ.get("NEXUS_TEST_KEEP_SECRETS") == "1":
    _keep = ("OPENAI_API_KEY", "OPENAI_BASE_URL", "SUPABASE_URL", "SUPABASE_ANON_KEY", "SUPABASE_SERVICE_KEY")
for name in (
    "DATABASE_URL",
    "SECRET_KEY",
    "OPENAI_API_KEY",
    "SUPABASE_URL",
    "SUPABASE_ANON_KEY",
    "SUPABASE_SERVICE_KEY",
    "NEXUS_ENV",
    "DEBUG",
    "ALLOWED_HOSTS",
    "EMBEDDING_MODEL",
    "EMBEDDING_DIMENSIONS",
    "OPENAI_BASE_URL",
    "EMBEDDING_PROVIDER",
):
    if name not in _keep:
        os.environ.pop(name, None)
os.environ["NEXUS_IGNORE_DOTENV"] = "1"
# A test may hand its server an (unreachable) DATABASE_URL on purpose, to see fallback mode.
if os.environ.get("NEXUS_TEST_DATABASE_URL"):
    os.environ["DATABASE_URL"] = os.environ["NEXUS_TEST_DATABASE_URL"]

from nexus_site.settings import *  # noqa: E402,F403

# A server process started by the tests (see conftest.nexus_server) must use the test database.
if os.environ.get("NEXUS_TEST_DATABASE_NAME"):
    DATABASES["default"]["NAME"] = os.environ["NEXUS_TEST_DATABASE_NAME"]
    DATABASES["default"]["TEST"] = {"NAME": os.environ["NEXUS_TEST_DATABASE_NAME"]}
# A Supabase-shaped test database is migrated as a non-superuser owner, like Supabase's postgres role.
if os.environ.get("NEXUS_TEST_DATABASE_USER"):
    DATABASES["default"]["USER"] = os.environ["NEXUS_TEST_DATABASE_USER"]

# Offline, the suite embeds with the fast hash provider; tests of the local model ask for it, and a
# server a test starts gets NEXUS_TEST_EMBEDDING_PROVIDER.
EMBEDDING_OFFLINE_PROVIDER = "hash"
EMBEDDING_PROVIDER = os.environ.get("NEXUS_TEST_EMBEDDING_PROVIDER", "")
# The background embedder runs only in servers that a test starts for it (NEXUS_TEST_EMBEDDING_WORKER=1).
EMBEDDING_WORKER = os.environ.get("NEXUS_TEST_EMBEDDING_WORKER") == "1"

# Suites call Ask and Info Drop far faster than a person would; the throttle's own test sets low rates.
REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] = dict.fromkeys(REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "100000/min")
