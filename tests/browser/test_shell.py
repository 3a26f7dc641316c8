"""The shell every page shares: log in, the header, the language switch, log out."""

import re

import pytest
from playwright.sync_api import expect

from kapok.accounts.roles import Role
from tests.factories import PASSWORD, UserFactory, unit_for

pytestmark = pytest.mark.browser


@pytest.fixture
def luoyong(regions):
    """A community worker of 螺涌社区 in 白云区松洲街, the people Kapok is built for first."""
    return UserFactory(
        username="luoyong",
        full_name="罗勇",
        unit=unit_for("白云区松洲街螺涌"),
        roles=[Role.COMMUNITY_WORKER],
    )


def log_in(page, username, password):
    """Log in through the form, from a Chinese login page."""
    page.goto("/login/")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(password)
    page.get_by_role("button", name="登录", exact=True).click()


def at(live_server, path):
    return re.compile(re.escape(live_server.url + path) + r"(\?.*)?$")


def page_and_screen_width(page) -> tuple[int, int]:
    """The page's width and the screen's, in CSS pixels: the page scrolls sideways if wider.

    window.innerWidth alone cannot tell: a mobile browser zooms out to fit a page that is too
    wide, and innerWidth grows with it (600px content in a 390px phone: innerWidth = 600).
    documentElement.clientWidth stays the width of the phone.
    """
    return page.evaluate(
        """[document.documentElement.scrollWidth,
            Math.min(window.innerWidth, document.documentElement.clientWidth)]"""
    )


@pytest.mark.parametrize("device", ["phone", "desktop"])
def test_log_in_switch_to_english_and_log_out(open_page, device, live_server, luoyong, screenshots):
    page = open_page(device)
    html = page.locator("html")
    who = page.get_by_test_id("who")

    # Signed out, every page leads to the login page, in Chinese.
    page.goto("/")
    expect(page).to_have_url(at(live_server, "/login/"))
    expect(html).to_have_attribute("lang", "zh-hans")
    expect(page).to_have_title("登录 · 红棉")
    expect(page.get_by_role("button", name="登录", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="English", exact=True)).to_be_visible()
    expect(who).to_have_count(0)
    page.screenshot(path=screenshots / f"{device}-1-login-zh.png", full_page=True)

    # The Chinese home page, with the worker's unit and role in the header.
    log_in(page, "luoyong", PASSWORD)
    expect(page).to_have_url(at(live_server, "/"))
    expect(html).to_have_attribute("lang", "zh-hans")
    expect(page).to_have_title("首页 · 红棉")
    expect(page.get_by_role("heading", level=1)).to_have_text("您好，罗勇")
    expect(who).to_contain_text(luoyong.unit.name)
    expect(who).to_contain_text("螺涌社区居委会")
    expect(who).to_contain_text("村居工作人员")
    expect(page.get_by_role("button", name="退出登录", exact=True)).to_be_visible()
    page.screenshot(path=screenshots / f"{device}-2-home-zh.png", full_page=True)

    # Switching to English stays on the page, in English.
    page.get_by_role("button", name="English", exact=True).click()
    expect(html).to_have_attribute("lang", "en")
    expect(page).to_have_url(at(live_server, "/"))
    expect(page).to_have_title("Home · Kapok")
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, 罗勇")
    expect(who).to_contain_text("螺涌社区居委会")
    expect(who).to_contain_text("community worker")
    expect(page.get_by_role("button", name="中文", exact=True)).to_be_visible()
    page.screenshot(path=screenshots / f"{device}-3-home-en.png", full_page=True)

    # Logging out leads back to the login page; the language choice stays.
    page.get_by_role("button", name="Log out", exact=True).click()
    expect(page).to_have_url(at(live_server, "/login/"))
    expect(html).to_have_attribute("lang", "en")
    expect(page).to_have_title("Log in · Kapok")
    expect(page.get_by_role("button", name="Log in", exact=True)).to_be_visible()
    expect(who).to_have_count(0)
    page.screenshot(path=screenshots / f"{device}-4-logged-out-en.png", full_page=True)

    # The session is over: the home page asks to log in again.
    page.goto("/")
    expect(page).to_have_url(at(live_server, "/login/"))


def test_phone_pages_do_not_scroll_sideways(phone_page, live_server, luoyong):
    page = phone_page
    page.goto("/login/")
    width, viewport = page_and_screen_width(page)
    assert width <= viewport, f"login page: {width}px wide in a {viewport}px phone"

    log_in(page, "luoyong", PASSWORD)
    expect(page).to_have_url(at(live_server, "/"))
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    width, viewport = page_and_screen_width(page)
    assert width <= viewport, f"Chinese home page: {width}px wide in a {viewport}px phone"

    # English words are longer than Chinese ones.
    page.get_by_role("button", name="English", exact=True).click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    width, viewport = page_and_screen_width(page)
    assert width <= viewport, f"English home page: {width}px wide in a {viewport}px phone"


def test_wrong_password_shows_an_error_and_stays(phone_page, live_server, luoyong, screenshots):
    page = phone_page
    log_in(page, "luoyong", PASSWORD + "-wrong")

    expect(page).to_have_url(at(live_server, "/login/"))
    error = page.get_by_role("alert")
    expect(error).to_be_visible()
    expect(error).to_have_text("用户名或密码错误。")
    expect(page.locator("input[name=username]")).to_have_value("luoyong")
    expect(page.locator("input[name=password]")).to_have_value("")
    expect(page.get_by_test_id("who")).to_have_count(0)
    page.screenshot(path=screenshots / "phone-5-login-wrong-password-zh.png", full_page=True)

    # Still signed out.
    page.goto("/")
    expect(page).to_have_url(at(live_server, "/login/"))
