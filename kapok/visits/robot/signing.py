"""Signing what Kapok and a robot-call vendor send each other: HMAC-SHA256 with a timestamp.

Both directions use the same scheme and the vendor's shared secret (made by Kapok, shown once
when the vendor is created, stored encrypted, kapok.visits.robot.vendors):

    X-Kapok-Vendor:    the vendor's code (results only: which secret to check with)
    X-Kapok-Timestamp: the moment of sending, whole seconds since 1970-01-01 UTC, e.g. 1764043200
    X-Kapok-Signature: hex( HMAC-SHA256( secret, timestamp + "." + body ) )

``body`` is the raw bytes of the request body exactly as sent (UTF-8 JSON); the secret is the
UTF-8 bytes of the text shown at creation. A receiver recomputes the signature over the bytes it
received and compares in constant time (hmac.compare_digest), and refuses a timestamp more than
REPLAY_WINDOW off its own clock, so that a captured request cannot be replayed later. (Within the
window a replayed result changes nothing either: results are idempotent by their id.)

Example (Python)::

    body = json.dumps(result, ensure_ascii=False).encode()
    timestamp = str(int(time.time()))
    signature = hmac.new(secret.encode(), timestamp.encode() + b"." + body, "sha256").hexdigest()
"""

import datetime as dt
import hashlib
import hmac
import secrets

from django.utils import timezone

VENDOR_HEADER = "X-Kapok-Vendor"
TIMESTAMP_HEADER = "X-Kapok-Timestamp"
SIGNATURE_HEADER = "X-Kapok-Signature"
REPLAY_WINDOW = dt.timedelta(minutes=5)


class SignatureError(ValueError):
    """The request is not signed by the vendor's secret, or not now."""


def new_secret() -> str:
    """A fresh shared secret: 256 random bits, URL-safe text."""
    return secrets.token_urlsafe(32)


def signature(secret: str, timestamp: str, body: bytes) -> str:
    message = timestamp.encode("ascii") + b"." + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signed_headers(
    secret: str, body: bytes, *, vendor_code: str | None = None, now: dt.datetime | None = None
) -> dict[str, str]:
    """The headers that sign ``body`` now."""
    timestamp = str(int((now or timezone.now()).timestamp()))
    headers = {TIMESTAMP_HEADER: timestamp, SIGNATURE_HEADER: signature(secret, timestamp, body)}
    if vendor_code is not None:
        headers[VENDOR_HEADER] = vendor_code
    return headers


def verify(
    secret: str, *, timestamp: str, signed: str, body: bytes, now: dt.datetime | None = None
) -> None:
    """Raise SignatureError unless ``signed`` is the signature of ``body`` at ``timestamp`` and
    ``timestamp`` is within REPLAY_WINDOW of now."""
    if not secret:
        raise SignatureError("the vendor has no secret")
    if not timestamp or not timestamp.isdigit() or len(timestamp) > 12:
        raise SignatureError(f"{TIMESTAMP_HEADER} must be whole seconds since 1970")
    sent = dt.datetime.fromtimestamp(int(timestamp), tz=dt.UTC)
    if abs((now or timezone.now()) - sent) > REPLAY_WINDOW:
        raise SignatureError(f"{TIMESTAMP_HEADER} is more than five minutes off")
    expected = signature(secret, timestamp, body)
    if not hmac.compare_digest(expected.encode(), (signed or "").strip().lower().encode()):
        raise SignatureError(f"{SIGNATURE_HEADER} does not match the body")
