"""Before sign-in the portal speaks the browser's language, and a switcher lets the reader choose another;
the choice reaches the server, so the mail sent from that page (a reset link) is in it too."""

from playwright.async_api import expect

from app.config import Settings
from app.runtime import Runtime
from tests.live import live_server
from tests.portal.browser import browser_test, chromium, watched_page
from tests.support import Mailbox, make_customer, text_body

pytestmark = browser_test


async def test_the_browser_language_then_the_switcher_and_the_mail_follows(
    portal_settings: Settings, port: int, setup_rt: Runtime, mailbox: Mailbox
) -> None:
    with live_server(portal_settings, port) as server:
        customer = await make_customer(setup_rt, first_name="Ada")
        async with chromium() as browser:
            # A browser asking for Swiss German gets German at once.
            watched = await watched_page(browser, locale="de-CH")
            await watched.page.goto(f"{server.http_url}/account/login")
            await expect(watched.page.get_by_role("heading", name="Anmelden")).to_be_visible()
            await expect(watched.page.get_by_label("Sprache")).to_have_value("de")
            assert await watched.page.evaluate("document.documentElement.lang") == "de"

            # An English browser, and a reader who prefers German: the switcher changes the page in place.
            watched = await watched_page(browser, locale="en-US")
            page = watched.page
            await page.goto(f"{server.http_url}/account/login")
            await expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
            await watched.check("login")
            switcher = page.get_by_label("Language")
            await expect(switcher.locator("option")).to_have_text(["English", "Deutsch"])
            await switcher.select_option("de")
            await expect(page.get_by_role("heading", name="Anmelden")).to_be_visible()
            assert await page.evaluate("document.documentElement.lang") == "de"

            # The choice stays while the reader moves on, and the reset mail comes in German.
            await page.get_by_role("link", name="Passwort vergessen?").click()
            await expect(page.get_by_role("heading", name="Passwort vergessen?")).to_be_visible()
            await page.get_by_label("E-Mail-Adresse").fill(customer.email)
            await page.get_by_role("button", name="Link senden").click()
            await expect(page.get_by_role("heading", name="Prüfen Sie Ihre E-Mails")).to_be_visible()
            message = await mailbox.wait_for(customer.email)
            assert "Setzen Sie Ihr Passwort zurück" in str(message["Subject"])
            assert "/account/reset-password?token=" in text_body(message)
            await watched.check("forgot-password-de")

            # Back to English, in place.
            await page.get_by_label("Sprache").select_option("en")
            await expect(page.get_by_label("Language")).to_have_value("en")
