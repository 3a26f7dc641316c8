"""Frequent housekeeping, through the background-task queue itself (no cron, no other scheduler).

``run_periodic`` is a background task: it runs every job of PERIODIC_JOBS, then queues its own
next run KAPOK_PERIODIC_SECONDS later (default 60). A long-running ``kapok worker`` queues a run
when it starts if none is waiting (``ensure_periodic_run``), as for the daily run
(kapok.site.daily). A failed job is logged and makes the run FAILED (seen under background
tasks), but the next run is queued all the same.

With several workers, chains can meet: a run queues the next one only when none is waiting, and
every job is safe to run twice at once (sending a notification claims it first).

A run a minute leaves 1,440 task results a day: each run deletes the successful runs older than
KEEP_RUNS (failed ones stay, to be looked at).
"""

import datetime as dt
import logging

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django.utils.module_loading import import_string
from django_tasks import task
from django_tasks.base import TaskResultStatus
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.models import DBTaskResult

logger = logging.getLogger(__name__)

# Functions without arguments returning something JSON can hold, run every few seconds.
PERIODIC_JOBS = (
    "kapok.needs.escalation.sweep_overdue",  # overdue needs escalate one level up
    "kapok.notifications.delivery.deliver_due",  # then what they (and others) queued is sent
)

KEEP_RUNS = dt.timedelta(hours=1)
STALE_RUN = dt.timedelta(minutes=15)  # a run "running" longer was left by a worker that died


def interval() -> dt.timedelta:
    return dt.timedelta(seconds=settings.KAPOK_PERIODIC_SECONDS)


@task()
def run_periodic() -> dict:
    results, failed = {}, []
    try:
        for path in PERIODIC_JOBS:
            try:
                results[path] = import_string(path)()
            except Exception:
                logger.exception("periodic job %s failed", path)
                failed.append(path)
    finally:
        queue_next_run()
        prune_runs()
    if failed:
        raise RuntimeError(f"periodic jobs failed: {', '.join(failed)}")
    return results


def _runs():
    """The runs of ``run_periodic`` in the queue; None where the queue is not in the database
    (the immediate backend of some tests): nothing is scheduled then."""
    if not isinstance(run_periodic.get_backend(), DatabaseBackend):
        return None
    return DBTaskResult.objects.filter(task_path=run_periodic.module_path)


def next_run_at(now: dt.datetime | None = None) -> dt.datetime:
    return (now or timezone.now()) + interval()


def queue_next_run(now: dt.datetime | None = None) -> bool:
    """Queue the next run, unless a run is already waiting. True if one was queued."""
    runs = _runs()
    if runs is None or runs.filter(status=TaskResultStatus.READY).exists():
        return False
    run_periodic.using(run_after=next_run_at(now)).enqueue()
    return True


def ensure_periodic_run() -> bool:
    """Queue a run now if none is waiting or running (a worker starting). True if queued."""
    runs = _runs()
    if runs is None:
        return False
    since = timezone.now() - STALE_RUN
    if runs.filter(
        Q(status=TaskResultStatus.READY) | Q(status=TaskResultStatus.RUNNING, started_at__gte=since)
    ).exists():
        return False
    run_periodic.enqueue()
    return True


def prune_runs(now: dt.datetime | None = None) -> int:
    """Delete this chain's successful runs older than KEEP_RUNS; how many went."""
    runs = _runs()
    if runs is None:
        return 0
    before = (now or timezone.now()) - KEEP_RUNS
    deleted, _by_model = runs.filter(
        status=TaskResultStatus.SUCCESSFUL, finished_at__lt=before
    ).delete()
    return deleted
