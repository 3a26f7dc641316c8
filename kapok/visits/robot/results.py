"""Results of robot calls: received on the webhook, read, recorded as visits, or reviewed.

The webhook, ``POST /api/v1/robot/results`` (kapok.visits.robot.api), takes one result per
request, signed with the vendor's secret as kapok.visits.robot.signing says (X-Kapok-Vendor,
X-Kapok-Timestamp, X-Kapok-Signature), a JSON object of at most MAX_BODY bytes::

    {"result_id": "acme-20260428-000123",   # required, the vendor's id, unique per vendor
     "task_id": 345,                        # required, from the batch
     "call_status": "answered",             # required, one of CALL_STATUSES
     "duration_seconds": 63,                # optional
     "transcript": "米吃完了，药也只剩两天",    # what the person said; optional if not answered
     "recording_url": "https://…/345.mp3",  # optional
     "called_at": "2026-04-28T10:15:00+08:00"}  # optional, ISO 8601 with its offset

Answers (JSON):

- 201 and what Kapok did — ``{"result_id", "task_id", "handling": "RECORDED" | "TO_REVIEW" |
  "TASK_FINISHED", "outcome", "visit_id", "review", "callback_task_id", "duplicate": false}``;
- 200 and the same, ``"duplicate": true``, for a result id already received: nothing is done
  twice (a unique constraint on vendor and result id backs this; of two identical posts at the
  same moment one stores the result, the other waits for it and is answered as a replay);
- 401 ``{"error"}`` for an unknown vendor, a bad signature or a timestamp over five minutes
  off; 413 for a body over MAX_BODY; 400 ``{"error", "field"}`` for a body that is not a JSON
  object or a field missing or of the wrong kind; 422 ``{"error", "field": "task_id"}`` for a
  task that was not sent to this vendor. Nothing is stored then.

Reading. ``call_status`` other than "answered" says the call did not connect and outranks the
transcript: the visit is unreached (no answer, phone off, wrong number) and the task is tried
again after its gap, as for a human caller. An answered call's transcript is read
(kapok.visits.robot.reading): a carrier message is an unreached visit too; a person reached gives
a REACHED visit with the needs heard, each a Need. A reading less confident than REVIEW_BELOW, or
one where a person answered without saying either what they need or that they are fine, waits
in the review queue, where a caller or leader confirms or corrects it and the visit is recorded
then. Every emergency makes a human call-back and an alert at once, reviewed or not
(kapok.visits.robot.alerts). A result for a task already finished is kept, and records no visit.
"""

import datetime as dt
import json
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from kapok.access.policy import scope_of
from kapok.accounts.roles import Capability
from kapok.audit.actions import log_action
from kapok.audit.masking import mask_text
from kapok.needs.kinds import NeedKind, Urgency
from kapok.visits.calling import NeedFound, record_visit
from kapok.visits.models import CallTask, Channel, RobotResult, RobotVendor, Visit
from kapok.visits.robot.alerts import call_back
from kapok.visits.robot.reading import RobotReading, read
from kapok.visits.robot.signing import SignatureError, verify
from kapok.visits.robot.vendors import vendor_secret

MAX_BODY = 256 * 1024  # bytes: a transcript of a long call is a few kilobytes
MAX_TRANSCRIPT = 20_000  # characters
NEED_DESCRIPTION_LENGTH = 500

# The vendor's call status: None for a call that connected (the transcript tells the rest), else
# the outcome of a call that did not.
CALL_STATUSES = {
    "answered": None,
    "no_answer": Visit.Outcome.NO_ANSWER,
    "busy": Visit.Outcome.NO_ANSWER,
    "rejected": Visit.Outcome.NO_ANSWER,
    "failed": Visit.Outcome.NO_ANSWER,
    "powered_off": Visit.Outcome.POWERED_OFF,
    "unreachable": Visit.Outcome.POWERED_OFF,
    "invalid_number": Visit.Outcome.WRONG_NUMBER,
}
FINISHED = (CallTask.Status.DONE, CallTask.Status.UNREACHED, CallTask.Status.CANCELLED)


@dataclass(frozen=True)
class Answer:
    """The webhook's reply: HTTP status and JSON body."""

    status: int
    body: dict


class PayloadError(Exception):
    def __init__(self, field: str | None, message: str, status: int = 400):
        super().__init__(message)
        self.field = field
        self.message = message
        self.status = status

    def answer(self) -> Answer:
        return Answer(self.status, {"error": self.message, "field": self.field})


class ReviewError(ValidationError):
    pass


@dataclass
class Fields:
    result_id: str
    task: CallTask
    call_status: str
    duration_seconds: int | None = None
    transcript: str = ""
    recording_url: str = ""
    called_at: dt.datetime | None = None


@dataclass
class Decision:
    """What a result means: the visit's outcome and needs, and whether a human checks first."""

    outcome: str
    needs: list[tuple[str, str]] = field(default_factory=list)
    has_difficulty: bool = False
    review_reason: str = ""
    emergency: bool = False


# ---------------------------------------------------------------------------------------------
# Receiving
# ---------------------------------------------------------------------------------------------


def receive(
    *,
    vendor_code: str | None,
    timestamp: str | None,
    signature: str | None,
    body: bytes,
    now: dt.datetime | None = None,
) -> Answer:
    """Check, store and act on one posted result; the webhook view and the simulated vendor
    both come through here."""
    now = now or timezone.now()
    vendor = (
        RobotVendor.objects.filter(code=vendor_code, is_active=True).first()
        if vendor_code
        else None
    )
    if vendor is None:
        return Answer(401, {"error": "unknown or inactive vendor (X-Kapok-Vendor)"})
    try:
        verify(vendor_secret(vendor), timestamp=timestamp or "", signed=signature or "", body=body)
    except SignatureError as error:
        return Answer(401, {"error": str(error)})
    if len(body) > MAX_BODY:
        return Answer(413, {"error": f"the body is over {MAX_BODY} bytes"})
    try:
        data = _parse(body)
        result_id = _result_id(data)
        stored = _stored(vendor, result_id)
        if stored is not None:
            return Answer(200, outcome_of(stored, duplicate=True))
        fields = _validate(vendor, data, result_id, now)
    except PayloadError as error:
        return error.answer()
    try:
        with transaction.atomic():
            result = _store_and_handle(vendor, fields, now)
    except IntegrityError:
        # The same result posted at the same moment: the other post stored it.
        stored = _stored(vendor, fields.result_id)
        if stored is None:
            raise
        return Answer(200, outcome_of(stored, duplicate=True))
    return Answer(201, outcome_of(result, duplicate=False))


def _stored(vendor: RobotVendor, result_id: str) -> RobotResult | None:
    """The result already received from the vendor with this id, if any."""
    return RobotResult.objects.filter(vendor=vendor, result_id=result_id).first()


def _parse(body: bytes) -> dict:
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise PayloadError(None, "the body is not JSON in UTF-8") from None
    if not isinstance(data, dict):
        raise PayloadError(None, "the body must be a JSON object")
    return data


def _result_id(data: dict) -> str:
    value = data.get("result_id")
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not value.strip():
        raise PayloadError("result_id", "result_id is required: the vendor's id of this result")
    if len(value) > 100:
        raise PayloadError("result_id", "result_id is longer than 100 characters")
    return value.strip()


def _optional_int(data: dict, name: str, maximum: int) -> int | None:
    value = data.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= maximum:
        raise PayloadError(name, f"{name} must be a whole number from 0 to {maximum}")
    return value


def _validate(vendor: RobotVendor, data: dict, result_id: str, now: dt.datetime) -> Fields:
    task_id = data.get("task_id")
    if isinstance(task_id, str) and task_id.isdigit():
        task_id = int(task_id)
    if isinstance(task_id, bool) or not isinstance(task_id, int):
        raise PayloadError("task_id", "task_id is required: the id of a task in a batch")
    task = (
        CallTask.objects.filter(pk=task_id, robot_batches__vendor=vendor)
        .select_related("person")
        .first()
    )
    if task is None:
        raise PayloadError("task_id", "no task with this task_id was sent to you", status=422)
    call_status = data.get("call_status")
    if call_status not in CALL_STATUSES:
        raise PayloadError(
            "call_status", f"call_status must be one of: {', '.join(sorted(CALL_STATUSES))}"
        )
    transcript = data.get("transcript") or ""
    if not isinstance(transcript, str):
        raise PayloadError("transcript", "transcript must be text")
    if len(transcript) > MAX_TRANSCRIPT:
        raise PayloadError("transcript", f"transcript is over {MAX_TRANSCRIPT} characters")
    recording_url = data.get("recording_url") or ""
    if recording_url:
        try:
            if not isinstance(recording_url, str) or len(recording_url) > 500:
                raise ValidationError("too long")
            URLValidator(schemes=["http", "https"])(recording_url)
        except ValidationError:
            raise PayloadError(
                "recording_url", "recording_url must be an http(s) URL of at most 500 characters"
            ) from None
    called_at = data.get("called_at")
    if called_at is not None:
        parsed = parse_datetime(called_at) if isinstance(called_at, str) else None
        if parsed is None or timezone.is_naive(parsed) or parsed > now + dt.timedelta(minutes=5):
            raise PayloadError(
                "called_at", "called_at must be an ISO 8601 moment with its offset, not ahead"
            )
        called_at = parsed
    return Fields(
        result_id=result_id,
        task=task,
        call_status=call_status,
        duration_seconds=_optional_int(data, "duration_seconds", 86_400),
        transcript=transcript,
        recording_url=recording_url,
        called_at=called_at,
    )


def decide(call_status: str, reading: RobotReading | None) -> Decision:
    """The visit a result makes (see the module docstring)."""
    not_connected = CALL_STATUSES[call_status]
    if not_connected is not None or reading is None:
        return Decision(outcome=not_connected or Visit.Outcome.NO_ANSWER)
    if not reading.reached:
        return Decision(
            outcome=reading.unreached_outcome,
            review_reason="" if reading.confident else "unsure",
        )
    decision = Decision(
        outcome=Visit.Outcome.REACHED,
        needs=list(reading.needs),
        has_difficulty=not reading.ok,
        emergency=reading.is_emergency,
    )
    if not reading.confident:
        decision.review_reason = "unsure"
    elif not reading.ok and not reading.needs:
        decision.review_reason = "no_answer_to_the_question"
    return decision


def _needs_found(needs, transcript: str) -> list[NeedFound]:
    description = mask_text(" ".join(transcript.split()))[:NEED_DESCRIPTION_LENGTH]
    return [NeedFound(kind, urgency, description) for kind, urgency in needs]


def _store_and_handle(vendor: RobotVendor, fields: Fields, now: dt.datetime) -> RobotResult:
    task = CallTask.objects.select_for_update(of=("self",)).get(pk=fields.task.pk)
    answered = CALL_STATUSES[fields.call_status] is None
    reading = read(fields.transcript) if answered else None
    decision = decide(fields.call_status, reading)
    result = RobotResult.objects.create(
        vendor=vendor,
        result_id=fields.result_id,
        task=task,
        call_status=fields.call_status,
        duration_seconds=fields.duration_seconds,
        transcript=fields.transcript,
        recording_url=fields.recording_url,
        called_at=fields.called_at,
        region_code=task.region_code,
        reading={
            **(reading.as_dict() if reading else {}),
            "outcome": decision.outcome,
            "review_reason": decision.review_reason,
        },
    )
    if decision.emergency:
        call_back(
            task,
            needs=[kind for kind, _urgency in decision.needs],
            transcript=fields.transcript,
            result=result,
            now=now,
        )
    if task.status in FINISHED:
        result.handling = RobotResult.Handling.TASK_FINISHED
    elif decision.review_reason:
        result.handling = RobotResult.Handling.TO_REVIEW
        result.review = RobotResult.Review.PENDING
    else:
        result.visit = record_visit(
            task,
            actor=None,
            outcome=decision.outcome,
            has_difficulty=decision.has_difficulty,
            needs=_needs_found(decision.needs, fields.transcript),
            channel=Channel.ROBOT,
            transcript=fields.transcript,
            duration_seconds=fields.duration_seconds,
            now=fields.called_at or now,
        )
        result.handling = RobotResult.Handling.RECORDED
    result.save(update_fields=["handling", "review", "visit"])
    log_action(
        "visits.robot_result.received",
        obj=result,
        data={
            "vendor": vendor.code,
            "result_id": fields.result_id,
            "task": task.pk,
            "call_status": fields.call_status,
            "handling": result.handling,
            "outcome": decision.outcome,
            "needs": [kind for kind, _urgency in decision.needs],
            "urgency": reading.urgency if reading else None,
            "confidence": reading.confidence if reading else None,
        },
    )
    return result


def outcome_of(result: RobotResult, *, duplicate: bool) -> dict:
    """What Kapok did with a result, as the webhook answers it."""
    callback = (
        CallTask.objects.filter(origin_id=result.task_id, kind=CallTask.Kind.CALLBACK)
        .values_list("pk", flat=True)
        .first()
    )
    visit = Visit.objects.filter(pk=result.visit_id).values_list("outcome", flat=True).first()
    return {
        "result_id": result.result_id,
        "task_id": result.task_id,
        "handling": result.handling,
        "review": result.review,
        "outcome": visit or result.reading.get("outcome"),
        "visit_id": result.visit_id,
        "callback_task_id": callback,
        "duplicate": duplicate,
    }


# ---------------------------------------------------------------------------------------------
# The review queue
# ---------------------------------------------------------------------------------------------


def may_review(user) -> bool:
    return user.can(Capability.VISIT_CALL) or user.can(Capability.TEAM_LEAD)


def review_queue(user):
    """The results waiting for a human to read them, of the user's area, oldest first."""
    from kapok.access.policy import scoped

    return (
        scoped(RobotResult.objects.filter(review=RobotResult.Review.PENDING), user)
        .select_related("task__person", "vendor")
        .order_by("received_at", "pk")
    )


@transaction.atomic
def review_result(
    result: RobotResult,
    *,
    actor,
    outcome: str,
    has_difficulty: bool = False,
    needs: list[tuple[str, str]] = (),
    notes: str = "",
    now: dt.datetime | None = None,
) -> Visit | None:
    """A caller or leader has read the transcript: record the visit as they read it (the
    robot's reading confirmed, or corrected). An emergency they hear gets its call-back now.
    Returns the visit; None when the task had been finished meanwhile."""
    if not may_review(actor):
        raise PermissionDenied(_("Your roles do not allow reviewing robot calls."))
    if not scope_of(actor).covers(result.region_code):
        raise PermissionDenied(_("This person lives outside your area."))
    now = now or timezone.now()
    needs = [(str(kind), str(urgency)) for kind, urgency in needs]
    if outcome not in Visit.Outcome.values:
        raise ReviewError(_("Unknown outcome."), code="outcome")
    if needs and outcome != Visit.Outcome.REACHED:
        raise ReviewError(_("Needs can only be recorded for a person reached."), code="needs")
    for kind, urgency in needs:
        if kind not in NeedKind.values or urgency not in Urgency.values:
            raise ReviewError(_("Unknown kind of need or urgency."), code="need_kind")
    claimed = RobotResult.objects.filter(pk=result.pk, review=RobotResult.Review.PENDING).update(
        review=RobotResult.Review.DONE, reviewed_by=actor, reviewed_at=now
    )
    if not claimed:
        raise ReviewError(_("Someone has reviewed this call already."), code="reviewed")
    task = CallTask.objects.select_for_update(of=("self",)).get(pk=result.task_id)
    if outcome == Visit.Outcome.REACHED and any(u == Urgency.EMERGENCY for _k, u in needs):
        call_back(
            task,
            needs=[kind for kind, _urgency in needs],
            transcript=result.transcript,
            result=result,
            actor=actor,
            now=now,
        )
    visit = None
    if task.status not in FINISHED:
        visit = record_visit(
            task,
            actor=None,
            outcome=outcome,
            has_difficulty=has_difficulty,
            needs=_needs_found(needs, result.transcript),
            notes=notes,
            channel=Channel.ROBOT,
            transcript=result.transcript,
            duration_seconds=result.duration_seconds,
            now=now,
        )
        RobotResult.objects.filter(pk=result.pk).update(visit=visit)
    reading = result.reading or {}
    read_as = (
        reading.get("outcome"),
        sorted((n["kind"], n["urgency"]) for n in reading.get("needs", ())),
    )
    log_action(
        "visits.robot_result.reviewed",
        actor=actor,
        obj=result,
        data={
            "task": task.pk,
            "outcome": outcome,
            "needs": [kind for kind, _urgency in needs],
            "confirmed": read_as == (outcome, sorted(needs)),
            "visit": visit.pk if visit else None,
        },
    )
    return visit
