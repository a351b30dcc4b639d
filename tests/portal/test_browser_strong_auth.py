"""Payments that wait, in a real browser against a real server with the sandbox gateway: a card whose bank
asks for 3-D Secure (the portal sends the customer to the bank's page, which sends them back, and the
payment completes), one where the customer refuses, and a SEPA debit that stays "processing" on the order
page until the bank settles it."""

import re

from playwright.async_api import Page, expect

from app.config import Settings
from app.runtime import Runtime
from tests.live import live_server
from tests.portal.browser import PASSWORD, browser_test, chromium, sign_in, watched_page
from tests.portal.test_browser_payments import add_card, api_token, open_by_address, order_state, unpaid_order
from tests.support import make_customer

pytestmark = browser_test


async def open_cards(page: Page, base: str) -> None:
    await page.goto(f"{base}/account/payment-methods")
    await expect(page.get_by_role("heading", name="Payment methods", exact=True)).to_be_visible()


async def test_a_payment_the_bank_wants_authenticated_completes_in_the_portal(
    portal_settings: Settings, port: int, setup_rt: Runtime
) -> None:
    customer = await make_customer(setup_rt, first_name="Sofia", password=PASSWORD)
    with live_server(portal_settings, port) as server:
        base = server.http_url
        refused_id = await unpaid_order(server, setup_rt, customer.email, "S1")
        order_id = await unpaid_order(server, setup_rt, customer.email, "S2")
        async with chromium() as browser:
            watched = await watched_page(browser)
            page = watched.page
            await page.goto(f"{base}/account/login")
            await sign_in(page, customer.email, PASSWORD)
            await page.wait_for_url(re.compile(r"/account/(?!login)"))
            await open_cards(page, base)
            await add_card(page, "Visa ending 3155: your bank asks you to confirm each payment (3-D Secure)")
            await expect(page.get_by_role("status")).to_have_text("The card has been saved.")

            # The customer refuses at the bank: nothing is charged, and the page says so.
            await open_by_address(watched, f"{base}/account/orders/{refused_id}/pay", "Pay order #S1")
            await page.get_by_role("button", name="Pay €67.44").click()
            await expect(page.get_by_role("heading", name="Sandbox 3-D Secure")).to_be_visible()
            await page.get_by_role("button", name="Fail authentication").click()
            await expect(page.get_by_role("heading", name="Pay order #S1")).to_be_visible()
            await expect(page.get_by_text("The payment was declined and nothing was charged.")).to_contain_text(
                "Reason given: The card holder did not authenticate."
            )
            token = await api_token(server, customer.email)
            refused = await order_state(server, token, refused_id)
            assert refused["status"] == "PENDING_PAYMENT"
            assert [p["status"] for p in refused["payments"]] == ["DECLINED"]

            # Then pays the other order and confirms at the bank: back in the portal, the order is paid.
            await open_by_address(watched, f"{base}/account/orders/{order_id}/pay", "Pay order #S2")
            await watched.check("pay-order-3ds")
            await page.get_by_role("button", name="Pay €67.44").click()
            await expect(page.get_by_role("heading", name="Sandbox 3-D Secure")).to_be_visible()
            await expect(page.get_by_text("6744 EUR")).to_be_visible()
            await page.get_by_role("button", name="Complete authentication").click()
            await expect(page).to_have_url(f"{base}/account/orders/{order_id}")
            await expect(page.get_by_role("heading", name="Order #S2", exact=True)).to_be_visible()
            await expect(page.locator(".status").first).to_have_text("Paid")
            paid = await order_state(server, token, order_id)
            assert paid["status"] == "PAID"
            assert [(p["status"], p["method"]) for p in paid["payments"]] == [("SUCCEEDED", "Visa •••• 3155")]
            # Back on the pay page: nothing more to pay, and a reload does not confirm anything twice.
            await open_by_address(watched, f"{base}/account/orders/{order_id}/pay", "Pay order #S2")
            await expect(page.get_by_text("This invoice is paid. Thank you!")).to_be_visible()
            watched.assert_clean()


async def test_a_direct_debit_shows_as_processing_until_the_bank_settles_it(
    portal_settings: Settings, port: int, setup_rt: Runtime
) -> None:
    customer = await make_customer(setup_rt, first_name="Jonas", password=PASSWORD)
    with live_server(portal_settings, port) as server:
        base = server.http_url
        order_id = await unpaid_order(server, setup_rt, customer.email, "L1")
        async with chromium() as browser:
            watched = await watched_page(browser)
            page = watched.page
            await page.goto(f"{base}/account/login")
            await sign_in(page, customer.email, PASSWORD)
            await page.wait_for_url(re.compile(r"/account/(?!login)"))
            await open_cards(page, base)
            # No address in the SEPA area yet: the sandbox offers no bank accounts.
            options = page.get_by_label("Test card").locator("option")
            assert "Bank account in Germany ending 3000: direct debits settle after a few seconds" not in [
                text.strip() for text in await options.all_inner_texts()
            ]
            await page.goto(f"{base}/account/addresses")
            await page.get_by_role("button", name="Add an address").click()
            await page.get_by_label("Country").select_option("DE")
            await page.get_by_label("First name").fill("Jonas")
            await page.get_by_label("Street and house number").fill("Unter den Linden 1")
            await page.get_by_label("Postal code").fill("10117")
            await page.get_by_label("City").fill("Berlin")
            await page.get_by_role("button", name="Save address").click()
            await expect(page.get_by_role("status")).to_have_text("The address has been saved.")
            await open_cards(page, base)
            await add_card(page, "Bank account in Germany ending 3000: direct debits settle after a few seconds")
            await expect(page.get_by_role("status")).to_have_text("The card has been saved.")
            account = page.locator(".saved-card", has_text="SEPA Direct Debit •••• 3000")
            await expect(account).to_contain_text("Bank account, DE")
            await watched.check("payment-methods-sepa")

            await open_by_address(watched, f"{base}/account/orders/{order_id}/pay", "Pay order #L1")
            await expect(page.get_by_label("SEPA Direct Debit •••• 3000")).to_be_checked()
            await page.get_by_role("button", name="Pay €67.44").click()
            await expect(page).to_have_url(f"{base}/account/orders/{order_id}")
            waiting = page.locator(".payment-waiting")
            await expect(waiting).to_contain_text("being processed by your bank")
            await expect(page.get_by_role("link", name="Pay now")).to_have_count(0)
            await watched.check("order-debit-processing")
            token = await api_token(server, customer.email)
            state = await order_state(server, token, order_id)
            assert [p["status"] for p in state["payments"]] == ["PROCESSING"]
            watched.assert_clean()
