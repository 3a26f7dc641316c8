"""Importing a roster on the web: upload, preview and correct the columns, progress, result."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from kapok.audit.models import LogEntry
from kapok.registry.models import Person, RosterImport
from kapok.registry.tasks import run_roster_import

ID = "44011119450312123X"
HEADER = ["姓名", "身份证号", "联系电话", "所属街道", "所属社区", "家庭住址"]
ROWS = [
    ["张三明", ID, "13812345678", "松洲街", "螺涌", "螺涌北路1号"],
    ["李四", "", "13912345678", "松洲街", "不存在社区", "某路2号"],
]


@pytest.fixture(autouse=True)
def _media_and_tasks(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def xlsx(header=HEADER, rows=ROWS, title=None, name="特困名册.xlsx") -> SimpleUploadedFile:
    book = Workbook()
    sheet = book.active
    sheet.title = "名单"
    if title:
        sheet.append([title])
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


def upload(client, file, category="TEKUN", **extra):
    return client.post(
        reverse("registry:import_new"), {"file": file, "category": category, **extra}
    )


def uploaded(client, personas, file=None) -> RosterImport:
    client.force_login(personas.district)
    response = upload(client, file or xlsx(title="白云区特困人员花名册"))
    roster_import = RosterImport.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("registry:import_preview", kwargs={"pk": roster_import.pk})
    return roster_import


def preview_url(roster_import):
    return reverse("registry:import_preview", kwargs={"pk": roster_import.pk})


def detail_url(roster_import):
    return reverse("registry:import_detail", kwargs={"pk": roster_import.pk})


def start(client, roster_import, django_capture_on_commit_callbacks, **columns):
    data = {
        "name": "姓名",
        "id_number": "身份证号",
        "phones": "联系电话",
        "street": "所属街道",
        "community": "所属社区",
        "address": "家庭住址",
        **columns,
    }
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(preview_url(roster_import), data)


def test_the_import_list_links_to_the_upload_page(client, personas):
    client.force_login(personas.district)
    response = client.get(reverse("registry:import_list"))
    assert reverse("registry:import_new").encode() in response.content


def test_the_upload_page_offers_the_active_categories(client, personas):
    client.force_login(personas.district)
    response = client.get(reverse("registry:import_new"))
    assert response.status_code == 200
    assert b'value="TEKUN"' in response.content
    assert b'type="file"' in response.content


def test_an_upload_is_kept_waiting_with_its_file_and_unit(client, personas):
    roster_import = uploaded(client, personas)
    assert roster_import.status == RosterImport.Status.PENDING
    assert roster_import.file_name == "特困名册.xlsx"
    assert roster_import.file.name.startswith("rosters/")
    assert roster_import.file.name.endswith(".xlsx")
    assert "特困" not in roster_import.file.name
    assert len(roster_import.file_sha256) == 64
    assert roster_import.unit == personas.district_unit
    assert roster_import.started_by == personas.district
    assert roster_import.category.code == "TEKUN"
    assert LogEntry.objects.filter(action="registry.roster.uploaded").count() == 1


def test_a_file_that_is_no_roster_is_refused_at_upload(client, personas):
    client.force_login(personas.district)
    response = upload(client, SimpleUploadedFile("notes.txt", "姓名,身份证号\n".encode()))
    assert response.status_code == 200
    assert b"errorlist" in response.content
    assert not RosterImport.objects.exists()


def test_a_file_larger_than_the_limit_is_refused(client, personas, monkeypatch):
    monkeypatch.setattr("kapok.registry.forms.MAX_UPLOAD_BYTES", 10)
    client.force_login(personas.district)
    response = upload(client, xlsx())
    assert response.status_code == 200
    assert b"errorlist" in response.content
    assert not RosterImport.objects.exists()


def test_the_preview_shows_the_recognised_columns_and_masked_rows(client, personas):
    roster_import = uploaded(client, personas)
    response = client.get(preview_url(roster_import))
    assert response.status_code == 200
    html = response.content.decode()
    assert ID not in html
    assert "440111********123X" in html
    assert "13812345678" not in html
    assert "138****5678" in html
    assert "螺涌北路1号" in html
    assert response.context["header_row_number"] == 2  # below the title row
    assert '<option value="身份证号" selected>身份证号</option>' in html
    assert '<option value="所属社区" selected>所属社区</option>' in html


def test_a_column_corrected_in_the_preview_is_used(
    client, personas, django_capture_on_commit_callbacks
):
    header = ["姓名", "号码", "联系电话", "所属街道", "所属社区", "家庭住址"]
    roster_import = uploaded(client, personas, xlsx(header=header, rows=ROWS[:1]))
    html = client.get(preview_url(roster_import)).content.decode()
    assert "号码" in html  # listed among the columns not used
    response = start(client, roster_import, django_capture_on_commit_callbacks, id_number="号码")
    assert response.status_code == 302
    assert response.url == detail_url(roster_import)
    roster_import.refresh_from_db()
    assert roster_import.overrides == {"id_number": "号码"}
    assert roster_import.status == RosterImport.Status.DONE
    assert Person.objects.with_id_number(ID).get().name == "张三明"


def test_the_same_column_for_two_fields_is_refused(
    client, personas, django_capture_on_commit_callbacks
):
    roster_import = uploaded(client, personas)
    response = start(client, roster_import, django_capture_on_commit_callbacks, address="所属社区")
    assert response.status_code == 200
    assert b"errorlist" in response.content
    roster_import.refresh_from_db()
    assert roster_import.status == RosterImport.Status.PENDING
    assert not Person.objects.exists()


def test_starting_imports_in_the_background_and_shows_the_result(
    client, personas, django_capture_on_commit_callbacks
):
    roster_import = uploaded(client, personas)
    response = start(client, roster_import, django_capture_on_commit_callbacks)
    assert response.status_code == 302
    roster_import.refresh_from_db()
    assert roster_import.status == RosterImport.Status.DONE
    assert roster_import.overrides == {}
    assert (roster_import.rows_total, roster_import.rows_done) == (2, 2)
    assert (roster_import.people_created, roster_import.rows_rejected) == (1, 1)
    assert roster_import.started_by == personas.district
    response = client.get(detail_url(roster_import))
    html = response.content.decode()
    assert "不存在社区" in html  # the refused row, with its reason
    assert ID not in html
    assert 'hx-trigger="every 1s"' not in html


def test_the_import_page_polls_the_progress_while_the_import_waits(client, personas):
    roster_import = uploaded(client, personas)
    response = client.get(detail_url(roster_import))
    html = response.content.decode()
    progress = reverse("registry:import_progress", kwargs={"pk": roster_import.pk})
    assert f'hx-get="{progress}"' in html
    assert 'hx-trigger="every 1s"' in html


def test_the_progress_fragment_shows_the_bar_and_reloads_the_page_at_the_end(client, personas):
    roster_import = uploaded(client, personas)
    url = reverse("registry:import_progress", kwargs={"pk": roster_import.pk})
    RosterImport.objects.filter(pk=roster_import.pk).update(
        status=RosterImport.Status.RUNNING, rows_total=1000, rows_done=400
    )
    response = client.get(url, headers={"HX-Request": "true"})
    assert response.status_code == 200
    html = response.content.decode()
    assert '<progress max="1000" value="400">' in html
    assert 'hx-trigger="every 1s"' in html
    assert "HX-Refresh" not in response.headers
    assert "<html" not in html
    RosterImport.objects.filter(pk=roster_import.pk).update(status=RosterImport.Status.DONE)
    response = client.get(url, headers={"HX-Request": "true"})
    assert response.headers["HX-Refresh"] == "true"
    assert b"hx-trigger" not in response.content


def test_a_text_file_named_xlsx_fails_clearly(client, personas):
    file = SimpleUploadedFile("特困名册.xlsx", "<html>姓名 身份证号</html>".encode())
    roster_import = uploaded(client, personas, file)
    response = client.get(preview_url(roster_import))
    assert response.status_code == 200
    assert b'role="alert"' in response.content
    roster_import.refresh_from_db()
    assert roster_import.status == RosterImport.Status.FAILED
    assert "特困名册.xlsx" in roster_import.error
    assert roster_import.error in response.content.decode()


def test_a_roster_without_a_name_column_is_marked_failed_and_can_be_corrected(
    client, personas, django_capture_on_commit_callbacks
):
    header = ["人", "身份证号", "联系电话", "所属街道", "所属社区", "家庭住址"]
    roster_import = uploaded(client, personas, xlsx(header=header, rows=ROWS[:1]))
    response = client.get(preview_url(roster_import))
    assert b'role="alert"' in response.content
    roster_import.refresh_from_db()
    assert roster_import.status == RosterImport.Status.FAILED
    assert roster_import.error
    start(client, roster_import, django_capture_on_commit_callbacks, name="人")
    roster_import.refresh_from_db()
    assert roster_import.status == RosterImport.Status.DONE
    assert roster_import.overrides == {"name": "人"}
    assert Person.objects.filter(name="张三明").exists()


def test_a_failed_import_can_be_retried(client, personas, django_capture_on_commit_callbacks):
    roster_import = uploaded(client, personas)
    RosterImport.objects.filter(pk=roster_import.pk).update(
        status=RosterImport.Status.FAILED, error="the database went away"
    )
    html = client.get(detail_url(roster_import)).content.decode()
    retry = reverse("registry:import_retry", kwargs={"pk": roster_import.pk})
    assert retry in html
    assert "the database went away" in html
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(retry)
    assert response.status_code == 302
    roster_import.refresh_from_db()
    assert roster_import.status == RosterImport.Status.DONE
    assert roster_import.error == ""
    assert (roster_import.people_created, roster_import.rows_rejected) == (1, 1)
    assert LogEntry.objects.filter(action="registry.roster.import_retried").count() == 1


def test_only_a_failed_import_is_retried(client, personas, django_capture_on_commit_callbacks):
    roster_import = uploaded(client, personas)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(reverse("registry:import_retry", kwargs={"pk": roster_import.pk}))
    assert response.status_code == 302
    assert callbacks == []
    roster_import.refresh_from_db()
    assert roster_import.status == RosterImport.Status.PENDING


def test_a_task_that_fails_marks_the_import_failed(client, personas):
    roster_import = uploaded(client, personas)
    roster_import.overrides = {"id_number": "没有这一列"}
    roster_import.save(update_fields=["overrides"])
    assert run_roster_import.call(roster_import.pk) == "FAILED"
    roster_import.refresh_from_db()
    assert roster_import.status == RosterImport.Status.FAILED
    assert "没有这一列" in roster_import.error
    assert not Person.objects.exists()


def test_a_task_does_not_run_an_import_twice(client, personas):
    roster_import = uploaded(client, personas)
    assert run_roster_import.call(roster_import.pk) == "DONE"
    assert run_roster_import.call(roster_import.pk) == "SKIPPED"
    assert RosterImport.objects.get().people_created == 1


def test_the_preview_offers_the_other_sheets(client, personas):
    book = Workbook()
    book.active.title = "说明"
    book.active.append(["本表由白云区民政局填报"])
    sheet = book.create_sheet("名单")
    sheet.append(HEADER)
    sheet.append(ROWS[0])
    buffer = io.BytesIO()
    book.save(buffer)
    roster_import = uploaded(client, personas, SimpleUploadedFile("名册.xlsx", buffer.getvalue()))
    response = client.get(preview_url(roster_import), {"sheet": "名单"})
    html = response.content.decode()
    assert '<option value="说明">' in html
    assert '<option value="名单" selected>' in html
    assert "440111********123X" in html


@pytest.mark.parametrize("name", ["import_preview", "import_progress", "import_detail"])
def test_an_outsider_is_told_the_import_does_not_exist(client, personas, name):
    roster_import = uploaded(client, personas)
    client.force_login(personas.outsider)
    response = client.get(reverse(f"registry:{name}", kwargs={"pk": roster_import.pk}))
    assert response.status_code == 404


def test_an_outsider_cannot_retry_another_districts_import(client, personas):
    roster_import = uploaded(client, personas)
    RosterImport.objects.filter(pk=roster_import.pk).update(status=RosterImport.Status.FAILED)
    client.force_login(personas.outsider)
    response = client.post(reverse("registry:import_retry", kwargs={"pk": roster_import.pk}))
    assert response.status_code == 404
    assert RosterImport.objects.get().status == RosterImport.Status.FAILED


def test_a_community_worker_may_not_import(client, personas):
    client.force_login(personas.community)
    assert client.get(reverse("registry:import_new")).status_code == 403
    response = upload(client, xlsx())
    assert response.status_code == 403
    assert not RosterImport.objects.exists()
