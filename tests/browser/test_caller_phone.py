"""A caller on a phone (390×844): from the home page to the next call, a refused form that keeps
what was typed, then a visit recorded with two needs in a few taps, and on to the next person.
Screenshots in var/screenshots/phone-call-*.png."""

import datetime as dt
import importlib
import re

import pytest
from django.apps import apps
from django.utils import timezone
from playwright.sync_api import expect

from kapok.accounts.roles import Role
from kapok.needs.models import Need
from kapok.registry.models import Category, Household, HouseholdMember
from kapok.visits.models import AssignmentRule, CallPolicy, CallTask, Team, Visit
from kapok.visits.planning import plan_day
from tests.browser.test_shell import at, log_in, page_and_screen_width
from tests.factories import PASSWORD, PersonFactory, UserFactory, unit_for, zone

pytestmark = pytest.mark.browser

seed_categories = importlib.import_module("kapok.registry.migrations.0002_seed_categories").seed


@pytest.fixture
def calls(regions):
    """Today's calls for 螺涌 (a lockdown zone), shared to a city team with one caller."""
    if not Category.objects.exists():  # flushed by an earlier browser test
        seed_categories(apps, None)
    city = unit_for("广州市", name="广州市民政局")
    team = Team.objects.create(name="市一队", unit=city)
    CallPolicy.objects.create(name="封控区、管控区每日电访", scope=CallPolicy.Scope.IN_ZONES)
    AssignmentRule.objects.create(position=100).teams.add(team)
    zone("白云区松洲街螺涌")
    caller = UserFactory(username="zhoumin", full_name="周敏", unit=city, roles=[Role.CALLER])
    team.members.add(caller)
    chen = PersonFactory(
        name="陈桂英",
        sex="F",
        birth_date=dt.date(1945, 3, 12),
        phones=["13800000001", "02081234567"],
        compound="螺涌新村",
        address="螺涌新村三巷5号",
        categories=["TEKUN", "LIVING_ALONE_ELDERLY"],
    )
    chen.set_id_number("44011119450312123X")
    chen.save()
    son = PersonFactory(name="李志强", residence_region=chen.residence_region)
    household = Household.objects.create(
        category=Category.objects.get(code="TEKUN"), key="h-1", head=son
    )
    HouseholdMember.objects.create(household=household, person=son, relation="户主")
    HouseholdMember.objects.create(household=household, person=chen, relation="母亲")
    yesterday = Visit.objects.create(
        person=chen,
        channel="PHONE",
        outcome="REACHED",
        has_difficulty=True,
        made_at=timezone.now() - dt.timedelta(days=1),
        region_code=chen.residence_region_id,
    )
    Need.objects.create(
        person=chen,
        kind="VEGETABLES",
        description="想买点青菜和鸡蛋",
        visit=yesterday,
        region_code=chen.residence_region_id,
    )
    PersonFactory(name="黄伯", categories=["DIBAO"])
    plan_day(timezone.localdate())
    return chen


def outcome_tile(page, value):
    return page.locator("label.tile", has=page.locator(f"input[name=outcome][value={value}]"))


def test_a_caller_records_a_visit_with_two_needs_on_a_phone(
    phone_page, live_server, calls, screenshots
):
    page = phone_page
    chen = calls
    log_in(page, "zhoumin", PASSWORD)
    expect(page).to_have_url(at(live_server, "/"))

    # The home page's card leads to the next call, claimed for this caller.
    page.get_by_role("link", name=re.compile("今日电访")).click()
    task = CallTask.objects.get(person=chen)
    expect(page).to_have_url(at(live_server, f"/visits/call/{task.pk}/"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("陈桂英")
    expect(page.get_by_test_id("zone")).to_have_text("封控区")
    expect(page.get_by_test_id("id-number")).to_contain_text("440111********123X")
    expect(page.get_by_test_id("script")).to_contain_text(
        "您好，这里是民政局，请问您目前有没有遇到基本生活困难？"
    )
    dial = page.get_by_test_id("dial")
    expect(dial).to_have_count(2)
    expect(dial.first).to_have_attribute("href", "tel:13800000001")
    expect(dial.first).to_contain_text("138****0001")
    expect(page.locator("body")).not_to_contain_text("13800000001")
    expect(page.locator("body")).not_to_contain_text("44011119450312123X")
    task.refresh_from_db()
    assert task.claimed_by.username == "zhoumin"
    width, viewport = page_and_screen_width(page)
    assert width <= viewport, f"caller's page: {width}px wide in a {viewport}px phone"
    page.screenshot(path=screenshots / "phone-call-1-next-person.png", full_page=True)

    # A need on a call that did not reach her is refused, and nothing typed is lost.
    outcome_tile(page, "NO_ANSWER").click()
    page.locator("select[name=needs-0-kind]").select_option("FOOD")
    page.locator("input[name=needs-0-description]").fill("米只够吃一天")
    page.get_by_test_id("record").click()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("只有联系上本人时才能登记问题")
    expect(page.locator("input[name=needs-0-description]")).to_have_value("米只够吃一天")
    expect(page.locator("select[name=needs-0-kind]")).to_have_value("FOOD")
    assert not Visit.objects.filter(task=task).exists()
    alert.scroll_into_view_if_needed()
    page.screenshot(path=screenshots / "phone-call-2-refused.png")

    # Reached, two needs (the second row added with a tap), a note.
    outcome_tile(page, "REACHED").click()
    expect(page.locator("input[name=difficulty][value=some]")).to_be_checked()
    page.locator("select[name=needs-0-urgency]").select_option("urgent")
    page.get_by_role("button", name=re.compile("再加一个问题")).click()
    page.locator("select[name=needs-1-kind]").select_option("MEDICINE")
    page.locator("input[name=needs-1-description]").fill("降压药只剩两天")
    page.locator("textarea[name=notes]").fill("独居，腿脚不便")
    width, viewport = page_and_screen_width(page)
    assert width <= viewport, f"filled form: {width}px wide in a {viewport}px phone"
    page.get_by_test_id("outcome-form").scroll_into_view_if_needed()
    page.screenshot(path=screenshots / "phone-call-3-two-needs.png", full_page=True)
    page.get_by_test_id("record").click()

    # On to the next person, with the visit and its two needs recorded.
    expect(page.get_by_role("heading", level=1)).to_contain_text("黄伯")
    expect(page.locator(".messages")).to_have_text("已记录：陈桂英，联系上；上报问题 2 个。")
    page.screenshot(path=screenshots / "phone-call-4-next-call.png")
    visit = Visit.objects.get(task=task)
    assert (visit.outcome, visit.has_difficulty, visit.notes) == ("REACHED", True, "独居，腿脚不便")
    needs = Need.objects.filter(visit=visit).order_by("kind")
    assert [(n.kind, n.urgency, n.description) for n in needs] == [
        ("FOOD", "urgent", "米只够吃一天"),
        ("MEDICINE", "normal", "降压药只剩两天"),
    ]
    task.refresh_from_db()
    assert task.status == CallTask.Status.DONE
