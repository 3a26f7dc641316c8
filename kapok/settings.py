"""Kapok's one settings module, read from the environment (see README: "Environment variables")."""

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
    env_secret,
    env_str,
    new_data_key,
)

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
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
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

EMAIL_BACKEND = env_str("KAPOK_EMAIL_BACKEND") or "django.core.mail.backends.smtp.EmailBackend"
EMAIL_HOST = env_str("KAPOK_EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("KAPOK_EMAIL_PORT", 25, minimum=1)
DEFAULT_FROM_EMAIL = env_str("KAPOK_EMAIL_FROM", "kapok@localhost")

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
