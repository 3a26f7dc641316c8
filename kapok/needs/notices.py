"""What people are told when a need arrives or moves, through the notifications outbox
(kapok.notifications): written in the same transaction as the event, delivered by the worker.

Messages carry no ID number or phone, and the person's name masked (张*明): they go to group
chats and phones. The need's address in Kapok (KAPOK_PUBLIC_URL) is where the rest is seen.
"""

from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from kapok.audit.masking import mask_name
from kapok.needs.kinds import Urgency
from kapok.notifications.actions import notify
from kapok.regions.models import Region
from kapok.units.models import Unit


def _link(need) -> str:
    if not settings.KAPOK_PUBLIC_URL:
        return ""
    return settings.KAPOK_PUBLIC_URL + reverse("needs:detail", args=[need.pk])


def _summary(need) -> str:
    due = date_format(timezone.localtime(need.due_at), "n月j日 H:i") if need.due_at else ""
    text = _("%(person)s, %(place)s: %(kind)s (%(urgency)s). %(description)s Due %(due)s.") % {
        "person": mask_name(need.person.name),
        "place": _place(need),
        "kind": need.get_kind_display(),
        "urgency": need.get_urgency_display(),
        "description": (need.description[:120] + " ") if need.description else "",
        "due": due,
    }
    link = _link(need)
    return f"{text}\n{link}" if link else text


def _place(need) -> str:
    region = Region.objects.filter(code=need.region_code).only("full_name").first()
    return region.full_name if region else "—"


def _send(need, event: str, units, subject: str, *, duties=None, key_suffix: str = ""):
    units = [unit for unit in units if unit is not None]
    if not units:
        return []
    with translation.override(settings.LANGUAGE_CODE):
        body = _summary(need)
        subject = str(subject)
    return notify(
        units=units,
        event=event,
        subject=subject,
        body=body,
        key=f"need:{need.pk}:{event}:{need.version}{key_suffix}",
        obj=need,
        duties=duties,
    )


def duty_units(need) -> list[Unit]:
    """The community's, street's and district's administrative units for the need's place."""
    return [
        Unit.objects.administrative_for(need.region_code, level)
        for level in (Region.Level.COMMUNITY, Region.Level.STREET, Region.Level.DISTRICT)
    ]


def need_reported(need, *, told=()) -> None:
    with translation.override(settings.LANGUAGE_CODE):
        if need.status == need.Status.DISPATCHED:
            subject = _("New need to accept")
        else:
            subject = _("New need to dispatch by hand")
        emergency = _("EMERGENCY: accept and go now")
        shared = _("A need you are told of")
    _send(need, "needs.need.dispatched", [need.unit], subject)
    if need.urgency == Urgency.EMERGENCY:
        # The community's, street's and district's duty people are alerted at once.
        _send(need, "needs.need.emergency", duty_units(need), emergency)
    for unit, duties in told:
        suffix = f":{unit.pk}:{','.join(sorted(duties or ()))}"
        _send(need, "needs.need.shared", [unit], shared, duties=duties, key_suffix=suffix)


def need_moved(need, action, *, actor=None) -> None:
    from kapok.needs.lifecycle import Action

    with translation.override(settings.LANGUAGE_CODE):
        subjects = {
            Action.DISPATCH: _("New need to accept"),
            Action.RETURN: _("A need was returned: dispatch it again"),
            Action.REOPEN: _("A need was reopened: the person says it is not met"),
        }
    if action in subjects:
        _send(need, f"needs.need.{need.status.lower()}", [need.unit], subjects[action])


def need_escalated(need, *, from_unit, to_unit) -> None:
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("Overdue need escalated to you (督办)")
        late = _("Your need is overdue and was escalated")
    _send(need, "needs.need.escalated", [to_unit], subject)
    _send(need, "needs.need.overdue", [from_unit], late)
