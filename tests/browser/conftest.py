"""Browser tests: Playwright for Python driving Debian's Chromium against ``trustbridge up`` on free ports.

Chromium comes from Debian (``/usr/bin/chromium``, installed by ``scripts/test``); Playwright never downloads a
browser. The network is closed here, so Chromium starts headless with everything that phones home switched
off, and with a fresh user data dir per test. When ``CI=true`` a missing Chromium fails the run (never skips).
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Locator, Page, Playwright, sync_playwright
from playwright.sync_api import Error as PlaywrightError

from tests.e2e.conftest import Running, serve_landscape

ADMIN_PASSWORD = "Browser-Admin-Passw0rd!"
CHROMIUM_ARGS = [
    "--no-sandbox",  # the tests run as root in CI
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
VIEWPORT = {"width": 1180, "height": 760}


def chromium_path() -> str | None:
    configured = os.environ.get("TRUSTBRIDGE_CHROMIUM")
    if configured:
        return configured
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    """Module-scoped: while Playwright's sync driver runs, its event loop is the thread's running loop, so it
    must be stopped before tests that call ``asyncio.run`` (every later module) start."""
    executable = chromium_path()
    if executable is None:
        if os.environ.get("CI") == "true":
            pytest.fail("Chromium is required in CI (Debian package 'chromium'; scripts/test installs it as root)")
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    with sync_playwright() as driver:
        yield driver


@pytest.fixture
def browser(playwright: Playwright, tmp_path: Path) -> Iterator[BrowserContext]:
    """A Chromium with a fresh user data dir, clipboard access allowed (the copy buttons are tested)."""
    executable = chromium_path()
    assert executable is not None
    context = playwright.chromium.launch_persistent_context(
        str(tmp_path / "chromium-profile"),
        executable_path=executable,
        headless=True,
        args=CHROMIUM_ARGS,
        viewport=VIEWPORT,  # type: ignore[arg-type]
        accept_downloads=True,
        locale="en-US",
    )
    context.set_default_timeout(15_000)
    try:
        yield context
    finally:
        context.close()


@pytest.fixture
def page(browser: BrowserContext) -> Page:
    return browser.pages[0] if browser.pages else browser.new_page()


def admin_env() -> dict[str, str]:
    return {
        "TRUSTBRIDGE_S4_ADMIN_PASSWORD": ADMIN_PASSWORD,
        "TRUSTBRIDGE_SUBACCOUNT_ADMIN_PASSWORD": ADMIN_PASSWORD,
    }


@pytest.fixture
def empty_landscape(tmp_path: Path, database_url: str) -> Iterator[Running]:
    """``trustbridge up`` with nothing applied, on SQLite (the default) and on PostgreSQL (2048-bit trust key
    to keep start-up short)."""
    with serve_landscape(tmp_path, database_url, "--key-size", "2048", env=admin_env()) as running:
        yield running


@pytest.fixture(scope="module")
def shared_landscape(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    """One ``trustbridge up`` for a module of tests that each create what they need under fresh names."""
    directory = tmp_path_factory.mktemp("landscape")
    url = f"sqlite:///{directory / 'trustbridge.db'}"
    with serve_landscape(directory, url, "--key-size", "2048", env=admin_env()) as running:
        yield running


def allow_clipboard(browser: BrowserContext, origin: str) -> None:
    browser.grant_permissions(["clipboard-read", "clipboard-write"], origin=origin)


def sign_in(page: Page, base: str) -> None:
    """Open ``base`` (a service's page root); sign in as admin when the login page appears."""
    page.goto(base)
    if "/login" in page.url:
        field(page, "User").fill("admin")
        field(page, "Password").fill(ADMIN_PASSWORD)
        page.get_by_role("button", name="Sign In").click()
        page.wait_for_url(re.compile(r"^(?!.*/login).*$"))


def field(page: Page, label: str) -> Locator:
    """The control whose label is exactly ``label`` (the pages render "Label:" and a "*" for required)."""
    return page.get_by_label(re.compile(rf"^\s*{re.escape(label)}:?\s*\*?\s*$"))


def error_at(page: Page, label: str) -> str:
    """The error text shown next to the field labelled ``label`` (through its ``aria-describedby``)."""
    described = field(page, label).first.get_attribute("aria-describedby")
    assert described, f"the field {label!r} shows no error"
    return page.locator(f"#{described}").inner_text()


class Screenshots:
    """One picture per seed step for docs/walkthrough.md: ``TRUSTBRIDGE_WALKTHROUGH_DIR`` keeps them (the
    ``scripts/walkthrough`` command points it at ``docs/walkthrough``), else they go to the test's tmp dir."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.directory.mkdir(parents=True, exist_ok=True)
        self.taken: list[Path] = []

    def take(self, page: Page, name: str, focus: Locator | None = None) -> None:
        """The viewport as a PNG, scrolled so that ``focus`` (the step's part of the page) is in view."""
        if focus is not None:
            focus.first.scroll_into_view_if_needed()
        path = self.directory / f"{name}.png"
        try:
            page.screenshot(path=str(path))
        except PlaywrightError:  # seen once: "Unable to capture screenshot" while the page was still painting
            page.wait_for_timeout(500)
            page.screenshot(path=str(path))
        self.taken.append(path)


@pytest.fixture
def screenshots(tmp_path: Path) -> Screenshots:
    configured = os.environ.get("TRUSTBRIDGE_WALKTHROUGH_DIR")
    return Screenshots(Path(configured) if configured else tmp_path / "walkthrough")
