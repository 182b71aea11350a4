"""Settings shared by every environment. Values come from the environment via one ``env``."""

import datetime
from pathlib import Path
from typing import Any

import environ
from django.utils.translation import gettext_lazy as _
from kombu import Queue

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False) if (BASE_DIR / ".env").exists() else None

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env("SECRET_KEY", default="")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[])

DJANGO_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
]
THIRD_PARTY_APPS = [
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    # Logins: throttle, second factor, Content-Security-Policy (settings in "Logins and hardening").
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "csp",
]
LOCAL_APPS = [
    "monusco.apps.MonuscoConfig",
    "monusco.accounts.apps.AccountsConfig",
    "gender.apps.GenderConfig",
    "cla.apps.ClaConfig",
    "can.apps.CanConfig",
    "jpt.apps.JptConfig",
]
INSTALLED_APPS = DJANGO_APPS + THIRD_PARTY_APPS + LOCAL_APPS

MIDDLEWARE = [
    "monusco.request_id.RequestIdMiddleware",
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.gzip.GZipMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "monusco.middleware.RejectNulMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "monusco.replica.ReplicaStickyMiddleware",
    "monusco.middleware.UserLanguageMiddleware",
    "monusco.middleware.AuditActorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Logins and hardening (see below): headers, session limits, the second step, the login throttle.
    "csp.middleware.CSPMiddleware",
    "monusco.security.PermissionsPolicyMiddleware",
    "monusco.accounts.middleware.SessionLimitsMiddleware",
    "monusco.accounts.middleware.SecondFactorMiddleware",
    "axes.middleware.AxesMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

ROOT_URLCONF = "monusco.urls"
WSGI_APPLICATION = "monusco.wsgi.application"
ASGI_APPLICATION = "monusco.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "monusco.field.context",
                "monusco.menus.context",
            ],
        },
    }
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = True
# Seconds a process keeps its database connection (0: one per request, the laptop's default;
# production keeps them 60 s, since a new PostgreSQL connection costs more than most requests).
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)


def with_replica(databases: dict) -> dict:
    """Add the read replica of ``DATABASE_REPLICA_URL``, if set (monusco/replica.py): never in a
    request's transaction, a short connect timeout, and the primary's database in the tests."""
    url = env("DATABASE_REPLICA_URL", default="")
    if url:
        replica = env.db_url_config(url)
        replica["ATOMIC_REQUESTS"] = False
        replica.setdefault("OPTIONS", {})["connect_timeout"] = env.int("REPLICA_CONNECT_TIMEOUT", default=2)
        replica["TEST"] = {"MIRROR": "default"}
        databases["replica"] = replica
    return databases


with_replica(DATABASES)
DATABASE_ROUTERS = ["monusco.replica.ReplicaRouter"]
# A replica further behind than this is not read from; its state is checked at most this often
# per process; a user who wrote reads from the primary for this long.
REPLICA_MAX_LAG_SECONDS = env.float("REPLICA_MAX_LAG_SECONDS", default=30)
REPLICA_CHECK_SECONDS = env.float("REPLICA_CHECK_SECONDS", default=5)
REPLICA_STICKY_SECONDS = env.int("REPLICA_STICKY_SECONDS", default=60)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "monusco.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Languages: French by default, Swahili and English.
LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("French")), ("sw", _("Swahili")), ("en", _("English"))]
# Our own formats where Django has none (Swahili: day/month/year).
FORMAT_MODULE_PATH = ["monusco.formats"]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "Africa/Lubumbashi"

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# Protected data. FIELD_ENCRYPTION_KEY is one Fernet key or several, comma separated (the first
# encrypts, all decrypt: rotation). FIELD_HASH_KEY keys the phone-number hash used for matching.
FIELD_ENCRYPTION_KEY = env.list("FIELD_ENCRYPTION_KEY", default=[])
FIELD_HASH_KEY = env("FIELD_HASH_KEY", default="")

# Cache: Redis when REDIS_URL is set, else local memory. The Redis cache fails open (monusco/cache.py):
# while Redis is down, reads miss, writes are dropped and throttles let requests through. Short socket
# timeouts, and a circuit breaker that skips Redis (cache and broker) for REDIS_BREAKER_SECONDS after
# a failure (monusco/breaker.py), keep an outage from slowing every request.
REDIS_URL = env("REDIS_URL", default="")
REDIS_BREAKER_SECONDS = env.float("REDIS_BREAKER_SECONDS", default=5.0)
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "monusco.cache.FailOpenRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": 0.25, "socket_timeout": 0.5},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Celery: Redis when CELERY_BROKER_URL is set; otherwise tasks run eagerly in-process.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="") or "memory://"
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=CELERY_BROKER_URL == "memory://")
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_ENABLE_UTC = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Celery closes the worker's database connection after every task unless this is set; the worker
# recycles connections itself, like a request, by CONN_MAX_AGE (monusco/celery.py).
CELERY_DB_REUSE_MAX = 10**9
# PostgreSQL parses and plans the SMS intake's statement once per connection (monusco/db.py).
# Turn off behind a proxy that pools connections per transaction (PgBouncer's transaction mode).
DB_PREPARED_STATEMENTS = env.bool("DB_PREPARED_STATEMENTS", default=True)


def behind_pooler(database: dict, prepared_statements: bool) -> dict:
    """The database settings for a connection through a transaction-mode pooler (prepared
    statements off): a cursor held across transactions (Django's server-side cursors, used by
    ``.iterator()``) would land on another server connection, so rows are read in one go."""
    if not prepared_statements and database["ENGINE"] == "django.db.backends.postgresql":
        database["DISABLE_SERVER_SIDE_CURSORS"] = True
    return database


behind_pooler(DATABASES["default"], DB_PREPARED_STATEMENTS)
# A burst of alerts queues a few notify tasks, each waiting this long for more alerts before
# notifying them in one batch (can.services.alert_notify).
CAN_COALESCE_NOTIFY_TASKS = env.bool("CAN_COALESCE_NOTIFY_TASKS", default=not CELERY_TASK_ALWAYS_EAGER)
CAN_NOTIFY_GATHER_SECONDS = env.float("CAN_NOTIFY_GATHER_SECONDS", default=0.25)
# A worker holds the SMS notifications it claims this long (renewed while a slow batch goes on);
# once it has passed, the sweep takes them back (can/services.py, "Claims are leases").
# Replies to the community (can.services.replies): off plans no receipt or status reply.
CAN_REPLIES_ENABLED = env.bool("CAN_REPLIES_ENABLED", default=True)
CAN_SMS_LEASE_SECONDS = env.float("CAN_SMS_LEASE_SECONDS", default=60)
# Staff notifications by SMS (SMS_BACKEND) never go faster than this, whatever the workers
# (can/throttle.py; each SmsChannel has its own rate for replies to the community).
SMS_OUTBOUND_PER_SECOND = env.int("SMS_OUTBOUND_PER_SECOND", default=10)
# Publishing must fail fast when the broker is down: the sweep re-queues later. Each queue keeps
# ten priority steps (Redis: 0 is served first), so inside one queue urgent work goes ahead.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
    "priority_steps": list(range(10)),
    "queue_order_strategy": "priority",
}
# Queues by urgency, the one place tasks are routed. Each queue has its own workers
# (docker-compose.yml, deploy/k8s/workers.yaml), so a flood of replies to the community never
# delays a duty officer's notification:
# - alerts: notifying, escalating, the sweep that re-queues lost work, the intake spool replay;
# - sms: outbound messages to the community (replies, opt-out confirmations);
# - partners: work for other tools (webhooks, exports);
# - default: anything else.
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_DEFAULT_PRIORITY = 6
_ALERTS = {"queue": "alerts", "priority": 0}
_SMS = {"queue": "sms", "priority": 3}
CELERY_TASK_ROUTES = {
    "can.tasks.notify_alert": _ALERTS,
    "can.tasks.send_notification": _ALERTS,
    "can.tasks.escalate_overdue_alerts": _ALERTS,
    "can.tasks.sweep_outstanding_notifications": _ALERTS,
    "can.tasks.replay_spool": _ALERTS,
    "can.tasks.send_reply": _SMS,
    "can.tasks.sweep_outstanding_replies": _SMS,
    "partners.*": {"queue": "partners", "priority": 9},
}
# A worker started without ``-Q`` consumes all of them (one machine, one worker).
CELERY_TASK_QUEUES = [Queue(name, routing_key=name) for name in ("alerts", "sms", "partners", "default")]
CELERY_BEAT_SCHEDULE: dict = {
    "can-escalate-overdue-alerts": {"task": "can.tasks.escalate_overdue_alerts", "schedule": 60.0},
    "can-sweep-outstanding-notifications": {"task": "can.tasks.sweep_outstanding_notifications", "schedule": 120.0},
    "can-replay-spool": {"task": "can.tasks.replay_spool", "schedule": 30.0},
    "monusco-purge-api-access-log": {"task": "monusco.tasks.purge_api_access_log", "schedule": 86400.0},
}
# How long each read of the API by a token client stays in the access log (monusco.tasks).
API_ACCESS_LOG_DAYS = env.int("API_ACCESS_LOG_DAYS", default=365)

# The intake spool (can/spool.py): SMS and missed calls kept, encrypted with FIELD_ENCRYPTION_KEY,
# while PostgreSQL cannot take them, and replayed by beat. Shared by every web process and the
# worker that runs beat's replay (a volume in compose and in deploy/k8s). In development, under
# the checkout (git-ignored). A message whose channel could not be checked is refused (503) once
# the disk has less free space than CAN_SPOOL_MIN_FREE_BYTES.
CAN_SPOOL_DIR = env("CAN_SPOOL_DIR", default=str(BASE_DIR / "var" / "intake-spool"))
CAN_SPOOL_MIN_FREE_BYTES = env.int("CAN_SPOOL_MIN_FREE_BYTES", default=64 * 1024 * 1024)

REST_FRAMEWORK = {
    # API clients send "Authorization: Token <key>"; browser sessions are scoped like the pages.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "monusco.api.auth.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["monusco.api.permissions.ResourcePermission"],
    "DEFAULT_FILTER_BACKENDS": [
        "monusco.api.filtering.ApiFilterBackend",
        "monusco.api.ordering.ApiOrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "monusco.api.pagination.ApiCursorPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_RENDERER_CLASSES": ["monusco.api.renderers.ApiJSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_THROTTLE_CLASSES": [
        "monusco.api.throttling.ApiClientRateThrottle",
        "monusco.api.throttling.SessionUserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {"anon": "60/minute", "user": "600/minute"},
    "EXCEPTION_HANDLER": "monusco.api.exceptions.api_exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "COERCE_DECIMAL_TO_STRING": False,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "MONUSCO field coordination API",
    "DESCRIPTION": (
        "Read-only by default; writes only where a client is explicitly granted them. "
        "Authenticate with `Authorization: Token <key>` (API clients) or a signed-in session. "
        "Records outside the caller's scope answer 404. Lists use cursor pagination (`page_size` up to 500). "
        "Formats: JSON, CSV with an HXL hashtag row (`?format=csv`), GeoJSON (`?format=geojson`) for "
        "localities, bases and alerts. Never exposes focal point identities, sender numbers, or "
        "sexual-violence detail to API clients: sexual-violence alerts, concerns and threats are left out "
        "of their lists and appear only in aggregate indicators, with small counts suppressed."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": "/api/v1/",
    "COMPONENT_SPLIT_REQUEST": True,
    # Choice labels are translated and would make the committed schema depend on the locale.
    "ENUM_GENERATE_CHOICE_DESCRIPTION": False,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "monusco.api.schema.strip_parameter_titles",
        "monusco.api.schema.document_errors",
        "monusco.api.schema.document_formats",
        "monusco.api.schema.forbid_nul_in_text",
    ],
}

# Demo accounts (never created under production settings).
DEMO_PASSWORD = env("DEMO_PASSWORD", default="monusco-demo")
DEMO_USERS_ALLOWED = False

# Outbound SMS backend: dotted path to a class with ``send(to, text)``.
SMS_BACKEND = env("SMS_BACKEND", default="can.sms.LogBackend")
SMS_HTTP_URL = env("SMS_HTTP_URL", default="")
SMS_HTTP_TOKEN = env("SMS_HTTP_TOKEN", default="")

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"

# /metrics (monusco/metrics.py): a scraper with this bearer token, or one calling from these
# networks directly (through no proxy). Empty token: the networks only.
METRICS_TOKEN = env("METRICS_TOKEN", default="")
METRICS_ALLOWED_NETWORKS = env.list("METRICS_ALLOWED_NETWORKS", default=["127.0.0.1/32", "::1/128"])

# Every line carries the request id (monusco/request_id.py) and has phone numbers masked; in
# production (LOG_FORMAT=json, its default there) each line is one JSON object.
LOG_FORMAT = env("LOG_FORMAT", default="plain")
LOGGING: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "redact": {"()": "monusco.logging.RedactPhoneNumbersFilter"},
        "request_id": {"()": "monusco.request_id.RequestIdFilter"},
    },
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s %(request_id)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT, "filters": ["request_id", "redact"]}
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}, "axes": {"level": "WARNING"}},
}

# --- Logins and hardening --------------------------------------------------------------------
# Passwords: 12 characters or more, not on the common list, not a common word or a place of the
# region with digits added ("Kinshasa2026").
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "monusco.accounts.passwords.WordWithDigitsValidator"},
]
# The login throttle (monusco/accounts/throttle.py): a username is locked after LOGIN_FAILURE_LIMIT
# wrong passwords, an address after LOGIN_IP_FAILURE_LIMIT, for LOGIN_COOLOFF_MINUTES.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "monusco.accounts.backends.AccountBackend",
]
LOGIN_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
LOGIN_IP_FAILURE_LIMIT = env.int("LOGIN_IP_FAILURE_LIMIT", default=20)
LOGIN_COOLOFF_MINUTES = env.int("LOGIN_COOLOFF_MINUTES", default=15)
# Proxies in front of the app that append to X-Forwarded-For; 0 = use the connection's address.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
AXES_HANDLER = "monusco.accounts.throttle.LoginThrottleHandler"
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_USERNAME_FORM_FIELD = "username"  # axes' default, said here for the throttle that reads it
AXES_FAILURE_LIMIT = LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = datetime.timedelta(minutes=LOGIN_COOLOFF_MINUTES)
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "monusco.accounts.throttle.lockout_response"
AXES_CLIENT_IP_CALLABLE = "monusco.accounts.throttle.client_ip"
AXES_VERBOSE = False
# Two factors (django-otp): TOTP codes and recovery codes; who needs them: monusco/accounts/policy.py.
OTP_TOTP_ISSUER = "MONUSCO field"
# Sessions: SESSION_LIFETIME_HOURS after signing in for everyone; for roles that require a second
# factor, also SESSION_IDLE_MINUTES without a request (monusco/accounts/middleware.py).
SESSION_LIFETIME_HOURS = env.int("SESSION_LIFETIME_HOURS", default=12)
SESSION_IDLE_MINUTES = env.int("SESSION_IDLE_MINUTES", default=30)
SESSION_COOKIE_AGE = SESSION_LIFETIME_HOURS * 3600
# Content-Security-Policy (django-csp 4): nothing inline, nothing from elsewhere.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}
# The map's background tiles (monusco/map_views.py), e.g. "https://tile.openstreetmap.org/{z}/{x}/{y}.png".
# Empty: no tiles; the map draws the app's own province and territory outlines. The tile host is
# added to the map page's img-src only.
MAP_TILE_URL = env("MAP_TILE_URL", default="")
MAP_TILE_ATTRIBUTION = env("MAP_TILE_ATTRIBUTION", default="")
# A PMTiles archive on the server's own storage (a regional extract): the map's background without
# the internet, read by the page in ranges from /map/background.pmtiles. Takes the place of
# MAP_TILE_URL when both are set.
MAP_PMTILES_FILE = env("MAP_PMTILES_FILE", default="")
# Browser features: geolocation for the app itself (CLAs may record positions), nothing else.
PERMISSIONS_POLICY = {
    "geolocation": ["self"],
    "camera": [],
    "microphone": [],
    "payment": [],
    "usb": [],
    "serial": [],
    "midi": [],
    "accelerometer": [],
    "gyroscope": [],
    "magnetometer": [],
    "display-capture": [],
    "screen-wake-lock": [],
    "xr-spatial-tracking": [],
}
# Error reports (the DEBUG page, error e-mails) hide protected values (monusco/security.py).
DEFAULT_EXCEPTION_REPORTER_FILTER = "monusco.security.ProtectedDataReporterFilter"
DEFAULT_EXCEPTION_REPORTER = "monusco.security.ProtectedDataExceptionReporter"
