"""Delivery of the outbox: each message sent once, retried with growing pauses, given up after
KAPOK_NOTIFY_MAX_ATTEMPTS tries.

    deliver(notification_id)   # the background task's work for one row; "SENT", "PENDING"
                               # (to be tried again), "FAILED" (given up) or "SKIPPED"
    deliver_due()              # every row due now: the periodic job (kapok.site.periodic)

Never twice. A worker sends a row only after its conditional UPDATE claimed it (PENDING and due
→ SENDING, in one statement): when two workers try the same row at once, the database lets one
of them match and the other does nothing. While SENDING, ``next_attempt_at`` holds the end of the
claim (STALE_SENDING from the claim).

The one exception. A row still SENDING after STALE_SENDING belonged to a worker that died (a
send gives up after 10 seconds). ``deliver_due`` puts it back to PENDING, to be sent again.
If that worker died after the outside service took the message but before the row was marked
SENT, the message goes out a second time: the only way a message can be sent twice.

Back-off: after the n-th failed try the row waits BACKOFF[n - 1] (30 s, 2 min, 10 min, 30 min,
1 h, then 2 h for every later try). The error is kept, masked (no webhook key, phone or ID
number in it); giving up is written to the audit log.
"""

import datetime as dt
import logging
import time

from django.conf import settings
from django.db.models import F
from django.utils import timezone

from kapok.audit.actions import log_action
from kapok.notifications.models import ChannelKind, Notification
from kapok.notifications.recipients import open_recipient, scrub
from kapok.notifications.senders import SendError, send_email, send_sms, send_wecom

logger = logging.getLogger(__name__)

BACKOFF = (
    dt.timedelta(seconds=30),
    dt.timedelta(minutes=2),
    dt.timedelta(minutes=10),
    dt.timedelta(minutes=30),
    dt.timedelta(hours=1),
    dt.timedelta(hours=2),
)
STALE_SENDING = dt.timedelta(minutes=5)
DUE_BATCH = 200  # rows read at a time by deliver_due
DUE_BUDGET_SECONDS = 50  # deliver_due stops starting new sends after this long

SENDERS = {
    ChannelKind.WECOM: send_wecom,
    ChannelKind.SMS: send_sms,
    ChannelKind.EMAIL: send_email,
}


def backoff(attempts: int) -> dt.timedelta:
    """The pause after the ``attempts``-th failed try."""
    return BACKOFF[min(max(attempts, 1), len(BACKOFF)) - 1]


def max_attempts() -> int:
    return settings.KAPOK_NOTIFY_MAX_ATTEMPTS


def deliver(notification_id: int, *, now: dt.datetime | None = None) -> str:
    """Send one row if it is due and no other worker has it. ``now`` fixes the clock (tests)."""
    moment = now or timezone.now()
    claimed = (
        Notification.objects.due(moment)
        .filter(pk=notification_id)
        .update(
            status=Notification.Status.SENDING,
            attempts=F("attempts") + 1,
            next_attempt_at=moment + STALE_SENDING,
            updated_at=moment,
        )
    )
    if not claimed:
        return "SKIPPED"
    notification = Notification.objects.get(pk=notification_id)
    recipient = ""
    try:
        recipient = open_recipient(notification.recipient_encrypted)
        SENDERS[notification.kind](recipient, subject=notification.subject, body=notification.body)
    except Exception as error:  # whatever went wrong is kept, and tried again later
        reason = error if isinstance(error, SendError) else f"{type(error).__name__}: {error}"
        return _failed(
            notification, scrub(str(reason), recipient)[:1000], now=now or timezone.now()
        )
    finished = now or timezone.now()
    Notification.objects.filter(pk=notification_id).update(
        status=Notification.Status.SENT, sent_at=finished, last_error="", updated_at=finished
    )
    logger.info(
        "notification %s sent by %s to %s (try %s)",
        notification.pk,
        notification.kind,
        notification.recipient_masked,
        notification.attempts,
    )
    return Notification.Status.SENT.value


def _failed(notification: Notification, reason: str, *, now: dt.datetime) -> str:
    gave_up = notification.attempts >= max_attempts()
    status = Notification.Status.FAILED if gave_up else Notification.Status.PENDING
    Notification.objects.filter(pk=notification.pk).update(
        status=status,
        next_attempt_at=now if gave_up else now + backoff(notification.attempts),
        last_error=reason,
        updated_at=now,
    )
    logger.warning(
        "notification %s by %s to %s failed (try %s%s): %s",
        notification.pk,
        notification.kind,
        notification.recipient_masked,
        notification.attempts,
        ", given up" if gave_up else "",
        reason,
    )
    if gave_up:
        log_action(
            "notifications.notification.gave_up",
            obj=notification,
            data={"attempts": notification.attempts, "error": reason, "event": notification.event},
        )
    return status.value


def release_stale(now: dt.datetime | None = None) -> int:
    """Put rows whose worker died while sending back in the queue; how many."""
    now = now or timezone.now()
    released = Notification.objects.filter(
        status=Notification.Status.SENDING, next_attempt_at__lte=now
    ).update(status=Notification.Status.PENDING, updated_at=now)
    if released:
        logger.warning("%s notifications left sending by a dead worker are queued again", released)
    return released


def deliver_many(ids, *, now: dt.datetime | None = None) -> dict:
    """Deliver the given rows (those of one notify() call); counts by outcome."""
    counts: dict[str, int] = {}
    for notification_id in ids:
        outcome = deliver(notification_id, now=now)
        counts[outcome] = counts.get(outcome, 0) + 1
    return counts


def deliver_due(
    *, now: dt.datetime | None = None, budget_seconds: float = DUE_BUDGET_SECONDS
) -> dict:
    """Deliver every row due now, oldest first; the periodic job. Stops starting new sends after
    ``budget_seconds`` (the rest waits for the next run). Returns counts by outcome, and how
    many stale claims were released."""
    started = time.monotonic()
    released = release_stale(now)
    counts: dict[str, int] = {"released": released} if released else {}
    seen: set[int] = set()
    while time.monotonic() - started < budget_seconds:
        moment = now or timezone.now()
        ids = [
            pk
            for pk in Notification.objects.due(moment)
            .order_by("next_attempt_at", "pk")
            .values_list("pk", flat=True)[:DUE_BATCH]
            if pk not in seen
        ]
        if not ids:
            break
        for notification_id in ids:
            seen.add(notification_id)
            outcome = deliver(notification_id, now=now)
            counts[outcome] = counts.get(outcome, 0) + 1
            if time.monotonic() - started >= budget_seconds:
                break
    return counts
