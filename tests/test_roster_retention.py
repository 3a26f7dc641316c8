"""Uploaded roster files are deleted a while after their import ended; the import stays."""

import datetime as dt
import io
import json
import os
import subprocess
import sys

import pytest
from django.contrib.messages import get_messages
from django.core.files.storage import FileSystemStorage
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.management.commands import db_worker
from django_tasks_db.models import DBTaskResult
from openpyxl import load_workbook

from kapok.audit.models import LogEntry
from kapok.registry.models import RosterImport
from kapok.site.daily import ensure_daily_run, next_run_at, run_daily
from tests.test_import_pages import ID, start, uploaded, xlsx

pytestmark = pytest.mark.django_db

GONE = "上传的文件已不在；请重新上传名册。"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.KAPOK_ROSTER_FILE_RETENTION_DAYS = 30


@pytest.fixture
def immediate_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def ended(roster_import, days_ago, status=RosterImport.Status.DONE, **fields):
    """Move an import's end back in time (and its upload a little before)."""
    moment = timezone.now() - dt.timedelta(days=days_ago)
    RosterImport.objects.filter(pk=roster_import.pk).update(
        status=status, finished_at=moment, created_at=moment - dt.timedelta(hours=1), **fields
    )
    roster_import.refresh_from_db()
    return roster_import


def path_of(roster_import) -> str:
    return roster_import.file.path


def purge(*args) -> dict:
    out = io.StringIO()
    call_command("rosters", "purge", "--json", *args, stdout=out)
    return json.loads(out.getvalue())


@pytest.fixture
def imports(client, personas, immediate_tasks, django_capture_on_commit_callbacks):
    """A done import and a failed one past the retention period, and imports that keep their
    file: ended too recently, waiting, running."""
    done = uploaded(client, personas)
    start(client, done, django_capture_on_commit_callbacks)
    done.refresh_from_db()
    assert done.status == RosterImport.Status.DONE
    assert done.rows_rejected == 1
    made = {"done": ended(done, 31)}
    for name, days, status in [
        ("failed", 45, RosterImport.Status.FAILED),
        ("recent", 29, RosterImport.Status.FAILED),
        ("waiting", 60, RosterImport.Status.PENDING),
        ("running", 60, RosterImport.Status.RUNNING),
    ]:
        client.post(reverse("registry:import_new"), {"file": xlsx(), "category": "DIBAO"})
        latest = RosterImport.objects.order_by("-pk").first()
        made[name] = ended(
            latest, days, status, error="数据库连接中断" if status == "FAILED" else ""
        )
    for roster_import in made.values():
        assert os.path.exists(path_of(roster_import))
    return made


def test_the_files_of_imports_ended_past_the_retention_are_deleted(imports):
    paths = {name: path_of(roster_import) for name, roster_import in imports.items()}
    result = purge()
    assert result["deleted"] == 2
    assert result["retention_days"] == 30
    assert {item["roster_import"] for item in result["files"]} == {
        imports["done"].pk,
        imports["failed"].pk,
    }
    for name in ("done", "failed"):
        assert not os.path.exists(paths[name])
        imports[name].refresh_from_db()
        assert not imports[name].file
    for name in ("recent", "waiting", "running"):
        assert os.path.exists(paths[name])
        imports[name].refresh_from_db()
        assert imports[name].file
    assert purge()["deleted"] == 0  # nothing left to do


def test_each_deletion_is_audited_with_the_import_not_the_content(imports):
    purge()
    entries = LogEntry.objects.filter(action="registry.roster.file_deleted").order_by("pk")
    assert [entry.object_id for entry in entries] == [
        str(imports["failed"].pk),
        str(imports["done"].pk),
    ]
    entry = entries.get(object_id=str(imports["done"].pk))
    assert entry.object_type == "registry.rosterimport"
    assert entry.data["stored_as"] == imports["done"].file.name
    assert entry.data["retention_days"] == 30
    assert entry.region_code == "440111000000"  # the importing unit's region
    logged = json.dumps([entry.data, entry.object_repr], ensure_ascii=False)
    for content in (ID, "张三明", "13812345678", "螺涌北路"):
        assert content not in logged


def test_a_dry_run_lists_the_files_and_keeps_them(imports):
    result = purge("--dry-run")
    assert result["dry_run"] is True
    assert result["deleted"] == 2
    assert {item["stored_as"] for item in result["files"]} == {
        imports["done"].file.name,
        imports["failed"].file.name,
    }
    assert all(item["bytes"] > 0 for item in result["files"])
    assert os.path.exists(path_of(imports["done"]))
    assert RosterImport.objects.exclude(file="").count() == 5
    assert not LogEntry.objects.filter(action="registry.roster.file_deleted").exists()


def test_the_command_prints_what_it_deleted(imports):
    out = io.StringIO()
    call_command("rosters", "purge", stdout=out)
    text = out.getvalue()
    assert text.startswith("roster files: deleted 2 ")
    assert f"import {imports['done'].pk} (TEKUN, done " in text
    assert ID not in text


def test_the_import_page_still_shows_a_purged_import_and_its_rejects(client, personas, imports):
    purge()
    client.force_login(personas.district)
    done = imports["done"]
    response = client.get(reverse("registry:import_detail", kwargs={"pk": done.pk}))
    assert response.status_code == 200
    html = response.content.decode()
    assert "特困名册.xlsx" in html
    assert "不存在社区" in html  # the refused row with its reason
    assert ID not in html
    rejects = client.get(reverse("registry:import_rejects", kwargs={"pk": done.pk}))
    assert rejects.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(rejects.streaming_content))).active
    assert "李四" in [cell for row in sheet.iter_rows(values_only=True) for cell in row]


def test_retrying_a_purged_import_says_to_upload_it_again(
    client, personas, imports, django_capture_on_commit_callbacks
):
    purge()
    client.force_login(personas.district)
    failed = imports["failed"]
    detail = reverse("registry:import_detail", kwargs={"pk": failed.pk})
    html = client.get(detail).content.decode()
    assert GONE in html
    assert reverse("registry:import_retry", kwargs={"pk": failed.pk}) not in html
    assert reverse("registry:import_new") in html
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(reverse("registry:import_retry", kwargs={"pk": failed.pk}))
    assert response.status_code == 302
    assert response.url == detail
    assert callbacks == []
    assert [str(m) for m in get_messages(response.wsgi_request)] == [GONE]
    failed.refresh_from_db()
    assert failed.status == RosterImport.Status.FAILED
    assert failed.error == "数据库连接中断"
    preview = client.get(reverse("registry:import_preview", kwargs={"pk": failed.pk}))
    assert preview.status_code == 200
    assert GONE in preview.content.decode()


def test_a_file_that_cannot_be_deleted_stays_with_its_import(imports, monkeypatch):
    def refuse(self, name):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(FileSystemStorage, "delete", refuse)
    with pytest.raises(CommandError, match=str(imports["done"].pk)):
        purge()
    imports["done"].refresh_from_db()
    assert imports["done"].file  # still pointing at its file: the next purge tries again
    assert os.path.exists(path_of(imports["done"]))
    assert not LogEntry.objects.filter(action="registry.roster.file_deleted").exists()
    monkeypatch.undo()
    assert purge()["deleted"] == 2


def test_an_import_failed_at_the_preview_keeps_its_file_from_that_moment(client, personas):
    """Its end is when it failed, not when it was uploaded."""
    roster_import = uploaded(client, personas, xlsx(header=["人", "身份证号"], rows=[["甲", ID]]))
    RosterImport.objects.filter(pk=roster_import.pk).update(
        created_at=timezone.now() - dt.timedelta(days=60)
    )
    client.get(reverse("registry:import_preview", kwargs={"pk": roster_import.pk}))
    roster_import.refresh_from_db()
    assert roster_import.status == RosterImport.Status.FAILED
    assert roster_import.finished_at > timezone.now() - dt.timedelta(minutes=1)
    assert purge()["deleted"] == 0
    RosterImport.objects.filter(pk=roster_import.pk).update(finished_at=None)
    assert purge()["deleted"] == 1  # an older import without an end: its upload time stands


def test_the_retention_is_configurable(imports, settings):
    settings.KAPOK_ROSTER_FILE_RETENTION_DAYS = 40
    assert [item["roster_import"] for item in purge()["files"]] == [imports["failed"].pk]
    settings.KAPOK_ROSTER_FILE_RETENTION_DAYS = 7
    assert {item["roster_import"] for item in purge()["files"]} == {
        imports["done"].pk,
        imports["recent"].pk,
    }


def _setting(tmp_path, **env) -> subprocess.CompletedProcess:
    environment = {key: value for key, value in os.environ.items() if not key.startswith("KAPOK_")}
    environment.update({"DJANGO_SETTINGS_MODULE": "kapok.settings", **env})
    code = (
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.KAPOK_ROSTER_FILE_RETENTION_DAYS)"
    )
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, "30"),
        ("7", "7"),
        ("0", "KAPOK_ROSTER_FILE_RETENTION_DAYS must be at least 1, not 0"),
        ("thirty", "KAPOK_ROSTER_FILE_RETENTION_DAYS must be a whole number, not 'thirty'"),
    ],
)
def test_the_setting_is_read_from_the_environment(tmp_path, value, expected):
    env = {} if value is None else {"KAPOK_ROSTER_FILE_RETENTION_DAYS": value}
    result = _setting(tmp_path, **env)
    if expected.isdigit():
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip() == expected
    else:
        assert result.returncode != 0
        assert expected in result.stderr


@pytest.fixture
def run_worker(monkeypatch):
    """The real worker, in this process, for one task (see tests/test_background_tasks.py)."""
    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)
    monkeypatch.setattr(db_worker.Worker, "configure_signals", lambda self: None)

    class Impatient:
        @staticmethod
        def sleep(seconds):
            raise AssertionError("the worker found nothing to run")

    monkeypatch.setattr(db_worker, "time", Impatient)

    def run(*args):
        call_command("worker", "--no-startup-delay", *args, verbosity=0)

    return run


def test_the_worker_purges_once_a_day(client, personas, run_worker):
    roster_import = ended(uploaded(client, personas), 31)
    path = path_of(roster_import)
    run_worker("--max-tasks", "1")
    first = DBTaskResult.objects.get(task_path=run_daily.module_path, status="SUCCESSFUL")
    assert first.return_value["kapok.registry.retention.purge_roster_files_daily"]["deleted"] == 1
    assert not os.path.exists(path)
    following = DBTaskResult.objects.get(task_path=run_daily.module_path, status="READY")
    assert following.run_after == next_run_at()
    assert timezone.localtime(following.run_after).time() == dt.time(3, 0)
    assert timezone.localtime(following.run_after).date() == timezone.localdate() + dt.timedelta(
        days=1
    )
    # Another worker starting does not queue a second run; a batch run queues none.
    assert ensure_daily_run() is False
    run_worker("--batch")
    assert DBTaskResult.objects.filter(task_path=run_daily.module_path).count() == 2


def test_a_failing_daily_job_is_seen_and_the_next_run_is_queued_all_the_same(
    client, personas, monkeypatch
):
    ended(uploaded(client, personas), 31)
    monkeypatch.setattr(FileSystemStorage, "delete", lambda self, name: os.remove("/nonexistent"))
    with pytest.raises(RuntimeError, match="daily jobs failed"):
        run_daily.call()
    assert DBTaskResult.objects.filter(task_path=run_daily.module_path, status="READY").count() == 1
    assert RosterImport.objects.get().file  # kept for the next run
