"""Settings for Strategy Tracker, read from environment variables.

Two modes:
- development (DEBUG=true): SQLite and eager Celery by default, an insecure fixed
  secret key is allowed, demo data may be loaded. `make run` uses this mode.
- production (DEBUG unset or false): SECRET_KEY is required, HTTPS-only cookies and
  HSTS are on, and `manage.py check --deploy` has nothing to warn about.
"""

from __future__ import annotations

import os
from datetime import date, timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONCE
from django.core.exceptions import ImproperlyConfigured

from strategy_tracker.env import (
    env_bool,
    env_int,
    env_list,
    env_str,
    load_env_file,
    read_env_file,
)

BASE_DIR = Path(__file__).resolve().parent.parent
# A developer's checkout has a `.env` (written by make) that turns on development mode;
# the real environment always wins over it.
_ENV_FILE = Path(env_str("ENV_FILE", str(BASE_DIR / ".env")))
if (
    env_bool("DEBUG", False, environ=read_env_file(_ENV_FILE))
    and "DEBUG" not in os.environ
    and env_str("SECRET_KEY")
):
    # A host configured as the README's production section says (SECRET_KEY in the
    # environment, DEBUG never set) must not come up in development mode because a
    # developer's .env happens to lie in the checkout. Checked before the file is applied,
    # so a second import of these settings cannot slip through.
    raise ImproperlyConfigured(
        "DEBUG=true comes from the .env file while SECRET_KEY is set in the environment, as on "
        "a production host. Delete .env on a production host, or set DEBUG in the environment "
        "if you really mean development mode."
    )
load_env_file(_ENV_FILE)

DEBUG = env_bool("DEBUG", False)

_DEV_SECRET_KEY = "django-insecure-development-only-key-never-use-in-production"  # noqa: S105
SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Production mode (DEBUG unset or false) refuses to start "
            "without one; set SECRET_KEY, or DEBUG=true for local development."
        )
    SECRET_KEY = _DEV_SECRET_KEY

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

# Demo data (and its demo/demo login) exists only for local development.
DEMO_DATA_ALLOWED = DEBUG

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_celery_beat",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "teams",
    "metrics",
    "goals",
    "listening",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Static files (Plotly's 4.8 MB among them) straight from the WSGI server, compressed
    # (gzip and Brotli) and with far-future cache headers for the hashed names; before
    # everything else, so a static request costs no session or database work.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes asks: it turns a locked-out sign-in into the lockout response.
    "axes.middleware.AxesMiddleware",
]

# Sign-in throttling (django-axes) for every password sign-in: the admin's and the app's.
# After LOGIN_FAILURE_LIMIT failures for a user name, or from an address, that user name or
# address is refused for LOGIN_COOLOFF_MINUTES (even with the right password); a success
# resets the count. Failed API token authentication has its own limit (teams.authentication).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_COOLOFF_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False  # no banner on every command; lockouts are still logged
AXES_LOCKOUT_TEMPLATE = "locked_out.html"
API_AUTH_FAILURES_PER_HOUR = env_int("API_AUTH_FAILURES_PER_HOUR", 20, minimum=1)

# Content-Security-Policy (django-csp): only this site's own scripts, styles, images and
# fonts; Plotly draws with inline styles and data: images, hence those two allowances.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'", NONCE],  # inline scripts carry the response's nonce
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

ROOT_URLCONF = "strategy_tracker.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
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

WSGI_APPLICATION = "strategy_tracker.wsgi.application"

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 0, minimum=0),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the dev server read while an import writes; a busy timeout instead
    # of instant "database is locked" errors.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "timeout": 20,
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# The site's own style sheet and icon (static/site/); Plotly's JavaScript comes from the
# installed plotly package (nothing from the internet), the bundle alone.
STATICFILES_DIRS = [BASE_DIR / "static"]
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
    "strategy_tracker.staticfinders.PlotlyFinder",
]
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
# Production serves what `collectstatic` wrote: names carry a hash of the content (so they
# may be cached for a year) next to .gz and .br copies that WhiteNoise picks by the request's
# Accept-Encoding. Development and the tests serve the source files as they are, so they
# need no collectstatic run.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
# Decided here from the environment, not from settings.DEBUG at the middleware's start
# (test runners turn that off): development finds files in place and sees edits at once;
# production serves STATIC_ROOT, indexed once at start-up.
WHITENOISE_AUTOREFRESH = DEBUG
WHITENOISE_USE_FINDERS = DEBUG
# Pages link the hashed names only ({% static %} reads the manifest), so the unhashed copies
# are dropped: half the compression work at collectstatic and half the disk.
WHITENOISE_KEEP_ONLY_HASHED_FILES = True
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "media")))

# --- Sign-in -------------------------------------------------------------------------
# The app's own pages (django.contrib.auth's views, templates/registration/) for every member,
# staff or not; the admin keeps its login for those who go there directly.
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "goals:dashboard"
LOGOUT_REDIRECT_URL = "login"
# How long an invitation link works (teams.services.invitation_create).
INVITATION_DAYS = env_int("INVITATION_DAYS", 7, minimum=1)
# Single sign-on is not built in. To add it, keep these views as the fallback and either
#   - django-allauth (allauth.socialaccount with a provider such as "openid_connect"): add
#     "allauth", "allauth.account", "allauth.socialaccount" and the provider to INSTALLED_APPS,
#     "allauth.account.middleware.AccountMiddleware" to MIDDLEWARE (before AxesMiddleware),
#     "allauth.account.auth_backends.AuthenticationBackend" after axes' backend in
#     AUTHENTICATION_BACKENDS, and path("accounts/", include("allauth.urls")) after ours; or
#   - mozilla-django-oidc: add "mozilla_django_oidc" to INSTALLED_APPS, a subclass of
#     mozilla_django_oidc.auth.OIDCAuthenticationBackend to AUTHENTICATION_BACKENDS (after axes'),
#     OIDC_RP_CLIENT_ID / OIDC_RP_CLIENT_SECRET / OIDC_OP_*_ENDPOINT from env_str(), and
#     path("oidc/", include("mozilla_django_oidc.urls")).
# Either way a signed-in user only sees a team's rows once a Membership exists (an invitation
# accepted, or an owner adding them): sign-on proves who someone is, teams.access decides what
# they see. See README "Signing in".

# --- Security (production) -------------------------------------------------------
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
    if env_bool("USE_X_FORWARDED_PROTO", False):
        # Behind a TLS-terminating proxy that sets X-Forwarded-Proto.
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# --- Celery ----------------------------------------------------------------------
# Without a broker, tasks run eagerly in the calling process: `make run` needs no Redis.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
if not CELERY_BROKER_URL:
    CELERY_BROKER_URL = "memory://"
CELERY_RESULT_BACKEND = env_str("CELERY_RESULT_BACKEND") or None
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 30 * 60, minimum=1)
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 25 * 60, minimum=1)
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
if CELERY_TASK_SOFT_TIME_LIMIT >= CELERY_TASK_TIME_LIMIT:
    raise ImproperlyConfigured(
        "CELERY_TASK_SOFT_TIME_LIMIT must be below CELERY_TASK_TIME_LIMIT, so a task can "
        "clean up before it is killed."
    )
# A message a worker took but did not acknowledge (the whole worker was killed) goes back
# to the queue after this long. Redis's default is an hour; it must exceed the time limit,
# or a task still running legitimately would be handed to a second worker.
CELERY_BROKER_VISIBILITY_TIMEOUT = env_int(
    "CELERY_BROKER_VISIBILITY_TIMEOUT", CELERY_TASK_TIME_LIMIT + 5 * 60, minimum=1
)
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": CELERY_BROKER_VISIBILITY_TIMEOUT}
if CELERY_BROKER_VISIBILITY_TIMEOUT <= CELERY_TASK_TIME_LIMIT:
    raise ImproperlyConfigured(
        "CELERY_BROKER_VISIBILITY_TIMEOUT must be above CELERY_TASK_TIME_LIMIT, so a task "
        "still running is never delivered to a second worker."
    )

# --- Long jobs (imports, summaries, connector syncs): heartbeat and reaper ------------
# A running job writes a heartbeat at most this often (seconds) as it reports progress.
JOB_HEARTBEAT_SECONDS = env_int("JOB_HEARTBEAT_SECONDS", 10, minimum=1)
# A running job whose heartbeat is older than this is presumed dead (its worker was
# killed): the reaper (every minute) retries or fails it, and another delivery may claim it.
JOB_STALE_SECONDS = env_int("JOB_STALE_SECONDS", 5 * 60, minimum=1)
# How many times a job whose worker died is tried before it is failed for good (a file
# that runs the worker out of memory would otherwise be retried forever).
JOB_MAX_ATTEMPTS = env_int("JOB_MAX_ATTEMPTS", 3, minimum=1)
if JOB_STALE_SECONDS < 3 * JOB_HEARTBEAT_SECONDS:
    raise ImproperlyConfigured(
        "JOB_STALE_SECONDS must be at least three heartbeats (3 × JOB_HEARTBEAT_SECONDS), "
        "so a slow but live job is not taken for a dead one."
    )

# --- REST API ------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "teams.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PARSER_CLASSES": [
        "strategy_tracker.api_parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_FILTER_BACKENDS": [
        "teams.filters.TeamScopedFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": env_int("API_PAGE_SIZE", 50, minimum=1),
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env_str("API_THROTTLE_ANON", "60/hour"),
        "user": env_str("API_THROTTLE_USER", "5000/hour"),
    },
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Strategy Tracker API",
    "DESCRIPTION": "Strategy plans, key results, imports, observations and progress, per team.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # The description of the API is public; the data behind it is not.
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SWAGGER_UI_DIST": "SIDECAR",  # served from the installed package, not a CDN
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Choice sets shared by several fields get one name each in the schema.
    "ENUM_NAME_OVERRIDES": {
        "PostKindEnum": "metrics.ingest.records.PostKind.choices",
        "SnapshotKindEnum": "metrics.models.SnapshotKind",
    },
}

# --- Imports -----------------------------------------------------------------------
# The days any source may write (metrics/ingest/bounds.py): from INGEST_FIRST_DAY to
# INGEST_DAYS_AHEAD after today.
try:
    INGEST_FIRST_DAY = date.fromisoformat(env_str("INGEST_FIRST_DAY", "2000-01-01"))
except ValueError:
    raise ImproperlyConfigured("INGEST_FIRST_DAY is not a date such as 2000-01-01.") from None
INGEST_DAYS_AHEAD = env_int("INGEST_DAYS_AHEAD", 366, minimum=0)
IMPORT_MAX_UPLOAD_BYTES = env_int("IMPORT_MAX_UPLOAD_MB", 50, minimum=1) * 1024 * 1024
IMPORT_MAX_UNCOMPRESSED_BYTES = env_int("IMPORT_MAX_UNCOMPRESSED_MB", 500, minimum=1) * 1024 * 1024

# Platform API connectors. Credentials are encrypted with the first of these Fernet keys
# (urlsafe base64, 32 bytes); older keys listed after it still decrypt, for rotation.
CONNECTOR_CREDENTIALS_KEYS = env_list("CONNECTOR_CREDENTIALS_KEYS", [])
# Let connectors reach private and loopback addresses (a local Mastodon, the tests'
# server). Off in production: a base URL is typed in by team members.
CONNECTOR_ALLOW_PRIVATE_NETWORKS = env_bool("CONNECTOR_ALLOW_PRIVATE_NETWORKS", DEBUG)
# How far back a connector's first sync reaches.
CONNECTOR_FIRST_SYNC_DAYS = env_int("CONNECTOR_FIRST_SYNC_DAYS", 90, minimum=1)
# A mention not answered within this many hours counts as unanswered in the response rate.
MENTION_ANSWER_WITHIN_HOURS = env_int("MENTION_ANSWER_WITHIN_HOURS", 72, minimum=1)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024  # form fields; files stream to disk

# --- Quarterly summaries -------------------------------------------------------------
# Summaries a team may ask for in an hour (page and API; a PDF costs the worker seconds).
# The export_summary command and the quarterly schedule are not counted against it.
SUMMARY_REQUESTS_PER_HOUR = env_int("SUMMARY_REQUESTS_PER_HOUR", 10, minimum=1)

# --- Cache (import progress is shared between the worker and the web process) ------
_CACHE_URL = env_str("CACHE_URL")
if _CACHE_URL.startswith(("redis://", "rediss://")):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": _CACHE_URL,
        }
    }
elif _CACHE_URL:
    raise ImproperlyConfigured(f"CACHE_URL={_CACHE_URL!r}: only redis:// URLs are supported.")
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- E-mail (scheduled quarterly summaries go to each team's owners) -----------------
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Strategy Tracker <tracker@localhost>")

# --- Alerts and the weekly digest (goals/alerts, goals/digest; README "Alerts and digest") --
# The address links in e-mails and webhook messages start with (no trailing slash).
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
if not SITE_URL.startswith(("http://", "https://")):
    raise ImproperlyConfigured(f"SITE_URL={SITE_URL!r}: give an http:// or https:// address.")
# A delivering worker holds a message this long; one killed mid-send frees it after it.
ALERT_DELIVERY_LEASE_SECONDS = env_int("ALERT_DELIVERY_LEASE_SECONDS", 120, minimum=1)
ALERT_DELIVERY_MAX_ATTEMPTS = env_int("ALERT_DELIVERY_MAX_ATTEMPTS", 5, minimum=1)
ALERT_RETRY_BASE_SECONDS = env_int("ALERT_RETRY_BASE_SECONDS", 60, minimum=0)
ALERT_WEBHOOK_TIMEOUT_SECONDS = env_int("ALERT_WEBHOOK_TIMEOUT_SECONDS", 10, minimum=1)
if ALERT_DELIVERY_LEASE_SECONDS <= ALERT_WEBHOOK_TIMEOUT_SECONDS * 4:
    raise ImproperlyConfigured(
        "ALERT_DELIVERY_LEASE_SECONDS must be above 4 × ALERT_WEBHOOK_TIMEOUT_SECONDS (a send "
        "with redirects), so a live worker's message is never taken from it."
    )

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO").upper()},
    "loggers": {
        # WeasyPrint narrates every PDF step at INFO.
        "weasyprint.progress": {"level": "WARNING"},
        # httpx logs each request's full URL at INFO, query string included, where an API
        # key may travel (YouTube's `key`, Meta's paging links).
        "httpx": {"level": "WARNING"},
        "httpcore": {"level": "WARNING"},
    },
}
