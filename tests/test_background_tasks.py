import datetime as dt

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.management.commands import db_worker
from django_tasks_db.models import DBTaskResult

from kapok.audit.models import LogEntry
from kapok.site.tasks import clear_expired_sessions
from tests.tasks_for_tests import fails_until_fixed

pytestmark = pytest.mark.django_db


@pytest.fixture
def run_worker(monkeypatch):
    """The real worker, in this process. It drops database connections that are inside a
    transaction, which would end the test's own transaction: let it keep this one."""
    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)

    def run():
        call_command("worker", "--batch", "--no-startup-delay", verbosity=0)

    return run


def test_the_worker_runs_a_queued_task(run_worker):
    old = SessionStore()
    old.create()
    Session.objects.filter(session_key=old.session_key).update(
        expire_date=timezone.now() - dt.timedelta(days=1)
    )
    live = SessionStore()
    live.create()
    result = clear_expired_sessions.enqueue()
    assert DBTaskResult.objects.get(id=result.id).status == "READY"
    run_worker()
    done = DBTaskResult.objects.get(id=result.id)
    assert done.status == "SUCCESSFUL"
    assert done.return_value == 1
    assert list(Session.objects.values_list("session_key", flat=True)) == [live.session_key]


def test_a_failed_task_is_kept_and_can_be_retried_from_the_page(personas, login, run_worker):
    result = fails_until_fixed.enqueue("service-up")
    run_worker()
    failed = DBTaskResult.objects.get(id=result.id)
    assert failed.status == "FAILED"
    client = login(personas.sysadmin)
    page = client.get(reverse("site:task_detail", args=[failed.id]))
    assert "RuntimeError" in page.content.decode()
    assert "13812345678" not in page.content.decode()  # tracebacks are masked
    assert "138****5678" in page.content.decode()
    cache.set("service-up", True)
    response = client.post(reverse("site:task_retry", args=[failed.id]))
    assert response.status_code == 302
    retried = DBTaskResult.objects.exclude(id=failed.id).get()
    assert retried.args_kwargs == failed.args_kwargs
    run_worker()
    retried.refresh_from_db()
    assert retried.status == "SUCCESSFUL"
    entry = LogEntry.objects.get(action="site.task.retried")
    assert entry.data["failed_id"] == str(failed.id)


def test_only_a_failed_task_can_be_retried(personas, login):
    result = clear_expired_sessions.enqueue()
    client = login(personas.sysadmin)
    response = client.post(reverse("site:task_retry", args=[result.id]), follow=True)
    assert DBTaskResult.objects.count() == 1
    assert "只有失败的任务可以重试" in response.content.decode()


def test_the_task_list_counts_by_status(personas, login):
    clear_expired_sessions.enqueue()
    response = login(personas.sysadmin).get(reverse("site:task_list"))
    statuses = {value: count for value, _label, count in response.context["statuses"]}
    assert statuses["READY"] == 1
    assert statuses["FAILED"] == 0
