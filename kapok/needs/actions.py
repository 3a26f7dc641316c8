"""Actions on needs. Reporting one is the start of its life; routing, deadlines and the rest of
its lifecycle build on this."""

from django.db import transaction

from kapok.audit.actions import log_action
from kapok.needs.models import Need


@transaction.atomic
def report_need(
    *, person, kind: str, urgency: str, description: str = "", visit=None, actor=None, team=None
) -> Need:
    need = Need.objects.create(
        person=person,
        kind=kind,
        urgency=urgency,
        description=description,
        visit=visit,
        reported_by=actor if actor is not None and actor.pk else None,
        reported_by_team=team,
        region_code=person.residence_region_id or "",
    )
    log_action(
        "needs.need.reported",
        actor=actor,
        obj=need,
        data={
            "person": person.pk,
            "kind": kind,
            "urgency": urgency,
            "visit": getattr(visit, "pk", None),
        },
    )
    return need
