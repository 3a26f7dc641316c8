import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from kapok.audit.models import LogEntry
from kapok.regions.lookup import find_region
from kapok.zones.models import RiskArea

pytestmark = pytest.mark.django_db


def test_a_district_declares_a_compound_zone_naming_the_community_as_people_do(personas, login):
    response = login(personas.district).post(
        reverse("zones:zone_declare"),
        {
            "region": "松洲街螺涌",
            "compound": "富力半岛花园",
            "level": RiskArea.Level.LOCKDOWN,
            "starts_at": "2022-04-20T18:00",
        },
    )
    assert response.status_code == 302
    area = RiskArea.objects.get()
    assert area.region_id == "440111003005"
    assert area.compound == "富力半岛花园"
    assert area.ends_at is None
    assert LogEntry.objects.filter(action="zones.area.declared", actor=personas.district).exists()


def test_a_zone_outside_the_users_region_is_refused(personas, login):
    response = login(personas.district).post(
        reverse("zones:zone_declare"),
        {
            "region": "荔湾区沙面街翠洲社区",
            "level": RiskArea.Level.CONTROL,
            "starts_at": "2022-04-20T18:00",
        },
    )
    assert response.status_code == 200
    assert "不在您的辖区内" in response.content.decode()
    assert not RiskArea.objects.exists()


def test_a_street_is_not_a_zone(personas, login):
    response = login(personas.district).post(
        reverse("zones:zone_declare"),
        {
            "region": "白云区松洲街",
            "level": RiskArea.Level.CONTROL,
            "starts_at": "2022-04-20T18:00",
        },
    )
    assert response.status_code == 200
    assert not RiskArea.objects.exists()


def test_ending_a_zone_takes_it_off_todays_list(personas, login):
    area = RiskArea.objects.create(
        region=find_region("白云区松洲街螺涌"),
        level=RiskArea.Level.LOCKDOWN,
        starts_at=timezone.now() - dt.timedelta(days=3),
    )
    client = login(personas.district)
    assert list(client.get(reverse("zones:zone_list")).context["page"]) == [area]
    client.post(reverse("zones:zone_end", args=[area.pk]))
    area.refresh_from_db()
    assert area.ends_at is not None
    assert LogEntry.objects.filter(action="zones.area.ended").count() == 1


def test_the_zone_list_is_scoped(personas, login):
    RiskArea.objects.create(
        region=find_region("荔湾区沙面街翠洲社区"),
        level=RiskArea.Level.LOCKDOWN,
        starts_at=timezone.now() - dt.timedelta(days=1),
    )
    assert list(login(personas.district).get(reverse("zones:zone_list")).context["page"]) == []
    assert len(login(personas.city).get(reverse("zones:zone_list")).context["page"]) == 1


def test_an_uploaded_zones_file_is_imported_and_rows_outside_the_region_refused(personas, login):
    content = (
        "区,街道,社区,小区,等级,开始时间,结束时间\n"
        "白云区,松洲街道,螺涌社区,,管控区,2022-04-22 00:00,\n"
        "荔湾区,沙面街道,翠洲社区,,封控区,2022-04-22 00:00,\n"
        "白云区,松洲街道,螺涌社区,,黄码区,2022-04-22 00:00,\n"
    ).encode()
    response = login(personas.district).post(
        reverse("zones:zone_import"),
        {"file": SimpleUploadedFile("zones.csv", content, content_type="text/csv")},
        follow=True,
    )
    page = response.content.decode()
    assert RiskArea.objects.count() == 1
    assert "翠洲社区居民委员会不在您的辖区内" in page
    assert "“黄码区”不是风险区等级" in page
