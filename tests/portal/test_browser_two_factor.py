"""Signing in through the two-factor step in the browser, and the portal following the customer's language."""

import httpx
from playwright.async_api import expect

from app.config import Settings
from app.runtime import Runtime
from tests.live import live_server
from tests.portal.browser import PASSWORD, browser_test, chromium, watched_page
from tests.security.test_two_factor import enrol
from tests.support import Api, Caller, login, make_customer

pytestmark = browser_test
UPDATE_SETTINGS = """mutation($input: UpdateSettingsInput!) { updateSettings(input: $input) {
  settings { language } userErrors { field message code } } }"""


async def test_a_recovery_code_signs_in_and_the_portal_speaks_german(settings: Settings, setup_rt: Runtime) -> None:
    with live_server(settings) as server:
        customer = await make_customer(setup_rt, first_name="Ada", password=PASSWORD)
        async with httpx.AsyncClient(base_url=server.http_url, timeout=10) as client:
            api = Api(client)
            token = await login(api, customer.email, PASSWORD)
            _, recovery_codes = await enrol(api, Caller(customer, PASSWORD, token))
            await api.ok(UPDATE_SETTINGS, {"input": {"language": "de-CH"}}, token=token)

        async with chromium() as browser:
            watched = await watched_page(browser)
            page = watched.page
            await page.goto(f"{server.http_url}/account/login")
            await page.get_by_label("Email address").fill(customer.email)
            await page.get_by_label("Password").fill(PASSWORD)
            await page.get_by_role("button", name="Sign in").click()

            await expect(page.get_by_role("heading", name="Two-step verification")).to_be_visible()
            code = page.get_by_label("Code from your app")
            await code.fill("000000")
            await page.get_by_role("button", name="Verify").click()
            await expect(page.locator('[data-error-for="code"]')).to_have_text("The code is not correct.")
            await expect(code).to_have_attribute("aria-invalid", "true")

            await page.get_by_role("button", name="Use a recovery code instead").click()
            await page.get_by_label("Recovery code").fill(recovery_codes[0])
            await page.get_by_role("button", name="Verify").click()

            # Signed in, the customer's language (de-CH) chooses the catalogue and the locale.
            await expect(page.get_by_role("heading", name="Hallo, Ada")).to_be_visible()
            assert await page.evaluate("document.documentElement.lang") == "de"
            await page.get_by_role("link", name="Bestellungen", exact=True).click()
            await expect(page.get_by_text("Sie haben noch keine Bestellungen.")).to_be_visible()
            assert await watched.horizontal_overflow() <= 0
            watched.assert_clean()
