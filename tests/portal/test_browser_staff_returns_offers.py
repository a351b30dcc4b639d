"""The staff console's returns and offers in a real browser, against a live server.

A return the automatic rules did not approve waits for an agent, who sees the rule that stopped it, approves it,
sees the refund that marking it received will pay (amount and card) before confirming, and then the refund's
outcome; the customer's own return page shows the same refund. An agent writes an offer with a product looked
up by its SKU, revises it once, and the customer accepts and pays the revised offer in the portal."""

import re
import uuid

import httpx
from playwright.async_api import expect

from app.config import Settings
from app.runtime import Runtime
from app.services.service_accounts import create_service_account
from tests.live import live_server
from tests.payments.helpers import save_card
from tests.portal.browser import PASSWORD, browser_test, chromium, sign_in, watched_page
from tests.portal.staff import make_staff, open_console
from tests.returns.helpers import card_paid_order, request_input, requested
from tests.support import Api, Caller, login, make_customer

pytestmark = browser_test
UPSERT_PRODUCTS = """mutation($i: UpsertProductsInput!) { upsertProducts(input: $i) { userErrors { code } } }"""


async def customer_caller(api: Api, rt: Runtime, first_name: str) -> Caller:
    customer = await make_customer(rt, first_name=first_name, password=PASSWORD)
    return Caller(customer=customer, password=PASSWORD, token=await login(api, customer.email, PASSWORD))


async def test_approve_and_receive_a_return_and_see_the_refund(
    portal_settings: Settings, port: int, setup_rt: Runtime
) -> None:
    # The live server approves nothing by itself: its automatic approval limit is 0.
    with live_server(portal_settings.model_copy(update={"return_auto_approve_limit": 0}), port) as server:
        base = server.http_url
        agent = await make_staff(setup_rt)
        async with httpx.AsyncClient(base_url=base, timeout=15) as client:
            api = Api(client)
            customer = await customer_caller(api, setup_rt, "Ada")
            order = await card_paid_order(api, setup_rt, customer)
            waiting = await requested(api, customer, request_input(order, 2, note="Both cracked in the box."))
        assert waiting["status"] == "REQUESTED"
        number, refund = waiting["number"], f"€{waiting['refundTotal']['amount']}"

        async with chromium() as browser:
            watched = await watched_page(browser)
            page = await open_console(watched, base, agent.email, "/staff/returns")
            await expect(page.get_by_role("heading", name="Returns waiting for a decision")).to_be_visible()
            await watched.opens_with_one_request(page.reload(), "Returns waiting for a decision")
            row = page.locator("li.staff-return").filter(has_text=number)
            await expect(row).to_contain_text("Stopped by the rule: Above the automatic approval limit")
            await expect(row).to_contain_text(f"order {order['number']}")
            await expect(row.get_by_role("link", name="Ada")).to_have_attribute(
                "href", re.compile(r"^/account/staff/customers/")
            )
            await watched.check("staff-returns")

            # The filter lives in the URL: approved returns are none yet.
            await page.get_by_label("State").select_option("APPROVED")
            await page.get_by_role("button", name="Show").click()
            await expect(page).to_have_url(f"{base}/account/staff/returns?status=APPROVED")
            await expect(page.get_by_text("Nothing here.")).to_be_visible()
            await page.go_back()
            await expect(row).to_be_visible()

            await watched.opens_with_one_request(row.get_by_role("link", name=number).click(), f"Return {number}")
            await expect(page.locator(".staff-rule-box")).to_contain_text("Above the automatic approval limit")
            await expect(page.locator(".facts").first).to_contain_text("Both cracked in the box.")
            await expect(page.get_by_role("cell", name="Mug MUG-001")).to_be_visible()
            await watched.check("staff-return")

            # Rejecting needs a reason: the server's error shows at the field; then the agent approves instead.
            await page.get_by_role("button", name="Reject", exact=True).click()
            await expect(page.get_by_label("Reason (told to the customer)")).to_have_attribute("aria-invalid", "true")
            await page.get_by_label("Note for staff (optional)").fill("Photos look genuine.")
            await page.get_by_role("button", name="Approve", exact=True).click()
            await expect(page.get_by_role("status")).to_contain_text("Approved.")
            await expect(page.locator(".summary .state")).to_have_text("Approved")
            await expect(page.locator(".facts").first).to_contain_text("Photos look genuine.")

            # Marking it received shows the refund it will pay before anything is sent.
            before = len(watched.graphql_requests)
            await page.get_by_role("button", name="Mark received…").click()
            preview = page.locator(".staff-refund-preview")
            await expect(preview).to_contain_text(refund)
            await expect(preview).to_contain_text("The original payment: Visa •••• 4242")
            assert len(watched.graphql_requests) == before
            await page.get_by_label("No, damaged").check()
            await watched.check("staff-return-receive")
            await page.get_by_role("button", name=f"Mark received and refund {refund}").click()
            outcome = page.get_by_role("status")
            await expect(outcome).to_contain_text("Marked received.")
            await expect(outcome).to_contain_text(f"Refund of {refund} to Visa •••• 4242: Succeeded")
            await expect(page.locator(".summary .state")).to_have_text("Refunded")
            await expect(page.locator(".facts").nth(1)).to_contain_text(f"Paid back so far{refund}")
            await watched.check("staff-return-refunded")
            await page.get_by_role("button", name="Close", exact=True).click()
            await expect(page.locator(".summary .state")).to_have_text("Closed")
            watched.assert_clean()

            # The customer's own page shows the refund.
            mine = await watched_page(browser)
            await mine.page.goto(f"{base}/account/returns/{number}")
            await sign_in(mine.page, customer.customer.email)
            await expect(mine.page.get_by_role("heading", name=f"Return {number}")).to_be_visible()
            await expect(mine.page.locator(".facts")).to_contain_text(f"Paid back so far{refund}")
            refunds = mine.page.locator("table").last
            await expect(refunds).to_contain_text("Visa •••• 4242")
            await expect(refunds).to_contain_text("Done")
            mine.assert_clean()


async def test_write_an_offer_that_the_customer_accepts_and_pays_in_the_portal(
    portal_settings: Settings, port: int, setup_rt: Runtime
) -> None:
    sku = f"LAMP-{uuid.uuid4().hex[:6].upper()}"
    with live_server(portal_settings, port) as server:
        base = server.http_url
        agent = await make_staff(setup_rt)
        key = (await create_service_account(setup_rt, "product feed", ["products:write"])).api_key
        async with httpx.AsyncClient(base_url=base, timeout=15) as client:
            api = Api(client)
            product = {"sku": sku, "name": "Desk lamp", "price": {"amount": "40.00", "currencyCode": "EUR"}}
            upserted = await api.ok(UPSERT_PRODUCTS, {"i": {"products": [product]}}, token=key)
            assert upserted["upsertProducts"]["userErrors"] == []
            customer = await customer_caller(api, setup_rt, "Grace")
            assert (await save_card(api, customer.token, "tok_visa"))["userErrors"] == []

        async with chromium() as browser:
            watched = await watched_page(browser)
            page = await open_console(watched, base, agent.email, "/staff/offers")
            await expect(page.get_by_role("heading", name="Offers")).to_be_visible()
            await watched.opens_with_one_request(page.reload(), "Offers")
            await expect(page.get_by_text("Nothing here.")).to_be_visible()
            await watched.check("staff-offers")
            await watched.opens_with_one_request(
                page.get_by_role("link", name="Write an offer").click(), "Write an offer"
            )

            # The customer, found by email; the product, looked up by its SKU.
            await page.get_by_label("Find the customer (email or name)").fill(customer.customer.email)
            await page.get_by_role("button", name="Find").click()
            await expect(page.get_by_role("radio", name=re.compile(r"^Grace"))).to_be_checked()
            line = page.locator(".offer-lines > li").first
            await line.get_by_label("SKU").fill(sku)
            await line.get_by_role("button", name="Look up").click()
            await expect(line.get_by_role("status")).to_have_text("Found: Desk lamp, €40.00.")
            await expect(line.get_by_label("Name")).to_have_value("Desk lamp")
            await expect(line.get_by_label("Unit price (net)")).to_have_value("40.00")
            await line.get_by_label("Tax rate (%)").fill("19")
            await line.get_by_label("Quantity").fill("0")
            await page.get_by_label("Note for the customer (optional)").fill("Delivery within a week.")
            await watched.check("staff-offer-new")
            # A typed error at the line's field.
            await page.get_by_role("button", name="Write and send the offer").click()
            await expect(line.get_by_label("Quantity")).to_have_attribute("aria-invalid", "true")
            await expect(line.locator('[data-line-error="quantity"]')).not_to_be_empty()
            await line.get_by_label("Quantity").fill("2")
            await page.get_by_role("button", name="Add an item").click()
            second = page.locator(".offer-lines > li").nth(1)
            await second.get_by_label("SKU").fill("SETUP")
            await second.get_by_label("Name").fill("Setup")
            await second.get_by_label("Unit price (net)").fill("10")
            await second.get_by_label("Tax rate (%)").fill("7")
            await page.get_by_role("button", name="Write and send the offer").click()
            heading = page.get_by_role("heading", name=re.compile(r"^Offer Q"))
            await expect(heading).to_be_visible()
            number = (await heading.inner_text()).removeprefix("Offer ")
            await expect(page.get_by_role("status")).to_have_text("The offer was written and mailed to the customer.")
            # 2 x 40.00 at 19 % and 10.00 at 7 %: 90.00 net, 15.90 tax.
            await expect(page.locator(".totals")).to_contain_text("€105.90")
            await expect(page.locator(".summary")).to_contain_text("Revision 1")
            await watched.check("staff-offer")

            # Revised once: three lamps, the setup dropped.
            await page.get_by_role("button", name="Revise…").click()
            editor = page.locator(".staff-offer-form .offer-lines > li")
            await expect(editor).to_have_count(2)
            await expect(editor.first.get_by_label("SKU")).to_have_value(sku)
            await editor.first.get_by_label("Quantity").fill("3")
            await editor.nth(1).get_by_role("button", name="Remove this item").click()
            await page.get_by_role("button", name="Send the revised offer").click()
            reason = page.get_by_role("form", name="Revise the offer").get_by_label(
                "Reason (the customer reads it too)"
            )
            await expect(reason).to_have_attribute("aria-invalid", "true")
            await reason.fill("Setup included for three lamps.")
            await page.get_by_role("button", name="Send the revised offer").click()
            await expect(page.get_by_role("status")).to_have_text("Revised: version 2 was mailed to the customer.")
            await expect(page.locator(".totals")).to_contain_text("€142.80")
            await expect(page.locator(".staff-revisions")).to_contain_text("Version 1: €105.90")
            await watched.check("staff-offer-revised")

            # From the customer page's link: the customer is preset, the page is one request.
            await watched.opens_with_one_request(
                page.goto(f"{base}/account/staff/offers/new?customer={customer.gid}"), "Write an offer for Grace"
            )

            # The customer accepts and pays the revised offer.
            shopper = await watched_page(browser)
            await shopper.page.goto(f"{base}/account/offers/{number}")
            await sign_in(shopper.page, customer.customer.email)
            await expect(shopper.page.get_by_role("heading", name=f"Offer {number}")).to_be_visible()
            await expect(shopper.page.locator(".facts")).to_contain_text("(before: €105.90)")
            await shopper.page.get_by_role("button", name="Accept the offer").click()
            await expect(shopper.page.locator(".summary .state")).to_have_text("Accepted, awaiting payment")
            await shopper.page.get_by_role("button", name="Pay €142.80").click()
            await expect(shopper.page.get_by_role("status")).to_have_text(
                "Thank you: €142.80 paid with Visa •••• 4242."
            )
            shopper.assert_clean()

            await watched.opens_with_one_request(page.goto(f"{base}/account/staff/offers?state=PAID"), "Offers")
            await expect(page.locator("li.staff-offer").filter(has_text=number)).to_contain_text("Paid")
            await watched.opens_with_one_request(
                page.locator("li.staff-offer").get_by_role("link", name=number).click(), f"Offer {number}"
            )
            await expect(page.locator(".summary .state")).to_have_text("Paid")
            await expect(page.get_by_role("button", name="Revise…")).to_have_count(0)
            watched.assert_clean()
