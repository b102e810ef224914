"""Settings shared by every environment, read from the environment with django-environ.

With no DATABASE_URL or REDIS_URL the service runs embedded: SQLite, an in-memory Celery broker
and channel layer, and worker and beat inside the web process (see `manage.py serve`).
"""

from pathlib import Path

import environ
from kombu import Queue

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

# A variable may be given as a file instead: `SECRET_KEY_FILE=/run/secrets/key` (Docker/K8s secrets).
env = environ.FileAwareEnv()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

SECRET_KEY = env("SECRET_KEY", default="insecure-embedded-default-change-me")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "channels",
    "django_celery_beat",
    "django_htmx",
    "csp",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "config",
    "accounts",
    "billing",
    "market",
    "signals",
    "watchlists",
    "alerts",
    "portfolios",
    "backtests",
    "news",
    "status",
    "vault",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "config.csp.FeedOriginCSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "accounts.middleware.TenantMiddleware",
    "accounts.middleware.MemberTimeZoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "api.throttling.RateLimitHeadersMiddleware",
]

ROOT_URLCONF = "config.urls"
ASGI_APPLICATION = "config.asgi.application"
WSGI_APPLICATION = "config.wsgi.application"

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
                "accounts.context_processors.tenant",
                "billing.context_processors.entitlements",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
VAR_DIR.mkdir(exist_ok=True)
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'beacon.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Web, worker and beat share the file in embedded mode: WAL lets readers run beside the
    # writer, IMMEDIATE transactions avoid lock-upgrade deadlocks, the timeout waits instead of
    # failing with "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
else:
    # PostgreSQL: each process keeps a pool of connections that requests and tasks borrow and give back
    # (psycopg_pool, Django's "pool" option). Persistent connections (CONN_MAX_AGE) stay with the
    # thread that opened them, and under daphne a request's sync code runs in a thread of its own:
    # PostgreSQL ran out of connections ("too many clients") at 16 concurrent clients. Processes times
    # DATABASE_POOL_MAX_SIZE must stay under the server's max_connections. DATABASE_POOL_MAX_SIZE=0
    # turns the pool off (e.g. behind PgBouncer), with a connection per request unless CONN_MAX_AGE.
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    DATABASE_POOL_MAX_SIZE = env.int("DATABASE_POOL_MAX_SIZE", default=10)
    if DATABASE_POOL_MAX_SIZE > 0:
        DATABASES["default"]["CONN_MAX_AGE"] = 0  # the pool keeps the connections
        DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
            "min_size": min(env.int("DATABASE_POOL_MIN_SIZE", default=2), DATABASE_POOL_MAX_SIZE),
            "max_size": DATABASE_POOL_MAX_SIZE,
            "timeout": env.float("DATABASE_POOL_TIMEOUT", default=10.0),  # seconds to wait for a free one
        }
    else:
        DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache, broker, channel layer -------------------------------------------------------------
REDIS_URL = env("REDIS_URL", default="")
EMBEDDED = not REDIS_URL

if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
    # redis-py 8 reads with a 5 s socket timeout by default, the length of channels-redis's blocking pop
    # (brpop_timeout): a receive on a quiet channel raced it and failed with TimeoutError (redis-py
    # #4091). The read waits longer than the pop, and a Redis that stopped answering is still noticed.
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [{"address": REDIS_URL, "socket_timeout": 15, "socket_connect_timeout": 5}]},
        }
    }
    CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL)
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="memory://")

# --- Celery ---------------------------------------------------------------------------------
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Redis broker: a task taken by a worker that died before acknowledging it (acks_late) goes back to its
# queue once it was taken this long ago. Keep it above the longest task's run time, or a task still
# running is given to a second worker (each task's claim makes that second run a no-op, but it waits).
# Workers look for such tasks every CELERY_UNACKED_RESTORE_SECONDS.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT_SECONDS", default=3600),
    "unacked_restore_interval": env.int("CELERY_UNACKED_RESTORE_SECONDS", default=10),
    "unacked_restore_throttle": 1,
}
CELERY_TASK_DEFAULT_QUEUE = "default"
# The one list of queues: the Celery app consumes these, workers take them with --queues.
CELERY_TASK_QUEUES = tuple(Queue(name) for name in ("default", "ingest", "engine", "alerts", "backtests",
                                                       "portfolios"))
# `engine` is the live path (a bar closing to its signal): batch work of the engine, such as model
# retraining, goes to `default`, so the engine's own worker never waits behind it.
CELERY_TASK_ROUTES = {
    "signals.tasks.model_retrain": {"queue": "default"},
    "market.tasks.*": {"queue": "ingest"},
    "news.tasks.*": {"queue": "ingest"},
    "signals.tasks.*": {"queue": "engine"},
    "alerts.tasks.*": {"queue": "alerts"},
    "portfolios.tasks.*": {"queue": "portfolios"},
    "backtests.tasks.*": {"queue": "backtests"},
}
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TIMEZONE = "UTC"
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
BEAT_HEARTBEAT_SECONDS = 15

# --- Auth -----------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "landing"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
OTP_TOTP_ISSUER = "Beacon"
INVITATION_TTL_DAYS = 7
RATELIMIT_VIEW = "accounts.views.pages.ratelimited"
# Behind a proxy or load balancer, the META key that carries the client's address (set only when
# the proxy overwrites it, e.g. HTTP_X_FORWARDED_FOR); rate limits and the audit log read it.
CLIENT_IP_HEADER = env("CLIENT_IP_HEADER", default="")

# --- Vault (docs/vault.md) --------------------------------------------------------------------
# Master keys that wrap each tenant's data key, newest first: `<id>:<base64 of 32 random bytes>,...`
# (`manage.py vault_master_key_new <id>` prints one). Older ones stay listed, for reading only, until
# `manage.py vault_rotate` has re-wrapped every data key under the newest. Empty (development and tests
# only): a key derived from SECRET_KEY is used; production settings refuse to start without real ones.
VAULT_MASTER_KEYS = env.list("VAULT_MASTER_KEYS", default=[])

# --- Email ----------------------------------------------------------------------------------
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Beacon <no-reply@beacon.local>")

# --- Stripe ---------------------------------------------------------------------------------
STRIPE_SECRET_KEY = env("STRIPE_SECRET_KEY", default="")
STRIPE_PUBLISHABLE_KEY = env("STRIPE_PUBLISHABLE_KEY", default="")
STRIPE_WEBHOOK_SECRET = env("STRIPE_WEBHOOK_SECRET", default="")
STRIPE_API_BASE = env("STRIPE_API_BASE", default="")  # a local Stripe-compatible server in tests

# --- Web push -------------------------------------------------------------------------------
VAPID_PUBLIC_KEY = env("VAPID_PUBLIC_KEY", default="")
VAPID_PRIVATE_KEY = env("VAPID_PRIVATE_KEY", default="")

# --- REST API -------------------------------------------------------------------------------
REST_FRAMEWORK = {
    # The conventions live in api/: a key first, so a key that comes with a session cookie wins.
    "DEFAULT_AUTHENTICATION_CLASSES": ["api.authentication.ApiKeyAuthentication",
                                       "api.authentication.TenantSessionAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated",
                                   "api.permissions.ApiKeyScopePermits"],
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.PlanRateThrottle"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "api.errors.api_exception_handler",
    "DEFAULT_PAGINATION_CLASS": "api.pagination.CursorPagination",
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Beacon API",
    "DESCRIPTION": "Trading signals, track record and ledger for crypto, forex and stocks.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "api.schema.error_responses"],
    # One name for each choice set that several endpoints share.
    "ENUM_NAME_OVERRIDES": {
        "AssetClassEnum": "market.models.AssetClass",
        "DirectionEnum": "signals.models.Direction",
        "SignalStatusEnum": [("open", "open"), ("closed", "closed")],
        "RecordScopePlanEnum": [("plan", "plan")],
        "RecordScopeAllEnum": [("all", "all")],
    },
    # The docs page's JavaScript is served from our static files, not a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# --- Content-Security-Policy (config/csp.py adds the live feed's ws:// or wss:// origin) ------------
# Enforced, not report-only: no inline <script>, no style="" or on*="" attribute, no eval (htmx runs with
# allowEval false). Page code lives in static/js, styles in static/css, values in data-* attributes.
# The one inline style is the <style> element lightweight-charts adds for its attribution logo, allowed
# by its hash (tests/security/test_csp_policy.py recomputes it from the vendored file).
LIGHTWEIGHT_CHARTS_ATTRIBUTION_STYLE_HASH = "'sha256-3pRED1tOXas1FXFoPb9TGCjmYe9XQsmO9OV23khV2nY='"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", LIGHTWEIGHT_CHARTS_ATTRIBUTION_STYLE_HASH],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        # A form may lead to Stripe: Checkout and the Portal answer a POST here with a redirect there,
        # and browsers hold that redirect to form-action.
        "form-action": ["'self'", "https://checkout.stripe.com", "https://billing.stripe.com"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    },
}

# --- i18n, static ---------------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
MEDIA_ROOT = VAR_DIR / "media"

# --- Logging: secrets are redacted from every record ----------------------------------------
LOG_LEVEL = env("LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact_secrets": {"()": "config.logging.RedactSecretsFilter"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["redact_secrets"]},
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        "daphne": {"level": "WARNING"},
        "celery": {"level": "INFO"},
    },
}

# --- billing --------------------------------------------------------------------------------
BILLING_GRACE_DAYS = env.int("BILLING_GRACE_DAYS", default=7)

# --- paper portfolios ----------------------------------------------------------------------
# Forex swap (overnight financing) of paper positions, per symbol: (long, short) in pips per unit per
# night, signed (negative is paid), charged at 17:00 New York, Wednesdays x3. None given: no swap.
PAPER_SWAP_PIPS: dict[str, tuple[float, float]] = {}

# --- market ---------------------------------------------------------------------------------
MARKET_SPIKE_ATR_MULTIPLE = env.float("MARKET_SPIKE_ATR_MULTIPLE", default=30.0)
# Celery tasks sent once per closed bar with kwargs instrument_id, timeframe, time (epoch s), in this
# order: the engine's first, since a subscriber waits for its signal.
BAR_CLOSED_TASKS: list[str] = ["signals.tasks.engine_on_bar_closed", "signals.tasks.on_bar_closed",
                               "alerts.tasks.alerts_on_bar_closed", "portfolios.tasks.portfolios_on_bar_closed"]
# Celery tasks sent once per signal publication when it becomes visible to its tier (at once, after
# the signal's commit, or when a delayed one is released) with kwargs publication_id, signal_id, tier:
# how alerts and portfolios hear of a new signal without signals importing them.
SIGNAL_PUBLISHED_TASKS: list[str] = ["alerts.tasks.alerts_on_signal_published",
                                     "portfolios.tasks.portfolios_on_signal_published"]
ALPHA_VANTAGE_API_KEY = env("ALPHA_VANTAGE_API_KEY", default="")
MARKET_DEMO_REPLAY = env.bool("MARKET_DEMO_REPLAY", default=EMBEDDED)
MARKET_REPLAY_SECONDS_PER_BAR = env.int("MARKET_REPLAY_SECONDS_PER_BAR", default=5)
MARKET_CRYPTO_EXCHANGE = env("MARKET_CRYPTO_EXCHANGE", default="coinbaseexchange")
# Timeframe -> seconds between polls of the live providers, e.g. MARKET_LIVE_POLLING=H1=300,D1=3600.
MARKET_LIVE_POLLING = {k: int(v) for k, v in env.dict("MARKET_LIVE_POLLING", default={}).items()}
# --- news: feeds and Alpha Vantage NEWS_SENTIMENT, polled every NEWS_POLL_SECONDS (0: not polled) ---------
NEWS_POLL_SECONDS = env.int("NEWS_POLL_SECONDS", default=900)
NEWS_FEED_MAX_BYTES = env.int("NEWS_FEED_MAX_BYTES", default=2_000_000)  # a feed's body past this is refused
# Alpha Vantage news is polled only with ALPHA_VANTAGE_API_KEY set; topics narrow it (comma-separated).
NEWS_ALPHAVANTAGE_TOPICS = env.list("NEWS_ALPHAVANTAGE_TOPICS", default=[])
STRIPE_WEBHOOK_TOLERANCE = env.int("STRIPE_WEBHOOK_TOLERANCE", default=300)  # seconds a signature stays valid

# --- alerts: deliveries (alert-deliveries) -----------------------------------------------------
# Alert traffic leaves for public addresses only (never private, loopback or link-local ones) and
# over HTTPS; tests let a local receiver on 127.0.0.1 in through these two.
ALERTS_OUTBOUND_ALLOW_HTTP = env.bool("ALERTS_OUTBOUND_ALLOW_HTTP", default=False)
ALERTS_OUTBOUND_ALLOW_LOOPBACK = env.bool("ALERTS_OUTBOUND_ALLOW_LOOPBACK", default=False)
ALERTS_SEND_TIMEOUT_SECONDS = env.float("ALERTS_SEND_TIMEOUT_SECONDS", default=10.0)
# A worker's claim on a delivery it is sending; one older than this lost its worker and is sent again.
# Far above a send's timeout.
ALERTS_CLAIM_LEASE_SECONDS = env.int("ALERTS_CLAIM_LEASE_SECONDS", default=300)
# A running backtest whose worker reported no progress for this long lost its worker: another takes it.
BACKTESTS_STALE_SECONDS = env.int("BACKTESTS_STALE_SECONDS", default=300)
VAPID_SUBJECT = env("VAPID_SUBJECT", default="mailto:alerts@beacon.local")  # the push services' contact
# Telegram: the bot members link their chats to. Updates reach the bot by its webhook (verified with
# TELEGRAM_WEBHOOK_SECRET) or, with no public URL (embedded), by polling getUpdates.
TELEGRAM_BOT_TOKEN = env("TELEGRAM_BOT_TOKEN", default="")
TELEGRAM_BOT_USERNAME = env("TELEGRAM_BOT_USERNAME", default="")
TELEGRAM_WEBHOOK_SECRET = env("TELEGRAM_WEBHOOK_SECRET", default="")
TELEGRAM_UPDATES_POLLING = env.bool("TELEGRAM_UPDATES_POLLING", default=False)
TELEGRAM_API_BASE = env("TELEGRAM_API_BASE", default="https://api.telegram.org")

# --- API performance (apiperf) ----------------------------------------------------------------
# Django's RedisCache opened a Redis connection per request under ASGI: share one pool per process.
if REDIS_URL:
    CACHES["default"]["BACKEND"] = "config.redis_cache.RedisCache"
