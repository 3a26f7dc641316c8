"""The day's call plan: one CallTask per person a CallPolicy covers, shared out to teams.

    result = plan_day(day, actor=user)
    result.created, result.existing, result.by_team

Who: for each active policy that applies on the day (daily, or weekly on its weekday), the people
the figures count that day (kapok.registry.statistics.counted_people: living, not merged,
holding an active category — the policy's, if it names one), and, for an IN_ZONES policy, only
those living inside a lockdown or control zone (kapok.zones.models.people_in_zones). A person
covered by two policies gets one task, from the first policy by position.

Regenerating a plan never duplicates a task: a person with a call task that day is left alone
(a unique constraint backs this up when two plans run at once), so plan_day() can run every
morning and again whenever a zone is declared.

Sharing out (assign_tasks): the first active AssignmentRule, by position, whose area contains the
person's community and whose category the person holds, takes the task; among its teams the task
goes to the least loaded team that day (BALANCED) or to each team in turn (ROUND_ROBIN). A task
that no rule takes stays without a team, on the visit board for a leader to place.
"""

import datetime as dt
import itertools
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Count

from kapok.audit.actions import log_action
from kapok.registry.models import Person
from kapok.registry.statistics import counted_people, current_memberships
from kapok.visits.models import AssignmentRule, CallPolicy, CallTask, Team
from kapok.zones.models import people_in_zones

BATCH_SIZE = 1000


@dataclass
class PlanResult:
    day: dt.date
    created: int = 0
    existing: int = 0
    by_team: dict[str, int] = field(default_factory=dict)
    unassigned: int = 0

    def as_dict(self) -> dict:
        return {
            "day": self.day.isoformat(),
            "created": self.created,
            "existing": self.existing,
            "by_team": self.by_team,
            "unassigned": self.unassigned,
        }


def covered_people(policy: CallPolicy, day: dt.date):
    """The people ``policy`` gives a call on ``day``."""
    people = counted_people(Person.objects.all(), day, policy.category)
    if policy.scope == CallPolicy.Scope.IN_ZONES:
        people = people_in_zones(people, day)
    return people


def plan_day(day: dt.date, *, actor=None) -> PlanResult:
    result = PlanResult(day)
    with transaction.atomic():
        planned = set(
            CallTask.objects.filter(day=day, kind=CallTask.Kind.CALL).values_list(
                "person_id", flat=True
            )
        )
        result.existing = len(planned)
        new: list[CallTask] = []
        for policy in CallPolicy.objects.filter(is_active=True):
            if not policy.applies_on(day):
                continue
            people = covered_people(policy, day).values_list("pk", "residence_region_id")
            for person_id, region_code in people.iterator(chunk_size=BATCH_SIZE):
                if person_id in planned:
                    continue
                planned.add(person_id)
                new.append(
                    CallTask(
                        day=day,
                        kind=CallTask.Kind.CALL,
                        person_id=person_id,
                        policy=policy,
                        max_attempts=policy.attempts,
                        retry_minutes=policy.retry_minutes,
                        region_code=region_code or "",
                    )
                )
        assigned = assign_tasks(new, day)
        # Two plans of the same day at once: the unique constraint drops the second's copies.
        CallTask.objects.bulk_create(new, batch_size=BATCH_SIZE, ignore_conflicts=True)
        result.created = (
            CallTask.objects.filter(day=day, kind=CallTask.Kind.CALL).count() - result.existing
        )
        result.by_team = {team.name: count for team, count in assigned.items() if team}
        result.unassigned = assigned.get(None, 0)
        log_action("visits.plan.made", actor=actor, data=result.as_dict())
    return result


def assign_tasks(tasks: list[CallTask], day: dt.date) -> Counter:
    """Give each task (not saved yet, or saved) a team by the assignment rules; returns how many
    went to each team (None: to no team)."""
    rules = list(
        AssignmentRule.objects.filter(is_active=True)
        .select_related("region")
        .prefetch_related("teams")
    )
    load = Counter(
        dict(
            CallTask.objects.filter(day=day, team__isnull=False)
            .values_list("team")
            .annotate(count=Count("pk"))
            .values_list("team", "count")
        )
    )
    categories = _categories_of([task.person_id for task in tasks], day)
    turns = {
        rule.pk: itertools.cycle(sorted((t for t in rule.teams.all() if t.is_active), key=_pk))
        for rule in rules
    }
    assigned: Counter = Counter()
    for task in tasks:
        team = None
        for rule in rules:
            if rule.region_id and not task.region_code.startswith(rule.region.prefix):
                continue
            if rule.category_id and rule.category_id not in categories.get(task.person_id, ()):
                continue
            teams = [t for t in rule.teams.all() if t.is_active]
            if not teams:
                continue
            if rule.method == AssignmentRule.Method.ROUND_ROBIN:
                team = next(turns[rule.pk])
            else:
                team = min(teams, key=lambda t: (load[t.pk], t.pk))
            break
        task.team = team
        if team is not None:
            load[team.pk] += 1
        assigned[team] += 1
    return assigned


def _pk(team: Team) -> int:
    return team.pk


def _categories_of(person_ids: list[int], day: dt.date) -> dict[int, set[int]]:
    held: dict[int, set[int]] = defaultdict(set)
    for start in range(0, len(person_ids), BATCH_SIZE):
        part = person_ids[start : start + BATCH_SIZE]
        for person_id, category_id in (
            current_memberships(day).filter(person_id__in=part).values_list("person", "category")
        ):
            held[person_id].add(category_id)
    return held
