"""Typed readers for the environment: every setting fails loudly on a bad value.

A secret may be given directly (``KAPOK_SECRET_KEY``) or as a file (``KAPOK_SECRET_KEY_FILE``),
the way container orchestrators hand out secrets.
"""

import base64
import binascii
import datetime as dt
import os
import secrets
import tempfile
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str | None = None) -> str | None:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    word = raw.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {raw!r}")


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    raw = os.environ.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}") from None
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, not {value}")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_time(name: str, default: str | None) -> dt.time | None:
    """A local time of day written HH:MM (20:00); empty or "none" for no time at all."""
    raw = os.environ.get(name, default)
    if raw is None or raw.strip().lower() in ("", "none", "off"):
        return None
    try:
        return dt.datetime.strptime(raw.strip(), "%H:%M").time()
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a time of day as HH:MM, not {raw!r}") from None


def env_choice(name: str, default: str, choices: tuple[str, ...]) -> str:
    value = os.environ.get(name, default)
    if value not in choices:
        raise ImproperlyConfigured(f"{name} must be one of {', '.join(choices)}, not {value!r}")
    return value


def env_secret(name: str, *, generate_into: Path | None, generate=None) -> str:
    """Read a secret from ``NAME`` or the file named by ``NAME_FILE``.

    Without either, the secret is generated once into ``generate_into`` (demo and development);
    when ``generate_into`` is None (production) a missing secret is an error.
    """
    value = os.environ.get(name)
    file_name = os.environ.get(f"{name}_FILE")
    if value and file_name:
        raise ImproperlyConfigured(f"Set {name} or {name}_FILE, not both")
    if file_name:
        try:
            value = Path(file_name).read_text().strip()
        except OSError as error:
            raise ImproperlyConfigured(f"{name}_FILE: cannot read {file_name}: {error}") from None
        if not value:
            raise ImproperlyConfigured(f"{name}_FILE: {file_name} is empty")
    if value:
        return value
    if generate_into is None:
        raise ImproperlyConfigured(f"{name} (or {name}_FILE) is required in production")
    if not generate_into.exists():
        generate_into.parent.mkdir(parents=True, exist_ok=True)
        _write_once(generate_into, (generate or (lambda: secrets.token_urlsafe(50)))())
    value = generate_into.read_text().strip()
    if not value:
        raise ImproperlyConfigured(
            f"{generate_into} (the generated {name}) is empty; delete it to make a new one"
        )
    return value


def env_optional_secret(name: str) -> str:
    """A secret that may be left out (an SMS gateway token, a mail relay password): read from
    ``NAME`` or the file named by ``NAME_FILE`` as ``env_secret`` does; "" when neither is set."""
    if not os.environ.get(name) and not os.environ.get(f"{name}_FILE"):
        return ""
    return env_secret(name, generate_into=None)


def _write_once(path: Path, value: str) -> None:
    """Write ``path`` readable by the owner only, whole or not at all, and never overwrite it:
    when several processes start at once, one wins and the others read the winner's secret.

    The secret is written to a private temporary file first and then linked into place, so that
    no process ever reads a half-written (empty) file."""
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(value + "\n")
        os.chmod(temporary, 0o600)
        try:
            os.link(temporary, path)
        except FileExistsError:
            pass
        except OSError:  # a file system without hard links: create it exclusively instead
            try:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:
                return
            with os.fdopen(fd, "w") as handle:
                handle.write(value + "\n")
    finally:
        os.unlink(temporary)


def new_data_key() -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()


def check_data_key(name: str, value: str) -> str:
    """The personal-data key is 32 random bytes in URL-safe base64 (a Fernet key)."""
    try:
        raw = base64.urlsafe_b64decode(value.encode())
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != 32:
        raise ImproperlyConfigured(
            f"{name} must be 32 bytes in URL-safe base64; make one with: python -c "
            '"import base64,os;print(base64.urlsafe_b64encode(os.urandom(32)).decode())"'
        )
    return value
