"""Recipients of notifications: kept encrypted, shown masked, and keyed by a hash.

A WeCom webhook URL holds the group robot's key, which lets anyone post into the group; phones
and e-mail addresses are personal. So the outbox stores a recipient encrypted
(kapok.registry.protection) and masked, and its uniqueness key holds only a keyed hash of it.

    mask_webhook("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6-7e1d")
        == "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=****7e1d"
    mask_email("zhang.san@example.gov.cn") == "z***@example.gov.cn"
"""

from urllib.parse import parse_qsl, urlsplit

from kapok.audit.masking import mask_phone, mask_text
from kapok.notifications.models import ChannelKind
from kapok.registry.protection import blind_index, decrypt, encrypt

WEBHOOK_PURPOSE = "notifications.channel.webhook"
RECIPIENT_PURPOSE = "notifications.notification.recipient"


def mask_webhook(url: str) -> str:
    """The address without its secrets: the query's values and any user or password hidden,
    keeping the last four characters of each value so that two robots can be told apart."""
    parts = urlsplit(url.strip())
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    query = "&".join(
        f"{name}=****{value[-4:] if len(value) > 8 else ''}"
        for name, value in parse_qsl(parts.query, keep_blank_values=True)
    )
    masked = f"{parts.scheme}://{host}{parts.path}"
    return f"{masked}?{query}" if query else masked


def mask_email(address: str) -> str:
    local, at, domain = address.strip().partition("@")
    if not at:
        return mask_text(address)
    return f"{local[:1]}***@{domain}"


def mask_recipient(kind: str, recipient: str) -> str:
    if kind == ChannelKind.WECOM:
        return mask_webhook(recipient)
    if kind == ChannelKind.SMS:
        return mask_phone(recipient)
    return mask_email(recipient)


def seal_recipient(recipient: str) -> str:
    return encrypt(recipient, RECIPIENT_PURPOSE)


def open_recipient(token: str) -> str:
    return decrypt(token, RECIPIENT_PURPOSE)


def recipient_hash(kind: str, recipient: str) -> str:
    """A keyed hash of the recipient: equal for the same address, useless to guess from."""
    return blind_index(f"{kind}:{recipient.strip()}", RECIPIENT_PURPOSE)[:32]


def scrub(text: str, *secrets: str) -> str:
    """An error message fit to keep: the given secrets (a webhook URL, its key) masked out, and
    ID numbers and phones masked."""
    for secret in secrets:
        if not secret:
            continue
        text = text.replace(secret, mask_webhook(secret) if "://" in secret else "****")
        for _name, value in parse_qsl(urlsplit(secret).query):
            if len(value) >= 6:
                text = text.replace(value, "****")
    return mask_text(text)
