"""Background work of visits: the day's call plan, made every morning and again when a zone is
declared. plan_day() is idempotent, so a plan made twice in a day adds only the people it had
not covered yet.

- plan_today() is a daily job of kapok.site.daily (DAILY_JOBS): the worker's daily run, in the
  quiet hours, makes the new day's plan before the callers start.
- replan_today is a background task; replan_after_zone(area) queues it once the declaring
  transaction has committed, when the zone calls for daily visits (lockdown, control) and is in
  force today, so that the people inside it are called today rather than tomorrow.
"""

from django.db import transaction
from django.utils import timezone
from django_tasks import task

from kapok.visits.planning import plan_day
from kapok.zones.models import VISITED_LEVELS, RiskArea


def plan_today() -> dict:
    return plan_day(timezone.localdate()).as_dict()


@task()
def replan_today() -> dict:
    return plan_today()


def replan_after_zone(area: RiskArea) -> bool:
    """Queue today's plan again after ``area`` was declared; True if it was queued."""
    if area.level not in VISITED_LEVELS:
        return False
    if not RiskArea.objects.filter(pk=area.pk).in_force_on(timezone.localdate()).exists():
        return False
    transaction.on_commit(replan_today.enqueue)
    return True
