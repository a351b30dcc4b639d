"""The customer groups and privacy-policy pages of the staff console in a real browser.

An administrator creates a B2B group (approval by an administrator, a default credit limit, payment terms),
edits it, and is told in words what is wrong with a negative limit or a code another group has; a support
agent reads the groups without the forms and is told the privacy page is for administrators. An
administrator previews a new privacy policy as customers will read it, publishes it after the confirmation,
and a customer who consented under the earlier version is asked to confirm again. The agent reads the groups
in German."""

import httpx
from playwright.async_api import expect

from app.config import Settings
from app.runtime import Runtime
from models.customer import Role
from tests.live import live_server
from tests.portal.browser import PASSWORD, browser_test, chromium, sign_in_at, watched_page
from tests.portal.staff import make_staff, open_console
from tests.portal.test_operations import STAFF_OPERATIONS
from tests.support import Api, login, make_customer

pytestmark = browser_test

PUBLISH = """mutation($i: PublishPrivacyPolicyInput!) { publishPrivacyPolicy(input: $i) {
    privacyPolicy { version } userErrors { code } } }"""
CONSENT = """mutation($i: SetConsentInput!) { setConsent(input: $i) { userErrors { code } } }"""
GERMAN = 'mutation { updateSettings(input: {language: "de"}) { userErrors { code } } }'
POLICY = "We keep your data safe.\nOnly for your orders.\n\nWe never sell it."


async def test_an_administrator_manages_groups_and_an_agent_reads_them(settings: Settings, setup_rt: Runtime) -> None:
    with live_server(settings) as server:
        base = server.http_url
        admin = await make_staff(setup_rt, Role.ADMIN, first_name="Alma")
        agent = await make_staff(setup_rt)
        async with httpx.AsyncClient(base_url=base, timeout=10) as client:
            # The API refuses the create and edit to the agent (the page shows them no form).
            api = Api(client)
            agent_token = await login(api, agent.email, PASSWORD)
            refused = await api(
                STAFF_OPERATIONS["STAFF_CREATE_CUSTOMER_GROUP"],
                {"input": {"code": "x1", "name": "X", "activationMode": "NONE", "selfRegistration": False}},
                agent_token,
            )
            assert refused.errors
            assert refused.errors[0]["extensions"]["code"] == "FORBIDDEN"
        async with chromium() as browser:
            watched = await watched_page(browser)
            page = await open_console(watched, base, admin.email)
            await watched.opens_with_one_request(
                page.get_by_role("navigation", name="Staff console").get_by_role("link", name="Groups").click(),
                "Customer groups",
            )
            # Administrators see the privacy page in the navigation.
            await expect(page.get_by_role("link", name="Privacy policy")).to_be_visible()

            await page.get_by_role("button", name="Create a group").click()
            create = page.get_by_role("form", name="New customer group")
            await expect(create.get_by_label("Code", exact=True)).to_be_focused()
            await create.get_by_label("Code", exact=True).fill("wholesale-b2b")
            await create.get_by_label("Group name").fill("Trade partners")
            await create.get_by_label("How new accounts are activated").select_option("ADMIN_APPROVAL")
            await create.get_by_label("Default credit limit (optional)").fill("-5")
            await create.get_by_label("Currency of the limit").fill("EUR")
            await create.get_by_label("Payment terms in days (optional)").fill("30")
            await create.get_by_role("button", name="Create group").click()
            # The API's INVALID for the negative limit, in words next to the field.
            await expect(create.get_by_text("The credit limit is an amount of 0 or more")).to_be_visible()
            await expect(create.get_by_label("Default credit limit (optional)")).to_have_attribute(
                "aria-invalid", "true"
            )
            await create.get_by_label("Default credit limit (optional)").fill("5000")
            await create.get_by_role("button", name="Create group").click()
            await expect(page.get_by_role("status")).to_have_text("Group “Trade partners” created.")
            group = page.locator("[data-group='wholesale-b2b']")
            await expect(group.get_by_role("heading", name="Trade partners")).to_be_visible()
            await expect(group).to_contain_text("After an administrator approves")
            await expect(group).to_contain_text("€5,000.00")
            await expect(group).to_contain_text("Net 30 days")
            await expect(group).to_contain_text("No: only staff move customers into it")
            await watched.check("staff-groups")

            # A second group with the same code: CODE_TAKEN, said beside the code.
            await page.get_by_role("button", name="Create a group").click()
            await create.get_by_label("Code", exact=True).fill("wholesale-b2b")
            await create.get_by_label("Group name").fill("Another")
            await create.get_by_role("button", name="Create group").click()
            await expect(create.get_by_text("Another group has this code. Choose another one.")).to_be_visible()
            await create.get_by_role("button", name="Cancel").click()

            # Edited: a new name, open to self-registration, longer terms, no limit any more.
            await group.get_by_role("button", name="Edit Trade partners").click()
            edit = group.get_by_role("form", name="Change group Trade partners")
            await expect(edit.get_by_label("Group name")).to_have_value("Trade partners")
            await expect(edit.get_by_label("Default credit limit (optional)")).to_have_value("5000.00")
            await edit.get_by_label("Group name").fill("Trade partners EU")
            await edit.get_by_label("Storefronts may register customers into this group").check()
            await edit.get_by_label("Payment terms in days (optional)").fill("400")
            await edit.get_by_role("button", name="Save changes").click()
            await expect(edit.get_by_text("Payment terms are a whole number of days from 0 to 365.")).to_be_visible()
            await edit.get_by_label("Payment terms in days (optional)").fill("45")
            await edit.get_by_label("Default credit limit (optional)").fill("")
            await edit.get_by_role("button", name="Save changes").click()
            await expect(page.get_by_role("status")).to_have_text("Group “Trade partners EU” saved.")
            await expect(group).to_contain_text("Net 45 days")
            await expect(group).to_contain_text("Yes: storefronts may register customers into it")
            await expect(group.locator("dd").nth(2)).to_have_text("None")
            await page.reload()
            await expect(page.locator("[data-group='wholesale-b2b']")).to_contain_text("Trade partners EU")

            # The agent, in German: the list, no forms, no privacy page in the navigation, and refused it.
            async with httpx.AsyncClient(base_url=base, timeout=10) as client:
                api = Api(client)
                await api.ok(GERMAN, token=await login(api, agent.email, PASSWORD))
            support = await watched_page(browser)
            agent_page = support.page
            await sign_in_at(agent_page, f"{base}/account/staff/groups", agent.email)
            await expect(agent_page.get_by_role("navigation", name="Mitarbeiterbereich")).to_be_visible()
            await expect(agent_page.get_by_role("heading", name="Kundengruppen", exact=True)).to_be_visible()
            entry = agent_page.locator("[data-group='wholesale-b2b']")
            await expect(entry).to_contain_text("45 Tage netto")
            await expect(entry).to_contain_text("Nach Freigabe durch einen Administrator")
            await expect(agent_page.get_by_text("Nur Administratoren legen Gruppen an und ändern sie.")).to_be_visible()
            await expect(agent_page.get_by_role("button")).to_have_count(0)
            await expect(agent_page.get_by_role("link", name="Datenschutzerklärung")).to_have_count(0)
            await support.check("staff-groups-de")
            await agent_page.goto(f"{base}/account/staff/privacy")
            await expect(agent_page.get_by_role("heading", name="Diese Seite ist für Administratoren")).to_be_visible()
            support.assert_clean()


async def test_an_administrator_publishes_a_privacy_policy_customers_confirm_again(
    settings: Settings, setup_rt: Runtime
) -> None:
    with live_server(settings) as server:
        base = server.http_url
        admin = await make_staff(setup_rt, Role.ADMIN, first_name="Alma")
        agent = await make_staff(setup_rt)
        customer = await make_customer(setup_rt, first_name="Ada", password=PASSWORD)
        async with httpx.AsyncClient(base_url=base, timeout=10) as client:
            # A policy in force, and a customer who consented under it.
            api = Api(client)
            admin_token = await login(api, admin.email, PASSWORD)
            published = await api.ok(PUBLISH, {"i": {"version": "2027-01", "text": "Old words."}}, token=admin_token)
            assert published["publishPrivacyPolicy"]["userErrors"] == []
            customer_token = await login(api, customer.email, PASSWORD)
            consent = await api.ok(
                CONSENT, {"i": {"purpose": "MARKETING_EMAIL", "granted": True}}, token=customer_token
            )
            assert consent["setConsent"]["userErrors"] == []
        async with chromium() as browser:
            watched = await watched_page(browser)
            page = await open_console(watched, base, admin.email)
            await watched.opens_with_one_request(
                page.get_by_role("navigation", name="Staff console").get_by_role("link", name="Privacy policy").click(),
                "Privacy policy",
            )
            await expect(page.get_by_text("Version 2027-01, in force since")).to_be_visible()

            # The preview follows the typing without a request, paragraphs as the customers' page shows them.
            before = len(watched.graphql_requests)
            await page.get_by_label("Version name").fill("2027-01")
            await page.get_by_label("Policy text").fill(POLICY)
            preview = page.locator(".staff-privacy-preview .policy-paragraph")
            await expect(preview).to_have_count(2)
            await expect(preview.nth(0)).to_have_text("We keep your data safe.\nOnly for your orders.")
            await expect(preview.nth(1)).to_have_text("We never sell it.")
            assert len(watched.graphql_requests) == before

            # Nothing is sent before the confirmation; going back sends nothing either.
            await page.get_by_role("button", name="Review and publish").click()
            await expect(page.get_by_role("heading", name="Publish version 2027-01 now?")).to_be_visible()
            await expect(page.get_by_text("will be asked to confirm their consents again")).to_be_visible()
            await watched.check("staff-privacy-confirm")
            await page.get_by_role("button", name="Go back to editing").click()
            assert len(watched.graphql_requests) == before
            # A version published already: VERSION_TAKEN, said beside the version.
            await page.get_by_role("button", name="Review and publish").click()
            await page.get_by_role("button", name="Publish version 2027-01").click()
            await expect(page.get_by_text("This version was published already")).to_be_visible()
            await expect(page.get_by_label("Version name")).to_have_attribute("aria-invalid", "true")

            await page.get_by_label("Version name").fill("2027-06")
            await page.get_by_role("button", name="Review and publish").click()
            await page.get_by_role("button", name="Publish version 2027-06").click()
            await expect(page.get_by_role("status")).to_have_text(
                "Version 2027-06 is published. Customers are asked to confirm their consents under it."
            )
            await expect(page.get_by_text("Version 2027-06, in force since")).to_be_visible()
            await watched.check("staff-privacy")

            # The customer is asked to confirm the new policy, whose text reads as the preview did.
            customer_page = await watched_page(browser)
            await sign_in_at(customer_page.page, f"{base}/account/login", customer.email)
            await expect(
                customer_page.page.get_by_role("heading", name="Our privacy policy has changed")
            ).to_be_visible()
            await customer_page.page.get_by_role("link", name="Review your privacy choices").click()
            await expect(customer_page.page.get_by_role("heading", name="Please review your consents")).to_be_visible()
            await expect(
                customer_page.page.get_by_role("button", name="Keep my choices under version 2027-06")
            ).to_be_visible()
            shown = customer_page.page.locator(".policy-text .policy-paragraph")
            await expect(shown.nth(0)).to_have_text("We keep your data safe.\nOnly for your orders.")
            customer_page.assert_clean()

            # A support agent is told the page is for administrators, with a way back to the console.
            support = await watched_page(browser)
            agent_page = await open_console(support, base, agent.email)
            await expect(agent_page.get_by_role("link", name="Privacy policy")).to_have_count(0)
            await agent_page.goto(f"{base}/account/staff/privacy")
            await expect(agent_page.get_by_role("heading", name="This page is for administrators")).to_be_visible()
            await expect(agent_page.get_by_role("link", name="Back to the staff console")).to_be_visible()
            await support.check("staff-privacy-refused")
