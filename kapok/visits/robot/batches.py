"""The day's robot tasks, sent to the vendor as a batch: a signed HTTPS POST of JSON, or a CSV
file a leader downloads and hands over.

    batch = prepare_batch(vendor, actor=leader)   # the robot tasks due now, marked as with it
    send_batch(batch.pk)                          # (the background task does this) POST, or
    batch_csv(batch, actor=leader)                # the same rows as a CSV file

Which tasks. The CALL tasks of the day of the vendor's robot teams that are due: open (a retry
waits its gap, as for human callers), or sent more than RESEND_AFTER ago without an answer. A
task in a batch is CLAIMED (by nobody) until its result comes back: the result records the
visit, and an unreached person's task is open again after its gap, for a later batch. Tasks whose
result waits for a human review are not sent again.

The POST (Content-Type: application/json; charset=utf-8, signed as kapok.visits.robot.signing
says, plus X-Kapok-Batch: the batch's id)::

    {"batch_id": 12, "vendor": "acme", "day": "2026-04-28",
     "script": "您好，这里是民政局，请问您目前有没有遇到基本生活困难？",
     "tasks": [{"task_id": 345, "name": "张三", "phone": "13800001234",
                "phones": ["13800001234", "02081234567"], "attempt": 1}]}

``phone`` is the number this attempt dials (each retry the person's next number); the vendor
answers 2xx when it has taken the batch. Anything else, or no answer within SEND_TIMEOUT seconds,
marks the batch FAILED with the reason; it is retried from the batches page (or by
``kapok robot send``), with the same tasks.
"""

import csv
import datetime as dt
import io
import json
import urllib.error
import urllib.request
from functools import partial

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from kapok.access.policy import is_region_restricted
from kapok.accounts.roles import Capability
from kapok.audit.actions import log_action
from kapok.audit.masking import mask_text
from kapok.visits.calling import phone_to_try
from kapok.visits.models import CallTask, RobotBatch, RobotResult, RobotVendor, Team
from kapok.visits.robot.signing import signed_headers
from kapok.visits.robot.vendors import check_batch_url, vendor_secret

SCRIPT = "您好，这里是民政局，请问您目前有没有遇到基本生活困难？"
SEND_TIMEOUT = 15  # seconds
RESEND_AFTER = dt.timedelta(hours=3)
STALE_SENDING = dt.timedelta(minutes=5)  # a send that took longer died with its worker
CSV_COLUMNS = ["task_id", "name", "phone", "phones", "attempt", "day"]


class BatchError(ValidationError):
    pass


class DeliveryError(Exception):
    """The vendor did not take the batch."""


def check_may_send(actor) -> None:
    """Batches carry people of the whole city: city-level team leaders send them (or the
    command line and the worker, without an actor)."""
    if actor is None:
        return
    if not actor.can(Capability.TEAM_LEAD) or is_region_restricted(actor):
        raise PermissionDenied(_("Only a city-level team leader sends robot-call batches."))


def due_tasks(vendor: RobotVendor, day: dt.date, now: dt.datetime):
    return (
        CallTask.objects.filter(
            team__kind=Team.Kind.ROBOT,
            team__vendor=vendor,
            team__is_active=True,
            day=day,
            kind=CallTask.Kind.CALL,
        )
        .filter(
            Q(status=CallTask.Status.OPEN)
            | Q(
                status=CallTask.Status.CLAIMED,
                claimed_by__isnull=True,
                claimed_at__lt=now - RESEND_AFTER,
            )
        )
        .filter(Q(not_before__isnull=True) | Q(not_before__lte=now))
        .exclude(
            pk__in=RobotResult.objects.filter(review=RobotResult.Review.PENDING).values("task")
        )
    )


@transaction.atomic
def prepare_batch(
    vendor: RobotVendor,
    *,
    actor=None,
    day: dt.date | None = None,
    now: dt.datetime | None = None,
    send: bool = True,
) -> RobotBatch | None:
    """A batch of the vendor's robot tasks due now (None when there are none). A vendor that
    takes batches by POST is sent it by a background task once this commits (``send=False``:
    the caller sends it)."""
    check_may_send(actor)
    if not vendor.is_active:
        raise BatchError(_("This vendor is switched off."), code="inactive")
    now = now or timezone.now()
    day = day or timezone.localdate(now)
    pks = list(
        due_tasks(vendor, day, now)
        .select_for_update(of=("self",))
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if not pks:
        return None
    batch = RobotBatch.objects.create(vendor=vendor, day=day, prepared_by=actor)
    CallTask.objects.filter(pk__in=pks).update(
        status=CallTask.Status.CLAIMED, claimed_by=None, claimed_at=now, updated_at=now
    )
    batch.tasks.add(*pks)
    log_action(
        "visits.robot_batch.prepared",
        actor=actor,
        obj=batch,
        data={"vendor": vendor.code, "day": day.isoformat(), "tasks": len(pks)},
    )
    if send and takes_posts(vendor):
        _queue_send(batch)
    return batch


def takes_posts(vendor: RobotVendor) -> bool:
    return vendor.is_simulated or vendor.delivery == RobotVendor.Delivery.HTTPS


def _queue_send(batch: RobotBatch) -> None:
    from kapok.visits.robot.tasks import send_robot_batch

    transaction.on_commit(partial(send_robot_batch.enqueue, batch.pk))


def batch_rows(batch: RobotBatch) -> list[dict]:
    """One row per task of the batch, in the order of their ids."""
    tasks = batch.tasks.select_related("person").order_by("pk")
    return [
        {
            "task_id": task.pk,
            "name": task.person.name,
            "phone": phone_to_try(task) or "",
            "phones": list(task.person.phones),
            "attempt": task.attempts + 1,
        }
        for task in tasks
    ]


def batch_body(batch: RobotBatch) -> bytes:
    payload = {
        "batch_id": batch.pk,
        "vendor": batch.vendor.code,
        "day": batch.day.isoformat(),
        "script": SCRIPT,
        "tasks": batch_rows(batch),
    }
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()


def post_batch(batch: RobotBatch, *, now: dt.datetime | None = None) -> int:
    """POST the batch, signed; returns the vendor's HTTP status. Raises DeliveryError."""
    vendor = batch.vendor
    body = batch_body(batch)
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "X-Kapok-Batch": str(batch.pk),
        **signed_headers(vendor_secret(vendor), body, now=now),
    }
    try:
        check_batch_url(vendor.delivery, vendor.batch_url)
    except ValidationError as error:
        raise DeliveryError(error.messages[0]) from None
    # Only http(s) gets here (check_batch_url): no file: or custom schemes.
    request = urllib.request.Request(  # noqa: S310
        vendor.batch_url, data=body, headers=headers, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=SEND_TIMEOUT) as response:  # noqa: S310
            response.read(4096)
            return response.status
    except urllib.error.HTTPError as error:
        raise DeliveryError(f"HTTP {error.code} {error.reason}") from None
    except urllib.error.URLError as error:
        raise DeliveryError(str(error.reason)) from None
    except (TimeoutError, OSError) as error:
        raise DeliveryError(str(error) or type(error).__name__) from None


def send_batch(batch_id: int, *, now: dt.datetime | None = None) -> str:
    """Send a waiting batch (the background task's work): POST it, or hand it to the simulated
    vendor, which answers through the webhook's code path. Returns the batch's status; SKIPPED
    when it was not waiting (another worker has it, or it was sent)."""
    now = now or timezone.now()
    claimed = (
        RobotBatch.objects.filter(pk=batch_id)
        .filter(
            Q(status=RobotBatch.Status.PENDING)
            | Q(status=RobotBatch.Status.SENDING, last_attempt_at__lt=now - STALE_SENDING)
        )
        .exclude(vendor__delivery=RobotVendor.Delivery.CSV, vendor__is_simulated=False)
        .update(
            status=RobotBatch.Status.SENDING,
            attempts=F("attempts") + 1,
            last_attempt_at=now,
            error="",
        )
    )
    if not claimed:
        return "SKIPPED"
    batch = RobotBatch.objects.select_related("vendor").get(pk=batch_id)
    try:
        if not batch.vendor.is_simulated:
            post_batch(batch, now=now)
    except DeliveryError as error:
        reason = mask_text(str(error))[:1000]
        RobotBatch.objects.filter(pk=batch_id).update(status=RobotBatch.Status.FAILED, error=reason)
        log_action(
            "visits.robot_batch.failed",
            obj=batch,
            data={"attempt": batch.attempts, "error": reason},
        )
        return RobotBatch.Status.FAILED.value
    RobotBatch.objects.filter(pk=batch_id).update(status=RobotBatch.Status.SENT, sent_at=now)
    log_action("visits.robot_batch.sent", obj=batch, data={"attempt": batch.attempts})
    if batch.vendor.is_simulated:
        from kapok.visits.robot.simulated import answer_batch

        answer_batch(batch)
    return RobotBatch.Status.SENT.value


@transaction.atomic
def retry_batch(batch: RobotBatch, *, actor) -> bool:
    """Send a failed batch again (its tasks are still held for it). False if it had not
    failed."""
    check_may_send(actor)
    retried = RobotBatch.objects.filter(pk=batch.pk, status=RobotBatch.Status.FAILED).update(
        status=RobotBatch.Status.PENDING
    )
    if retried:
        log_action("visits.robot_batch.retried", actor=actor, obj=batch)
        _queue_send(batch)
    return bool(retried)


def _cell(value: str) -> str:
    """Text a spreadsheet will not run as a formula."""
    return f"'{value}" if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


@transaction.atomic
def batch_csv(batch: RobotBatch, *, actor, now: dt.datetime | None = None) -> str:
    """The batch as CSV, for vendors that take files: numbers in clear (the vendor dials them),
    so the download is in the audit log. The first download of a CSV vendor's batch sends it."""
    check_may_send(actor)
    now = now or timezone.now()
    output = io.StringIO()
    writer = csv.writer(output)
    writer.writerow(CSV_COLUMNS)
    rows = batch_rows(batch)
    for row in rows:
        writer.writerow(
            [
                row["task_id"],
                _cell(row["name"]),
                row["phone"],
                " ".join(row["phones"]),
                row["attempt"],
                batch.day.isoformat(),
            ]
        )
    if batch.vendor.delivery == RobotVendor.Delivery.CSV:
        RobotBatch.objects.filter(
            pk=batch.pk, status__in=(RobotBatch.Status.PENDING, RobotBatch.Status.FAILED)
        ).update(
            status=RobotBatch.Status.SENT,
            sent_at=now,
            attempts=F("attempts") + 1,
            last_attempt_at=now,
        )
    log_action("visits.robot_batch.downloaded", actor=actor, obj=batch, data={"rows": len(rows)})
    return output.getvalue()
