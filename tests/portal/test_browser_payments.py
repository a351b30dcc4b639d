"""The payment pages in a real browser against a real server: saved cards (sandbox test cards only: no card
number ever reaches the API), paying an order or an invoice by card or on store credit, store credit with its
ledger and credit-limit requests, and the wishlist with recently viewed products.

Orders arrive through the order-system API and administrators decide through the API, both with httpx against
the live server; everything the customer does goes through the page."""

import json
import re
import uuid
from typing import Any

import httpx
from playwright.async_api import Page, expect
from strawberry import relay

from app.config import Settings
from app.runtime import Runtime
from app.services.products import ProductData, upsert_products
from models.customer import Role
from tests.live import LiveServer, live_server
from tests.orders.helpers import UPDATE_STATUS, order_input, order_key, push
from tests.portal.browser import PASSWORD, Watched, browser_test, chromium, sign_in, watched_page
from tests.portal.test_browser_account_flows import mailed_link
from tests.support import Api, Mailbox, login, make_customer

pytestmark = browser_test

ORDER_STATE = """query($id: ID!) { node(id: $id) { ... on Order { status invoice { status amountDue { amount } }
  payments { status method failureCode } } } }"""
DECIDE = """mutation($i: DecideCreditLimitRequestInput!) { decideCreditLimitRequest(input: $i) {
  request { status } userErrors { code } } }"""
REQUESTS = "{ creditLimitRequests(status: PENDING) { edges { node { id } } } }"
ADJUST = """mutation($i: AdjustStoreCreditInput!) { adjustStoreCredit(input: $i) { userErrors { code } } }"""
RECORD_PAYMENT = """mutation($i: RecordAccountPaymentInput!) {
  recordAccountPayment(input: $i) { userErrors { code } } }"""
ADD_TO_WISHLIST = "mutation($i: AddToWishlistInput!) { addToWishlist(input: $i) { userErrors { code } } }"
VIEW = "mutation($i: RecordProductViewInput!) { recordProductView(input: $i) { userErrors { code } } }"
WISHLIST = "{ me { wishlist(first: 100) { edges { node { product { sku } } } } } }"
ME = "{ me { id } }"


async def unpaid_order(server: LiveServer, rt: Runtime, email: str, external_id: str) -> str:
    """An order in PENDING_PAYMENT with its OPEN invoice (67.44 EUR), pushed by the order system."""
    async with httpx.AsyncClient(base_url=server.http_url, timeout=10) as client:
        pushed = await push(
            Api(client), await order_key(rt, f"orders {uuid.uuid4().hex}"), order_input(external_id, email)
        )
    order: dict[str, Any] = pushed["order"]
    assert order["status"] == "PENDING_PAYMENT"
    return str(order["id"])


async def order_state(server: LiveServer, token: str, order_id: str) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=server.http_url, timeout=10) as client:
        node: dict[str, Any] = (await Api(client).ok(ORDER_STATE, {"id": order_id}, token=token))["node"]
    return node


async def api_token(server: LiveServer, email: str) -> str:
    async with httpx.AsyncClient(base_url=server.http_url, timeout=10) as client:
        return await login(Api(client), email, PASSWORD)


async def open_from_home(watched: Watched, link: str, heading: str, name: str) -> None:
    """From the account home, one click opens the page, whose data costs exactly one GraphQL request."""
    page = watched.page
    await page.wait_for_url(re.compile(r"/account/(?!login)"))  # a sign-in just sent has taken us on
    if not page.url.endswith("/account/"):
        await page.get_by_role("link", name="Account", exact=True).click()
    # The home's heading shows once its one request has been answered: nothing of it is left to count.
    await expect(page.get_by_role("heading", name=re.compile(r"^Hello"))).to_be_visible()
    await watched.opens_with_one_request(page.get_by_role("link", name=link).click(), heading)
    await watched.check(name)


async def open_by_address(watched: Watched, url: str, heading: str) -> None:
    """A full load of a page (a link from a mail, a reload) also asks for its data in one request."""
    before = len(watched.graphql_requests)
    await watched.page.goto(url)
    await expect(watched.page.get_by_role("heading", name=heading, exact=True)).to_be_visible()
    assert len(watched.graphql_requests) == before + 1


def sent_operations(watched: Watched) -> str:
    return "\n".join(watched.graphql_requests)


async def add_card(page: Page, test_card: str) -> None:
    await page.get_by_label("Test card").select_option(label=test_card)
    await page.get_by_role("button", name="Save the card").click()


async def test_a_newcomer_registers_activates_adds_an_address_and_a_card_and_pays_the_unpaid_order(
    portal_settings: Settings, port: int, setup_rt: Runtime, mailbox: Mailbox
) -> None:
    with live_server(portal_settings, port) as server:
        async with chromium() as browser:
            watched = await watched_page(browser)
            page = watched.page
            await page.goto(f"{server.http_url}/account/register")
            await page.get_by_label("Email address").fill("newcomer@example.com")
            await page.get_by_label("Password", exact=True).fill(PASSWORD)
            await page.get_by_label("First name (optional)").fill("Grace")
            await page.get_by_role("button", name="Create account").click()
            await expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
            message = await mailbox.wait_for("newcomer@example.com", "Activate your account")
            await page.goto(mailed_link(message, server.http_url, "/activate"))
            await expect(page.get_by_role("heading", name="Your account is active")).to_be_visible()
            await page.get_by_role("link", name="Sign in", exact=True).click()
            await sign_in(page, "newcomer@example.com", PASSWORD)
            await expect(page.get_by_role("heading", name="Hello, Grace")).to_be_visible()

            # The order system sends the order she placed in the shop: it waits for payment.
            order_id = await unpaid_order(server, setup_rt, "newcomer@example.com", "J1")

            await open_from_home(watched, "Addresses Billing", "Your addresses", "payments-addresses")
            await page.get_by_role("button", name="Add an address").click()
            await page.get_by_label("Country").select_option("DE")
            await expect(page.get_by_label("Postal code")).to_be_visible()  # Germany's form, not the US one
            await page.get_by_label("First name").fill("Grace")
            await page.get_by_label("Street and house number").fill("Unter den Linden 1")
            await page.get_by_label("Postal code").fill("10117")
            await page.get_by_label("City").fill("Berlin")
            await page.get_by_role("button", name="Save address").click()
            await expect(page.get_by_role("status")).to_have_text("The address has been saved.")

            # Cards: none yet; the form says plainly that it is the sandbox, and sends only a test token.
            await open_from_home(
                watched, "Payment methods Your saved cards", "Payment methods", "payment-methods-empty"
            )
            await expect(page.get_by_text("You have no saved cards yet.")).to_be_visible()
            await expect(page.get_by_text("Test mode: sandbox payment gateway")).to_be_visible()
            await expect(page.get_by_label("Make this my default card")).to_be_checked()
            before = len(watched.graphql_requests)
            await add_card(page, "Visa ending 4242: payments go through")
            await expect(page.get_by_role("status")).to_have_text("The card has been saved.")
            sent = json.loads(watched.graphql_requests[before])
            assert sent["variables"] == {"input": {"gatewayToken": "tok_visa", "makeDefault": True}}
            card = page.locator(".saved-card", has_text="Visa •••• 4242")
            await expect(card).to_contain_text("Expires 12/2030")
            await expect(card).to_contain_text("Default")
            await watched.check("payment-methods")

            # Pay the order (the order page's "Pay now" opens this address).
            pay_url = f"{server.http_url}/account/orders/{order_id}/pay"
            await open_by_address(watched, pay_url, "Pay order #J1")
            await expect(page.locator(".pay-summary")).to_contain_text("€67.44")
            await expect(page.get_by_label("Visa •••• 4242")).to_be_checked()
            await watched.check("pay-order")
            await page.get_by_role("button", name="Pay €67.44").click()
            await expect(page).to_have_url(f"{server.http_url}/account/orders/{order_id}")
            await expect(page.get_by_role("heading", name="Order #J1", exact=True)).to_be_visible()

            token = await api_token(server, "newcomer@example.com")
            state = await order_state(server, token, order_id)
            assert state["status"] == "PAID"
            assert state["invoice"] == {"status": "PAID", "amountDue": {"amount": "0.00"}}
            assert [(p["status"], p["method"]) for p in state["payments"]] == [("SUCCEEDED", "Visa •••• 4242")]
            await expect(page.locator(".status").first).to_have_text("Paid")

            # The order system starts on it: the newcomer sees the status change live, without a reload.
            await page.evaluate("window.__sameDocument = true")
            requests = len(watched.graphql_requests)
            await server.wait_for_subscriber(f"order:{relay.from_base64(order_id)[1]}")
            async with httpx.AsyncClient(base_url=server.http_url, timeout=10) as client:
                moved = await Api(client).ok(
                    UPDATE_STATUS,
                    {"i": {"orderId": order_id, "status": "PROCESSING", "note": "Packing your parcel"}},
                    token=await order_key(setup_rt, "warehouse"),
                )
                assert moved["updateOrderStatus"]["userErrors"] == []
            await expect(page.get_by_role("status").filter(has_text="Update:")).to_have_text(
                "Update: this order is now “Processing”."
            )
            await expect(page.locator(".status").first).to_have_text("Processing")
            await expect(page.locator(".timeline li").first).to_contain_text("Packing your parcel")
            assert await page.evaluate("window.__sameDocument === true")
            assert len(watched.graphql_requests) == requests
            await watched.check("order-live-after-payment")

            # Paid is paid: the page says so instead of offering to pay again.
            await open_by_address(watched, pay_url, "Pay order #J1")
            await expect(page.get_by_text("This invoice is paid. Thank you!")).to_be_visible()
            await expect(page.get_by_role("button", name=re.compile("^Pay "))).to_have_count(0)
            # No card number went anywhere: only sandbox tokens and ids.
            assert not re.search(r"\d{13,19}", sent_operations(watched))
            watched.assert_clean()


async def test_a_declined_card_says_so_and_cards_are_managed(
    portal_settings: Settings, port: int, setup_rt: Runtime
) -> None:
    customer = await make_customer(setup_rt, first_name="Ada", password=PASSWORD)
    # The portal is served at PUBLIC_URL, as in production: the bank's page may send the customer back there.
    with live_server(portal_settings, port) as server:
        order_id = await unpaid_order(server, setup_rt, customer.email, "D1")
        async with chromium() as browser:
            watched = await watched_page(browser)
            page = watched.page
            await page.goto(f"{server.http_url}/account/login")
            await sign_in(page, customer.email, PASSWORD)
            await open_from_home(watched, "Payment methods Your saved cards", "Payment methods", "payment-methods-new")

            # A card the sandbox refuses to save: the error stands next to the card choice.
            await add_card(page, "An expired card: refused when saved")
            choice = page.get_by_label("Test card")
            await expect(choice).to_have_attribute("aria-invalid", "true")
            await expect(page.locator('[data-error-for="gatewayToken"]')).to_have_text(
                "This card has expired. Use a valid card."
            )
            await add_card(page, "Visa ending 0002: payments are declined")
            await expect(page.get_by_role("status")).to_have_text("The card has been saved.")
            await page.get_by_label("Make this my default card").uncheck()
            await add_card(page, "Mastercard ending 4444: payments go through")
            await expect(page.locator(".saved-card")).to_have_count(2)
            # The same card twice: said in our words.
            await add_card(page, "Visa ending 0002: payments are declined")
            await expect(page.get_by_role("alert")).to_have_text("This card is saved already.")

            # The declining card is the default (the first saved); paying with it is declined, in clear words.
            await open_by_address(watched, f"{server.http_url}/account/orders/{order_id}/pay", "Pay order #D1")
            await expect(page.get_by_label("Visa •••• 0002")).to_be_checked()
            await page.get_by_role("button", name="Pay €67.44").click()
            error = page.locator('[data-error-for="source"]')
            await expect(error).to_have_text(
                "The payment was declined and nothing was charged. Choose another card or store credit. "
                "Reason given: The card was declined."
            )
            await watched.check("pay-declined")
            # Store credit: none available, so it cannot be chosen.
            await expect(page.get_by_label("Store credit")).to_be_disabled()
            await expect(page.get_by_text("Only €0.00 available: not enough for this invoice")).to_be_visible()

            # Make the Mastercard the default, remove the declining card (after a confirmation), then pay.
            await open_from_home(watched, "Payment methods Your saved cards", "Payment methods", "payment-methods-two")
            await page.get_by_role("button", name="Make default: Mastercard •••• 4444").click()
            await expect(page.get_by_role("status")).to_have_text("Your default card has been changed.")
            await expect(page.locator(".saved-card").first).to_contain_text("Mastercard •••• 4444")
            await page.get_by_role("button", name="Remove: Visa •••• 0002").click()
            await expect(page.get_by_text("Remove Visa •••• 0002? You would have to add it again")).to_be_visible()
            await page.get_by_role("button", name="Keep it").click()
            await expect(page.locator(".saved-card")).to_have_count(2)
            await page.get_by_role("button", name="Remove: Visa •••• 0002").click()
            await watched.check("payment-methods-confirm-removal")
            await page.get_by_role("button", name="Yes, remove the card").click()
            await expect(page.get_by_role("status")).to_have_text("The card has been removed.")
            await expect(page.locator(".saved-card")).to_have_count(1)

            await open_by_address(watched, f"{server.http_url}/account/orders/{order_id}/pay", "Pay order #D1")
            await expect(page.get_by_label("Mastercard •••• 4444")).to_be_checked()
            await page.get_by_role("button", name="Pay €67.44").click()
            await expect(page).to_have_url(f"{server.http_url}/account/orders/{order_id}")
            await expect(page.get_by_role("heading", name="Order #D1", exact=True)).to_be_visible()
            watched.assert_clean()
        token = await api_token(server, customer.email)
        state = await order_state(server, token, order_id)
        assert state["status"] == "PAID"
        assert [(p["status"], p["method"], p["failureCode"]) for p in state["payments"]] == [
            ("DECLINED", "Visa •••• 0002", "card_declined"),
            ("SUCCEEDED", "Mastercard •••• 4444", None),
        ]


async def test_store_credit_a_credit_limit_request_and_an_invoice_paid_on_account(
    settings: Settings, setup_rt: Runtime
) -> None:
    customer = await make_customer(setup_rt, first_name="Ada", password=PASSWORD)
    admin = await make_customer(setup_rt, roles=(Role.CUSTOMER, Role.ADMIN), password=PASSWORD)
    with live_server(settings) as server:
        order_id = await unpaid_order(server, setup_rt, customer.email, "C1")
        async with chromium() as browser:
            watched = await watched_page(browser)
            page = watched.page
            await page.goto(f"{server.http_url}/account/login")
            await sign_in(page, customer.email, PASSWORD)
            await open_from_home(watched, "Store credit Balance", "Store credit", "store-credit-empty")
            summary = page.locator(".credit-summary")
            await expect(summary).to_contain_text("Balance€0.00")
            await expect(page.get_by_text("No transactions yet.")).to_be_visible()
            await expect(page.get_by_text("You have not asked for a credit limit yet.")).to_be_visible()
            await expect(
                page.get_by_text(re.compile(r"Invoice \d{4}-\d{6} for order #C1: €67\.44 due"))
            ).to_be_visible()

            # The server's typed errors stand next to their fields.
            await page.get_by_label("Credit limit in EUR").fill("-5")
            await page.get_by_role("button", name="Send the request").click()
            await expect(page.locator('[data-error-for="amount"]')).to_have_text("Enter a positive amount, e.g. 500.")
            await expect(page.get_by_label("Credit limit in EUR")).to_have_attribute("aria-invalid", "true")
            await page.get_by_label("Credit limit in EUR").fill("500")
            await page.get_by_role("button", name="Send the request").click()
            await expect(page.locator('[data-error-for="reason"]')).to_have_text("Please fill this in.")
            await page.get_by_label("Why you need it").fill("Monthly office orders")
            await page.get_by_role("button", name="Send the request").click()
            await expect(page.get_by_role("status")).to_have_text(
                "Your request has been sent. We will email you the decision."
            )
            request = page.locator(".credit-requests li")
            await expect(request).to_contain_text("€500.00 · Waiting for a decision")
            await expect(request).to_contain_text("Monthly office orders")
            await watched.check("store-credit-requested")
            # One request per currency at a time.
            await page.get_by_label("Credit limit in EUR").fill("800")
            await page.get_by_label("Why you need it").fill("More")
            await page.get_by_role("button", name="Send the request").click()
            await expect(page.get_by_role("alert")).to_have_text(
                "You have a request for this currency waiting for a decision already."
            )

            # An administrator approves it and credits the account eleven times (the ledger pages at ten).
            async with httpx.AsyncClient(base_url=server.http_url, timeout=10) as client:
                api = Api(client)
                admin_token = await login(api, admin.email, PASSWORD)
                pending = (await api.ok(REQUESTS, token=admin_token))["creditLimitRequests"]["edges"]
                decided = await api.ok(
                    DECIDE, {"i": {"requestId": pending[0]["node"]["id"], "approve": True}}, token=admin_token
                )
                assert decided["decideCreditLimitRequest"] == {"request": {"status": "APPROVED"}, "userErrors": []}
                customer_id = (await api.ok(ME, token=await login(api, customer.email, PASSWORD)))["me"]["id"]
                for n in range(11):
                    credited = await api.ok(
                        ADJUST,
                        {"i": {"customerId": customer_id, "amount": "1.00", "note": f"Goodwill {n + 1}"}},
                        token=admin_token,
                    )
                    assert credited["adjustStoreCredit"]["userErrors"] == []

            await open_by_address(watched, f"{server.http_url}/account/store-credit", "Store credit")
            await expect(summary).to_contain_text("Balance€11.00")
            await expect(summary).to_contain_text("Credit limit€500.00")
            await expect(summary).to_contain_text("Available to spend€511.00")
            await expect(request).to_contain_text("€500.00 · Approved")
            await expect(request).to_contain_text("Granted: €500.00")
            rows = page.locator("tbody tr")
            await expect(rows).to_have_count(10)
            await page.get_by_role("button", name="Show more transactions").click()
            await expect(rows).to_have_count(11)
            await expect(page.get_by_role("button", name="Show more transactions")).to_be_hidden()
            await expect(rows.last).to_contain_text("Adjustment · Goodwill 1")

            # The open invoice, paid on account from here.
            before = len(watched.graphql_requests)
            await page.get_by_role("link", name=re.compile(r"^Pay invoice \d{4}-\d{6}$")).click()
            await expect(page.get_by_role("heading", name=re.compile(r"^Pay invoice \d{4}-\d{6}$"))).to_be_visible()
            assert len(watched.graphql_requests) == before + 1
            credit = page.get_by_label("Store credit")
            await expect(credit).to_be_checked()
            await expect(page.get_by_text("€511.00 available")).to_be_visible()
            await watched.check("pay-invoice")
            await page.get_by_role("button", name="Pay €67.44").click()
            await expect(page).to_have_url(f"{server.http_url}/account/orders/{order_id}")
            await expect(page.get_by_role("heading", name="Order #C1", exact=True)).to_be_visible()

            await open_from_home(watched, "Store credit Balance", "Store credit", "store-credit")
            await expect(summary).to_contain_text("Balance-€56.44")
            await expect(rows.first).to_contain_text(re.compile(r"Payment · invoice \d{4}-\d{6}"))
            await expect(rows.first).to_contain_text("-€67.44")
            await expect(page.get_by_text("No invoice is waiting for payment.")).to_be_visible()

            # Another currency: its own balance and ledger, nothing in it yet.
            await page.get_by_label("Currency").select_option("USD")
            await page.get_by_role("button", name="Show", exact=True).click()
            await expect(page.get_by_role("heading", name="Transactions in USD")).to_be_visible()
            await expect(summary).to_contain_text("Balance$0.00")
            watched.assert_clean()
        token = await api_token(server, customer.email)
        assert (await order_state(server, token, order_id))["status"] == "PAID"


async def test_the_wishlist_a_page_at_a_time_remove_and_recently_viewed(settings: Settings, setup_rt: Runtime) -> None:
    customer = await make_customer(setup_rt, first_name="Ada", password=PASSWORD)
    items = [ProductData(f"SKU-{n:02}", f"Lamp {n:02}", 1000 + n, "EUR", None, "Lights") for n in range(12)]
    items.append(ProductData("GONE-1", "Old kettle", 500, "EUR"))
    await upsert_products(setup_rt, items)
    with live_server(settings) as server:
        async with httpx.AsyncClient(base_url=server.http_url, timeout=10) as client:
            api = Api(client)
            token = await login(api, customer.email, PASSWORD)
            for item in items:
                assert (await api.ok(ADD_TO_WISHLIST, {"i": {"sku": item.sku}}, token=token))["addToWishlist"] == {
                    "userErrors": []
                }
            for sku in ("SKU-03", "SKU-07"):
                assert (await api.ok(VIEW, {"i": {"sku": sku}}, token=token))["recordProductView"] == {"userErrors": []}
        # The shop stops selling the kettle after it was saved.
        await upsert_products(setup_rt, [ProductData("GONE-1", "Old kettle", 500, "EUR", active=False)])
        async with chromium() as browser:
            watched = await watched_page(browser)
            page = watched.page
            await page.goto(f"{server.http_url}/account/login")
            await sign_in(page, customer.email, PASSWORD)
            await open_from_home(watched, "Wishlist Products", "Wishlist", "wishlist")
            saved = page.get_by_role("list", name="Wishlist")
            await expect(saved.get_by_role("listitem")).to_have_count(10)
            # Newest first: the discontinued kettle was added last, and says it is no longer sold.
            await expect(saved.get_by_role("listitem").first).to_contain_text("Old kettle")
            await expect(saved.get_by_role("listitem").first).to_contain_text("No longer available")
            await page.get_by_role("button", name="Show more").click()
            await expect(saved.get_by_role("listitem")).to_have_count(13)
            await expect(page.get_by_role("button", name="Show more")).to_be_hidden()

            recent = page.get_by_role("list", name="Recently viewed")
            await expect(recent.get_by_role("listitem")).to_have_count(2)
            await expect(recent.get_by_role("listitem").first).to_contain_text("Lamp 07")
            await expect(recent.get_by_role("listitem").last).to_contain_text("Lamp 03")

            await page.get_by_role("button", name="Remove Lamp 05 from the wishlist").click()
            await expect(page.get_by_role("status")).to_have_text("Lamp 05 has been removed from your wishlist.")
            await expect(saved.get_by_role("listitem")).to_have_count(12)
            await expect(saved.get_by_text("Lamp 05")).to_have_count(0)
            await watched.check("wishlist-removed")
            watched.assert_clean()
        async with httpx.AsyncClient(base_url=server.http_url, timeout=10) as client:
            left = (await Api(client).ok(WISHLIST, token=token))["me"]["wishlist"]["edges"]
        skus = [edge["node"]["product"]["sku"] for edge in left]
        assert "SKU-05" not in skus
        assert len(skus) == 12


SET_LANGUAGE = """mutation($i: UpdateSettingsInput!) { updateSettings(input: $i) { userErrors { code } } }"""


async def test_the_payment_pages_speak_the_customers_language(settings: Settings, setup_rt: Runtime) -> None:
    customer = await make_customer(setup_rt, first_name="Ada", password=PASSWORD)
    admin = await make_customer(setup_rt, roles=(Role.ADMIN,), password=PASSWORD)
    with live_server(settings) as server:
        order_id = await unpaid_order(server, setup_rt, customer.email, "G1")
        async with httpx.AsyncClient(base_url=server.http_url, timeout=10) as client:
            token = await login(Api(client), customer.email, PASSWORD)
            changed = await Api(client).ok(SET_LANGUAGE, {"i": {"language": "de-DE"}}, token=token)
            assert changed["updateSettings"] == {"userErrors": []}
        async with chromium() as browser:
            watched = await watched_page(browser)
            page = watched.page
            await page.goto(f"{server.http_url}/account/login")
            await sign_in(page, customer.email, PASSWORD)
            await expect(page.get_by_role("heading", name="Hallo, Ada")).to_be_visible()
            await open_by_address(watched, f"{server.http_url}/account/payment-methods", "Zahlungsarten")
            await expect(page.get_by_text("Testmodus: Sandbox-Zahlungsanbieter")).to_be_visible()
            await open_by_address(
                watched, f"{server.http_url}/account/orders/{order_id}/pay", "Bestellung #G1 bezahlen"
            )
            await expect(page.get_by_text("Nur 0,00 € verfügbar: nicht genug für diese Rechnung")).to_be_visible()
            await expect(page.get_by_role("button", name="67,44 € bezahlen")).to_be_visible()
            await watched.check("pay-order-de")
            # A bank transfer an administrator recorded shows in the ledger in the customer's language.
            async with httpx.AsyncClient(base_url=server.http_url, timeout=10) as client:
                customer_id = (await Api(client).ok(ME, token=token))["me"]["id"]
                transfer = {"i": {"customerId": customer_id, "amount": "12.50", "reference": "Überweisung 118"}}
                admin_token = await login(Api(client), admin.email, PASSWORD)
                recorded = await Api(client).ok(RECORD_PAYMENT, transfer, token=admin_token)
                assert recorded["recordAccountPayment"]["userErrors"] == []
            await open_by_address(watched, f"{server.http_url}/account/store-credit", "Guthaben")
            await expect(page.get_by_role("heading", name="Offene Rechnungen")).to_be_visible()
            await expect(page.locator("tbody tr").first).to_contain_text("Zahlung eingegangen · Überweisung 118")
            await expect(page.locator("tbody tr").first).to_contain_text("12,50 €")
            await watched.check("store-credit-de")
            watched.assert_clean()
