"""The issue's journey "German changes the portal, the next mail and the next invoice PDF": one choice on
the settings page, and everything the customer reads after it is German."""

import io
import re

import httpx
from playwright.async_api import expect
from pypdf import PdfReader

from app.config import Settings
from app.runtime import Runtime
from tests.live import live_server
from tests.orders.helpers import order_input, order_key, push
from tests.payments.helpers import pay_order, save_card
from tests.portal.browser import PASSWORD, browser_test, chromium, watched_page
from tests.support import Api, Mailbox, login, make_customer, text_body

pytestmark = browser_test
REQUEST_RESET = "mutation($i: RequestPasswordResetInput!) { requestPasswordReset(input: $i) { userErrors { code } } }"


async def test_german_changes_the_portal_the_next_mail_and_the_next_invoice(
    portal_settings: Settings, port: int, setup_rt: Runtime, mailbox: Mailbox
) -> None:
    with live_server(portal_settings, port) as server:
        customer = await make_customer(setup_rt, first_name="Ada", password=PASSWORD)
        async with httpx.AsyncClient(base_url=server.http_url, timeout=10) as client:
            api = Api(client)
            order = (await push(api, await order_key(setup_rt), order_input("de-1", customer.email)))["order"]
            session = await login(api, customer.email, PASSWORD)
            card = (await save_card(api, session, "tok_visa"))["paymentMethod"]
            assert (await pay_order(api, session, order["id"], "de-pay-1", paymentMethodId=card["id"]))[
                "userErrors"
            ] == []

        async with chromium() as browser:
            # An English browser: the portal starts in English.
            watched = await watched_page(browser, locale="en-US")
            page = watched.page
            await page.goto(f"{server.http_url}/account/login")
            await page.get_by_label("Email address").fill(customer.email)
            await page.get_by_label("Password").fill(PASSWORD)
            await page.get_by_role("button", name="Sign in").click()
            await expect(page.get_by_role("heading", name="Hello, Ada")).to_be_visible()

            # One choice on the settings page: the whole portal is German at once.
            await page.get_by_role("link", name="Settings Language").click()
            await page.get_by_label("Language").select_option("de")
            await page.get_by_role("button", name="Save settings").click()
            await expect(page.get_by_role("heading", name="Einstellungen")).to_be_visible()
            await page.get_by_role("link", name="Konto", exact=True).click()
            await expect(page.get_by_role("heading", name="Hallo, Ada")).to_be_visible()
            await watched.check("home-de")

            # The next mail is German, though the request asking for it says English: the setting decides.
            async with httpx.AsyncClient(base_url=server.http_url, timeout=10) as client:
                asked = await Api(client).ok(REQUEST_RESET, {"i": {"email": customer.email}})
            assert asked == {"requestPasswordReset": {"userErrors": []}}
            mail = await mailbox.wait_for(customer.email, "Setzen Sie Ihr Passwort zurück")
            assert "Hallo Ada" in text_body(mail)

            # The next invoice PDF, from the German order page, is German with German amounts.
            await page.get_by_role("link", name="Bestellungen").first.click()
            await page.get_by_role("link", name=re.compile("#de-1")).click()
            await expect(page.get_by_role("heading", name="Bestellung #de-1")).to_be_visible()
            await watched.check("order-de")
            async with page.expect_download() as started:
                await page.get_by_role("link", name=re.compile(r"Rechnung .* herunterladen \(PDF\)")).click()
            download = await started.value
            pdf = (await download.path()).read_bytes()
            text = "\n".join(page_.extract_text() for page_ in PdfReader(io.BytesIO(pdf)).pages)
            assert "RECHNUNG" in text
            assert "Gesamt" in text
            assert re.search(r"\d+,\d{2}\s?€", text), text
            assert "INVOICE" not in text
