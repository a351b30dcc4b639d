"""Playwright for Python driving Debian's Chromium by its path (Playwright's own browser download is not used)."""

import os
import sys
from collections.abc import AsyncIterator, Awaitable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from axe_playwright_python.async_playwright import Axe
from playwright.async_api import Browser, ConsoleMessage, Page, Request, async_playwright, expect

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
PHONE = {"width": 360, "height": 740}
PASSWORD = "a perfectly fine passphrase"  # make_customer's default
# Screenshots of every checked page, for people to look at (ignored by git).
SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
SCREENSHOT_WIDTHS = (375, 1280)
SERIOUS = {"serious", "critical"}
# The budget: script and style a page loads, as sent (compressed), at most 150 KB.
SCRIPT_AND_STYLE_BUDGET = 150_000
_SCRIPT_AND_STYLE_BYTES = """performance.getEntriesByType("resource")
  .filter((entry) => /[.](js|css)$/.test(new URL(entry.name).pathname))
  .reduce((total, entry) => total + entry.encodedBodySize, 0)"""
_AXE = Axe()

# Browser tests run once per CI run: on the SQLite run, not again when TEST_DATABASE_URL points at PostgreSQL
# (what they check is the page, which does not change with the database).
browser_test = [
    pytest.mark.browser,
    pytest.mark.skipif(bool(os.environ.get("TEST_DATABASE_URL")), reason="browser tests run on the SQLite run only"),
    pytest.mark.usefixtures("chromium_present"),
]


def browser_status() -> str:
    """One line for pytest's header: whether this run drives a browser."""
    if os.environ.get("TEST_DATABASE_URL"):
        return "browser tests: skipped on the PostgreSQL run (they run on the SQLite run)"
    if CHROMIUM.exists():
        return f"browser tests: Chromium at {CHROMIUM}"
    return f"browser tests: skipped, no Chromium at {CHROMIUM} (apt-get install chromium)"


def skip_without_chromium() -> None:
    if CHROMIUM.exists():
        return
    reason = f"browser test skipped: no Chromium at {CHROMIUM} (apt-get install chromium)"
    if os.environ.get("REQUIRE_BROWSER") == "1":
        pytest.fail(f"REQUIRE_BROWSER=1 but there is no Chromium at {CHROMIUM}")
    print(reason, file=sys.stderr)
    pytest.skip(reason)


@asynccontextmanager
async def chromium() -> AsyncIterator[Browser]:
    skip_without_chromium()
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            yield browser
        finally:
            await browser.close()


# Recorded before any script of the page runs, across reloads: what the CSP refused.
_WATCH_CSP = """document.addEventListener("securitypolicyviolation", (event) =>
  window.reportCspViolation(`${event.violatedDirective} ${event.blockedURI}`));"""


@dataclass
class Watched:
    page: Page
    console_errors: list[str] = field(default_factory=list)
    csp_violations: list[str] = field(default_factory=list)
    graphql_requests: list[str] = field(default_factory=list)
    graphql_in_flight: int = 0

    async def horizontal_overflow(self) -> int:
        """How many pixels the page is wider than the viewport (0: no horizontal scroll)."""
        overflow: int = await self.page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        return overflow

    def assert_clean(self) -> None:
        assert self.console_errors == []
        assert self.csp_violations == []

    async def serious_accessibility_violations(self) -> list[str]:
        """axe-core's serious and critical findings on the page as it is now (rule id and the elements)."""
        results = await _AXE.run(self.page)
        return [
            f"{violation['id']}: {[node['target'] for node in violation['nodes']]}"
            for violation in results.response["violations"]
            if violation.get("impact") in SERIOUS
        ]

    async def opens_with_one_request(self, action: Awaitable[object], heading: str, exact: bool = True) -> None:
        """`action` (a click on a link, a goto) shows the page with `heading` after exactly one GraphQL
        request: the page's data, in one request. What the page before was still asking for (the account
        home right after sign-in, say) is waited for first, so it cannot be counted."""
        for _ in range(200):
            if self.graphql_in_flight == 0:
                break
            await self.page.wait_for_timeout(50)
        before = len(self.graphql_requests)
        await action
        await expect(self.page.get_by_role("heading", name=heading, exact=exact)).to_be_visible()
        assert len(self.graphql_requests) == before + 1, self.graphql_requests[before:]

    async def script_and_style_bytes(self) -> int:
        """What this document loaded of script and style so far, as it came over the wire (compressed)."""
        loaded: int = await self.page.evaluate(_SCRIPT_AND_STYLE_BYTES)
        return loaded

    async def check(self, name: str) -> None:
        """What every portal page must pass, checked on the page as shown now: no horizontal scroll at the
        phone width, no serious or critical axe-core finding, no console error or CSP violation, at most
        150 KB of script and style loaded. Keeps a screenshot at 375 and 1280 px wide in
        tests/portal/screenshots/<name>-<width>.png."""
        assert await self.horizontal_overflow() <= 0, f"{name}: wider than the viewport"
        loaded = await self.script_and_style_bytes()
        assert 0 < loaded <= SCRIPT_AND_STYLE_BUDGET, f"{name}: {loaded} bytes of script and style"
        assert await self.serious_accessibility_violations() == [], name
        self.assert_clean()
        viewport = self.page.viewport_size
        SCREENSHOTS.mkdir(exist_ok=True)
        for width in SCREENSHOT_WIDTHS:
            await self.page.set_viewport_size({"width": width, "height": 900})
            await self.page.screenshot(path=str(SCREENSHOTS / f"{name}-{width}.png"), full_page=True)
        if viewport is not None:
            await self.page.set_viewport_size(viewport)


async def watched_page(browser: Browser, viewport: dict[str, int] | None = None, locale: str | None = None) -> Watched:
    """A page at `viewport` (a phone by default) whose browser asks for `locale` (the default: Chromium's)."""
    context = await browser.new_context(viewport=viewport or PHONE, locale=locale)  # type: ignore[arg-type]
    page = await context.new_page()
    watched = Watched(page)

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            watched.console_errors.append(f"{message.text} ({message.location.get('url')})")

    page.on("console", on_console)

    def on_request(request: Request) -> None:
        if request.url.endswith("/graphql"):
            watched.graphql_requests.append(request.post_data or "")
            watched.graphql_in_flight += 1

    def on_request_done(request: Request) -> None:
        if request.url.endswith("/graphql"):
            watched.graphql_in_flight -= 1

    page.on("request", on_request)
    page.on("requestfinished", on_request_done)
    page.on("requestfailed", on_request_done)
    page.on("pageerror", lambda error: watched.console_errors.append(str(error)))

    def on_csp_violation(violation: str) -> None:
        watched.csp_violations.append(violation)

    await page.expose_function("reportCspViolation", on_csp_violation)
    await page.add_init_script(_WATCH_CSP)
    return watched


async def sign_in(page: Page, email: str, password: str = PASSWORD) -> None:
    """Fills in and sends the sign-in form the page shows (opened, or redirected to)."""
    await expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    await page.get_by_label("Email address").fill(email)
    await page.get_by_label("Password").fill(password)
    await page.get_by_role("button", name="Sign in").click()


async def sign_in_at(page: Page, url: str, email: str, password: str = PASSWORD) -> None:
    """Opens `url` (a sign-in page, or one that asks to sign in first) and signs in there."""
    await page.goto(url)
    await sign_in(page, email, password)
