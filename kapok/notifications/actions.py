"""Notifications: telling a unit's people about an event, and configuring who is told how.

How to tell people (the API other apps call)::

    from kapok.notifications.actions import notify

    with transaction.atomic():          # the caller's transaction, which records the event
        need.save(...)
        notify(
            units=[need.unit],          # Units (or one Unit); None entries are skipped
            event="needs.need.dispatched",
            subject="新的需求待签收",
            body="螺涌社区：张三 缺药，今天 18:00 前办结。",
            key=f"need:{need.pk}:dispatched:{dispatch.pk}",
            obj=need,                   # what it is about (object_type / object_id), optional
            duties={DutyPerson.Duty.DUTY, DutyPerson.Duty.LEADER},  # default {DUTY}
        )

``notify`` writes one outbox row per unit and enabled channel and recipient: one for the unit's
WeCom group robot, and for SMS and e-mail one per active duty person of the duties asked (with a
phone, with an address). The rows are written in the caller's transaction, and their delivery is
queued with ``transaction.on_commit``: a rolled-back event tells nobody. The outbox key is
``key`` + channel + a hash of the recipient, unique: calling again with the same ``key`` adds no
row and sends nothing again, so ``key`` must name the event, not the moment (the need and the
step, not a timestamp). It returns the rows for this call, made now or before. ``subject`` and
``body`` are sent as they are (already translated; they are not masked, since the duty people
need the person's details — keep ID numbers out of them).

``notify_people(people=[duty_person, ...], ...)`` does the same for chosen duty people (SMS and
e-mail, or the ``kinds`` given), whatever their duty.

Delivery, retries and give-up: kapok.notifications.delivery.
"""

import logging
import uuid
from collections.abc import Iterable
from functools import partial

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kapok.audit.actions import assign_changes, log_action
from kapok.notifications.access import check_may_configure
from kapok.notifications.models import ChannelKind, DutyPerson, Notification, UnitChannel
from kapok.notifications.recipients import (
    WEBHOOK_PURPOSE,
    mask_email,
    mask_recipient,
    mask_webhook,
    recipient_hash,
    seal_recipient,
)
from kapok.registry.protection import decrypt, encrypt
from kapok.units.models import Unit

logger = logging.getLogger(__name__)

KEY_MAX_LENGTH = 200
DEFAULT_DUTIES = frozenset({DutyPerson.Duty.DUTY})


class NotificationError(ValidationError):
    pass


# Telling people.


def _units(units) -> list[Unit]:
    if isinstance(units, Unit):
        units = [units]
    seen, found = set(), []
    for unit in units or ():
        if unit is not None and unit.pk not in seen:
            seen.add(unit.pk)
            found.append(unit)
    return found


def _row(*, kind, recipient, unit, person, event, subject, body, key, obj, now) -> Notification:
    return Notification(
        kind=kind,
        unit=unit,
        duty_person=person,
        recipient_encrypted=seal_recipient(recipient),
        recipient_masked=mask_recipient(kind, recipient)[:300],
        subject=subject[:200],
        body=body,
        event=event,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        key=f"{key}|{kind}|{recipient_hash(kind, recipient)}",
        next_attempt_at=now,
    )


def _person_rows(people, kinds, **common) -> list[Notification]:
    rows = []
    for person in people:
        if ChannelKind.SMS in kinds and person.phone.strip():
            rows.append(
                _row(kind=ChannelKind.SMS, recipient=person.phone.strip(), person=person, **common)
            )
        if ChannelKind.EMAIL in kinds and person.email.strip():
            rows.append(
                _row(
                    kind=ChannelKind.EMAIL, recipient=person.email.strip(), person=person, **common
                )
            )
    return rows


def _check_key(key: str) -> None:
    if not key or len(key) > KEY_MAX_LENGTH:
        raise ValueError(f"a notification key is 1 to {KEY_MAX_LENGTH} characters")


def _queue(rows: list[Notification]) -> list[Notification]:
    """Insert the rows whose key is new (a key already there is left alone, also when another
    transaction inserts it at the same moment) and queue the new ones for delivery on commit.
    Returns every row of these keys."""
    by_key = {row.key: row for row in rows}
    if not by_key:
        return []
    existing = set(Notification.objects.filter(key__in=by_key).values_list("key", flat=True))
    Notification.objects.bulk_create(
        [row for key, row in by_key.items() if key not in existing], ignore_conflicts=True
    )
    made = list(Notification.objects.filter(key__in=by_key).order_by("pk"))
    new_ids = [row.pk for row in made if row.key not in existing]
    if new_ids:
        from kapok.notifications.tasks import deliver_notifications

        # robust: a queue that cannot take the task loses nothing, the periodic run sends it.
        transaction.on_commit(partial(deliver_notifications.enqueue, new_ids), robust=True)
    return made


@transaction.atomic
def notify(
    *,
    units: Iterable[Unit] | Unit,
    event: str,
    subject: str,
    body: str,
    key: str,
    obj=None,
    duties: Iterable[str] | None = None,
) -> list[Notification]:
    """Tell the units' people about ``event`` on every channel each unit has on (see the module
    docstring). Call it inside the transaction that records the event."""
    _check_key(key)
    duties = set(duties) if duties is not None else set(DEFAULT_DUTIES)
    units = _units(units)
    now = timezone.now()
    common = {"event": event, "subject": subject, "body": body, "key": key, "obj": obj, "now": now}
    channels = {
        (channel.unit_id, channel.kind): channel
        for channel in UnitChannel.objects.filter(unit__in=units, enabled=True)
    }
    people: dict[int, list[DutyPerson]] = {}
    for person in DutyPerson.objects.active().filter(unit__in=units, duty__in=duties):
        people.setdefault(person.unit_id, []).append(person)
    rows = []
    for unit in units:
        wecom = channels.get((unit.pk, ChannelKind.WECOM))
        if wecom is not None and wecom.webhook_encrypted:
            webhook = decrypt(wecom.webhook_encrypted, WEBHOOK_PURPOSE)
            rows.append(
                _row(kind=ChannelKind.WECOM, recipient=webhook, unit=unit, person=None, **common)
            )
        kinds = {
            kind for kind in (ChannelKind.SMS, ChannelKind.EMAIL) if (unit.pk, kind) in channels
        }
        rows.extend(_person_rows(people.get(unit.pk, ()), kinds, unit=unit, **common))
    return _queue(rows)


@transaction.atomic
def notify_people(
    *,
    people: Iterable[DutyPerson],
    event: str,
    subject: str,
    body: str,
    key: str,
    obj=None,
    kinds: Iterable[str] = (ChannelKind.SMS, ChannelKind.EMAIL),
) -> list[Notification]:
    """Tell these duty people (the active ones) by SMS and e-mail, whatever their unit's
    channels say: for a message meant for one person. Same key rules as ``notify``."""
    _check_key(key)
    now = timezone.now()
    rows = []
    for person in people:
        if person.is_active:
            rows.extend(
                _person_rows(
                    [person],
                    set(kinds),
                    unit=person.unit,
                    event=event,
                    subject=subject,
                    body=body,
                    key=key,
                    obj=obj,
                    now=now,
                )
            )
    return _queue(rows)


# Configuring channels and duty people (from the unit's notification settings page).


def check_webhook(url: str) -> str:
    url = url.strip()
    if not url.lower().startswith(("https://", "http://")) or len(url) > 1000:
        raise NotificationError(
            _("The webhook is the robot's address, starting with https://."), code="webhook"
        )
    return url


@transaction.atomic
def save_channels(
    *,
    actor,
    unit: Unit,
    wecom_enabled: bool,
    sms_enabled: bool,
    email_enabled: bool,
    webhook: str = "",
) -> dict:
    """Switch the unit's channels on or off; a new WeCom webhook replaces the old one (empty:
    keep it). Returns the changes, as written to the audit log (the webhook masked)."""
    check_may_configure(actor, unit)
    channels = {channel.kind: channel for channel in unit.notification_channels.all()}
    changes = {}
    wanted = {
        ChannelKind.WECOM: wecom_enabled,
        ChannelKind.SMS: sms_enabled,
        ChannelKind.EMAIL: email_enabled,
    }
    webhook = check_webhook(webhook) if webhook.strip() else ""
    wecom = channels.get(ChannelKind.WECOM)
    if wecom_enabled and not webhook and not (wecom and wecom.webhook_encrypted):
        raise NotificationError(_("Give the WeCom group robot's webhook."), code="webhook")
    for kind, enabled in wanted.items():
        channel = channels.get(kind)
        if channel is None:
            if not enabled and not (kind == ChannelKind.WECOM and webhook):
                continue
            channel = UnitChannel(unit=unit, kind=kind, enabled=False)
        fields = assign_changes(channel, enabled=enabled)
        if kind == ChannelKind.WECOM and webhook:
            masked = mask_webhook(webhook)[:300]
            fields["webhook"] = [channel.webhook_masked, masked]
            channel.webhook_encrypted = encrypt(webhook, WEBHOOK_PURPOSE)
            channel.webhook_masked = masked
        if channel.pk is None or fields:
            channel.save()
            if fields:
                changes[kind.lower()] = fields
    if changes:
        log_action("notifications.channels.changed", actor=actor, obj=unit, data=changes)
    return changes


def _check_person(name: str, phone: str, email: str) -> None:
    if not name.strip():
        raise NotificationError(_("Give the person's name."), code="name")
    if not phone.strip() and not email.strip():
        raise NotificationError(_("Give a mobile phone or an e-mail address."), code="contact")


def _shown(values: dict) -> dict:
    """Values for the audit log: the phone is masked by the log itself, the address here."""
    return {
        key: (
            [mask_email(v) if v else v for v in value]
            if isinstance(value, list)
            else mask_email(value)
        )
        if key == "email"
        else value
        for key, value in values.items()
    }


@transaction.atomic
def add_duty_person(
    *,
    actor,
    unit: Unit,
    name: str,
    phone: str = "",
    email: str = "",
    duty: str = DutyPerson.Duty.DUTY,
) -> DutyPerson:
    check_may_configure(actor, unit)
    _check_person(name, phone, email)
    person = DutyPerson.objects.create(
        unit=unit, name=name.strip(), phone=phone.strip(), email=email.strip(), duty=duty
    )
    log_action(
        "notifications.duty_person.added",
        actor=actor,
        obj=person,
        data=_shown(
            {
                "unit": unit.pk,
                "name": person.name,
                "phone": person.phone,
                "email": person.email,
                "duty": duty,
            }
        ),
    )
    return person


@transaction.atomic
def update_duty_person(
    *, actor, person: DutyPerson, name: str, phone: str | None = None, email: str = "", duty: str
) -> dict:
    """Change a duty person; ``phone`` None keeps the number (the form shows it masked)."""
    check_may_configure(actor, person.unit)
    phone = person.phone if phone is None else phone.strip()
    _check_person(name, phone, email)
    changes = assign_changes(person, name=name.strip(), phone=phone, email=email.strip(), duty=duty)
    if changes:
        person.save(update_fields=[*changes, "updated_at"])
        log_action(
            "notifications.duty_person.changed", actor=actor, obj=person, data=_shown(changes)
        )
    return changes


@transaction.atomic
def set_duty_person_active(*, actor, person: DutyPerson, active: bool) -> bool:
    check_may_configure(actor, person.unit)
    if person.is_active == active:
        return False
    person.is_active = active
    person.save(update_fields=["is_active", "updated_at"])
    log_action(
        "notifications.duty_person.activated", actor=actor, obj=person, data={"active": active}
    )
    return True


@transaction.atomic
def send_test_message(*, actor, unit: Unit) -> list[Notification]:
    """A test message to every channel the unit has on, and every active duty person."""
    check_may_configure(actor, unit)
    rows = notify(
        units=[unit],
        event="notifications.test",
        subject=_("Kapok test message"),
        body=_(
            "This is a test message from Kapok for %(unit)s, sent by %(name)s. "
            "If you read it, notifications reach you."
        )
        % {"unit": unit.name, "name": str(actor)},
        key=f"test:{unit.pk}:{uuid.uuid4().hex}",
        obj=unit,
        duties=DutyPerson.Duty.values,
    )
    log_action(
        "notifications.test_sent",
        actor=actor,
        obj=unit,
        data={"notifications": len(rows), "channels": sorted({row.kind for row in rows})},
    )
    return rows


@transaction.atomic
def retry_notification(*, actor, notification: Notification) -> bool:
    """Try a given-up message once more, now. False if it had not been given up."""
    check_may_configure(actor, notification.unit)
    retried = Notification.objects.filter(
        pk=notification.pk, status=Notification.Status.FAILED
    ).update(status=Notification.Status.PENDING, next_attempt_at=timezone.now())
    if retried:
        log_action(
            "notifications.notification.retried",
            actor=actor,
            obj=notification,
            data={"attempts": notification.attempts, "event": notification.event},
        )
        from kapok.notifications.tasks import deliver_notifications

        transaction.on_commit(
            partial(deliver_notifications.enqueue, [notification.pk]), robust=True
        )
    return bool(retried)
