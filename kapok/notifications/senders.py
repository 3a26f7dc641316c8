"""The senders: one message out through WeCom, the SMS gateway or e-mail. Each returns quietly
when the outside service took the message and raises SendError (with a reason fit to keep once
masked) when it did not.

- WeCom (企业微信) group robot: POST ``{"msgtype": "text", "text": {"content": …}}`` to the
  robot's webhook URL; WeCom answers HTTP 200 with ``{"errcode": 0, "errmsg": "ok"}``, and any
  other errcode is a failure (a wrong key, too many messages a minute …).
- SMS: POST to KAPOK_SMS_GATEWAY_URL the JSON of KAPOK_SMS_TEMPLATE with ``{phone}`` and
  ``{text}`` filled in (in every string of the template, so the template can take the shape the
  gateway wants), with ``Authorization: Bearer KAPOK_SMS_GATEWAY_TOKEN`` when a token is set;
  any 2xx answer means the gateway took it.
- E-mail: Django's mail, through the relay of KAPOK_EMAIL_* (kapok.settings).

Only http and https addresses are accepted; every call gives up after TIMEOUT seconds.
"""

import json
import smtplib
import urllib.error
import urllib.request
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import send_mail

TIMEOUT = 10  # seconds
ANSWER_LIMIT = 64 * 1024  # bytes of an answer read


class SendError(Exception):
    pass


def _post_json(url: str, payload, *, headers: dict | None = None) -> tuple[int, bytes]:
    if urlsplit(url).scheme not in ("http", "https"):
        raise SendError("only http and https addresses are accepted")
    body = json.dumps(payload, ensure_ascii=False).encode()
    request = urllib.request.Request(  # noqa: S310 (the scheme is checked above)
        url,
        data=body,
        headers={"Content-Type": "application/json; charset=utf-8", **(headers or {})},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:  # noqa: S310
            return response.status, response.read(ANSWER_LIMIT)
    except urllib.error.HTTPError as error:
        raise SendError(f"HTTP {error.code} {error.reason}") from None
    except urllib.error.URLError as error:
        raise SendError(str(error.reason)) from None
    except (TimeoutError, OSError) as error:
        raise SendError(str(error) or type(error).__name__) from None


def wecom_text(subject: str, body: str) -> str:
    return f"{subject}\n{body}" if subject else body


def send_wecom(webhook_url: str, *, subject: str, body: str) -> None:
    payload = {"msgtype": "text", "text": {"content": wecom_text(subject, body)}}
    _status, answer = _post_json(webhook_url, payload)
    try:
        reply = json.loads(answer.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise SendError("WeCom answered something that is not JSON") from None
    if not isinstance(reply, dict) or reply.get("errcode") != 0:
        code = reply.get("errcode") if isinstance(reply, dict) else None
        message = reply.get("errmsg", "") if isinstance(reply, dict) else ""
        raise SendError(f"WeCom errcode {code}: {str(message)[:200]}")


def sms_text(subject: str, body: str) -> str:
    return f"【{subject}】{body}" if subject else body


def _fill(template, values: dict):
    if isinstance(template, str):
        for name, value in values.items():
            template = template.replace("{" + name + "}", value)
        return template
    if isinstance(template, dict):
        return {key: _fill(item, values) for key, item in template.items()}
    if isinstance(template, list):
        return [_fill(item, values) for item in template]
    return template


def sms_payload(phone: str, text: str, template: str | None = None):
    """The gateway's JSON body: the template with {phone} and {text} filled in."""
    try:
        shape = json.loads(template if template is not None else settings.KAPOK_SMS_TEMPLATE)
    except ValueError:
        raise SendError("KAPOK_SMS_TEMPLATE is not JSON") from None
    return _fill(shape, {"phone": phone, "text": text})


def send_sms(phone: str, *, subject: str, body: str) -> None:
    url = settings.KAPOK_SMS_GATEWAY_URL
    if not url:
        raise SendError("no SMS gateway is configured (KAPOK_SMS_GATEWAY_URL)")
    headers = {}
    if settings.KAPOK_SMS_GATEWAY_TOKEN:
        headers["Authorization"] = f"Bearer {settings.KAPOK_SMS_GATEWAY_TOKEN}"
    status, _answer = _post_json(url, sms_payload(phone, sms_text(subject, body)), headers=headers)
    if not 200 <= status < 300:
        raise SendError(f"HTTP {status}")


def send_email(address: str, *, subject: str, body: str) -> None:
    try:
        sent = send_mail(subject or body[:60], body, None, [address], fail_silently=False)
    except (smtplib.SMTPException, OSError) as error:
        raise SendError(f"{type(error).__name__}: {error}") from None
    if not sent:
        raise SendError("the mail relay took no message")
