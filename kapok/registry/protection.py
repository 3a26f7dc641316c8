"""Protection of personal data at rest: encryption and keyed hashes (blind indexes).

Both keys are derived from KAPOK_DATA_KEY with HKDF, one per purpose, so that the hash key
cannot decrypt and the encryption key cannot be used to test guesses against the hashes.

- ``encrypt(text, purpose)`` / ``decrypt(token, purpose)``: AES-256-GCM with a random 96-bit
  nonce; the purpose (e.g. "person.id_number") is bound as associated data, so a value copied
  into another column does not decrypt. Tokens read ``v1:<base64 of nonce + ciphertext>``; the
  version leaves room for key rotation.
- ``blind_index(text, purpose)``: HMAC-SHA256, hex. Equal values give equal hashes, which is
  how an ID number is found without being stored in clear.
"""

import base64
import hashlib
import hmac
import os
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

VERSION = "v1"


class DecryptionError(ValueError):
    pass


@lru_cache(maxsize=8)
def _key(data_key: str, purpose: bytes) -> bytes:
    master = base64.urlsafe_b64decode(data_key.encode())
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose).derive(master)


def _encryption_key() -> bytes:
    return _key(settings.KAPOK_DATA_KEY, b"kapok personal data encryption v1")


def _index_key() -> bytes:
    return _key(settings.KAPOK_DATA_KEY, b"kapok personal data blind index v1")


def encrypt(text: str, purpose: str) -> str:
    if not text:
        return ""
    nonce = os.urandom(12)
    sealed = AESGCM(_encryption_key()).encrypt(nonce, text.encode(), purpose.encode())
    return f"{VERSION}:{base64.b64encode(nonce + sealed).decode()}"


def decrypt(token: str, purpose: str) -> str:
    if not token:
        return ""
    version, _, payload = token.partition(":")
    if version != VERSION:
        raise DecryptionError(f"unknown key version {version!r}")
    raw = base64.b64decode(payload)
    try:
        plain = AESGCM(_encryption_key()).decrypt(raw[:12], raw[12:], purpose.encode())
    except InvalidTag:
        raise DecryptionError("the value does not decrypt with this KAPOK_DATA_KEY") from None
    return plain.decode()


def blind_index(text: str, purpose: str) -> str:
    if not text:
        return ""
    message = purpose.encode() + b"\x00" + text.encode()
    return hmac.new(_index_key(), message, hashlib.sha256).hexdigest()
