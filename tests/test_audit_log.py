import io

import pytest
from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from openpyxl import load_workbook

from kapok.audit.actions import log_action
from kapok.audit.models import AppendOnlyError, LogEntry

pytestmark = pytest.mark.django_db


def test_it_masks_personal_values_in_the_data(personas):
    entry = log_action(
        "registry.person.updated",
        actor=personas.community,
        obj=personas.community_unit,
        data={
            "id_number": "44011119450312123X",
            "phones": ["13812345678", "020-81234567"],
            "note": "家属电话 13912345678，身份证 440111194503121234",
        },
    )
    entry.refresh_from_db()
    assert entry.data["id_number"] == "440111********123X"
    assert entry.data["phones"] == ["138****5678", "020*****4567"]
    assert entry.data["note"] == "家属电话 139****5678，身份证 440111********1234"
    assert entry.region_code == personas.community_unit.region_id
    assert entry.object_type == "units.unit"


def test_the_application_cannot_change_or_delete_an_entry(personas):
    entry = log_action("accounts.user.created", actor=personas.sysadmin, obj=personas.community)
    entry.action = "something.else"
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        LogEntry.objects.filter(pk=entry.pk).update(action="x")
    with pytest.raises(AppendOnlyError):
        LogEntry.objects.all().delete()


def test_the_database_refuses_to_change_an_entry(personas):
    entry = log_action("accounts.user.created", actor=personas.sysadmin)
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE audit_logentry SET action = %s WHERE id = %s", ["forged", entry.pk])
    assert LogEntry.objects.get(pk=entry.pk).action == "accounts.user.created"


@pytest.mark.postgres
def test_postgresql_refuses_to_delete_an_entry(personas):
    entry = log_action("accounts.user.created", actor=personas.sysadmin)
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_logentry WHERE id = %s", [entry.pk])
    assert LogEntry.objects.filter(pk=entry.pk).exists()


def test_the_auditor_filters_by_action_and_actor(personas, login):
    log_action("accounts.user.created", actor=personas.sysadmin, obj=personas.community)
    log_action("accounts.user.logged_in", actor=personas.community, obj=personas.community)
    client = login(personas.auditor)
    response = client.get(reverse("audit:log_list"), {"action": "accounts.user.created"})
    assert [entry.action for entry in response.context["page"]] == ["accounts.user.created"]
    response = client.get(reverse("audit:log_list"), {"actor": personas.community.full_name})
    assert {entry.action for entry in response.context["page"]} == {"accounts.user.logged_in"}


def test_a_bad_date_range_is_an_error_not_everything(personas, login):
    log_action("accounts.user.created", actor=personas.sysadmin)
    response = login(personas.auditor).get(
        reverse("audit:log_list"), {"since": "2026-11-23", "until": "2026-11-01"}
    )
    assert list(response.context["page"]) == []
    assert "开始日期晚于结束日期" in response.content.decode()


def test_a_district_auditor_reads_only_their_districts_entries(personas, login):
    log_action("units.unit.viewed", actor=personas.community, obj=personas.community_unit)
    log_action("units.unit.viewed", actor=personas.outsider, obj=personas.outsider_unit)
    response = login(personas.outsider_auditor).get(reverse("audit:log_list"))
    regions = {entry.region_code for entry in response.context["page"]}
    assert regions == {personas.outsider_unit.region_id}


def test_the_export_is_an_xlsx_of_the_filtered_entries_and_is_audited(personas, login):
    log_action(
        "accounts.user.created",
        actor=personas.sysadmin,
        obj=personas.community,
        data={"phone": "13812345678"},
    )
    log_action("accounts.user.logged_in", actor=personas.community)
    response = login(personas.auditor).get(
        reverse("audit:log_export"), {"action": "accounts.user.created"}
    )
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="kapok-audit-')
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    rows = list(workbook.active.iter_rows(values_only=True))
    assert rows[0][3] == "操作"
    assert len(rows) == 2
    assert rows[1][3] == "accounts.user.created"
    assert "138****5678" in rows[1][9]
    assert LogEntry.objects.filter(action="audit.log.exported").count() == 1


def test_the_auditor_changes_nothing(personas, login):
    client = login(personas.auditor)
    before = LogEntry.objects.count()
    assert client.get(reverse("accounts:user_list")).status_code == 403
    assert client.get(reverse("accounts:security_policy")).status_code == 403
    response = client.post(reverse("audit:log_list"))
    assert LogEntry.objects.count() == before
    assert response.status_code in (200, 405)


def test_an_export_larger_than_one_file_holds_is_refused_with_advice(personas, login, monkeypatch):
    from kapok.audit import views

    monkeypatch.setattr(views, "MAX_ROWS", 2)
    for _ in range(3):
        log_action("units.unit.viewed", actor=personas.community, obj=personas.community_unit)
    response = login(personas.auditor).get(reverse("audit:log_export"), follow=True)
    assert response.redirect_chain[0][0].startswith(reverse("audit:log_list"))
    assert "每次最多导出 2 条" in response.content.decode()
    assert not LogEntry.objects.filter(action="audit.log.exported").exists()
