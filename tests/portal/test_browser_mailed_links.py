"""The mailed links that act at once: confirm and undo an email change, add earlier guest orders.

Each starts from the REAL link in the test SMTP mailbox, opened in the browser against a live server whose
STOREFRONT_URL is its own /account. The requests that send those mails go through the API, as a storefront's would.
"""

import httpx
from playwright.async_api import expect

from app.config import Settings
from app.runtime import Runtime
from tests.live import live_server
from tests.orders.helpers import order_input, order_key, push
from tests.portal.browser import PASSWORD, browser_test, chromium, watched_page
from tests.portal.test_browser_account_flows import mailed_link, no_horizontal_scroll
from tests.support import Api, Mailbox, login, make_customer

pytestmark = browser_test


REQUEST_EMAIL_CHANGE = """mutation($i: RequestEmailChangeInput!) {
  requestEmailChange(input: $i) { status userErrors { field message code } } }"""
CLAIM = "mutation { claimGuestOrders { pendingOrders userErrors { field message code } } }"


async def test_confirm_an_email_change_from_the_new_address_then_undo_it_from_the_old(
    portal_settings: Settings, port: int, setup_rt: Runtime, mailbox: Mailbox
) -> None:
    with live_server(portal_settings, port) as server:
        customer = await make_customer(setup_rt, first_name="Ada", password=PASSWORD)
        async with httpx.AsyncClient(base_url=server.http_url) as client:
            api = Api(client)
            session = await login(api, customer.email, PASSWORD)
            requested = await api.ok(REQUEST_EMAIL_CHANGE, {"i": {"newEmail": "ada.new@example.com"}}, token=session)
            assert requested["requestEmailChange"] == {"status": "AWAITING_NEW_ADDRESS", "userErrors": []}
        async with chromium() as browser:
            watched = await watched_page(browser)
            page = watched.page
            confirm = await mailbox.wait_for("ada.new@example.com", "Confirm your new email address")
            await page.goto(mailed_link(confirm, server.http_url, "/confirm-email"))
            await expect(page.get_by_role("heading", name="Your email address has been changed")).to_be_visible()
            await expect(page.get_by_text("Status: completed.")).to_be_visible()
            await expect(page).to_have_url(f"{server.http_url}/account/confirm-email")
            await no_horizontal_scroll(watched)

            # The same link again: used up, said in words.
            await page.goto(mailed_link(confirm, server.http_url, "/confirm-email"))
            await expect(page.get_by_role("heading", name="We could not change your email address")).to_be_visible()
            await expect(page.get_by_role("alert")).to_have_text("This link is invalid or was already used.")

            undo = await mailbox.wait_for(customer.email, "Your email address was changed")
            await page.goto(mailed_link(undo, server.http_url, "/undo-email-change"))
            await expect(page.get_by_role("heading", name="The email change has been undone")).to_be_visible()
            await expect(page.get_by_text("Status: undone.")).to_be_visible()
            await expect(page).to_have_url(f"{server.http_url}/account/undo-email-change")
            await no_horizontal_scroll(watched)
            await page.get_by_role("link", name="Choose a new password").click()
            await expect(page.get_by_role("heading", name="Forgot your password?")).to_be_visible()
            await mailbox.wait_for(customer.email, "was undone")
            watched.assert_clean()
        async with httpx.AsyncClient(base_url=server.http_url) as client:
            await login(Api(client), customer.email, PASSWORD)  # the old address signs in again


async def test_the_email_change_pages_speak_german(
    portal_settings: Settings, port: int, setup_rt: Runtime, mailbox: Mailbox
) -> None:
    with live_server(portal_settings, port) as server:
        customer = await make_customer(setup_rt, password=PASSWORD)
        async with httpx.AsyncClient(base_url=server.http_url) as client:
            api = Api(client)
            session = await login(api, customer.email, PASSWORD)
            await api.ok(REQUEST_EMAIL_CHANGE, {"i": {"newEmail": "neu@example.com"}}, token=session)
        async with chromium() as browser:
            watched = await watched_page(browser, locale="de-DE")
            page = watched.page
            confirm = await mailbox.wait_for("neu@example.com", "Confirm your new email address")
            await page.goto(mailed_link(confirm, server.http_url, "/confirm-email"))
            await expect(page.get_by_role("heading", name="Ihre E-Mail-Adresse wurde geändert")).to_be_visible()
            await page.goto(f"{server.http_url}/account/approve-email-change?token=not-a-real-one")
            await expect(page.get_by_role("alert")).to_have_text("Dieser Link ist ungültig oder wurde schon verwendet.")
            await expect(page).to_have_url(f"{server.http_url}/account/approve-email-change")
            await page.goto(f"{server.http_url}/account/undo-email-change")
            await expect(page.get_by_text("Diese Seite braucht den Link aus unserer E-Mail.")).to_be_visible()
            watched.assert_clean()


async def test_follow_the_claim_link_and_the_guest_orders_join_the_account(
    portal_settings: Settings, port: int, setup_rt: Runtime, mailbox: Mailbox
) -> None:
    with live_server(portal_settings, port) as server:
        key = await order_key(setup_rt)
        async with httpx.AsyncClient(base_url=server.http_url) as client:
            api = Api(client)
            # Two guest checkouts, then an account for the same address.
            await push(api, key, order_input("G1", "grace@example.com", placedAt="2026-11-01T10:00:00Z"))
            await push(api, key, order_input("G2", "grace@example.com", placedAt="2026-11-02T10:00:00Z"))
            customer = await make_customer(setup_rt, email_address="grace@example.com", password=PASSWORD)
        async with chromium() as browser:
            watched = await watched_page(browser)
            page = watched.page
            # The customer asks from the orders page (claimGuestOrders): the page says what was found.
            await page.goto(f"{server.http_url}/account/orders")
            await page.get_by_label("Email address").fill(customer.email)
            await page.get_by_label("Password").fill(PASSWORD)
            await page.get_by_role("button", name="Sign in").click()
            await expect(page.get_by_role("heading", name="Ordered as a guest?")).to_be_visible()
            await page.get_by_role("button", name="Look for my guest orders").click()
            await expect(page.get_by_role("status")).to_have_text(
                "We found 2 orders placed as a guest with grace@example.com. Open the link we have just emailed "
                "you to add them."
            )
            await watched.check("orders-guest-claim")
            await page.get_by_role("link", name="Sign out").click()
            await expect(page.get_by_role("heading", name="You are signed out")).to_be_visible()

            mail = await mailbox.wait_for(customer.email, "Add your earlier orders")
            await page.goto(mailed_link(mail, server.http_url, "/claim-orders"))
            await expect(page.get_by_role("heading", name="Your orders have been added")).to_be_visible()
            await expect(page.get_by_text("2 orders from guest checkouts are now in your account.")).to_be_visible()
            await expect(page).to_have_url(f"{server.http_url}/account/claim-orders")
            await no_horizontal_scroll(watched)

            # Seeing them needs a sign-in; the orders are there.
            await page.get_by_role("link", name="See your orders").click()
            await page.get_by_label("Email address").fill(customer.email)
            await page.get_by_label("Password").fill(PASSWORD)
            await page.get_by_role("button", name="Sign in").click()
            await expect(page.get_by_role("heading", name="Your orders")).to_be_visible()
            await expect(page.get_by_text("#G2")).to_be_visible()
            await expect(page.get_by_text("#G1")).to_be_visible()
            watched.assert_clean()
