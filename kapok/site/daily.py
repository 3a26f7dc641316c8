"""Daily housekeeping, through the background-task queue itself (no cron, no other scheduler).

``run_daily`` is a background task: it runs every job of DAILY_JOBS, then queues its own next
run for DAILY_AT the next local day. A long-running ``kapok worker`` queues a run when it starts
if none is waiting (``ensure_daily_run``): the chain starts with the first worker, and starts
again whenever a worker starts after it was lost. A failed job is logged and makes the run
FAILED (seen, and retried, under background tasks), but the next run is queued all the same.

With several workers, chains can meet: a run queues the next one only when none is waiting, and
every job is idempotent, so a job run twice in a day does no harm.
"""

import datetime as dt
import logging

from django.db.models import Q
from django.utils import timezone
from django.utils.module_loading import import_string
from django_tasks import task
from django_tasks.base import TaskResultStatus
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.models import DBTaskResult

logger = logging.getLogger(__name__)

DAILY_AT = dt.time(3, 0)  # local time: the quiet hours

# Functions without arguments returning something JSON can hold, run once a day.
DAILY_JOBS = (
    "kapok.registry.retention.purge_roster_files_daily",
    "kapok.visits.tasks.plan_today",  # the day's call plan, before the callers start
    "kapok.api.idempotency.purge_idempotency_keys",  # API Idempotency-Keys older than 24 h
)


@task()
def run_daily() -> dict:
    results, failed = {}, []
    try:
        for path in DAILY_JOBS:
            try:
                results[path] = import_string(path)()
            except Exception:
                logger.exception("daily job %s failed", path)
                failed.append(path)
    finally:
        queue_next_run()
    if failed:
        raise RuntimeError(f"daily jobs failed: {', '.join(failed)}")
    return results


def next_run_at(now: dt.datetime | None = None) -> dt.datetime:
    tomorrow = timezone.localdate(now) + dt.timedelta(days=1)
    return timezone.make_aware(dt.datetime.combine(tomorrow, DAILY_AT))


def _runs():
    """The runs of ``run_daily`` in the queue; None where the queue is not in the database
    (the immediate backend of some tests): nothing is scheduled then."""
    if not isinstance(run_daily.get_backend(), DatabaseBackend):
        return None
    return DBTaskResult.objects.filter(task_path=run_daily.module_path)


def queue_next_run(now: dt.datetime | None = None) -> bool:
    """Queue tomorrow's run, unless a run is already waiting. True if one was queued."""
    runs = _runs()
    if runs is None or runs.filter(status=TaskResultStatus.READY).exists():
        return False
    run_daily.using(run_after=next_run_at(now)).enqueue()
    return True


def ensure_daily_run() -> bool:
    """Queue a run now if none is waiting or running (a worker starting). True if queued. A
    run marked running for more than a day was left by a worker that died: it does not count."""
    runs = _runs()
    if runs is None:
        return False
    since = timezone.now() - dt.timedelta(days=1)
    if runs.filter(
        Q(status=TaskResultStatus.READY) | Q(status=TaskResultStatus.RUNNING, started_at__gte=since)
    ).exists():
        return False
    run_daily.enqueue()
    return True
