"""The overdue sweep (督办): each breach of a deadline escalates a need one level up —
community → street → district → city — exactly once.

``sweep_overdue()`` runs every minute in the worker (kapok.site.periodic). Several workers may run
it at the same moment: a need is escalated by a conditional UPDATE on its version and escalation
level, so only one sweep's update matches; the Escalation row's unique (need, level) is a second
guard. The version moves too, so a person acting on the need at that moment is told it changed
(kapok.needs.actions.NeedConflict) instead of undoing the escalation.
"""

import datetime as dt
import logging

from django.db import IntegrityError, transaction
from django.utils import timezone

from kapok.audit.actions import log_action
from kapok.needs import notices
from kapok.needs.deadlines import escalation_grace
from kapok.needs.models import Escalation, Need
from kapok.needs.routing import unit_above

logger = logging.getLogger(__name__)

# The most needs one sweep escalates; the next sweep (a minute later) takes the rest.
BATCH = 500


def sweep_overdue(now: dt.datetime | None = None) -> dict:
    """Escalate every need whose next breach has come. Returns counts, for the task's result."""
    now = now or timezone.now()
    due = list(
        Need.objects.open()
        .filter(next_escalation_at__lte=now)
        .order_by("next_escalation_at", "pk")
        .values_list("pk", flat=True)[:BATCH]
    )
    escalated = 0
    for pk in due:
        if escalate_need(pk, now=now):
            escalated += 1
    return {"due": len(due), "escalated": escalated}


def escalate_need(pk: int, *, now: dt.datetime) -> bool:
    """Escalate one need if its breach has come and nobody escalated it yet. True if this call
    did; False if it was not due any more or another sweep got there first."""
    try:
        with transaction.atomic():
            need = Need.objects.select_related("unit__region", "escalated_to__region").get(pk=pk)
            if not need.is_open or need.next_escalation_at is None or need.next_escalation_at > now:
                return False
            base = need.escalated_to or need.unit
            target = unit_above(base) if base is not None else None
            breach = (
                Escalation.Breach.ACCEPT
                if need.accept_due_at is not None
                and need.next_escalation_at <= need.accept_due_at
                and need.status
                in (Need.Status.REPORTED, Need.Status.DISPATCHED, Need.Status.RETURNED)
                else Escalation.Breach.CLEAR
            )
            level = need.escalation_level + 1
            # At the top (the city) there is nobody to escalate to: it stays overdue, shown
            # first on the city's page, and is not escalated again.
            next_at = now + escalation_grace(need.urgency) if target is not None else None
            fields = {"next_escalation_at": next_at, "version": need.version + 1, "updated_at": now}
            if target is not None:
                fields |= {"escalation_level": level, "escalated_to": target}
            updated = Need.objects.filter(
                pk=pk,
                version=need.version,
                escalation_level=need.escalation_level,
                next_escalation_at=need.next_escalation_at,
            ).update(**fields)
            if updated != 1:
                return False
            if target is None:
                return False
            deadline = need.next_escalation_at
            Escalation.objects.create(
                need=need,
                level=level,
                breach=breach,
                deadline=deadline,
                from_unit=base,
                to_unit=target,
            )
            for field, value in fields.items():
                setattr(need, field, value)
            log_action(
                "needs.need.escalated",
                obj=need,
                data={
                    "level": level,
                    "breach": breach,
                    "deadline": deadline.isoformat(),
                    "from_unit": base.name if base else "",
                    "to": target.name,
                },
            )
            notices.need_escalated(need, from_unit=base, to_unit=target)
            return True
    except IntegrityError:  # another sweep recorded this breach first
        return False
