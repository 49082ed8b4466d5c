"""recsite settings: every value comes from an environment variable with an embedded default.

With no environment at all you get the embedded development setup: SQLite in the project folder,
Celery tasks run eagerly in-process, a local-memory cache and DEBUG on. Production sets
DJANGO_DEBUG=false, DJANGO_SECRET_KEY, DJANGO_ALLOWED_HOSTS, DATABASE_URL, REDIS_URL and
CELERY_BROKER_URL (see docs/configuration.md).
"""

from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONCE, NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
env = environ.Env()

# --- core -----------------------------------------------------------------------------------
# DEVELOPMENT DEFAULT: DEBUG is on unless DJANGO_DEBUG=false. Never run production like this.
DEBUG = env.bool("DJANGO_DEBUG", default=True)

# DEVELOPMENT DEFAULT: this key is public (it is in the repository). With DEBUG off a real
# DJANGO_SECRET_KEY is required and the service refuses to start without one.
_INSECURE_DEV_SECRET_KEY = "django-insecure-recsite-development-only-do-not-use-in-production"
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="")
if not SECRET_KEY and DEBUG:
    SECRET_KEY = _INSECURE_DEV_SECRET_KEY
elif not DEBUG and (
    len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5 or SECRET_KEY.startswith(("django-insecure", "change-me"))
):
    # Django's own rule for a strong key (check --deploy's W009), enforced instead of warned about
    raise ImproperlyConfigured(
        "DJANGO_SECRET_KEY must be set, at least 50 characters with at least 5 different ones and not a known "
        "key, when DJANGO_DEBUG is false; make one with: python -c 'import secrets; print(secrets.token_urlsafe(50))'"
    )

# Earlier keys still accepted for signatures (sessions, model files) while you rotate DJANGO_SECRET_KEY
SECRET_KEY_FALLBACKS = env.list("DJANGO_SECRET_KEY_FALLBACKS", default=[])

ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    # Needed for its abstract API key model and key hashing; its own APIKey table stays unused.
    "rest_framework_api_key",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "recsite.third_party.CeleryBeatConfig",  # django-celery-beat, crontab schedules only in the admin
    "simple_history",
    "recsite.third_party.AxesConfig",  # django-axes, with a name in the admin
    "recommendations",
    "curation",
]

MIDDLEWARE = [
    # first: the request id and the request's metrics cover everything after it
    "recsite.observability.RequestContextMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # records which staff member made each change in the curation history
    "simple_history.middleware.HistoryRequestMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "recsite.headers.ApiNoStoreMiddleware",
    "recsite.headers.ApiLanguageMiddleware",
    # last: locks out an address and username after repeated failed admin sign-ins
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
# Admin sign-in: after AXES_FAILURE_LIMIT wrong passwords for one username from one address, that pair is
# locked out for AXES_COOLOFF_TIME hours (an Operator or superuser unlocks it earlier: Axes → Access attempts).
AXES_ENABLED = env.bool("AXES_ENABLED", default=True)
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_TIME", default=0.5)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
AXES_LOCKOUT_TEMPLATE = "admin/locked_out.html"
# Proxies in front of recsite whose X-Forwarded-For to trust, so a client's address is its own
API_NUM_PROXIES = env.int("API_NUM_PROXIES", default=None)
AXES_IPWARE_PROXY_COUNT = API_NUM_PROXIES

# Content-Security-Policy on every page: scripts only from recsite itself or with the page's nonce;
# item images may come from any https host (the marketplace's CDN).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:", "https:"],
        "font-src": [SELF, "data:"],
        "worker-src": [SELF, "blob:"],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

if not DEBUG:
    # Serves collected static files (admin, API docs) from gunicorn; runserver does it under DEBUG.
    MIDDLEWARE.insert(
        MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
        "whitenoise.middleware.WhiteNoiseMiddleware",
    )

ROOT_URLCONF = "recsite.urls"
WSGI_APPLICATION = "recsite.wsgi.application"

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

# --- data stores ----------------------------------------------------------------------------
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Concurrent readers and one writer at a time without "database is locked" in the demo (the runserver's
    # threads, the impression writer, the commands). WAL lets readers go on while one writes; IMMEDIATE takes
    # the write lock when a transaction begins, so a second writer waits (up to `timeout` seconds) instead of
    # failing at once when its read snapshot went stale, which a deferred transaction does whatever the timeout.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
    }
# A PostgreSQL read replica (streaming replication) for serving's per-request reads: the user's lists and
# history, the page's live check, neighbour lists (docs/scaling.md). Everything else, and every write, stays
# on the primary; while the replica fails, serving reads the primary for REPLICA_RETRY_SECONDS.
DATABASE_REPLICA_URL = env.str("DATABASE_REPLICA_URL", default="")
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = env.db_url_config(DATABASE_REPLICA_URL)
    if DATABASES["replica"]["ENGINE"] != DATABASES["default"]["ENGINE"]:
        raise ImproperlyConfigured(
            "DATABASE_REPLICA_URL must be a replica of DATABASE_URL's database (the same kind); "
            f"got {DATABASES['replica']['ENGINE']} for {DATABASES['default']['ENGINE']}."
        )
    DATABASES["replica"].update(
        CONN_MAX_AGE=DATABASES["default"]["CONN_MAX_AGE"],
        CONN_HEALTH_CHECKS=True,
        TEST={"MIRROR": "default"},  # tests read the test database through it
    )
SERVING_READ_DATABASE = "replica" if DATABASE_REPLICA_URL else "default"
REPLICA_RETRY_SECONDS = env.float("REPLICA_RETRY_SECONDS", default=30.0)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="")
# Redis behind Sentinel (docs/scaling.md#redis): REDIS_SENTINELS lists the sentinels as host:port, and
# REDIS_URL names the monitored master instead of a host, redis://mymaster/0.
REDIS_SENTINELS = env.list("REDIS_SENTINELS", default=[])
if REDIS_SENTINELS and not REDIS_URL:
    raise ImproperlyConfigured("REDIS_SENTINELS is set but REDIS_URL is not: set REDIS_URL=redis://<master name>/0")


def _sentinel_address(entry: str) -> tuple[str, int]:
    host, _colon, port = entry.strip().rpartition(":")
    if not host or not port.isdigit():
        raise ImproperlyConfigured(f"REDIS_SENTINELS: {entry!r} is not host:port (e.g. 10.0.0.5:26379)")
    return host, int(port)


if REDIS_URL:
    # django-redis keeps one client per process; Django's own backend builds one per operation, which
    # cost a third of a millisecond on every cache call of a recommendation request (bench/serve.py).
    # Redis down or slow must not take serving down (docs/operations.md): a cache call gives up after
    # REDIS_TIMEOUT_SECONDS and answers "nothing cached"; what the cache shares falls back per worker.
    _redis_timeout = env.float("REDIS_TIMEOUT_SECONDS", default=0.25)
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {
                # msgpack, not django-redis's default pickle: a value someone writes into Redis is read
                # as data and can never run as code in a worker
                "SERIALIZER": "recsite.cache_serializer.SafeMsgPackSerializer",
                "IGNORE_EXCEPTIONS": True,
                "SOCKET_CONNECT_TIMEOUT": _redis_timeout,
                "SOCKET_TIMEOUT": _redis_timeout,
            },
        }
    }
    if REDIS_SENTINELS:
        # the master is asked of the sentinels, and asked again after a failover
        DJANGO_REDIS_CONNECTION_FACTORY = "django_redis.pool.SentinelConnectionFactory"
        CACHES["default"]["OPTIONS"].update(
            CLIENT_CLASS="django_redis.client.SentinelClient",
            SENTINELS=[_sentinel_address(entry) for entry in REDIS_SENTINELS],
            SENTINEL_KWARGS={"socket_connect_timeout": _redis_timeout, "socket_timeout": _redis_timeout},
        )
    DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Celery ---------------------------------------------------------------------------------
# No broker configured: tasks run eagerly in the calling process (the embedded default).
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
# A broker behind Sentinel: CELERY_BROKER_URL=sentinel://10.0.0.5:26379;sentinel://10.0.0.6:26379 and the
# master's name here (docs/scaling.md#redis)
CELERY_BROKER_TRANSPORT_OPTIONS = (
    {"master_name": env.str("CELERY_BROKER_SENTINEL_MASTER", default="mymaster")}
    if CELERY_BROKER_URL.startswith("sentinel://")
    else {}
)
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
# Outcomes are recorded on our own rows (training runs, summaries), not in a result backend.
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=600)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=900)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# How often content neighbours are recomputed (minutes), so an item listed today is found as similar and
# new before the nightly training.
CONTENT_REFRESH_MINUTES = env.int("CONTENT_REFRESH_MINUTES", default=60)
CELERY_BEAT_SCHEDULE = {
    # https://crontab.guru/#17_3_*_*_*
    "events-prune-daily": {"task": "recommendations.events_prune", "schedule": crontab(hour=3, minute=17)},
    # https://crontab.guru/#7_3_*_*_*  (PostgreSQL: the events table's monthly partitions, made ahead)
    "event-partitions-daily": {
        "task": "recommendations.event_partitions_ensure",
        "schedule": crontab(hour=3, minute=7),
    },
    # https://crontab.guru/#30_2_*_*_*
    "training-nightly": {"task": "recommendations.training_nightly", "schedule": crontab(hour=2, minute=30)},
    # https://crontab.guru/#45_*_*_*_*  (does nothing while TRAINING_FOLD_IN is off)
    "training-fold-in-hourly": {"task": "recommendations.training_fold_in", "schedule": crontab(minute=45)},
    # https://crontab.guru/#*_*_*_*_*  (every minute: a dead training worker is noticed within two)
    "training-runs-reap": {"task": "recommendations.training_runs_reap", "schedule": crontab(minute="*")},
    # https://crontab.guru/#*/15_*_*_*_*
    "metrics-rollup": {"task": "recommendations.metrics_rollup", "schedule": crontab(minute="*/15")},
    # https://crontab.guru/#30_1_*_*_*  (does nothing unless PERSONALIZE_TRAIN_NIGHTLY is on)
    "personalize-training-nightly": {
        "task": "recommendations.personalize_training_nightly",
        "schedule": crontab(hour=1, minute=30),
    },
    # every CONTENT_REFRESH_MINUTES (60 by default): items listed since are found as similar and new
    "content-neighbours-refresh": {
        "task": "recommendations.content_neighbours_refresh",
        "schedule": CONTENT_REFRESH_MINUTES * 60,
    },
    # https://crontab.guru/#*/5_*_*_*_*  (does nothing while PERSONALIZE_BUCKET is empty)
    "personalize-resources-refresh": {
        "task": "recommendations.personalize_resources_refresh",
        "schedule": crontab(minute="*/5"),
    },
}
# Training has its own queue (run a worker with -Q training), so long fits never delay short tasks.
CELERY_TASK_DEFAULT_QUEUE = "celery"
TRAINING_QUEUE = "training"

# --- auth, i18n, static ---------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Japanese first (the merchandisers' language); each person may switch to English in the admin's header.
LANGUAGE_CODE = env.str("DJANGO_LANGUAGE_CODE", default="ja")
LANGUAGES = [("ja", "日本語"), ("en", "English")]
# The API's messages when the client sends no Accept-Language (app developers read them in their logs)
API_LANGUAGE_CODE = env.str("API_LANGUAGE_CODE", default="en")
LOCALE_PATHS = [BASE_DIR / "locale"]
# Where the demo's item pictures are served from (make demo serves at http://127.0.0.1:8000)
DEMO_IMAGE_BASE_URL = env.str("DEMO_IMAGE_BASE_URL", default="http://127.0.0.1:8000")
# Prices as the shop shows them (a str.format pattern): ¥4,310 by default
CURRENCY_FORMAT = env.str("CURRENCY_FORMAT", default="¥{:,.0f}")
# The currency of purchase values that name none; a report adds up values of this currency only
CURRENCY_CODE = env.str("CURRENCY_CODE", default="JPY")
# The experiment dashboard says how many more days a test needs to detect this relative change in a rate
EXPERIMENT_TARGET_LIFT = env.float("EXPERIMENT_TARGET_LIFT", default=0.10)
# The staff's time: the admin shows it, a date alone (an NG expiry) ends at its midnight, the schedule runs on
# it and export names use it. Times are stored in UTC whatever this is.
TIME_ZONE = env.str("DJANGO_TIME_ZONE", default="Asia/Tokyo")
CELERY_TIMEZONE = TIME_ZONE  # the schedule's hours are TIME_ZONE's
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")

# --- HTTPS and cookies: strict whenever DEBUG is off ----------------------------------------
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=not DEBUG)
# Load balancers probe /healthz over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^healthz(/live|/ready)?$", r"^metrics$"]
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env.bool("DJANGO_BEHIND_PROXY", default=False) else None
)
SESSION_COOKIE_SECURE = env.bool("DJANGO_SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("DJANGO_CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=not DEBUG)

# --- API ------------------------------------------------------------------------------------
API_MAX_BATCH_ROWS = 1000
# Requests per API key; each key may override it in the admin. DRF rate syntax: "N/second|minute|hour|day".
API_KEY_THROTTLE_RATE = env.str("API_KEY_THROTTLE_RATE", default="6000/minute")
# A key revoked or expired outside the admin (SQL, a script) stops working within this many seconds
API_KEY_RECHECK_SECONDS = env.float("API_KEY_RECHECK_SECONDS", default=5.0)
# Bad keys one client address may send per minute before it gets 429 (guessing keys is then hopeless)
API_AUTH_FAILURES_PER_MINUTE = env.int("API_AUTH_FAILURES_PER_MINUTE", default=30)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["recommendations.api.authentication.ApiKeyAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["recommendations.api.permissions.HasScopes"],
    "DEFAULT_THROTTLE_CLASSES": ["recommendations.api.throttling.ApiKeyRateThrottle"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"]
    + (["rest_framework.renderers.BrowsableAPIRenderer"] if DEBUG else []),
    "DEFAULT_PARSER_CLASSES": ["recommendations.api.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "recsite.api_errors.exception_handler",
    "NUM_PROXIES": API_NUM_PROXIES,
}
# A 1,000-event batch with long ids is well under 1 MB; anything bigger is a client bug.
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=4 * 1024 * 1024)

SPECTACULAR_SETTINGS = {
    "TITLE": "recsite API",
    "DESCRIPTION": "Catalog mirror, event ingestion and recommendations for a marketplace app.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    # Swagger UI and Redoc from the sidecar package: the docs page works with no internet.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "recommendations.api.schema.common_errors",
        "recommendations.api.schema.path_id_bounds",
        "recommendations.api.schema.closed_request_bodies",
    ],
}

# --- training ---------------------------------------------------------------------------------
TRAINING_WINDOW_DAYS = env.int("TRAINING_WINDOW_DAYS", default=365)
TRAINING_EVENT_WEIGHTS = env.json(
    "TRAINING_EVENT_WEIGHTS", default={"view": 1.0, "favorite": 3.0, "cart_add": 5.0, "purchase": 8.0}
)
TRAINING_HALF_LIFE_DAYS = env.float("TRAINING_HALF_LIFE_DAYS", default=60.0) or None
TRAINING_RECENCY_HALF_LIFE_EVENTS = env.float("TRAINING_RECENCY_HALF_LIFE_EVENTS", default=20.0) or None
# A full run or refit tries these weights and decays beside equal weights, plain counts and a 0/1 matrix (and
# EASE's λ) on a validation split, and keeps what scores best (docs/training.md); off: always as configured.
TRAINING_CHOOSE_ON_VALIDATION = env.bool("TRAINING_CHOOSE_ON_VALIDATION", default=True)
# ...and reuses a choice this many days while the weights and the staff's parameters stay the same (0: every run).
TRAINING_CHOOSE_EVERY_DAYS = env.float("TRAINING_CHOOSE_EVERY_DAYS", default=7.0)
# Each run also fits its library with the library's defaults on the 0/1 matrix and reports the model against it
# (one more fit per run; engine/bare_baselines.py). Off: only popularity is compared.
TRAINING_COMPARE_BARE = env.bool("TRAINING_COMPARE_BARE", default=True)
SEGMENT_SHRINKAGE = env.float("SEGMENT_SHRINKAGE", default=200.0)
CANDIDATES_PER_USER = env.int("CANDIDATES_PER_USER", default=200)
SHOP_CANDIDATES_PER_USER = env.int("SHOP_CANDIDATES_PER_USER", default=50)
# A run whose NDCG@10 is this much (relative) below the live version's is not published automatically.
PUBLISH_GUARD_MARGIN = env.float("PUBLISH_GUARD_MARGIN", default=0.10)
# Offline metrics are computed over at most this many users with held-out items (0: all of them).
# Every user costs a full ranking; at 10,000 users NDCG@10's standard error was about 3% of its
# value on the 1M-event demo data (docs/training.md), well inside PUBLISH_GUARD_MARGIN.
TRAINING_EVALUATION_USERS = env.int("TRAINING_EVALUATION_USERS", default=10_000)
CANDIDATE_VERSIONS_KEPT = env.int("CANDIDATE_VERSIONS_KEPT", default=3)
# Incremental training (docs/training.md): a refit or fold-in ranks only users whose data changed and carries
# the others' lists from the live version, until the chain of versions it reads through is this long or its
# oldest list this old; then every user is ranked again. TRAINING_FOLD_IN queues an hourly fold-in.
TRAINING_CARRY_MAX_VERSIONS = env.int("TRAINING_CARRY_MAX_VERSIONS", default=48)
TRAINING_RERANK_ALL_DAYS = env.float("TRAINING_RERANK_ALL_DAYS", default=7.0)
TRAINING_FOLD_IN = env.bool("TRAINING_FOLD_IN", default=True)
TUNING_TRIALS = env.int("TUNING_TRIALS", default=12)
# A training attempt holds its run by a lease its heartbeat renews every TRAINING_HEARTBEAT_SECONDS; a worker
# that dies stops renewing, and the reaper (every minute) requeues the run once the lease has run out.
TRAINING_LEASE_SECONDS = env.int("TRAINING_LEASE_SECONDS", default=60)
TRAINING_HEARTBEAT_SECONDS = env.float("TRAINING_HEARTBEAT_SECONDS", default=15.0)
# A queued run whose task has not started this long after it was sent (a lost broker message) is sent again.
TRAINING_REDISPATCH_SECONDS = env.int("TRAINING_REDISPATCH_SECONDS", default=600)
TRAINING_MAX_ATTEMPTS = env.int("TRAINING_MAX_ATTEMPTS", default=2)
TRAINING_SOFT_TIME_LIMIT = env.int("TRAINING_SOFT_TIME_LIMIT", default=3 * 3600)

# Co-visitation: neighbours kept per item, and the silence that ends a session (minutes).
NEIGHBOURS_PER_ITEM = env.int("NEIGHBOURS_PER_ITEM", default=20)
SESSION_GAP_MINUTES = env.float("SESSION_GAP_MINUTES", default=30.0)
# Content similarity (title, category, shop, price): neighbours kept per item (refreshed every
# CONTENT_REFRESH_MINUTES, with the beat schedule).
CONTENT_NEIGHBOURS_PER_ITEM = env.int("CONTENT_NEIGHBOURS_PER_ITEM", default=20)

# --- serving --------------------------------------------------------------------------------
# Without a session_id, the user's events of this many minutes make their current session.
SESSION_WINDOW_MINUTES = env.int("SESSION_WINDOW_MINUTES", default=30)
# How far a co-visited neighbour of what the user just viewed moves up (1 = a whole list's length).
SESSION_BOOST = env.float("SESSION_BOOST", default=0.5)
# How often each worker re-reads the items updated since its last look (which items may be served).
ITEM_FLAGS_REFRESH_SECONDS = env.float("ITEM_FLAGS_REFRESH_SECONDS", default=2.0)
# Each worker keeps the co-visitation and content neighbour lists it read this long, for this many items
# (kind by kind): what they name is checked live anyway (services/serving/neighbour_cache.py).
NEIGHBOUR_CACHE_SECONDS = env.float("NEIGHBOUR_CACHE_SECONDS", default=300.0)
NEIGHBOUR_CACHE_ITEMS = env.int("NEIGHBOUR_CACHE_ITEMS", default=20_000)
# Seconds a served list is kept so `offset` pages through the same recommendation_id.
RECOMMENDATION_LIST_TTL = env.int("RECOMMENDATION_LIST_TTL", default=3600)
# Impressions are written off the request path: "background" batches them in a thread each
# IMPRESSION_FLUSH_SECONDS; "inline" writes each one in the request (tests, debugging).
# On SQLite (the embedded demo) a background writer is a second writer to one file: write inline there.
IMPRESSION_LOG_MODE = env.str(
    "IMPRESSION_LOG_MODE",
    default="inline" if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3" else "background",
)
IMPRESSION_FLUSH_SECONDS = env.float("IMPRESSION_FLUSH_SECONDS", default=0.5)

# --- measurement ------------------------------------------------------------------------------
# An event without a recommendation_id is attributed to the last list that showed the item to the
# user within this many hours before it.
ATTRIBUTION_WINDOW_HOURS = env.int("ATTRIBUTION_WINDOW_HOURS", default=24)
# days a full roll-up rebuild computes at once on PostgreSQL (a thread and a connection each)
ROLLUP_WORKERS = env.int("ROLLUP_WORKERS", default=2)

# --- Amazon Personalize (optional; off while PERSONALIZE_BUCKET is empty) ----------------------
PERSONALIZE_REGION = env.str("PERSONALIZE_REGION", default="ap-northeast-1")
PERSONALIZE_BUCKET = env.str("PERSONALIZE_BUCKET", default="")
PERSONALIZE_ROLE_ARN = env.str("PERSONALIZE_ROLE_ARN", default="")
# Every resource name starts with this (filter names, for one, are unique per AWS account).
PERSONALIZE_PREFIX = env.str("PERSONALIZE_PREFIX", default="recsite")
PERSONALIZE_DATASET_GROUP = env.str("PERSONALIZE_DATASET_GROUP", default="main")
# How a trained solution version is served: "batch" (a daily batch inference job's lists, the cheap
# default) or "campaign" (real-time GetRecommendations, billed per hour of provisioned capacity).
PERSONALIZE_DEPLOY = env.str("PERSONALIZE_DEPLOY", default="batch")
# Train in Personalize every night too (UPDATE mode after the first full training); off by default: it costs.
PERSONALIZE_TRAIN_NIGHTLY = env.bool("PERSONALIZE_TRAIN_NIGHTLY", default=False)
# Personalize's own report of views, cart adds, purchases and revenue after its recommendations (CloudWatch
# bills each metric monthly; docs/personalize.md)
PERSONALIZE_METRIC_ATTRIBUTION = env.bool("PERSONALIZE_METRIC_ATTRIBUTION", default=False)
# A variant served by Personalize waits at most this long for GetRecommendations, then falls back.
PERSONALIZE_TIMEOUT_MS = env.int("PERSONALIZE_TIMEOUT_MS", default=150)
PERSONALIZE_RECIPE_ARN = env.str(
    "PERSONALIZE_RECIPE_ARN", default="arn:aws:personalize:::recipe/aws-user-personalization-v2"
)

# --- data retention -------------------------------------------------------------------------
# Events older than this are deleted by the daily prune task; 0 keeps them forever.
EVENT_RETENTION_DAYS = env.int("EVENT_RETENTION_DAYS", default=400)
# PostgreSQL keeps events in monthly partitions, made this many months ahead by a daily task (event_partitions.py)
EVENT_PARTITION_MONTHS_AHEAD = env.int("EVENT_PARTITION_MONTHS_AHEAD", default=3)

# --- logs, metrics, errors -----------------------------------------------------------------
# One JSON object a line (for a log collector), or `text` for a person at a terminal (make demo); every
# line carries the request id and the recommendation_id served (docs/operations.md#logs).
LOG_FORMAT = env.str("LOG_FORMAT", default="json")
if LOG_FORMAT not in ("json", "text"):
    raise ImproperlyConfigured(f"LOG_FORMAT must be json or text, not {LOG_FORMAT!r}.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"context": {"()": "recommendations.log_context.LogContextFilter"}},
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "format": "%(levelname)s %(name)s %(message)s %(request_id)s %(recommendation_id)s",
            "rename_fields": {"levelname": "level", "name": "logger"},
            "timestamp": "time",  # ISO 8601 in UTC
        },
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT, "filters": ["context"]}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}
# Celery workers log through the same handler (JSON, with the ids) instead of their own.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# GET /metrics answers only `Authorization: Bearer <METRICS_TOKEN>` when set; else anyone who reaches it
# (keep it off the public load balancer).
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
# A Celery worker serves its own /metrics on this port (0: off; docs/operations.md#metrics).
CELERY_METRICS_PORT = env.int("CELERY_METRICS_PORT", default=0)
# The queues whose waiting tasks /metrics reports.
CELERY_QUEUES_MEASURED = [CELERY_TASK_DEFAULT_QUEUE, TRAINING_QUEUE]
# Errors and their traces to Sentry when a DSN is given (nothing is sent otherwise; no personal data).
SENTRY_DSN = env.str("SENTRY_DSN", default="")
if SENTRY_DSN:
    import sentry_sdk

    sentry_sdk.init(
        dsn=SENTRY_DSN,
        environment=env.str("SENTRY_ENVIRONMENT", default="production"),
        traces_sample_rate=env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0),
        send_default_pii=False,
    )
