"""Guest orders: held for an email with no account, claimed only through a link to that address."""

from sqlalchemy import func, select
from sqlmodel import col

from app.runtime import Runtime
from models.customer import Customer
from tests.accounts.queries import ACTIVATE, REGISTER
from tests.orders.helpers import MY_ORDERS, order_input, order_key, push
from tests.support import Api, Caller, Mailbox, link_token, login, make_caller

CLAIM = "mutation { claimGuestOrders { pendingOrders userErrors { field message code } } }"
CONFIRM = """mutation($i: ConfirmGuestOrderClaimInput!) { confirmGuestOrderClaim(input: $i) {
  claimedOrders userErrors { field message code } } }"""


async def my_numbers(api: Api, token: str) -> list[str]:
    data = await api.ok(MY_ORDERS, token=token)
    return [edge["node"]["number"] for edge in data["me"]["orders"]["edges"]]


async def test_guest_checkout_then_register_then_claim(api: Api, rt: Runtime, mailbox: Mailbox) -> None:
    key = await order_key(rt)
    guest = await push(api, key, order_input("G1", "Guest.Buyer@Example.com", placedAt="2026-11-01T10:00:00Z"))
    assert guest["order"]["isGuestOrder"] is True
    await push(api, key, order_input("G2", "guest.buyer@example.com", placedAt="2026-11-02T10:00:00Z"))

    # Registering with the address of a guest checkout works (no "email taken"), and makes one customer.
    registered = await api.ok(
        REGISTER, {"input": {"email": "guest.buyer@example.com", "password": "a fine passphrase"}}
    )
    assert registered["register"]["userErrors"] == []
    token = link_token(await mailbox.wait_for("guest.buyer@example.com", "Activate"), "/activate")
    assert (await api.ok(ACTIVATE, {"input": {"token": token}}))["activateAccount"]["activated"] is True
    session = await login(api, "guest.buyer@example.com", "a fine passphrase")
    async with rt.db.read() as db:
        owners = (
            await db.execute(
                select(func.count()).select_from(Customer).where(col(Customer.email_key) == "guest.buyer@example.com")
            )
        ).scalar_one()
    assert owners == 1

    # Nothing is merged until the address's owner confirms.
    assert await my_numbers(api, session) == []
    asked = (await api.ok(CLAIM, token=session))["claimGuestOrders"]
    assert asked == {"pendingOrders": 2, "userErrors": []}
    mail = await mailbox.wait_for("guest.buyer@example.com", "Add your earlier orders")
    claim_token = link_token(mail, "/claim-orders")
    confirmed = (await api.ok(CONFIRM, {"i": {"token": claim_token}}))["confirmGuestOrderClaim"]
    assert confirmed == {"claimedOrders": 2, "userErrors": []}
    assert await my_numbers(api, session) == ["#G2", "#G1"]

    again = (await api.ok(CONFIRM, {"i": {"token": claim_token}}))["confirmGuestOrderClaim"]
    assert [e["code"] for e in again["userErrors"]] == ["INVALID_TOKEN"]
    assert (await api.ok(CLAIM, token=session))["claimGuestOrders"] == {"pendingOrders": 0, "userErrors": []}
    # Orders pushed now match the account at once.
    later = await push(api, key, order_input("G3", "guest.buyer@example.com", placedAt="2026-11-03T10:00:00Z"))
    assert later["order"]["isGuestOrder"] is False
    assert await my_numbers(api, session) == ["#G3", "#G2", "#G1"]


async def test_nobody_claims_someone_elses_orders(api: Api, rt: Runtime, customer: Caller, mailbox: Mailbox) -> None:
    key = await order_key(rt)
    await push(api, key, order_input("X1", "someone.else@example.com"))
    assert (await api.ok(CLAIM, token=customer.token))["claimGuestOrders"] == {"pendingOrders": 0, "userErrors": []}
    for token in ["", "not-a-token", "x" * 300]:
        refused = (await api.ok(CONFIRM, {"i": {"token": token}}))["confirmGuestOrderClaim"]
        assert [e["code"] for e in refused["userErrors"]] == ["INVALID_TOKEN"], token
    assert await my_numbers(api, customer.token) == []
    assert (await api(CLAIM)).error_codes == ["UNAUTHENTICATED"]


async def test_an_unverified_address_cannot_claim(api: Api, rt: Runtime) -> None:
    caller = await make_caller(api, rt, email_address="unverified@example.com")
    async with rt.db.unit_of_work() as session:
        row = await session.get(Customer, caller.customer.id)
        assert row is not None
        row.email_verified_at = None
        session.add(row)
    key = await order_key(rt)
    pushed = await push(api, key, order_input("U1", "unverified@example.com"))
    # An account whose address was never confirmed does not receive orders for that address.
    assert pushed["order"]["isGuestOrder"] is True
    refused = (await api.ok(CLAIM, token=caller.token))["claimGuestOrders"]
    assert [e["code"] for e in refused["userErrors"]] == ["EMAIL_NOT_VERIFIED"]
