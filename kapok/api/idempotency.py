"""``Idempotency-Key`` on POSTs: a request sent again (a retry after a time-out) is answered with
the first answer, and nothing is done twice.

    return idempotent(request, integration, lambda: act_and_answer())

The key is claimed, the work done and its answer stored in ONE transaction. Of two identical
requests at once, the second one's claim waits on the unique constraint until the first commits,
then fails, and the stored answer is replayed; if the first rolled back, the second goes ahead.
A key is kept KEPT_FOR (24 hours) and then purged daily (kapok.site.daily).
"""

import datetime as dt
import hashlib
import json

from django.db import IntegrityError, transaction
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from kapok.api.errors import error_response
from kapok.api.models import IdempotencyKey, Integration

HEADER = "Idempotency-Key"
REPLAY_HEADER = "Idempotent-Replayed"
KEY_MAX = 255
KEPT_FOR = dt.timedelta(hours=24)


def fingerprint(request: HttpRequest) -> str:
    digest = hashlib.sha256()
    for part in (request.method.encode(), request.path.encode(), request.body):
        digest.update(part)
        digest.update(b"\0")
    return digest.hexdigest()


def _replay(stored: IdempotencyKey, print_: str) -> JsonResponse:
    if stored.fingerprint != print_:
        return error_response(
            422,
            "idempotency_key_reused",
            _(
                "This Idempotency-Key was used for another request: use a new key for a new "
                "request."
            ),
        )
    if stored.response_status is None:  # not expected: the claim commits with its answer
        response = error_response(
            409, "idempotency_key_in_progress", _("A request with this key is still running.")
        )
        response["Retry-After"] = "1"
        return response
    response = JsonResponse(
        stored.response_body,
        status=stored.response_status,
        safe=False,
        json_dumps_params={"ensure_ascii": False},
    )
    response[REPLAY_HEADER] = "true"
    return response


def idempotent(request: HttpRequest, integration: Integration, act) -> JsonResponse:
    """Run ``act()`` (which returns a JsonResponse) once per key; replay its answer after."""
    key = request.headers.get(HEADER)
    if key is None:
        return act()
    key = key.strip()
    if not key or len(key) > KEY_MAX or not key.isprintable():
        return error_response(
            422,
            "idempotency_key_invalid",
            _("The Idempotency-Key must be 1 to %(max)s printable characters.") % {"max": KEY_MAX},
        )
    print_ = fingerprint(request)
    stored = IdempotencyKey.objects.filter(integration=integration, key=key).first()
    if stored is not None:
        return _replay(stored, print_)
    try:
        with transaction.atomic():
            claim = IdempotencyKey.objects.create(
                integration=integration, key=key, fingerprint=print_
            )
            response = act()
            if response.status_code >= 500:
                # Not an answer to keep: undo the claim (and anything done) so a retry may work.
                transaction.set_rollback(True)
                return response
            claim.response_status = response.status_code
            claim.response_body = json.loads(response.content or b"null")
            claim.save(update_fields=["response_status", "response_body"])
    except IntegrityError:
        # Another request with this key committed first: answer as it was answered.
        stored = IdempotencyKey.objects.filter(integration=integration, key=key).first()
        if stored is None:
            raise
        return _replay(stored, print_)
    return response


def purge_idempotency_keys(now: dt.datetime | None = None) -> int:
    """Forget keys older than KEPT_FOR; how many went. Run daily (kapok.site.daily)."""
    before = (now or timezone.now()) - KEPT_FOR
    deleted, _by_model = IdempotencyKey.objects.filter(created_at__lt=before).delete()
    return deleted
