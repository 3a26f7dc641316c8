"""The city's "问题当天清零" figures, page, download and command: a day's needs by district and
kind, counted by hand against needs made through the real actions at controlled times."""

import datetime as dt
import io
import json
from contextlib import contextmanager
from unittest import mock

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from kapok.audit.models import LogEntry
from kapok.needs.actions import (
    accept_need,
    cancel_need,
    reopen_need,
    report_need,
    resolve_need,
    verify_need,
)
from kapok.needs.clearance import clearance, oldest_open, overdue_condition
from kapok.needs.escalation import sweep_overdue
from kapok.needs.models import Need
from kapok.regions.models import Region
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 3, 10)
BAIYUN, LIWAN = "440111", "440103"
LIWAN_COMMUNITY = "440103001101"  # 荔湾区沙面街翠洲社区


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    """A local (Asia/Shanghai) time."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


NEXT = DAY + dt.timedelta(days=1)
NOW = at(NEXT, 9)  # the figures are read the next morning, before 10:00


@contextmanager
def clock(moment: dt.datetime):
    """The actions that take no ``now`` read the clock: set it."""
    with mock.patch("django.utils.timezone.now", return_value=moment):
        yield


def report(personas, when, *, kind="FOOD", urgency="normal", person=None) -> Need:
    with clock(when):
        return report_need(
            person=person or PersonFactory(name="张小明"),
            kind=kind,
            urgency=urgency,
            actor=personas.community,
            now=when,
        )


def resolve(personas, need, when) -> Need:
    worker = personas.community
    need = accept_need(need, actor=worker, version=need.version, now=when)
    with clock(when):
        return resolve_need(need, actor=worker, version=need.version, result="已送米面油")


@pytest.fixture
def day_of_needs(personas):
    """Needs of DAY in 白云区 (螺涌) and one in 荔湾区, through the real actions:

    n1 FOOD resolved 10:00; n2 FOOD resolved 11:00, verified 12:00; n3 MEDICINE urgent, never
    accepted (due 14:00, escalated at 15:00); n4 MEDICINE reported 21:00, after the cut-off,
    resolved the next morning at 08:00; n5 FOOD reported 23:30 local (15:30 UTC), open;
    n8 VEGETABLES resolved 13:00 and reopened 14:00; n7 cancelled as a duplicate of n1;
    n6 FOOD reported the day before at 23:30, open; l1 OTHER, a person registered in 白云区
    living in 荔湾区 (跨区救助), waiting at 荔湾区's bureau.
    """
    p = personas
    needs = {}
    needs["n1"] = resolve(p, report(p, at(DAY, 8)), at(DAY, 10))
    n2 = resolve(p, report(p, at(DAY, 9)), at(DAY, 11))
    with clock(at(DAY, 12)):
        needs["n2"] = verify_need(n2, actor=p.community, version=n2.version)
    needs["n3"] = report(p, at(DAY, 10), kind="MEDICINE", urgency="urgent")
    needs["n4"] = report(p, at(DAY, 21), kind="MEDICINE")
    needs["n5"] = report(p, at(DAY, 23, 30))
    needs["n6"] = report(p, at(DAY - dt.timedelta(days=1), 23, 30))
    n7 = report(p, at(DAY, 8, 5), person=needs["n1"].person)
    with clock(at(DAY, 9)):
        cancel_need(
            n7, actor=p.street, version=n7.version, reason="重复上报", duplicate_of=needs["n1"]
        )
    n8 = resolve(p, report(p, at(DAY, 12), kind="VEGETABLES"), at(DAY, 13))
    with clock(at(DAY, 14)):
        needs["n8"] = reopen_need(n8, actor=p.community, version=n8.version, reason="没收到")
    assert sweep_overdue(now=at(DAY, 15))["escalated"] == 2  # n3, and n6 (due 10:00)
    needs["n4"] = resolve(p, needs["n4"], at(NEXT, 8))
    moved = PersonFactory(
        name="欧阳小明",
        residence_region=Region.objects.get(code=LIWAN_COMMUNITY),
        hukou_region=p.community_unit.region,
    )
    needs["l1"] = report(p, at(DAY, 9), kind="OTHER", person=moved)
    assert needs["l1"].is_cross_district
    return needs


def test_the_days_figures_for_the_city_match_the_needs_counted_by_hand(personas, day_of_needs):
    figures = clearance(DAY, personas.city, now=NOW)
    total = figures.total
    # n1 n2 n3 n4 n5 n8 l1: not n7 (cancelled), not n6 (the day before).
    assert total.reported == 7
    assert total.resolved == 2  # n1 n2: n4 the next day, n8 reopened
    assert total.verified == 1  # n2
    assert total.open == 4  # n3 n5 n8 l1
    assert total.overdue == 3  # n3 (14:00), n8 (23:59 after reopening), l1; not n5 (10:00)
    assert total.escalated == 1  # n3
    assert total.cleared == 3  # n1 n2, and n4 by the next morning
    assert total.percent == 43  # 3 / 7
    by_district = {row.prefix: row for row in figures.by_district}
    assert [row.label for row in figures.by_district] == ["荔湾区", "白云区"]
    assert by_district[BAIYUN].counts.as_dict() == {
        "reported": 6,
        "resolved": 2,
        "verified": 1,
        "open": 3,
        "overdue": 2,
        "escalated": 1,
        "cleared": 3,
        "rate": 0.5,
    }
    assert by_district[LIWAN].counts.reported == 1
    assert by_district[LIWAN].counts.cleared == 0
    by_kind = {row.kind: row.counts for row in figures.by_kind}
    assert [row.kind for row in figures.by_kind] == ["FOOD", "VEGETABLES", "MEDICINE", "OTHER"]
    assert (by_kind["FOOD"].reported, by_kind["FOOD"].cleared) == (3, 2)  # n1 n2 n5
    assert (by_kind["MEDICINE"].reported, by_kind["MEDICINE"].cleared) == (2, 1)  # n3 n4
    assert by_kind["MEDICINE"].overdue == 1
    assert by_district[BAIYUN].by_kind["VEGETABLES"].open == 1


def test_the_overdue_count_agrees_with_the_models_own_overdue_query(personas, day_of_needs):
    assert Need.objects.filter(overdue_condition(NOW)).count() == Need.objects.overdue(NOW).count()
    assert Need.objects.overdue(NOW).count() == 4  # n3 n8 l1, and n6 from the day before


def test_a_need_reported_at_half_past_eleven_at_night_counts_for_that_local_day(personas):
    report(personas, at(DAY, 23, 30))
    assert clearance(DAY, personas.city, now=NOW).total.reported == 1
    assert clearance(NEXT, personas.city, now=NOW).total.reported == 0


def test_a_day_without_needs_has_no_rate(personas):
    figures = clearance(DAY, personas.city, now=NOW)
    assert figures.total.reported == 0
    assert figures.total.rate is None
    assert figures.by_district == []


def test_a_district_sees_only_its_own_districts_figures(personas, day_of_needs):
    # 白云区 sees l1 (it is shared with it: the person's hukou), but it is 荔湾区's work.
    assert Need.objects.filter(pk=day_of_needs["l1"].pk, shared_with=personas.district_unit)
    figures = clearance(DAY, personas.district, now=NOW)
    assert [row.prefix for row in figures.by_district] == [BAIYUN]
    assert figures.total.reported == 6
    outsider = clearance(DAY, personas.outsider, now=NOW)
    assert [row.prefix for row in outsider.by_district] == [LIWAN]
    assert outsider.total.reported == 1
    street = clearance(DAY, personas.street, now=NOW)
    assert street.total.reported == 6  # 螺涌 lies in 松洲街


def test_the_oldest_open_needs_come_first_within_the_users_area(personas, day_of_needs):
    with clock(NOW):
        oldest = list(oldest_open(personas.city))
    assert oldest[0] == day_of_needs["n6"]  # the day before
    times = [need.created_at for need in oldest]
    assert times == sorted(times)
    assert day_of_needs["n1"] not in oldest
    assert day_of_needs["l1"] in oldest
    assert day_of_needs["l1"] not in list(oldest_open(personas.district))
    assert list(oldest_open(personas.outsider)) == [day_of_needs["l1"]]
    assert len(list(oldest_open(personas.city, limit=2))) == 2


def test_the_figures_take_one_query_for_any_number_of_needs(
    personas, day_of_needs, django_assert_max_num_queries
):
    with django_assert_max_num_queries(2):  # the counts, and the districts' names
        clearance(DAY, personas.district, now=NOW)


def test_the_page_shows_the_figures_and_the_oldest_needs_with_names_masked(
    client, personas, day_of_needs
):
    client.force_login(personas.city)
    with clock(NOW):
        response = client.get(reverse("needs:clearance"), {"day": DAY.isoformat()})
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-row="district-440111"' in page
    assert 'data-row="kind-MEDICINE"' in page
    assert "43%" in page
    assert "张*明" in page
    assert "欧**明" in page
    assert "张小明" not in page
    assert "欧阳小明" not in page
    assert "hx-get" not in page  # another day than today: not polled


def test_todays_page_polls_its_numbers_every_thirty_seconds(client, personas):
    report(personas, timezone.now() - dt.timedelta(minutes=5))
    client.force_login(personas.district)
    page = client.get(reverse("needs:clearance")).content.decode()
    assert 'hx-trigger="every 30s"' in page
    numbers = client.get(reverse("needs:clearance_numbers"))
    assert numbers.status_code == 200
    assert b'data-testid="clearance-numbers"' in numbers.content
    assert b"<html" not in numbers.content


def test_a_district_page_has_no_other_districts_rows(client, personas, day_of_needs):
    client.force_login(personas.district)
    with clock(NOW):
        page = client.get(reverse("needs:clearance"), {"day": DAY.isoformat()})
    content = page.content.decode()
    assert 'data-row="district-440111"' in content
    assert 'data-row="district-440103"' not in content
    assert "欧**明" not in content


def test_those_who_neither_watch_figures_nor_supervise_needs_are_refused(client, personas):
    client.force_login(personas.community)
    assert client.get(reverse("needs:clearance")).status_code == 403
    assert client.get(reverse("needs:clearance_export")).status_code == 403


def test_the_download_holds_the_figures_and_masked_names_and_is_audited(
    client, personas, day_of_needs
):
    client.force_login(personas.city)
    with clock(NOW):
        response = client.get(reverse("needs:clearance_export"), {"day": DAY.isoformat()})
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    rows = list(workbook.active.iter_rows(values_only=True))
    cells = {str(cell) for row in rows for cell in row if cell is not None}
    assert "白云区" in cells
    assert "荔湾区" in cells
    assert "43%" in cells
    assert "张*明" in cells
    assert "欧**明" in cells
    assert "张小明" not in cells
    assert "欧阳小明" not in cells
    entry = LogEntry.objects.get(action="needs.clearance.exported")
    assert entry.actor == personas.city
    assert entry.data["reported"] == 7


def test_the_command_prints_the_days_figures(personas, day_of_needs):
    out = io.StringIO()
    with clock(NOW):
        call_command("needs", "clearance", "--day", DAY.isoformat(), stdout=out)
    text = out.getvalue()
    assert "2026-03-10: 7 needs reported, 3 cleared the same day (43%)" in text
    assert "白云区" in text
    assert "荔湾区" in text
    out = io.StringIO()
    with clock(NOW):
        call_command("needs", "clearance", "--day", DAY.isoformat(), "--json", stdout=out)
    data = json.loads(out.getvalue())
    assert data["day"] == "2026-03-10"
    assert data["total"]["reported"] == 7
    assert data["total"]["rate"] == round(3 / 7, 4)
    assert {row["name"] for row in data["by_district"]} == {"白云区", "荔湾区"}


def test_the_command_refuses_a_day_that_is_not_a_date():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="not a date"):
        call_command("needs", "clearance", "--day", "yesterday", stdout=io.StringIO())
