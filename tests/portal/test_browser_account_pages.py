"""The portal's account pages in a real browser at 360 px: profile, settings (the language applies at once)
and addresses (per-country forms from addressValidationRules, errors next to their fields)."""

import asyncio
from collections.abc import Awaitable

import httpx
from playwright.async_api import Page, Request, Route, expect

from app.config import Settings
from app.runtime import Runtime
from models.customer import Role
from tests.live import live_server
from tests.portal.browser import PASSWORD, Watched, browser_test, chromium, sign_in_at, watched_page
from tests.support import Api, login, make_customer

pytestmark = browser_test


async def _sign_in(watched: Watched, base: str, email: str) -> Page:
    await sign_in_at(watched.page, f"{base}/account/login", email)
    await expect(watched.page.get_by_role("heading", name="Hello, Ada")).to_be_visible()
    return watched.page


async def _one_request(watched: Watched, click: Awaitable[object], heading: str) -> None:
    """Opening a page from the account home (one click) asks for its data in one request."""
    await watched.opens_with_one_request(click, heading, exact=False)
    await watched.check(heading.lower().replace(" ", "-"))


async def test_profile_is_shown_and_edited(settings: Settings, setup_rt: Runtime) -> None:
    with live_server(settings) as server:
        customer = await make_customer(setup_rt, first_name="Ada", password=PASSWORD)
        async with chromium() as browser:
            watched = await watched_page(browser)
            page = await _sign_in(watched, server.http_url, customer.email)
            await _one_request(watched, page.get_by_role("link", name="Profile Your name").click(), "Your profile")
            await expect(page.get_by_label("First name")).to_have_value("Ada")
            await expect(page.get_by_text(f"Email address: {customer.email}")).to_be_visible()

            # A phone number the server refuses: its error appears next to the phone field.
            await page.get_by_label("Mobile phone").fill("12")
            await page.get_by_role("button", name="Save profile").click()
            phone = page.get_by_label("Mobile phone")
            await expect(phone).to_have_attribute("aria-invalid", "true")
            await expect(page.locator('[data-error-for="phone"]')).not_to_be_empty()

            await page.get_by_label("Last name").fill("Lovelace")
            await page.get_by_label("Company").fill("Analytical Engines Ltd")
            await phone.fill("+44 20 7946 0958")
            await page.get_by_role("button", name="Save profile").click()
            await expect(page.get_by_role("status")).to_have_text("Your profile has been saved.")
            await expect(phone).to_have_value("+442079460958")
            await page.reload()
            await expect(page.get_by_label("Company")).to_have_value("Analytical Engines Ltd")
            await page.get_by_role("link", name="Account", exact=True).click()
            await expect(page.get_by_role("heading", name="Hello, Ada Lovelace")).to_be_visible()
            watched.assert_clean()


async def test_settings_save_and_german_applies_at_once(settings: Settings, setup_rt: Runtime) -> None:
    with live_server(settings) as server:
        customer = await make_customer(setup_rt, first_name="Ada", password=PASSWORD)
        async with chromium() as browser:
            watched = await watched_page(browser)
            page = await _sign_in(watched, server.http_url, customer.email)
            await _one_request(watched, page.get_by_role("link", name="Settings Language").click(), "Settings")
            await page.get_by_label("Currency").select_option("CHF")
            await page.get_by_label("Time zone").select_option("Europe/Zurich")
            await page.get_by_role("button", name="Save settings").click()
            await expect(page.get_by_role("status")).to_have_text("Your settings have been saved.")

            # Notifications: mail off is kept; texts need a confirmed phone, and the page says so.
            notifications = page.get_by_role("group", name="Notifications")
            await expect(notifications.get_by_label("Email me")).to_be_checked()
            await expect(notifications.get_by_text("Add a confirmed mobile phone number")).to_be_visible()
            await notifications.get_by_label("Email me").uncheck()
            await page.get_by_role("button", name="Save settings").click()
            await expect(page.get_by_role("status")).to_have_text("Your settings have been saved.")
            await page.reload()
            await expect(page.get_by_role("group", name="Notifications").get_by_label("Email me")).not_to_be_checked()
            await watched.check("settings-notifications")

            await page.get_by_label("Language").select_option("de-CH")
            await page.get_by_role("button", name="Save settings").click()
            await expect(page.get_by_role("heading", name="Einstellungen")).to_be_visible()
            await expect(page.get_by_role("status")).to_have_text("Ihre Einstellungen wurden gespeichert.")
            await expect(page.get_by_role("link", name="Abmelden")).to_be_visible()
            assert await page.evaluate("document.documentElement.lang") == "de"
            await expect(page.get_by_label("Sprache")).to_have_value("de-CH")
            await expect(page.get_by_label("Währung")).to_have_value("CHF")
            await expect(page.get_by_label("Zeitzone")).to_have_value("Europe/Zurich")
            await expect(page.get_by_label("Per E-Mail")).not_to_be_checked()

            await page.get_by_role("link", name="Konto", exact=True).click()
            await expect(page.get_by_role("heading", name="Hallo, Ada")).to_be_visible()
            await expect(page.get_by_role("link", name="Adressen Rechnungs-")).to_be_visible()
            watched.assert_clean()


async def test_addresses_per_country_create_edit_default_delete(settings: Settings, setup_rt: Runtime) -> None:
    with live_server(settings) as server:
        customer = await make_customer(setup_rt, first_name="Ada", password=PASSWORD)
        async with chromium() as browser:
            watched = await watched_page(browser)
            page = await _sign_in(watched, server.http_url, customer.email)
            await _one_request(watched, page.get_by_role("link", name="Addresses Billing").click(), "Your addresses")
            await expect(page.get_by_text("You have not saved an address yet.")).to_be_visible()

            # A German address: the form follows Germany's rules (no state, a postal-code example).
            await page.get_by_role("button", name="Add an address").click()
            await page.get_by_label("Country").select_option("DE")
            await expect(page.get_by_label("State")).to_have_count(0)
            await expect(page.get_by_text("For example")).to_be_visible()
            await page.get_by_label("First name").fill("Ada")
            await page.get_by_label("Street and house number").fill("Unter den Linden 1")
            await page.get_by_label("Postal code").fill("1234")
            await page.get_by_label("City").fill("Berlin")
            await page.get_by_role("button", name="Save address").click()
            postal = page.get_by_label("Postal code")
            await expect(postal).to_have_attribute("aria-invalid", "true")
            await expect(page.locator('[data-error-for="postalCode"]')).to_contain_text(
                "This is not a valid postal code in Germany"
            )
            await postal.fill("10117")
            await page.get_by_role("button", name="Save address").click()
            await expect(page.get_by_role("status")).to_have_text("The address has been saved.")
            await expect(page.get_by_text("10117 Berlin")).to_be_visible()
            await expect(page.get_by_text("Default billing address")).to_be_visible()

            # A US address: a state to choose, a ZIP code; a missing state is named next to its field.
            await page.get_by_role("button", name="Add an address").click()
            # Any country the server has rules for, not a short list.
            await expect(page.get_by_label("Country").locator("option")).to_have_count(252)
            await page.get_by_label("Country").select_option("US")
            await expect(page.get_by_label("State")).to_be_visible()
            await page.get_by_label("First name").fill("Grace")
            await page.get_by_label("Street and house number").fill("1600 Amphitheatre Parkway")
            await page.get_by_label("City").fill("Mountain View")
            await page.get_by_label("ZIP code").fill("94043")
            await page.get_by_role("button", name="Save address").click()
            await expect(page.get_by_label("State")).to_have_attribute("aria-invalid", "true")
            await expect(page.locator('[data-error-for="region"]')).to_have_text(
                "Required for addresses in United States."
            )
            await page.get_by_label("State").select_option("CA")
            await page.get_by_role("button", name="Save address").click()
            await expect(page.get_by_role("status")).to_have_text("The address has been saved.")
            await expect(page.get_by_text("94043 Mountain View CA")).to_be_visible()
            assert await watched.horizontal_overflow() <= 0

            # Edit the US one, make it the default shipping address, delete the German one.
            await page.get_by_role("button", name="Edit: Grace").click()
            await expect(page.get_by_label("City")).to_have_value("Mountain View")
            await page.get_by_label("City").fill("Palo Alto")
            await page.get_by_label("ZIP code").fill("94301")
            await page.get_by_role("button", name="Save address").click()
            await expect(page.get_by_text("94301 Palo Alto CA")).to_be_visible()
            await page.get_by_role("button", name="Use for shipping: Grace").click()
            await expect(page.get_by_role("status")).to_have_text("Your default address has been changed.")
            grace = page.locator("li.address", has_text="Grace")
            await expect(grace.get_by_text("Default shipping address")).to_be_visible()
            # Deleting asks first; keeping it changes nothing.
            await page.get_by_role("button", name="Delete: Ada").click()
            await page.get_by_role("button", name="Keep it: Ada").click()
            await expect(page.locator("li.address")).to_have_count(2)
            await page.get_by_role("button", name="Delete: Ada").click()
            await expect(page.get_by_role("group", name="Delete this address?")).to_be_visible()
            await page.get_by_role("button", name="Yes, delete it: Ada").click()
            await expect(page.get_by_role("status")).to_have_text("The address has been deleted.")
            await expect(page.locator("li.address")).to_have_count(1)
            # The deleted default passes to the remaining address.
            await expect(grace.get_by_text("Default billing address")).to_be_visible()
            watched.assert_clean()


async def test_profile_date_of_birth_account_facts_and_affiliate_application(
    settings: Settings, setup_rt: Runtime
) -> None:
    with live_server(settings) as server:
        customer = await make_customer(setup_rt, first_name="Ada", password=PASSWORD)
        admin = await make_customer(setup_rt, roles=(Role.ADMIN,), password=PASSWORD)
        async with chromium() as browser:
            watched = await watched_page(browser)
            page = await _sign_in(watched, server.http_url, customer.email)
            await _one_request(watched, page.get_by_role("link", name="Profile Your name").click(), "Your profile")
            facts = page.locator(".facts")
            await expect(facts.get_by_role("term")).to_have_text(["Customer type", "Customer since", "Roles"])
            await expect(facts.get_by_role("definition").last).to_have_text("Customer")

            # A birthday in the future is refused next to its field; a real one is kept.
            birthday = page.get_by_label("Date of birth (optional)")
            await birthday.fill("2999-01-01")
            await page.get_by_role("button", name="Save profile").click()
            await expect(birthday).to_have_attribute("aria-invalid", "true")
            await expect(page.locator('[data-error-for="dateOfBirth"]')).not_to_be_empty()
            await birthday.fill("1990-12-10")
            await page.get_by_role("button", name="Save profile").click()
            await expect(page.get_by_role("status")).to_have_text("Your profile has been saved.")

            # The affiliate application: sent once, then its state is shown instead of the form.
            await page.get_by_label("About your site or audience (optional)").fill(
                "A blog about engines, 40,000 readers"
            )
            await page.get_by_role("button", name="Apply to become an affiliate").click()
            await expect(page.get_by_text("Your application is waiting for a decision.")).to_be_visible()
            await expect(page.get_by_role("button", name="Apply to become an affiliate")).to_be_hidden()
            await page.reload()
            await expect(page.get_by_label("Date of birth (optional)")).to_have_value("1990-12-10")
            await expect(page.get_by_text("Waiting for a decision")).to_be_visible()
            await expect(page.get_by_role("button", name="Apply to become an affiliate")).to_be_hidden()
            await watched.check("profile-affiliate-pending")

            # An administrator declines it with a reason: the customer reads it and may apply again.
            async with httpx.AsyncClient(base_url=server.http_url, timeout=10) as client:
                api = Api(client)
                token = await login(api, admin.email, PASSWORD)
                mine = await api.ok(
                    "query($filter: CustomerFilterInput) { customers(first: 1, filter: $filter) {"
                    " edges { node { affiliateRequests { id } } } } }",
                    {"filter": {"query": customer.email}},
                    token=token,
                )
                request_id = mine["customers"]["edges"][0]["node"]["affiliateRequests"][0]["id"]
                await api.ok(
                    "mutation($input: RejectAffiliateRequestInput!) { rejectAffiliateRequest(input: $input) {"
                    " userErrors { code } } }",
                    {"input": {"requestId": request_id, "reason": "Not enough readers yet"}},
                    token=token,
                )
            await page.reload()
            await expect(page.get_by_text("Reason: Not enough readers yet")).to_be_visible()
            await expect(page.get_by_role("button", name="Apply to become an affiliate")).to_be_visible()
            await watched.check("profile")


async def test_a_country_s_rules_arriving_late_keep_what_was_typed_and_never_undo_a_later_choice(
    settings: Settings, setup_rt: Runtime
) -> None:
    """The address form asks the server for a country's rules when the country changes. On a slow line
    the customer types on (or picks another country) before they arrive: nothing typed is lost and an
    answer for a country no longer chosen does not redraw the form."""
    held = {"CA": asyncio.Event(), "AT": asyncio.Event()}

    async def slow_rules(route: Route, request: Request) -> None:
        body = request.post_data_json or {}
        code = (body.get("variables") or {}).get("countryCode")
        if "PortalAddressRules" in (body.get("query") or "") and code in held:
            await held[code].wait()
        await route.continue_()

    with live_server(settings) as server:
        customer = await make_customer(setup_rt, first_name="Ada", password=PASSWORD)
        async with chromium() as browser:
            watched = await watched_page(browser)
            page = await _sign_in(watched, server.http_url, customer.email)
            await page.route("**/graphql", slow_rules)
            await page.goto(f"{server.http_url}/account/addresses")
            await page.get_by_role("button", name="Add an address").click()

            # Canada's rules are slow; Germany is chosen meanwhile and its rules come first.
            await page.get_by_label("Country").select_option("CA")
            await page.get_by_label("Country").select_option("DE")
            await expect(page.get_by_text("For example 26133")).to_be_visible()
            async with page.expect_request_finished(lambda request: '"countryCode":"CA"' in (request.post_data or "")):
                held["CA"].set()
            await page.evaluate("new Promise((resolve) => setTimeout(resolve, 100))")
            await page.get_by_label("First name").fill("Ada")
            await expect(page.get_by_text("For example 26133")).to_be_visible()
            await expect(page.get_by_label("Province")).to_have_count(0)

            # Austria's rules are slow and the customer types while they are on their way.
            await page.get_by_label("Country").select_option("AT")
            await page.get_by_label("Street and house number").fill("Stephansplatz 1")
            await page.get_by_label("Postal code").fill("1010")
            await page.get_by_label("City").fill("Wien")
            held["AT"].set()
            await expect(page.get_by_text("For example 1010")).to_be_visible()
            for label, value in (
                ("First name", "Ada"),
                ("Street and house number", "Stephansplatz 1"),
                ("Postal code", "1010"),
                ("City", "Wien"),
            ):
                await expect(page.get_by_label(label)).to_have_value(value)
            await page.get_by_role("button", name="Save address").click()
            await expect(page.get_by_role("status")).to_have_text("The address has been saved.")
            await expect(page.get_by_text("1010 Wien")).to_be_visible()
            await expect(page.get_by_text("Austria")).to_be_visible()
            watched.assert_clean()
