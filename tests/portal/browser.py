"""Playwright for Python driving Debian's Chromium by its path (Playwright's own browser download is not used)."""

import os
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.async_api import Browser, ConsoleMessage, Page, async_playwright

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
PHONE = {"width": 360, "height": 740}

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

    async def horizontal_overflow(self) -> int:
        """How many pixels the page is wider than the viewport (0: no horizontal scroll)."""
        overflow: int = await self.page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        return overflow

    def assert_clean(self) -> None:
        assert self.console_errors == []
        assert self.csp_violations == []


async def watched_page(browser: Browser, viewport: dict[str, int] | None = None, locale: str | None = None) -> Watched:
    """A page at `viewport` (a phone by default) whose browser asks for `locale` (the default: Chromium's)."""
    context = await browser.new_context(viewport=viewport or PHONE, locale=locale)  # type: ignore[arg-type]
    page = await context.new_page()
    watched = Watched(page)

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            watched.console_errors.append(f"{message.text} ({message.location.get('url')})")

    page.on("console", on_console)
    page.on(
        "request",
        lambda request: (
            watched.graphql_requests.append(request.post_data or "") if request.url.endswith("/graphql") else None
        ),
    )
    page.on("pageerror", lambda error: watched.console_errors.append(str(error)))

    def on_csp_violation(violation: str) -> None:
        watched.csp_violations.append(violation)

    await page.expose_function("reportCspViolation", on_csp_violation)
    await page.add_init_script(_WATCH_CSP)
    return watched
