"""A community worker on a phone (390×844): from the home page to the needs queue, a dispatched
need opened, accepted with one tap, then resolved with a result and a photo taken on the phone.
Screenshots in var/screenshots/need-*.png."""

import io
import re

import pytest
from PIL import Image
from playwright.sync_api import expect

from kapok.accounts.roles import Role
from kapok.needs.actions import report_need
from kapok.needs.models import Need
from tests.browser.test_shell import at, log_in, page_and_screen_width
from tests.factories import PASSWORD, PersonFactory, UserFactory, unit_for

pytestmark = pytest.mark.browser


@pytest.fixture
def dispatched(regions):
    """A need of 陈桂英 in 螺涌, found on a city phone visit and routed to her community."""
    city = unit_for("广州市", name="广州市民政局")
    street = unit_for("白云区松洲街", name="松洲街道办事处")
    community = unit_for("白云区松洲街螺涌", parent=street)
    UserFactory(username="luoyong", full_name="罗勇", unit=community, roles=[Role.COMMUNITY_WORKER])
    caller = UserFactory(username="zhoumin", full_name="周敏", unit=city, roles=[Role.CALLER])
    chen = PersonFactory(
        name="陈桂英",
        phones=["13800000001"],
        compound="螺涌新村",
        address="螺涌新村三巷5号",
    )
    chen.set_id_number("44011119450312123X")
    chen.save()
    return report_need(
        person=chen,
        kind="FOOD",
        urgency="urgent",
        description="米只够吃一天，想要十斤大米",
        actor=caller,
    )


def a_photo() -> dict:
    out = io.BytesIO()
    image = Image.new("RGB", (800, 600), (235, 225, 200))
    for x in range(200, 600):
        for y in range(200, 400):
            image.putpixel((x, y), (200, 40, 50))
    image.save(out, "JPEG")
    return {"name": "IMG_0001.jpg", "mimeType": "image/jpeg", "buffer": out.getvalue()}


def fits(page, what):
    width, viewport = page_and_screen_width(page)
    assert width <= viewport, f"{what}: {width}px wide in a {viewport}px phone"


def test_a_community_worker_accepts_and_resolves_a_need_with_a_photo(
    phone_page, live_server, dispatched, screenshots
):
    page = phone_page
    need = dispatched
    log_in(page, "luoyong", PASSWORD)
    expect(page).to_have_url(at(live_server, "/"))

    # The home card leads to the queue: the new need, with the name masked.
    page.get_by_role("link", name=re.compile("待办问题")).click()
    expect(page).to_have_url(at(live_server, "/needs/"))
    expect(page.get_by_test_id("count-new")).to_have_text("1")
    row = page.locator(f"[data-need='{need.pk}']")
    expect(row).to_contain_text("缺粮")
    expect(row).to_contain_text("陈*英")
    expect(row).to_contain_text("螺涌")
    expect(page.locator("body")).not_to_contain_text("陈桂英")
    fits(page, "queue")
    page.screenshot(path=screenshots / "need-1-queue.png", full_page=True)

    # The need: the person with the ID masked, a number to tap, and one big button.
    row.locator("a.need-link").click()
    expect(page).to_have_url(at(live_server, f"/needs/{need.pk}/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("缺粮")
    expect(page.get_by_test_id("status")).to_have_text("已派单")
    expect(page.get_by_test_id("id-number")).to_contain_text("440111********123X")
    expect(page.get_by_test_id("dial")).to_have_attribute("href", "tel:13800000001")
    expect(page.locator("body")).not_to_contain_text("44011119450312123X")
    expect(page.get_by_test_id("timeline").locator("li")).to_have_count(2)
    fits(page, "need page")
    page.screenshot(path=screenshots / "need-2-dispatched.png", full_page=True)

    page.get_by_test_id("do-accept").tap()
    expect(page.get_by_test_id("status")).to_have_text("已签收")
    expect(page.locator(".messages")).to_contain_text("已签收")

    # The result, and a photo taken with the phone's camera.
    photos = page.locator("input[name=photos]")
    expect(photos).to_have_attribute("capture", "environment")
    expect(photos).to_have_attribute("accept", re.compile("image/jpeg"))
    page.locator("textarea[name=result]").fill("已送去大米十斤、食用油一桶，老人已收到。")
    photos.set_input_files(a_photo())
    fits(page, "resolve form")
    page.get_by_test_id("resolve-form").scroll_into_view_if_needed()
    page.screenshot(path=screenshots / "need-3-resolve-form.png", full_page=True)
    page.get_by_test_id("do-resolve").tap()

    expect(page.get_by_test_id("status")).to_have_text("已反馈")
    expect(page.get_by_test_id("result")).to_contain_text("已送去大米十斤")
    image = page.get_by_test_id("photos").locator("img")
    expect(image).to_have_count(1)
    expect(image).to_be_visible()
    assert image.evaluate("img => img.complete && img.naturalWidth") > 0
    expect(page.get_by_test_id("timeline").locator("li")).to_have_count(4)
    fits(page, "resolved need")
    page.screenshot(path=screenshots / "need-4-resolved.png", full_page=True)

    need.refresh_from_db()
    assert need.status == Need.Status.RESOLVED
    assert need.photos.count() == 1
