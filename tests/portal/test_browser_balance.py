"""Paying the on-account balance from the store-credit page in a real browser against a real server: a part
with a saved card, then the rest with a card whose bank asks for 3-D Secure (the sandbox's authentication page,
and back to the portal, which confirms the payment).

The purchase on account is arranged through the API (the order system pushes the order, an administrator grants
the credit limit, the customer pays on account); everything about paying the balance goes through the page."""

import re
import uuid

import httpx
from playwright.async_api import expect

from app.config import Settings
from app.runtime import Runtime
from models.customer import Role
from tests.live import live_server
from tests.orders.helpers import order_input, order_key, push
from tests.portal.browser import PASSWORD, browser_test, chromium, sign_in, watched_page
from tests.portal.test_browser_payments import DECIDE, REQUESTS
from tests.support import Api, login, make_customer

pytestmark = browser_test

REQUEST_LIMIT = """mutation($i: RequestCreditLimitInput!) { requestCreditLimit(input: $i) { userErrors { code } } }"""
ADD_METHOD = """mutation($i: AddPaymentMethodInput!) { addPaymentMethod(input: $i) { userErrors { code } } }"""
PAY_ON_ACCOUNT = """mutation($i: PayOrderInput!) { payOrder(input: $i) { payment { status } userErrors { code } } }"""
CREDIT = """{ me { storeCredit { balance { amount } }
  creditTransactions(first: 10) { edges { node { reason amount { amount } reference } } } } }"""


async def test_the_balance_is_paid_in_part_by_card_then_in_full_after_3ds(
    portal_settings: Settings, port: int, setup_rt: Runtime
) -> None:
    customer = await make_customer(setup_rt, first_name="Ada", password=PASSWORD)
    admin = await make_customer(setup_rt, roles=(Role.CUSTOMER, Role.ADMIN), password=PASSWORD)
    # The server's own address as its public URL: the bank's page is served there, and sends the reader back to it.
    with live_server(portal_settings, port) as server:
        async with httpx.AsyncClient(base_url=server.http_url, timeout=10) as client:
            api = Api(client)
            token = await login(api, customer.email, PASSWORD)
            admin_token = await login(api, admin.email, PASSWORD)
            asked = await api.ok(REQUEST_LIMIT, {"i": {"amount": "200", "reason": "Office orders"}}, token=token)
            assert asked["requestCreditLimit"]["userErrors"] == []
            pending = (await api.ok(REQUESTS, token=admin_token))["creditLimitRequests"]["edges"]
            await api.ok(DECIDE, {"i": {"requestId": pending[0]["node"]["id"], "approve": True}}, token=admin_token)
            for gateway_token in ("tok_visa", "tok_visa_3ds"):
                saved = await api.ok(ADD_METHOD, {"i": {"gatewayToken": gateway_token}}, token=token)
                assert saved["addPaymentMethod"]["userErrors"] == []
            pushed = await push(
                api, await order_key(setup_rt, f"orders {uuid.uuid4().hex}"), order_input("B1", customer.email)
            )
            bought = await api.ok(
                PAY_ON_ACCOUNT,
                {"i": {"orderId": pushed["order"]["id"], "useStoreCredit": True, "idempotencyKey": "on-account-b1"}},
                token=token,
            )
            assert bought["payOrder"] == {"payment": {"status": "SUCCEEDED"}, "userErrors": []}

        async with chromium() as browser:
            watched = await watched_page(browser)
            page = watched.page
            await page.goto(f"{server.http_url}/account/store-credit")
            await sign_in(page, customer.email, PASSWORD)
            await expect(page.get_by_role("heading", name="Store credit", exact=True)).to_be_visible()
            summary = page.locator(".credit-summary")
            await expect(summary).to_contain_text("Balance-€67.44")
            form = page.locator("form.balance-form")
            await expect(form.get_by_role("heading", name="Pay your balance")).to_be_visible()
            await expect(form).to_contain_text("Your account owes €67.44.")
            amount = form.get_by_label("Amount in EUR")
            await expect(amount).to_have_value("67.44")
            await expect(form.get_by_label("Visa •••• 4242")).to_be_checked()  # the first usable card
            await watched.check("store-credit-pay-balance")

            # More than is owed: the server's typed error stands next to the amount.
            await amount.fill("70.00")
            await form.get_by_role("button", name="Pay now").click()
            await expect(form.locator('[data-error-for="amount"]')).to_have_text(
                "That is more than your account owes. Enter at most the amount owed."
            )

            # A part, with the saved card.
            await amount.fill("20.00")
            await form.get_by_role("button", name="Pay now").click()
            await expect(page.get_by_role("status").filter(has_text="Thank you")).to_have_text(
                "Thank you: your payment was received and your balance is updated."
            )
            await expect(summary).to_contain_text("Balance-€47.44")
            await expect(summary).to_contain_text("Available to spend€152.56")
            first_row = page.locator("tbody tr").first
            await expect(first_row).to_contain_text(
                re.compile(r"Payment received · PAY-\w+ · Paid online: Visa •••• 4242")
            )
            await expect(first_row).to_contain_text("€20.00")
            await expect(amount).to_have_value("47.44")

            # The rest, with the card whose bank wants 3-D Secure: off to the bank's page and back.
            await form.get_by_label("Visa •••• 3155").check()
            await form.get_by_role("button", name="Pay now").click()
            await page.wait_for_url(re.compile(r"/sandbox/authenticate/"))
            await page.get_by_role("button", name="Complete authentication").click()
            await page.wait_for_url(re.compile(r"/account/store-credit\?currency=EUR&paid=1$"))
            await expect(page.get_by_role("status").filter(has_text="Thank you")).to_be_visible()
            await expect(summary).to_contain_text("Balance€0.00")
            await expect(summary).to_contain_text("Available to spend€200.00")
            await expect(page.locator("form.balance-form")).to_have_count(0)  # nothing owed: nothing to pay
            await expect(page.locator("tbody tr").first).to_contain_text("Paid online: Visa •••• 3155")
            await expect(page.locator("tbody tr").first).to_contain_text("€47.44")
            await watched.check("store-credit-balance-paid")

        async with httpx.AsyncClient(base_url=server.http_url, timeout=10) as client:
            data = (await Api(client).ok(CREDIT, token=token))["me"]
    assert data["storeCredit"]["balance"]["amount"] == "0.00"
    entries = [edge["node"] for edge in data["creditTransactions"]["edges"]]
    assert [(e["reason"], e["amount"]["amount"]) for e in entries] == [
        ("PAYMENT_RECEIVED", "47.44"),
        ("PAYMENT_RECEIVED", "20.00"),
        ("PAYMENT", "-67.44"),
    ]
