"""Changes to units. Each checks the actor, runs in one transaction and writes the audit log."""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from kapok.access.policy import can_see, scope_of
from kapok.accounts.roles import Capability
from kapok.audit.actions import assign_changes, log_action
from kapok.regions.models import Region
from kapok.units.models import Unit


class UnitError(ValueError):
    """A unit change was refused; the message says why, in the user's language."""


def administrative_unit_name(region: Region) -> str:
    """The usual name of the office that governs a region: 白云区民政局, 松洲街道办事处."""
    if region.level in (Region.Level.CITY, Region.Level.DISTRICT):
        return f"{region.name}民政局"
    if region.level == Region.Level.STREET:
        return f"{region.name}办事处" if region.name.endswith("街道") else f"{region.name}人民政府"
    return region.name  # 螺涌社区居委会, 三联村委会: communities are named as their committees


@transaction.atomic
def ensure_administrative_units(region: Region, *, below: bool = True) -> tuple[Unit, int]:
    """Make sure the region, and unless ``below`` is false every region below it down to the
    communities, has its administrative unit, each under the unit of the region above.
    Idempotent: existing units are kept as they are. Returns the region's unit and how many
    units were created. For `kapok units tree` and the demo: a site's set-up, not a user's act."""
    regions = Region.objects.under(region) if below else Region.objects.filter(code=region.code)
    regions = list(regions.filter(level__gte=Region.Level.CITY).order_by("level", "code"))
    parent_region = region.parent if region.level > Region.Level.CITY else None
    units: dict[str, Unit] = {
        unit.region_id: unit
        for unit in Unit.objects.filter(
            region__in=[*regions, *([parent_region] if parent_region else [])],
            kind__in=Unit.ADMINISTRATIVE_KIND_BY_LEVEL.values(),
        )
    }
    created = 0
    for level in range(region.level, Region.Level.COMMUNITY + 1):
        new_units = [
            Unit(
                name=administrative_unit_name(place),
                kind=Unit.ADMINISTRATIVE_KIND_BY_LEVEL[level],
                region=place,
                parent=units.get(place.parent_id),
            )
            for place in regions
            if place.level == level and place.code not in units
        ]
        # Both PostgreSQL and SQLite (3.35+) return the new ids.
        for unit in Unit.objects.bulk_create(new_units, batch_size=500):
            units[unit.region_id] = unit
        created += len(new_units)
    return units[region.code], created


def _check(actor, region: Region, parent: Unit | None) -> None:
    if not actor.can(Capability.UNITS_MANAGE):
        raise PermissionDenied(_("Your roles do not allow managing units."))
    if not scope_of(actor).covers(region.code):
        raise PermissionDenied(
            _("%(region)s is outside your region.") % {"region": region.full_name}
        )
    if parent is not None and not can_see(actor, parent):
        raise PermissionDenied(_("This unit is outside your region."))
    if parent is not None and not region.code.startswith(parent.region.prefix):
        raise UnitError(
            _("%(region)s is not under %(parent)s's region.")
            % {"region": region.full_name, "parent": parent.name}
        )


def _check_unique(name: str, kind: str, region: Region, exclude: int | None = None) -> None:
    same = Unit.objects.filter(name=name, kind=kind, region=region).exclude(pk=exclude)
    if same.exists():
        raise UnitError(_("There is already a unit of this kind with this name there."))


@transaction.atomic
def create_unit(
    *, actor, name: str, kind: str, region: Region, parent: Unit | None, phone: str = ""
) -> Unit:
    _check(actor, region, parent)
    _check_unique(name, kind, region)
    unit = Unit.objects.create(name=name, kind=kind, region=region, parent=parent, phone=phone)
    log_action(
        "units.unit.created",
        actor=actor,
        obj=unit,
        data={"kind": kind, "region": region.code, "parent": parent.name if parent else ""},
    )
    return unit


@transaction.atomic
def update_unit(
    *, actor, unit: Unit, name: str, kind: str, region: Region, parent: Unit | None, phone: str
) -> Unit:
    _check(actor, unit.region, unit.parent)
    _check(actor, region, parent)
    if parent is not None and (parent.pk == unit.pk or _is_below(parent, unit)):
        raise UnitError(_("A unit cannot be placed under itself or a unit below it."))
    _check_unique(name, kind, region, exclude=unit.pk)
    changes = assign_changes(unit, name=name, kind=kind, region=region, parent=parent, phone=phone)
    if changes:
        unit.save(update_fields=[*changes, "updated_at"])
        log_action("units.unit.updated", actor=actor, obj=unit, data=changes)
    return unit


def _is_below(candidate: Unit, unit: Unit) -> bool:
    seen = set()
    node = candidate.parent
    while node is not None and node.pk not in seen:
        if node.pk == unit.pk:
            return True
        seen.add(node.pk)
        node = node.parent
    return False
