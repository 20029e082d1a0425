"""OneTrip settings, read from the environment once, failing at start on bad values.

Every knob is an environment variable (see docs/operations.md). Nothing here is
edited per machine; a bad value stops the process with a message naming the
variable, so a misconfigured server never starts half-right.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
ENVIRONMENTS = ("development", "test", "production")


def env_str(name: str, default: str) -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise ImproperlyConfigured(f"{name}={raw!r}: expected one of true/false/1/0/yes/no/on/off")


def env_int(name: str, default: int, *, minimum: int = 0) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r}: expected an integer") from None
    if value < minimum:
        raise ImproperlyConfigured(f"{name}={raw!r}: must be at least {minimum}")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [part.strip() for part in raw.split(",") if part.strip()]


ONETRIP_ENV = env_str("ONETRIP_ENV", "development")
if ONETRIP_ENV not in ENVIRONMENTS:
    raise ImproperlyConfigured(
        f"ONETRIP_ENV={ONETRIP_ENV!r}: expected one of {', '.join(ENVIRONMENTS)}"
    )
PRODUCTION = ONETRIP_ENV == "production"

if PRODUCTION:
    SECRET_KEY = os.environ.get("ONETRIP_SECRET_KEY", "")
    if len(SECRET_KEY) < 32:
        raise ImproperlyConfigured(
            "ONETRIP_SECRET_KEY is required in production and must be at least 32 characters"
        )
    DEBUG = env_bool("ONETRIP_DEBUG", False)
    if DEBUG:
        raise ImproperlyConfigured("ONETRIP_DEBUG cannot be on when ONETRIP_ENV=production")
else:
    SECRET_KEY = env_str("ONETRIP_SECRET_KEY", "onetrip-development-key-not-for-production-use")
    DEBUG = env_bool("ONETRIP_DEBUG", ONETRIP_ENV == "development")

ALLOWED_HOSTS = env_list(
    "ONETRIP_ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost", "testserver"]
)
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ONETRIP_ALLOWED_HOSTS is required in production")
CSRF_TRUSTED_ORIGINS = env_list("ONETRIP_CSRF_TRUSTED_ORIGINS", [])

VAR_DIR = Path(env_str("ONETRIP_VAR_DIR", str(BASE_DIR / "var")))
# Uploaded materials live outside the web root and are served only through views
# that check who may see the case.
MEDIA_ROOT = Path(env_str("ONETRIP_MEDIA_ROOT", str(VAR_DIR / "media")))
# No URL serves MEDIA_ROOT: this prefix exists only because Django's test
# live server wants one. Files go out through permission-checked views.
MEDIA_URL = "/_media-not-served/"
UPLOAD_MAX_BYTES = env_int("ONETRIP_UPLOAD_MAX_BYTES", 10 * 1024 * 1024, minimum=1024)

INSTALLED_APPS = [
    # OneTrip's apps first: their templates and translations take precedence
    # over Django's own (our "Log out" is 退出, the admin's is 注销).
    "onetrip.apps.OneTripConfig",
    "onetrip.workdays",
    "onetrip.accounts",
    "onetrip.audit",
    "onetrip.catalog",
    "onetrip.monitoring",
    "onetrip.files",
    "onetrip.approvals",
    "onetrip.hotline",
    "onetrip.web",
    "onetrip.api",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "axes",
    "ninja",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "onetrip.web.locale_middleware.ChineseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "onetrip.web.middleware.DatabaseUnavailableMiddleware",
    # Last, so that a locked-out login is answered before the view runs.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "onetrip.urls"
WSGI_APPLICATION = "onetrip.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "onetrip.web.context.navigation",
            ],
        },
    },
]

# --- database -------------------------------------------------------------
DEFAULT_DATABASE_URL = f"sqlite:///{VAR_DIR / 'onetrip.sqlite3'}"
DATABASE_URL = env_str("DATABASE_URL", DEFAULT_DATABASE_URL)
try:
    _db = dj_database_url.parse(DATABASE_URL)
except Exception as exc:  # dj_database_url raises several types for bad URLs
    raise ImproperlyConfigured(f"DATABASE_URL={DATABASE_URL!r}: {exc}") from None
if _db["ENGINE"] == "django.db.backends.sqlite3":
    if _db["NAME"] and _db["NAME"] != ":memory:":
        Path(_db["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    _db["OPTIONS"] = {
        # WAL lets readers run beside the one writer; IMMEDIATE takes the write
        # lock at BEGIN so two writers queue instead of failing mid-transaction.
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
            " PRAGMA busy_timeout=5000;"
        ),
        "transaction_mode": "IMMEDIATE",
    }
elif _db["ENGINE"] == "django.db.backends.postgresql":
    # Persistent connections: reconnecting per request costs an order of magnitude.
    _db["CONN_MAX_AGE"] = env_int("ONETRIP_CONN_MAX_AGE", 600)
    _db["CONN_HEALTH_CHECKS"] = True
    _db.setdefault("OPTIONS", {})["connect_timeout"] = env_int("ONETRIP_DB_CONNECT_TIMEOUT", 3)
    # Server-side binding lets psycopg prepare a statement run five times on a
    # connection: planning the same SQL again costs more than running it.
    _db["OPTIONS"]["server_side_binding"] = env_bool("ONETRIP_DB_SERVER_SIDE_BINDING", True)
    _db["OPTIONS"]["prepare_threshold"] = 5
else:
    raise ImproperlyConfigured(
        f"DATABASE_URL={DATABASE_URL!r}: only sqlite and postgres are supported"
    )
_db["TEST"] = {"NAME": os.environ.get("ONETRIP_TEST_DATABASE_NAME") or None}
DATABASES = {"default": _db}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- accounts -------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

AXES_FAILURE_LIMIT = env_int("ONETRIP_LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = env_int("ONETRIP_LOGIN_COOLOFF_MINUTES", 15, minimum=1) / 60  # hours
# Lock the (username, address) pair: one attacker cannot lock a user out from everywhere.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False

# --- i18n and time --------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "onetrip" / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- static files ---------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# --- security -------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("ONETRIP_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env_int("ONETRIP_HSTS_SECONDS", 31536000, minimum=1)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = False

# --- OneTrip policy -------------------------------------------------------
# Demo data (accounts with a shared password) must never reach a real county.
DEMO_SEED_ALLOWED = not PRODUCTION
# How long an API Idempotency-Key replays its first answer; older keys act as new
# ones and `manage.py purge_idempotency_keys` (cron) deletes them.
IDEMPOTENCY_HOURS = env_int("ONETRIP_IDEMPOTENCY_HOURS", 24, minimum=1)
# Uploads nothing refers to (a draft abandoned, an appeal never confirmed) are kept
# this long, then `manage.py purge_unused_uploads` (cron) deletes them.
UNUSED_UPLOAD_DAYS = env_int("ONETRIP_UNUSED_UPLOAD_DAYS", 30, minimum=1)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("ONETRIP_LOG_LEVEL", "INFO")},
}

ADMIN_SITE_TITLE = _("OneTrip administration")
