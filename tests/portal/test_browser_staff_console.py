"""The staff console's frame in a real browser: a support agent signs in straight into the console and sees
its home (accounts waiting for approval, open tickets nobody has taken, the work areas) in English and
German; a customer who opens a console address is told the area is for staff, because the API refused the
data, not because the page hid a link."""

import httpx
from playwright.async_api import expect

from app.config import Settings
from app.runtime import Runtime
from models.customer import CustomerStatus, Role
from tests.live import live_server
from tests.portal.browser import PASSWORD, browser_test, chromium, sign_in_at, watched_page
from tests.portal.staff import make_staff, open_console
from tests.support import Api, login, make_customer

pytestmark = browser_test
OPEN_TICKET = """mutation($i: OpenTicketInput!) { openTicket(input: $i) { ticket { number } userErrors { code } } }"""


async def test_the_console_home_counts_what_waits_and_refuses_customers(settings: Settings, setup_rt: Runtime) -> None:
    with live_server(settings) as server:
        agent = await make_staff(setup_rt)
        customer = await make_customer(setup_rt, first_name="Ada", password=PASSWORD)
        await make_customer(setup_rt, first_name="Wendy", status=CustomerStatus.PENDING_APPROVAL)
        await make_customer(setup_rt, first_name="Walt", status=CustomerStatus.PENDING_APPROVAL)
        async with httpx.AsyncClient(base_url=server.http_url, timeout=10) as client:
            api = Api(client)
            token = await login(api, customer.email, PASSWORD)
            opened = await api.ok(
                OPEN_TICKET,
                {"i": {"category": "OTHER", "subject": "Where is my parcel?", "body": "It has been a week."}},
                token,
            )
        assert opened["openTicket"]["userErrors"] == []
        async with chromium() as browser:
            watched = await watched_page(browser)
            page = await open_console(watched, server.http_url, agent.email)
            await expect(page.get_by_role("heading", name="Hello, Sam")).to_be_visible()
            await expect(page.get_by_text("2 waiting, the oldest since")).to_be_visible()
            await expect(page.get_by_role("link", name="Where is my parcel?")).to_be_visible()
            await expect(page.get_by_role("link", name="Console", exact=True)).to_have_attribute("aria-current", "page")
            await watched.check("staff-home")

            # From "My account" the console is one link away for staff.
            await page.get_by_role("link", name="My account").click()
            await page.get_by_role("link", name="Open the staff console").click()
            await expect(page.get_by_text("2 waiting, the oldest since")).to_be_visible()

            # A customer is refused by the API: the page says the area is for staff, with no console navigation.
            refused = await watched_page(browser)
            await sign_in_at(refused.page, f"{server.http_url}/account/staff", customer.email)
            await expect(refused.page.get_by_role("heading", name="This area is for staff")).to_be_visible()
            await expect(refused.page.get_by_role("navigation", name="Staff console")).to_have_count(0)
            await expect(refused.page.get_by_role("link", name="Back to my account")).to_be_visible()
            refused.assert_clean()
            await refused.page.get_by_role("link", name="Back to my account").click()
            await expect(refused.page.get_by_role("heading", name="Hello, Ada")).to_be_visible()
            await expect(refused.page.get_by_role("link", name="Open the staff console")).to_have_count(0)


async def test_the_console_speaks_german_to_german_staff(settings: Settings, setup_rt: Runtime) -> None:
    with live_server(settings) as server:
        agent = await make_staff(setup_rt, Role.ADMIN, first_name="Greta")
        async with httpx.AsyncClient(base_url=server.http_url, timeout=10) as client:
            api = Api(client)
            token = await login(api, agent.email, PASSWORD)
            changed = await api.ok(
                'mutation { updateSettings(input: {language: "de"}) { userErrors { code } } }', token=token
            )
        assert changed["updateSettings"]["userErrors"] == []
        async with chromium() as browser:
            watched = await watched_page(browser)
            await sign_in_at(watched.page, f"{server.http_url}/account/staff", agent.email)
            page = watched.page
            await expect(page.get_by_role("navigation", name="Mitarbeiterbereich")).to_be_visible()
            await expect(page.get_by_role("heading", name="Hallo Greta")).to_be_visible()
            await expect(page.get_by_text("Kein Konto wartet auf Freigabe.")).to_be_visible()
            await expect(page.get_by_role("link", name="Kunden", exact=True)).to_be_visible()
            await watched.check("staff-home-de")
            # The support queue too (the other areas' tests look at one page of theirs in German each).
            await page.get_by_role("link", name="Anfragen", exact=True).click()
            await expect(page.get_by_role("heading", name="Support-Warteschlange")).to_be_visible()
            await expect(page.get_by_text("Keine Anfrage passt zu diesen Filtern.")).to_be_visible()
            await expect(page.get_by_label("Nur Anfragen ohne Bearbeiter")).to_be_visible()
            await watched.check("staff-queue-de")
