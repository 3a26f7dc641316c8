"""Browser tests: Debian's chromium, driven by Playwright's sync API, against pytest-django's
live_server. Run them with `make test-browser` (`pytest -m browser`).

Playwright's own browser download is not used: the tests launch /usr/bin/chromium, which
`scripts/ensure-browser` installs together with a CJK font.
"""

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from kapok.regions.loading import BUNDLED, load_regions
from kapok.regions.lookup import invalidate_index
from kapok.regions.models import Region

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
REPO_ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO_ROOT / "var" / "screenshots"

# Community workers use phones; offices use desktops. The browser asks for Chinese first, as
# a phone bought in Guangzhou does.
DEVICES = {
    "phone": {
        "viewport": {"width": 390, "height": 844},
        "device_scale_factor": 2,
        "is_mobile": True,
        "has_touch": True,
    },
    "desktop": {"viewport": {"width": 1280, "height": 800}},
}
LOCALE = "zh-CN"
TIMEOUT_MS = 10_000


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run scripts/ensure-browser (make test-browser does)")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop running in this thread, and Django refuses ORM
    # calls (the factories, the region loading) from a thread with a running loop unless told
    # it is safe. Here it is: the loop only talks to chromium. Only while the browser runs, so
    # that the other tests keep Django's check.
    with pytest.MonkeyPatch.context() as patch, sync_playwright() as playwright:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture
def regions(transactional_db):
    """Guangzhou's division codes, in every browser test.

    tests/conftest.py loads them once per session, but live_server needs transactional_db,
    which flushes every table after each test: from the second browser test on they are gone.
    """
    if not Region.objects.exists():
        load_regions(BUNDLED["guangzhou"].read_text(encoding="utf-8"))
    invalidate_index()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


@pytest.fixture
def open_page(browser, live_server, regions) -> Iterator[Callable]:
    """open_page("phone") or open_page("desktop"): a fresh browser context on the live server.

    JavaScript errors and failed requests (a missing stylesheet, a 500) fail the test.
    """
    contexts, problems = [], []

    def open_(device: str = "phone"):
        context = browser.new_context(**DEVICES[device], base_url=live_server.url, locale=LOCALE)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: problems.append(f"JavaScript error: {error}"))
        page.on("requestfailed", lambda request: problems.extend(_request_problems(request)))
        page.on("response", lambda response: problems.extend(_response_problems(response)))
        return page

    yield open_
    for context in contexts:
        context.close()
    assert not problems, "\n".join(problems)


def _request_problems(request) -> list[str]:
    """Requests that got no answer. Chromium aborts what a navigation makes moot (the icon it
    fetches late, say): that is no fault of the site, and a missing file shows up as a 404."""
    if request.failure == "net::ERR_ABORTED":
        return []
    return [f"request failed ({request.failure}): {request.method} {request.url}"]


def _response_problems(response) -> list[str]:
    """Server errors, and 4xx answers to anything but a page (a missing stylesheet or script).

    A page may answer 4xx on purpose (403, 404); the tests check those themselves.
    """
    status = response.status
    if status >= 500 or (status >= 400 and response.request.resource_type != "document"):
        return [f"HTTP {status}: {response.request.method} {response.url}"]
    return []


@pytest.fixture
def phone_page(open_page):
    return open_page("phone")


@pytest.fixture
def desktop_page(open_page):
    return open_page("desktop")
