"""Kapok's one settings module, read from the environment (see README: "Environment variables")."""

import datetime as dt
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from kapok.environment import (
    check_data_key,
    env_bool,
    env_choice,
    env_int,
    env_list,
    env_optional_secret,
    env_secret,
    env_str,
    env_time,
    new_data_key,
)
from kapok.media_storage import media_storage

PACKAGE_DIR = Path(__file__).resolve().parent

KAPOK_ENV = env_choice("KAPOK_ENV", "development", ("development", "production"))
PRODUCTION = KAPOK_ENV == "production"
VAR_DIR = Path(env_str("KAPOK_VAR_DIR") or Path.cwd() / "var").resolve()

DEBUG = env_bool("KAPOK_DEBUG", False)
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("KAPOK_DEBUG cannot be on when KAPOK_ENV=production")

# Secrets: generated into var/ for the demo and development, required in production.
SECRET_KEY = env_secret(
    "KAPOK_SECRET_KEY", generate_into=None if PRODUCTION else VAR_DIR / "secret_key"
)
KAPOK_DATA_KEY = check_data_key(
    "KAPOK_DATA_KEY",
    env_secret(
        "KAPOK_DATA_KEY",
        generate_into=None if PRODUCTION else VAR_DIR / "data_key",
        generate=new_data_key,
    ),
)

ALLOWED_HOSTS = env_list(
    "KAPOK_ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost", "[::1]", "testserver"]
)
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("KAPOK_ALLOWED_HOSTS is required in production")
CSRF_TRUSTED_ORIGINS = env_list("KAPOK_CSRF_TRUSTED_ORIGINS", [])

# Behind nginx the client address comes from X-Forwarded-For (see README); trust it only then.
KAPOK_BEHIND_PROXY = env_bool("KAPOK_BEHIND_PROXY", False)
HTTPS = env_bool("KAPOK_HTTPS", PRODUCTION)
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if KAPOK_BEHIND_PROXY else None
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    "ninja",  # the API (/api/v1/): its Swagger UI assets are served from the package
    # Kapok: one app per domain concept (names from the glossary in DESIGN.md).
    "kapok.regions",
    "kapok.units",
    "kapok.accounts",
    "kapok.audit",
    "kapok.web",
    "kapok.site",
    "kapok.registry",
    "kapok.zones",
    "kapok.visits",
    "kapok.needs",
    "kapok.notifications",
    "kapok.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "kapok.audit.middleware.AuditContextMiddleware",
    "kapok.accounts.middleware.SessionPolicyMiddleware",
    "kapok.access.middleware.RegionScopingMiddleware",
]

ROOT_URLCONF = "kapok.urls"
WSGI_APPLICATION = "kapok.wsgi.application"

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
                "kapok.web.context_processors.shell",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("KAPOK_DATABASE_URL") or f"sqlite:///{VAR_DIR / 'kapok.sqlite3'}",
        conn_max_age=env_int("KAPOK_DATABASE_CONN_MAX_AGE", 60, minimum=0),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server read while the worker writes; IMMEDIATE avoids lock upgrades.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["kapok.accounts.backends.AccountBackend"]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "accounts:login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "kapok.accounts.passwords.PolicyLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
SESSION_ENGINE = "django.contrib.sessions.backends.db"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Asia/Shanghai"
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
if not PRODUCTION:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise expects it; collectstatic fills it
MEDIA_ROOT = Path(env_str("KAPOK_MEDIA_ROOT") or VAR_DIR / "media")
MEDIA_URL = "media/"
# Uploaded rosters hold ID numbers in clear: a roster's file is deleted this many days after its
# import finished or failed (kapok.registry.retention; `kapok rosters purge`, and daily by the
# worker). The import, its counts and its rejected rows stay.
KAPOK_ROSTER_FILE_RETENTION_DAYS = env_int("KAPOK_ROSTER_FILE_RETENTION_DAYS", 30, minimum=1)
# The largest photo accepted from a phone (kapok.web.photos); it is re-encoded smaller anyway.
KAPOK_UPLOAD_MAX_BYTES = env_int("KAPOK_UPLOAD_MAX_BYTES", 10 * 1024 * 1024, minimum=1)

# Deadlines of needs (kapok.needs.deadlines), in local time. A normal need is cleared by the end
# of the day it was reported (23:59); one reported after the cut-off by the next morning.
KAPOK_NEED_CUTOFF = env_time("KAPOK_NEED_CUTOFF", "20:00")
KAPOK_NEED_NEXT_MORNING = env_time("KAPOK_NEED_NEXT_MORNING", "10:00") or dt.time(10, 0)
KAPOK_NEED_URGENT_HOURS = env_int("KAPOK_NEED_URGENT_HOURS", 4, minimum=1)
# An emergency is accepted within minutes (and its duty people alerted at once).
KAPOK_NEED_EMERGENCY_ACCEPT_MINUTES = env_int("KAPOK_NEED_EMERGENCY_ACCEPT_MINUTES", 15, minimum=1)
# After a breach is escalated, the level above has this long before the next breach escalates
# it again (emergencies: the accept minutes).
KAPOK_NEED_ESCALATION_HOURS = env_int("KAPOK_NEED_ESCALATION_HOURS", 2, minimum=1)
# The address staff open Kapok at (https://kapok.example.gov.cn): links in notifications.
KAPOK_PUBLIC_URL = (env_str("KAPOK_PUBLIC_URL") or "").rstrip("/")
STORAGES = {
    # Uploaded photos: the local disk, or an S3-compatible store (kapok.media_storage).
    "default": media_storage(),
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION

TASKS = {
    "default": {
        "BACKEND": env_str("KAPOK_TASKS_BACKEND") or "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default"],
    }
}

# E-mail (notifications among others) goes through the intranet mail relay; without one outside
# production, messages are written to the console instead.
EMAIL_BACKEND = env_str("KAPOK_EMAIL_BACKEND") or (
    "django.core.mail.backends.smtp.EmailBackend"
    if PRODUCTION or env_str("KAPOK_EMAIL_HOST")
    else "django.core.mail.backends.console.EmailBackend"
)
EMAIL_HOST = env_str("KAPOK_EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("KAPOK_EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = env_str("KAPOK_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = env_optional_secret("KAPOK_EMAIL_PASSWORD")
EMAIL_USE_TLS = env_bool("KAPOK_EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = 10  # seconds
DEFAULT_FROM_EMAIL = env_str("KAPOK_EMAIL_FROM", "kapok@localhost")

# Notifications (kapok.notifications): a message is tried this many times, with growing pauses,
# before it is given up (and can be retried from the outbox page).
KAPOK_NOTIFY_MAX_ATTEMPTS = env_int("KAPOK_NOTIFY_MAX_ATTEMPTS", 8, minimum=1)
# Texts go through an HTTP gateway: POSTed as the JSON template with {phone} and {text} filled
# in, with "Authorization: Bearer <token>" when a token is set; any 2xx answer means sent.
KAPOK_SMS_GATEWAY_URL = env_str("KAPOK_SMS_GATEWAY_URL", "")
KAPOK_SMS_GATEWAY_TOKEN = env_optional_secret("KAPOK_SMS_GATEWAY_TOKEN")
KAPOK_SMS_TEMPLATE = env_str("KAPOK_SMS_TEMPLATE", '{"phone": "{phone}", "text": "{text}"}')
# The worker's periodic run (kapok.site.periodic: due notifications, …), every this many seconds.
KAPOK_PERIODIC_SECONDS = env_int("KAPOK_PERIODIC_SECONDS", 60, minimum=5)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"mask_personal_data": {"()": "kapok.audit.masking.MaskingFilter"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["mask_personal_data"],
            "formatter": "plain",
        }
    },
    "root": {"handlers": ["console"], "level": env_str("KAPOK_LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
