"""Call policies and assignment rules are data: created, changed and deactivated here.

    policy = save_policy(actor=commander, name="独居老人每周电访", scope="EVERYWHERE",
                         category=living_alone, every_days=7, weekday=0)
    save_policy(actor=commander, policy=policy, is_active=False)   # deactivate
    rule = save_rule(actor=commander, region=baiyun, teams=[team], method="ROUND_ROBIN")

Who: the city's users who may lead teams (TEAM_LEAD: the city commander, the city's team
leaders). A policy decides who in the whole city is called, and rules are tried in one order for
the whole city (the first that matches takes a task), so a district cannot change them without
changing every other district's plan: region-restricted users see their plan on the visit board
and move tasks between their own teams instead. Nothing is deleted — tasks keep pointing at the
policy that made them; a policy or rule no longer wanted is deactivated. Each change runs in one
transaction and writes the audit log with what changed.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from kapok.access.policy import is_region_restricted
from kapok.accounts.roles import Capability
from kapok.audit.actions import log_action
from kapok.visits.models import AssignmentRule, CallPolicy

POLICY_FIELDS = (
    "name",
    "scope",
    "category",
    "every_days",
    "weekday",
    "attempts",
    "retry_minutes",
    "home_visit_after",
    "position",
    "is_active",
)
RULE_FIELDS = ("position", "region", "category", "method", "is_active")


def may_set_call_plans(user) -> bool:
    return user.can(Capability.TEAM_LEAD) and not is_region_restricted(user)


def _check(actor) -> None:
    if not may_set_call_plans(actor):
        raise PermissionDenied(_("Call plans are set by the city's team leaders."))


def _value(value):
    return getattr(value, "pk", value)


def _apply(obj, allowed: tuple[str, ...], changes: dict) -> dict:
    unknown = set(changes) - set(allowed)
    if unknown:
        raise ValueError(f"not editable: {', '.join(sorted(unknown))}")
    changed = {}
    for name, value in changes.items():
        before = _value(getattr(obj, name))
        if before != _value(value):
            changed[name] = [before, _value(value)]
        setattr(obj, name, value)
    return changed


@transaction.atomic
def save_policy(*, actor, policy: CallPolicy | None = None, **changes) -> CallPolicy:
    _check(actor)
    creating = policy is None
    policy = CallPolicy() if creating else CallPolicy.objects.select_for_update().get(pk=policy.pk)
    changed = _apply(policy, POLICY_FIELDS, changes)
    if policy.every_days > 1 and policy.weekday is not None and policy.every_days != 7:
        raise ValidationError(_("A weekday goes with a weekly plan (every 7 days)."))
    if policy.weekday is not None and not 0 <= policy.weekday <= 6:
        raise ValidationError(_("The weekday is 0 (Monday) to 6 (Sunday)."))
    if policy.every_days < 1 or policy.attempts < 1:
        raise ValidationError(_("Every (days) and attempts are at least 1."))
    policy.full_clean()
    if creating or changed:
        policy.save()
        log_action(
            "visits.policy.created" if creating else "visits.policy.changed",
            actor=actor,
            obj=policy,
            data={"changes": changed},
        )
    return policy


@transaction.atomic
def save_rule(
    *, actor, rule: AssignmentRule | None = None, teams=None, **changes
) -> AssignmentRule:
    """Create or change a rule; ``teams`` (if given) become its teams."""
    _check(actor)
    creating = rule is None
    rule = (
        AssignmentRule() if creating else AssignmentRule.objects.select_for_update().get(pk=rule.pk)
    )
    changed = _apply(rule, RULE_FIELDS, changes)
    rule.full_clean()
    if teams is not None:
        wanted = sorted(team.pk for team in teams)
        current = [] if creating else sorted(rule.teams.values_list("pk", flat=True))
        if not wanted:
            raise ValidationError(_("A rule shares tasks among at least one team."))
        if wanted != current:
            changed["teams"] = [current, wanted]
    if creating or changed:
        rule.save()
        if teams is not None:
            rule.teams.set(teams)
        log_action(
            "visits.rule.created" if creating else "visits.rule.changed",
            actor=actor,
            obj=rule,
            data={"changes": changed},
        )
    return rule
