"""The staff console's customers area in a real browser, against a live server with real SMTP: an
administrator finds a wholesale registration waiting for approval from the console home, approves it with a
reason (the customer is mailed and can sign in; the reason shows in the account's security events), suspends
and reactivates it, adjusts its store credit; a support agent trying an administrator's action is told so next
to the form. A support agent creates an account for a customer, who chooses a password from the mail and
signs in."""

import re

import httpx
from playwright.async_api import Page, expect

from app.config import Settings
from app.runtime import Runtime
from models.customer import ActivationMode, Role
from tests.live import live_server
from tests.portal.browser import PASSWORD, Watched, browser_test, chromium, sign_in, watched_page
from tests.portal.staff import make_staff, open_console
from tests.portal.test_browser_account_flows import mailed_link
from tests.support import Api, Mailbox, login, make_customer, make_group

pytestmark = browser_test
REGISTER = """mutation($i: RegisterInput!) { register(input: $i) { activationMode userErrors { code } } }"""
ASK_AFFILIATE = """mutation($i: RequestAffiliateStatusInput!) {
  requestAffiliateStatus(input: $i) { affiliateRequest { id } userErrors { code } } }"""
ASK_CREDIT = """mutation($i: RequestCreditLimitInput!) {
  requestCreditLimit(input: $i) { userErrors { code } } }"""
NEW_PASSWORD = "a brand new counter passphrase"


async def act(page: Page, action: str, fields: dict[str, str], submit: str) -> None:
    """Opens the action's disclosure, fills its form and sends it."""
    await page.locator("summary", has_text=action).click()
    form = page.get_by_role("form", name=action)
    for label, value in fields.items():
        await form.get_by_label(label).fill(value)
    await form.get_by_role("button", name=submit).click()


async def test_approve_a_pending_wholesale_account(
    portal_settings: Settings, port: int, setup_rt: Runtime, mailbox: Mailbox
) -> None:
    with live_server(portal_settings, port) as server:
        base = server.http_url
        await make_group(setup_rt, "wholesale", ActivationMode.ADMIN_APPROVAL)
        admin = await make_staff(setup_rt, Role.ADMIN, first_name="Alex")
        agent = await make_staff(setup_rt, Role.SUPPORT, first_name="Sam")
        async with httpx.AsyncClient(base_url=base, timeout=15) as client:
            api = Api(client)
            registered = await api.ok(
                REGISTER,
                {
                    "i": {
                        "email": "wanda@example.com",
                        "password": PASSWORD,
                        "firstName": "Wanda",
                        "lastName": "Wholesale",
                        "customerGroup": "wholesale",
                    }
                },
            )
            assert registered["register"] == {"activationMode": "ADMIN_APPROVAL", "userErrors": []}
            await mailbox.wait_for("wanda@example.com", "We received your registration")
            blogger = await make_customer(setup_rt, first_name="Bea", password=PASSWORD)
            asked = await api.ok(
                ASK_AFFILIATE, {"i": {"message": "I review gardening tools"}}, await login(api, blogger.email, PASSWORD)
            )
            assert asked["requestAffiliateStatus"]["userErrors"] == []

            async with chromium() as browser:
                watched = await watched_page(browser)
                page = await open_console(watched, base, admin.email)
                await expect(page.get_by_text("1 waiting, the oldest since")).to_be_visible()
                await watched.opens_with_one_request(
                    page.get_by_role("link", name="Review them").click(), "Customers: Waiting for approval"
                )
                await expect(page).to_have_url(re.compile(r"/account/staff/customers\?status=PENDING_APPROVAL$"))
                await expect(page.get_by_label("Status")).to_have_value("PENDING_APPROVAL")
                row = page.locator(".staff-customer-row", has_text="wanda@example.com")
                await expect(row).to_contain_text("Waiting for approval")
                await expect(row).to_contain_text("Group: Wholesale")
                await expect(page.locator(".staff-affiliate")).to_contain_text("I review gardening tools")
                await watched.check("staff-customers")
                await act(
                    page,
                    "Make an affiliate",
                    {"Reason (recorded in the audit log)": "a real gardening blog"},
                    "Make an affiliate",
                )
                await expect(page.locator(".staff-affiliate")).to_have_text("Bea is an affiliate now.")

                # The lookup is in the address: a search by name keeps the status chosen.
                await page.get_by_label("Name, email, phone or order number").fill("Wanda")
                await page.get_by_role("button", name="Find").click()
                await expect(page).to_have_url(re.compile(r"\?query=Wanda&status=PENDING_APPROVAL$"))
                await expect(page.locator(".staff-customer-row")).to_have_count(1)

                await watched.opens_with_one_request(
                    page.get_by_role("link", name="Wanda Wholesale").click(), "Wanda Wholesale"
                )
                customer_url = page.url
                await expect(page.get_by_role("link", name="Write an offer")).to_have_attribute(
                    "href", re.compile(r"/account/staff/offers/new\?customer=.+")
                )
                await expect(page.locator("summary", has_text="Reactivate the account")).to_have_count(0)
                await watched.check("staff-customer")

                # The reason is required by the console (the API would take none).
                await act(page, "Approve the account", {}, "Approve the account")
                form = page.get_by_role("form", name="Approve the account")
                await expect(form.locator('[data-error-for="reason"]')).to_have_text(
                    "Fill this in: it is recorded with the action."
                )
                await form.get_by_label("Reason (recorded in the audit log)").fill(
                    "VAT number checked with the tax office"
                )
                await form.get_by_role("button", name="Approve the account").click()
                await expect(page.locator("p.notice")).to_have_text(
                    "The account is approved; the customer was told by mail."
                )
                await expect(page.locator(".staff-customer-head")).to_contain_text("Active")
                approved = page.locator(".staff-event", has_text="Account approved")
                await expect(approved).to_contain_text("VAT number checked with the tax office")
                await expect(approved).to_contain_text("by Alex")
                await mailbox.wait_for("wanda@example.com", "Your account is approved")
                wanda = await login(api, "wanda@example.com", PASSWORD)
                asked_credit = await api.ok(
                    ASK_CREDIT, {"i": {"amount": "500", "currencyCode": "EUR", "reason": "monthly orders"}}, wanda
                )
                assert asked_credit["requestCreditLimit"]["userErrors"] == []

                await act(
                    page,
                    "Suspend the account",
                    {"Reason (recorded in the audit log)": "chargeback under review"},
                    "Suspend the account",
                )
                await expect(page.locator("p.notice")).to_have_text("The account is suspended.")
                await expect(page.locator(".staff-customer-head")).to_contain_text("Suspended")
                await act(
                    page,
                    "Reactivate the account",
                    {"Reason (recorded in the audit log)": "the bank confirmed the payment"},
                    "Reactivate the account",
                )
                await expect(page.locator("p.notice")).to_have_text("The account is active again.")
                await expect(page.locator(".staff-event", has_text="Account suspended")).to_contain_text(
                    "chargeback under review"
                )
                await expect(page.locator(".staff-event", has_text="Account reactivated")).to_contain_text(
                    "the bank confirmed the payment"
                )

                await act(
                    page,
                    "Adjust the store credit",
                    {
                        "Amount (negative to debit)": "25.00",
                        "Currency": "EUR",
                        "Reason (recorded in the audit log)": "goodwill for a late delivery",
                    },
                    "Post the adjustment",
                )
                await expect(page.locator("p.notice")).to_have_text("The store credit was adjusted.")
                await expect(page.locator("[data-balance]")).to_have_attribute("data-balance", "25.00")
                await expect(page.locator("[data-balance]")).to_have_text("€25.00")
                await expect(page.locator(".staff-customer")).to_contain_text("goodwill for a late delivery")
                # A credit-limit request decided on the page, a bank transfer recorded, a role granted.
                await page.reload()
                await act(
                    page,
                    "Decide the request",
                    {"Limit granted": "300", "Reason (recorded in the audit log)": "two years of paid invoices"},
                    "Send the decision",
                )
                await expect(page.locator("p.notice")).to_contain_text("The credit-limit request was decided")
                await expect(page.locator(".staff-credit-request")).to_contain_text("Approved: €300.00")
                await act(
                    page,
                    "Record a payment received",
                    {
                        "Amount": "80.90",
                        "Payer's reference": "TRANSFER-4711",
                        "Reason (recorded in the audit log)": "seen on the bank statement",
                    },
                    "Record the payment",
                )
                await expect(page.locator("p.notice")).to_have_text("The payment was recorded.")
                await expect(page.locator("[data-balance]")).to_have_attribute("data-balance", "105.90")
                await act(
                    page,
                    "Grant a role",
                    {"Reason (recorded in the audit log)": "runs a partner shop"},
                    "Grant the role",
                )
                await expect(page.locator("p.notice")).to_have_text("The role was granted.")
                await expect(page.locator(".staff-customer-head")).to_contain_text("Affiliate")

                await page.locator("summary", has_text="Search the security log").click()
                await page.get_by_label("Kind of event").select_option("ACCOUNT_APPROVED")
                await page.get_by_role("button", name="Search", exact=True).click()
                await expect(page.locator(".staff-security-log .staff-event")).to_have_count(1)
                await expect(page.locator(".staff-security-log")).to_contain_text("VAT number checked")
                await watched.check("staff-customer-after-actions")

                # A support agent sees the same page (its one request holds nothing support may not read);
                # an administrator's action is refused by the API and said next to the form.
                support = await watched_page(browser)
                await open_console(support, base, agent.email)
                await support.opens_with_one_request(support.page.goto(customer_url), "Wanda Wholesale")
                await act(
                    support.page,
                    "Suspend the account",
                    {"Reason (recorded in the audit log)": "looks odd"},
                    "Suspend the account",
                )
                refused = support.page.get_by_role("form", name="Suspend the account").locator(".form-error")
                await expect(refused).to_have_text(
                    "Only an administrator may do this. Ask an administrator, or pass the case on."
                )
                await expect(support.page.locator(".staff-customer-head")).to_contain_text("Active")
                await support.check("staff-customer-support")
                await support.page.get_by_role("link", name="All customers").click()
                await support.page.get_by_role("button", name="Show the credit-limit requests").click()
                await expect(support.page.locator(".staff-credit-requests [role=alert]")).to_have_text(
                    "Only an administrator may do this. Ask an administrator, or pass the case on."
                )
                support.assert_clean()


async def test_create_an_account_for_a_customer_who_then_sets_a_password_from_the_mail(
    portal_settings: Settings, port: int, setup_rt: Runtime, mailbox: Mailbox
) -> None:
    with live_server(portal_settings, port) as server:
        base = server.http_url
        agent = await make_staff(setup_rt, Role.SUPPORT, first_name="Sam")
        async with chromium() as browser:
            watched: Watched = await watched_page(browser)
            page = await open_console(watched, base, agent.email, "/staff/customers")
            await expect(page.get_by_role("heading", name="Customers found")).to_be_visible()
            await watched.opens_with_one_request(
                page.get_by_role("link", name="Create an account for a customer").click(),
                "Create an account for a customer",
            )
            await watched.check("staff-customer-new")

            await page.get_by_label("Email address").fill("cora@example.com")
            await page.get_by_role("button", name="Create the account").click()
            await expect(page.locator('[data-error-for="reason"]')).to_have_text(
                "Fill this in: it is recorded with the action."
            )
            await page.get_by_label("First name").fill("Cora")
            await page.get_by_label("Last name").fill("Counter")
            await page.get_by_label("Reason (recorded in the audit log)").fill("ordered by phone, asked for an account")
            await page.get_by_role("button", name="Create the account").click()
            await expect(page.get_by_role("heading", name="The account is created")).to_be_visible()
            await expect(
                page.get_by_text("We have mailed cora@example.com a link to choose a password.")
            ).to_be_visible()
            await watched.check("staff-customer-new-created")
            await watched.opens_with_one_request(page.get_by_role("link", name="Cora Counter").click(), "Cora Counter")
            registered = page.locator(".staff-event", has_text="Account created")
            await expect(registered).to_contain_text("ordered by phone, asked for an account")
            await expect(registered).to_contain_text("by Sam")

            mail = await mailbox.wait_for("cora@example.com", "Your customer account is ready")
            customer = await watched_page(browser)
            await customer.page.goto(mailed_link(mail, base, "/reset-password"))
            await expect(customer.page.get_by_role("heading", name="Choose a new password")).to_be_visible()
            await customer.page.get_by_label("New password").fill(NEW_PASSWORD)
            await customer.page.get_by_role("button", name="Save the new password").click()
            await expect(customer.page.get_by_role("heading", name="Your password has been changed")).to_be_visible()
            await customer.page.get_by_role("link", name="Sign in", exact=True).click()
            await sign_in(customer.page, "cora@example.com", NEW_PASSWORD)
            await expect(customer.page.get_by_role("heading", name="Hello, Cora")).to_be_visible()
            customer.assert_clean()
