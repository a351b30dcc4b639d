"""Offers through the API: staff write and list them; the customer accepts or rejects; every refused edge."""

import asyncio
import re
from datetime import datetime, timedelta
from typing import Any

import pytest

from app.runtime import Runtime
from app.services import offers as offer_service
from tests.offers.helpers import (
    MY_OFFERS,
    STAFF_OFFERS,
    accept,
    codes,
    create_offer,
    in_days,
    new_offer,
    offer_input,
    offer_node,
    pay_offer,
    reject,
)
from tests.support import Api, Caller, Mailbox, global_id, storefront_links, text_body

SUPPORT = "support@example.com"


async def test_staff_write_an_offer_with_totals_and_both_sides_are_emailed(
    api: Api, staff: Caller, customer: Caller, mailbox: Mailbox
) -> None:
    offer = await new_offer(api, staff, customer)
    assert re.fullmatch(r"Q-\d{8}", offer["number"])
    assert (offer["state"], offer["currencyCode"], offer["customer"]["id"]) == ("NEW", "EUR", customer.gid)
    # 2 x 14.50 at 19 % (tax 5.51) and 1 x 29.00 at 7 % (tax 2.03).
    assert [(line["sku"], line["total"]["amount"], line["taxAmount"]["amount"]) for line in offer["lines"]] == [
        ("MUG-001", "29.00", "5.51"),
        ("TEE-1", "29.00", "2.03"),
    ]
    assert [line["taxRate"] for line in offer["lines"]] == ["19.00", "7.00"]
    assert offer["subtotal"] == {"amount": "58.00", "currencyCode": "EUR"}
    assert (offer["taxTotal"]["amount"], offer["total"]["amount"]) == ("7.54", "65.54")
    assert offer["note"] == "Prices include setup."
    assert offer["order"] is None
    assert offer["acceptedAt"] is None
    assert offer["pdfUrl"].startswith("http://")

    to_customer = await mailbox.wait_for(customer.customer.email, f"Your offer {offer['number']}")
    assert "65.54 EUR" in text_body(to_customer)
    assert set(storefront_links(to_customer)) == {f"https://shop.test/offers/{offer['number']}"}
    to_staff = await mailbox.wait_for(SUPPORT, f"Offer {offer['number']} was sent")
    assert customer.customer.email in text_body(to_staff)


def test_support_email_setting_reads_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    from app.config import Settings

    monkeypatch.setenv("SUPPORT_EMAIL", "help@shop.example")
    assert Settings().support_email == "help@shop.example"


async def test_invalid_offers_are_refused_field_by_field(api: Api, staff: Caller, customer: Caller) -> None:
    bad_lines = [
        {"sku": " ", "name": "x" * 201, "quantity": 0, "unitPrice": "1.234", "taxRateBp": 10_001},
        {"sku": "S" * 65, "name": "Ok", "quantity": 100_001, "unitPrice": "-1", "taxRateBp": -1},
    ]
    payload = await create_offer(
        api,
        staff,
        customer,
        lines=bad_lines,
        validUntil=in_days(-1).isoformat(),
        note="n" * 2001,
    )
    assert payload["offer"] is None
    found = {(tuple(error["field"]), error["code"]) for error in payload["userErrors"]}
    assert found == {
        (("input", "lines", "0", "unitPrice"), "INVALID_AMOUNT"),
        (("input", "validUntil"), "INVALID"),
        (("input", "note"), "TOO_LONG"),
        (("input", "lines", "0", "sku"), "REQUIRED"),
        (("input", "lines", "0", "name"), "TOO_LONG"),
        (("input", "lines", "0", "quantity"), "INVALID_QUANTITY"),
        (("input", "lines", "0", "taxRateBp"), "INVALID"),
        (("input", "lines", "1", "sku"), "TOO_LONG"),
        (("input", "lines", "1", "quantity"), "INVALID_QUANTITY"),
        (("input", "lines", "1", "unitPrice"), "INVALID_AMOUNT"),
        (("input", "lines", "1", "taxRateBp"), "INVALID"),
    }
    assert codes(await create_offer(api, staff, customer, lines=[])) == ["REQUIRED"]
    too_many = [{"sku": f"S{n}", "name": "n", "quantity": 1, "unitPrice": "1"} for n in range(101)]
    assert codes(await create_offer(api, staff, customer, lines=too_many)) == ["INVALID"]
    nobody = await api.ok(
        "mutation($i: CreateOfferInput!) { createOffer(input: $i) { userErrors { field code } } }",
        {"i": offer_input(customer, customerId="Q3VzdG9tZXI6bm9ib2R5")},
        token=staff.token,
    )
    assert nobody["createOffer"]["userErrors"] == [{"field": ["input", "customerId"], "code": "CUSTOMER_NOT_FOUND"}]
    unknown = offer_input(customer, customerId=global_id("Customer", "00000000-0000-0000-0000-000000000000"))
    assert codes(await create_offer(api, staff, customer, customerId=unknown["customerId"])) == ["CUSTOMER_NOT_FOUND"]
    naive = await create_offer(api, staff, customer, validUntil="2030-01-01T00:00:00")
    assert codes(naive) == ["INVALID"]
    # Nothing was written.
    listed = await api.ok(STAFF_OFFERS, {}, token=staff.token)
    assert listed["offers"]["edges"] == []


async def test_only_staff_write_and_list_offers(api: Api, customer: Caller, staff: Caller) -> None:
    result = await api(
        "mutation($i: CreateOfferInput!) { createOffer(input: $i) { offer { id } } }",
        {"i": offer_input(customer)},
        token=customer.token,
    )
    assert result.error_codes == ["FORBIDDEN"]
    assert (await api(STAFF_OFFERS, {}, token=customer.token)).error_codes == ["FORBIDDEN"]
    assert (await api(STAFF_OFFERS, {})).error_codes == ["UNAUTHENTICATED"]
    assert (await api.ok(STAFF_OFFERS, {}, token=staff.token))["offers"]["edges"] == []


async def test_staff_filter_by_state_and_customer_and_page(
    api: Api, staff: Caller, admin: Caller, customer: Caller, other_customer: Caller
) -> None:
    first = await new_offer(api, staff, customer)
    second = await new_offer(api, admin, customer)
    theirs = await new_offer(api, staff, other_customer)
    assert (await reject(api, customer, first["id"]))["userErrors"] == []

    async def numbers(**variables: object) -> list[str]:
        data = await api.ok(STAFF_OFFERS, variables, token=staff.token)
        return [edge["node"]["number"] for edge in data["offers"]["edges"]]

    assert await numbers() == [theirs["number"], second["number"], first["number"]]
    assert await numbers(filter={"state": "NEW"}) == [theirs["number"], second["number"]]
    assert await numbers(filter={"state": "REJECTED"}) == [first["number"]]
    assert await numbers(filter={"customerId": customer.gid}) == [second["number"], first["number"]]
    assert await numbers(filter={"customerId": customer.gid, "state": "NEW"}) == [second["number"]]
    assert await numbers(filter={"customerId": "not-an-id"}) == []
    page = await api.ok(STAFF_OFFERS, {"first": 2}, token=staff.token)
    assert page["offers"]["pageInfo"]["hasNextPage"] is True
    rest = await numbers(first=2, after=page["offers"]["pageInfo"]["endCursor"])
    assert rest == [first["number"]]
    assert (await api(STAFF_OFFERS, {"first": 101}, token=staff.token)).error_codes == ["BAD_USER_INPUT"]


async def test_customers_see_only_their_own_offers(
    api: Api, staff: Caller, customer: Caller, other_customer: Caller
) -> None:
    mine = await new_offer(api, staff, customer)
    declined = await new_offer(api, staff, customer)
    await new_offer(api, staff, other_customer)
    assert (await reject(api, customer, declined["id"]))["userErrors"] == []
    data = await api.ok(MY_OFFERS, {}, token=customer.token)
    assert [edge["node"]["number"] for edge in data["me"]["offers"]["edges"]] == [declined["number"], mine["number"]]
    only_new = await api.ok(MY_OFFERS, {"filter": {"state": "NEW"}}, token=customer.token)
    assert [edge["node"]["id"] for edge in only_new["me"]["offers"]["edges"]] == [mine["id"]]


async def test_accepting_turns_the_offer_into_an_order_with_an_invoice(
    api: Api, staff: Caller, customer: Caller, mailbox: Mailbox
) -> None:
    offer = await new_offer(api, staff, customer)
    accepted = await accept(api, customer, offer["id"])
    assert accepted["userErrors"] == []
    result = accepted["offer"]
    assert result["state"] == "ACCEPTED"
    assert result["acceptedAt"]
    order = result["order"]
    assert order["number"] == f"#{offer['number']}"
    assert order["status"] == "PENDING_PAYMENT"
    assert order["total"] == {"amount": "65.54", "currencyCode": "EUR"}
    assert [
        (line["sku"], line["quantity"], line["unitPrice"]["amount"], line["taxAmount"]["amount"])
        for line in order["lines"]
    ] == [
        ("MUG-001", 2, "14.50", "5.51"),
        ("TEE-1", 1, "29.00", "2.03"),
    ]
    assert order["timeline"] == [
        {"fromStatus": None, "status": "PENDING_PAYMENT", "note": f"placed from offer {offer['number']}"}
    ]
    assert (order["invoice"]["status"], order["invoice"]["amountDue"]["amount"]) == ("OPEN", "65.54")
    # The order is the customer's own, like any other.
    listed = await api.ok("{ me { orders { edges { node { number status } } } } }", token=customer.token)
    assert listed["me"]["orders"]["edges"] == [{"node": {"number": order["number"], "status": "PENDING_PAYMENT"}}]
    await mailbox.wait_for(customer.customer.email, f"You accepted offer {offer['number']}")
    staff_mail = await mailbox.wait_for(SUPPORT, f"Offer {offer['number']} was accepted")
    assert order["number"] in text_body(staff_mail)

    # Accepted once: every other change is refused, and nothing changes.
    again = await accept(api, customer, offer["id"])
    assert again["userErrors"] == [
        {"field": ["input", "offerId"], "message": "This offer is ACCEPTED already.", "code": "OFFER_NOT_NEW"}
    ]
    assert codes(await reject(api, customer, offer["id"])) == ["OFFER_NOT_NEW"]
    node = await offer_node(api, customer, offer["id"])
    assert node is not None
    assert node["state"] == "ACCEPTED"
    assert node["order"]["id"] == order["id"]
    assert (
        len((await api.ok("{ me { orders { edges { cursor } } } }", token=customer.token))["me"]["orders"]["edges"])
        == 1
    )


async def test_rejecting_keeps_the_reason_and_tells_staff(
    api: Api, staff: Caller, customer: Caller, mailbox: Mailbox
) -> None:
    offer = await new_offer(api, staff, customer)
    assert codes(await reject(api, customer, offer["id"], reason="   ")) == ["REQUIRED"]
    assert codes(await reject(api, customer, offer["id"], reason="r" * 501)) == ["TOO_LONG"]
    rejected = await reject(api, customer, offer["id"], reason="Found it cheaper elsewhere")
    assert rejected["userErrors"] == []
    assert rejected["offer"]["state"] == "REJECTED"
    assert rejected["offer"]["rejectionReason"] == "Found it cheaper elsewhere"
    assert rejected["offer"]["rejectedAt"]
    staff_mail = await mailbox.wait_for(SUPPORT, f"Offer {offer['number']} was declined")
    assert "Found it cheaper elsewhere" in text_body(staff_mail)
    to_customer = await mailbox.wait_for(customer.customer.email, f"You declined offer {offer['number']}")
    assert "Found it cheaper elsewhere" in text_body(to_customer)

    assert codes(await accept(api, customer, offer["id"])) == ["OFFER_NOT_NEW"]
    assert codes(await reject(api, customer, offer["id"])) == ["OFFER_NOT_NEW"]
    assert codes(await pay_offer(api, customer, offer["id"], "pay-rejected-1", useStoreCredit=True)) == [
        "OFFER_NOT_ACCEPTED"
    ]
    node = await offer_node(api, customer, offer["id"])
    assert node is not None
    assert (node["state"], node["order"]) == ("REJECTED", None)


async def test_a_new_offer_must_be_accepted_before_it_is_paid(api: Api, staff: Caller, customer: Caller) -> None:
    offer = await new_offer(api, staff, customer)
    paid = await pay_offer(api, customer, offer["id"], "pay-new-offer-1", useStoreCredit=True)
    assert paid["userErrors"] == [
        {"field": ["input", "offerId"], "message": "This offer is NEW: accept it first.", "code": "OFFER_NOT_ACCEPTED"}
    ]
    assert paid["payment"] is None


def _at(monkeypatch: pytest.MonkeyPatch, moment: datetime) -> None:
    """The offers service's clock (the expiry check reads it), fixed at `moment`."""
    monkeypatch.setattr(offer_service, "utcnow", lambda: moment)


async def test_validity_ends_exactly_at_valid_until_even_before_the_job_runs(
    api: Api, rt: Runtime, staff: Caller, customer: Caller, monkeypatch: pytest.MonkeyPatch
) -> None:
    valid_until = in_days(1)
    on_time = await new_offer(api, staff, customer, validUntil=valid_until.isoformat())
    late = await new_offer(api, staff, customer, validUntil=valid_until.isoformat())
    declined_late = await new_offer(api, staff, customer, validUntil=valid_until.isoformat())

    _at(monkeypatch, valid_until)  # the very last valid moment
    assert (await accept(api, customer, on_time["id"]))["userErrors"] == []
    _at(monkeypatch, valid_until + timedelta(seconds=1))  # one second too late; the job has not run
    refused = await accept(api, customer, late["id"])
    assert refused["userErrors"] == [
        {
            "field": ["input", "offerId"],
            "message": "This offer has expired; ask us for a new one.",
            "code": "OFFER_EXPIRED",
        }
    ]
    assert codes(await reject(api, customer, declined_late["id"])) == ["OFFER_EXPIRED"]
    assert codes(await pay_offer(api, customer, late["id"], "pay-late-offer-1", useStoreCredit=True)) == [
        "OFFER_EXPIRED"
    ]
    node = await offer_node(api, customer, late["id"])
    assert node is not None
    assert (node["state"], node["order"]) == ("NEW", None)
    # Accepted in time, the order stays payable: validity is about accepting the price.
    accepted = await offer_node(api, customer, on_time["id"])
    assert accepted is not None
    assert accepted["state"] == "ACCEPTED"


async def test_the_expiry_job_expires_what_ran_out_and_nothing_else(
    api: Api, rt: Runtime, staff: Caller, customer: Caller, mailbox: Mailbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    valid_until = in_days(1)
    due = await new_offer(api, staff, customer, validUntil=valid_until.isoformat())
    later = await new_offer(api, staff, customer, validUntil=(valid_until + timedelta(seconds=1)).isoformat())
    accepted = await new_offer(api, staff, customer, validUntil=valid_until.isoformat())
    assert (await accept(api, customer, accepted["id"]))["userErrors"] == []

    assert await offer_service.expire_due(rt, now=valid_until) == 0  # still valid at that very moment
    assert await offer_service.expire_due(rt, now=valid_until + timedelta(seconds=1)) == 1
    expired = await offer_node(api, customer, due["id"])
    assert expired is not None
    assert expired["state"] == "EXPIRED"
    assert expired["expiredAt"]
    still = await offer_node(api, customer, later["id"])
    assert still is not None
    assert still["state"] == "NEW"
    kept = await offer_node(api, customer, accepted["id"])
    assert kept is not None
    assert kept["state"] == "ACCEPTED"
    assert await offer_service.expire_due(rt, now=valid_until + timedelta(seconds=1)) == 0  # once only
    await mailbox.wait_for(customer.customer.email, f"Offer {due['number']} has expired")
    await mailbox.wait_for(SUPPORT, f"Offer {due['number']} has expired")

    assert codes(await accept(api, customer, due["id"])) == ["OFFER_EXPIRED"]
    assert codes(await reject(api, customer, due["id"])) == ["OFFER_EXPIRED"]
    assert codes(await pay_offer(api, customer, due["id"], "pay-expired-1", useStoreCredit=True)) == ["OFFER_EXPIRED"]


async def test_the_scheduled_job_runs_in_the_server(app_factory: Any, staff: Caller, customer: Caller) -> None:
    """The server (its own worker) runs the expiry job every EXPIRE_OFFERS_SECONDS."""
    _, api = await app_factory(expire_offers_seconds=1)
    offer = await new_offer(api, staff, customer, validUntil=(in_days(0) + timedelta(seconds=2)).isoformat())
    state = "NEW"
    for _ in range(100):
        node = await offer_node(api, customer, offer["id"])
        assert node is not None
        state = node["state"]
        if state == "EXPIRED":
            break
        await asyncio.sleep(0.1)
    assert state == "EXPIRED"


async def test_two_accepts_at_once_make_one_order(api: Api, staff: Caller, customer: Caller) -> None:
    offer = await new_offer(api, staff, customer)
    first, second = await asyncio.gather(accept(api, customer, offer["id"]), accept(api, customer, offer["id"]))
    assert sorted([codes(first), codes(second)]) == [[], ["OFFER_NOT_NEW"]]
    orders = await api.ok("{ me { orders { edges { node { number } } } } }", token=customer.token)
    assert orders["me"]["orders"]["edges"] == [{"node": {"number": f"#{offer['number']}"}}]
