"""The portal in a real browser against a real server: sign in, account home, orders, order, sign out."""

import httpx
from playwright.async_api import expect

from app.config import Settings
from app.runtime import Runtime
from tests.live import LiveServer, live_server
from tests.orders.helpers import order_input, order_key, push
from tests.portal.browser import PASSWORD, Watched, browser_test, chromium, watched_page
from tests.support import Api, make_customer

pytestmark = browser_test


async def _customer_with_an_order(server: LiveServer, rt: Runtime) -> str:
    customer = await make_customer(rt, first_name="Ada", password=PASSWORD)
    async with httpx.AsyncClient(base_url=server.http_url, timeout=10) as client:
        await push(Api(client), await order_key(rt), order_input("portal-1", customer.email))
    return customer.email


async def _no_horizontal_scroll(watched: Watched) -> None:
    assert await watched.horizontal_overflow() <= 0


async def test_sign_in_see_orders_and_sign_out_on_a_phone(settings: Settings, setup_rt: Runtime) -> None:
    with live_server(settings) as server:
        email = await _customer_with_an_order(server, setup_rt)
        async with chromium() as browser:
            watched = await watched_page(browser)
            page = watched.page

            # Signed out, the account sends the reader to sign in, and back afterwards.
            await page.goto(f"{server.http_url}/account/orders")
            await expect(page).to_have_url(f"{server.http_url}/account/login?next=%2Forders")
            await expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
            await _no_horizontal_scroll(watched)

            # A typed userError appears next to the field it names.
            await page.get_by_label("Email address").fill(email)
            await page.get_by_role("button", name="Sign in").click()
            password = page.get_by_label("Password")
            await expect(password).to_have_attribute("aria-invalid", "true")
            await expect(page.locator('[data-error-for="password"]')).to_have_text("Enter your password.")

            # One that names no field appears above the form.
            await password.fill("not the password")
            await page.get_by_role("button", name="Sign in").click()
            await expect(page.get_by_role("alert")).to_have_text("The sign-in details are not correct.")

            await password.fill(PASSWORD)
            await page.get_by_role("button", name="Sign in").click()
            await expect(page.get_by_role("heading", name="Your orders")).to_be_visible()
            await expect(page).to_have_url(f"{server.http_url}/account/orders")
            await _no_horizontal_scroll(watched)

            # A page asks for its data in one request.
            before = len(watched.graphql_requests)
            await page.get_by_role("link", name="Account", exact=True).click()
            await expect(page.get_by_role("heading", name="Hello, Ada")).to_be_visible()
            assert len(watched.graphql_requests) == before + 1
            await expect(page.get_by_text(f"Signed in as {email}")).to_be_visible()
            await _no_horizontal_scroll(watched)

            await page.get_by_role("link", name="Orders Track your orders").click()
            await expect(page.get_by_role("heading", name="Your orders")).to_be_visible()
            before = len(watched.graphql_requests)
            await page.get_by_role("link", name="Order #portal-1").click()
            await expect(page.get_by_role("heading", name="Order #portal-1")).to_be_visible()
            assert len(watched.graphql_requests) == before + 1
            await expect(page.get_by_role("cell", name="Mug")).to_be_visible()
            await _no_horizontal_scroll(watched)

            # A reload of a client-side route gets the same page, still signed in (the tab's session).
            await page.reload()
            await expect(page.get_by_role("heading", name="Order #portal-1")).to_be_visible()
            await page.go_back()
            await expect(page.get_by_role("heading", name="Your orders")).to_be_visible()

            await page.get_by_role("link", name="Sign out").click()
            await expect(page.get_by_role("heading", name="You are signed out")).to_be_visible()
            assert await page.evaluate("sessionStorage.getItem('customer-accounts.token')") is None
            await page.goto(f"{server.http_url}/account/")
            await expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
            watched.assert_clean()


async def test_a_session_ended_elsewhere_sends_the_reader_to_sign_in(settings: Settings, setup_rt: Runtime) -> None:
    with live_server(settings) as server:
        email = await _customer_with_an_order(server, setup_rt)
        async with chromium() as browser:
            watched = await watched_page(browser)
            page = watched.page
            await page.goto(f"{server.http_url}/account/login")
            await page.get_by_label("Email address").fill(email)
            await page.get_by_label("Password").fill(PASSWORD)
            await page.get_by_role("button", name="Sign in").click()
            await expect(page.get_by_role("heading", name="Hello, Ada")).to_be_visible()

            # The session ends on the server (signed out in another client with the same token).
            token = await page.evaluate("sessionStorage.getItem('customer-accounts.token')")
            async with httpx.AsyncClient(base_url=server.http_url, timeout=10) as client:
                await Api(client).ok("mutation { logout { userErrors { code } } }", token=token)

            await page.get_by_role("link", name="Orders", exact=True).click()
            await expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
            await expect(page).to_have_url(f"{server.http_url}/account/login?next=%2Forders")
            assert await page.evaluate("sessionStorage.getItem('customer-accounts.token')") is None
            # The browser logs the refused request itself; nothing else went wrong.
            assert all("401" in error for error in watched.console_errors), watched.console_errors
            assert watched.csp_violations == []
