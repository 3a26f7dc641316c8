"""Declaring and ending risk zones. Each checks the actor, runs in one transaction and writes the
audit log."""

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kapok.access.policy import scope_of
from kapok.accounts.roles import Capability
from kapok.audit.actions import log_action
from kapok.regions.models import Region
from kapok.visits.tasks import replan_after_zone
from kapok.zones.models import RiskArea


def _check(actor, region: Region) -> None:
    if not actor.can(Capability.ZONES_MANAGE):
        raise PermissionDenied(_("Your roles do not allow declaring risk zones."))
    if not scope_of(actor).covers(region.code):
        raise PermissionDenied(
            _("%(region)s is outside your region.") % {"region": region.full_name}
        )


@transaction.atomic
def declare_zone(
    *,
    actor,
    region: Region,
    level: str,
    starts_at: dt.datetime,
    ends_at: dt.datetime | None = None,
    compound: str = "",
) -> RiskArea:
    _check(actor, region)
    if region.level != Region.Level.COMMUNITY:
        raise ValidationError(_("A zone is declared for a community (or one compound of it)."))
    if ends_at is not None and ends_at <= starts_at:
        raise ValidationError(_("The zone ends before it starts."))
    if RiskArea.objects.filter(
        region=region, compound=compound, level=level, starts_at=starts_at
    ).exists():
        raise ValidationError(_("This zone is already declared."))
    area = RiskArea.objects.create(
        region=region,
        level=level,
        compound=compound,
        starts_at=starts_at,
        ends_at=ends_at,
        source=_("declared by %(unit)s") % {"unit": actor.unit.name if actor.unit else actor},
        created_by=actor,
    )
    log_action(
        "zones.area.declared",
        actor=actor,
        obj=area,
        data={"level": level, "compound": compound, "starts_at": starts_at.isoformat()},
    )
    replan_after_zone(area)  # its people are called today, once this commits
    return area


@transaction.atomic
def end_zone(*, actor, area: RiskArea, at: dt.datetime | None = None) -> RiskArea:
    area = RiskArea.objects.select_for_update().get(pk=area.pk)
    _check(actor, area.region)
    at = at or timezone.now()
    if area.ends_at is not None and area.ends_at <= at:
        raise ValidationError(_("This zone has already ended."))
    if at <= area.starts_at:
        raise ValidationError(_("The zone ends before it starts."))
    area.ends_at = at
    area.save(update_fields=["ends_at", "updated_at"])
    log_action("zones.area.ended", actor=actor, obj=area, data={"ends_at": at.isoformat()})
    return area
