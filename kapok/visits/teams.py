"""Teams (电访队) as their leaders keep them: create a team, change it, say who its callers are.

    team = create_team(actor=leader, name="白云一队", unit=district_bureau)
    update_team(team, actor=leader, leader=someone, is_active=False)
    added, removed = set_members(team, actor=leader, members=[zhou, wu])

Each checks that the actor may lead teams (TEAM_LEAD: team leaders and the city commander) and
that the team's unit lies in the actor's region — a district bureau's teams are kept by that
district's users, the city's by the city's — runs in one transaction and writes the audit log.
A leader must be able to lead teams and a caller to make phone visits, both within the region.
Tasks move between teams with kapok.visits.calling.move_tasks.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from kapok.access.policy import scope_of, scoped
from kapok.accounts.models import User
from kapok.accounts.roles import ROLE_CAPABILITIES, Capability
from kapok.audit.actions import log_action
from kapok.visits.models import Team

EDITABLE = ("name", "kind", "leader", "vendor", "is_active")


def users_who_can(capability: Capability, actor):
    """The active accounts of ``actor``'s region whose roles grant ``capability``."""
    roles = [role for role, granted in ROLE_CAPABILITIES.items() if capability in granted]
    users = User.objects.filter(is_active=True, role_grants__role__in=roles).distinct()
    return scoped(users, actor).select_related("unit")


def _check(actor, unit) -> None:
    if not actor.can(Capability.TEAM_LEAD):
        raise PermissionDenied(_("Only a team leader can change teams."))
    if unit is None or not scope_of(actor).covers(unit.region_id):
        raise PermissionDenied(_("This team's unit is outside your region."))


def _validate(actor, team: Team) -> None:
    if not team.name.strip():
        raise ValidationError(_("A team needs a name."), code="name")
    if team.kind == Team.Kind.ROBOT and team.vendor_id is None:
        raise ValidationError(_("A robot team needs its robot-call vendor."), code="vendor")
    if team.kind == Team.Kind.CALLERS:
        team.vendor = None
    elif team.pk and team.members.exists():
        raise ValidationError(_("Remove the callers before making it a robot team."), code="robot")
    if (
        team.leader_id is not None
        and not users_who_can(Capability.TEAM_LEAD, actor).filter(pk=team.leader_id).exists()
    ):
        raise ValidationError(_("The leader must be a team leader of your region."), code="leader")
    if Team.objects.filter(unit=team.unit_id, name=team.name).exclude(pk=team.pk).exists():
        raise ValidationError(_("This unit already has a team of that name."), code="name")


def _described(team: Team) -> dict:
    return {
        "name": team.name,
        "kind": team.kind,
        "unit": team.unit_id,
        "leader": team.leader_id,
        "vendor": team.vendor_id,
        "is_active": team.is_active,
    }


@transaction.atomic
def create_team(
    *, actor, name: str, unit, kind: str = Team.Kind.CALLERS, leader=None, vendor=None
) -> Team:
    _check(actor, unit)
    team = Team(name=name.strip(), unit=unit, kind=kind, leader=leader, vendor=vendor)
    _validate(actor, team)
    team.save()
    log_action("visits.team.created", actor=actor, obj=team, data=_described(team))
    return team


@transaction.atomic
def update_team(team: Team, *, actor, **changes) -> Team:
    """Change a team's name, kind, leader, vendor or whether it is active (not its unit)."""
    team = Team.objects.select_for_update().select_related("unit").get(pk=team.pk)
    _check(actor, team.unit)
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise ValueError(f"not editable: {', '.join(sorted(unknown))}")
    before = _described(team)
    for name, value in changes.items():
        setattr(team, name, value.strip() if name == "name" else value)
    _validate(actor, team)
    after = _described(team)
    changed = {key: [before[key], after[key]] for key in after if before[key] != after[key]}
    if changed:
        team.save()
        log_action("visits.team.changed", actor=actor, obj=team, data={"changes": changed})
    return team


@transaction.atomic
def set_members(team: Team, *, actor, members) -> tuple[list, list]:
    """Make ``members`` the team's callers; returns who was added and who removed."""
    team = Team.objects.select_for_update().select_related("unit").get(pk=team.pk)
    _check(actor, team.unit)
    wanted = {user.pk for user in members}
    if wanted and team.kind == Team.Kind.ROBOT:
        raise ValidationError(_("A robot team has no callers."), code="robot")
    current = set(team.members.values_list("pk", flat=True))
    added, removed = sorted(wanted - current), sorted(current - wanted)
    allowed = users_who_can(Capability.VISIT_CALL, actor).filter(pk__in=added)
    if len(added) != allowed.count():
        raise ValidationError(
            _("Only callers of your region can join a team."), code="not_a_caller"
        )
    if added:
        team.members.add(*added)
    if removed:
        team.members.remove(*removed)
    if added or removed:
        log_action(
            "visits.team.members_changed",
            actor=actor,
            obj=team,
            data={"added": added, "removed": removed},
        )
    return added, removed
