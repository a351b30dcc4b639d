"""Staff revise or withdraw a NEW offer: the history stays readable, the customer is mailed, races with the
customer's accept leave exactly one of them done, and every change is in the audit log."""

import asyncio
from typing import Any

from sqlalchemy import select
from sqlmodel import col

from app.runtime import Runtime
from models.security import SecurityEvent, SecurityEventType
from tests.offers.helpers import ERRORS, OFFER_FIELDS, accept, in_days, new_offer, reject
from tests.support import Api, Caller, Mailbox, text_body

SUPPORT = "support@example.com"
REVISION_FIELDS = f"""{OFFER_FIELDS} revision revisedAt withdrawnAt revisions {{ number createdAt revisedAt validUntil note
  subtotal {{ amount }} taxTotal {{ amount }} total {{ amount currencyCode }}
  lines {{ sku quantity unitPrice {{ amount }} taxRateBp taxAmount {{ amount }} total {{ amount }} }} }}"""
REVISE = (
    f"""mutation($i: ReviseOfferInput!) {{ reviseOffer(input: $i) {{ offer {{ {REVISION_FIELDS} }} {ERRORS} }} }}"""
)
WITHDRAW = (
    f"""mutation($i: WithdrawOfferInput!) {{ withdrawOffer(input: $i) {{ offer {{ {REVISION_FIELDS} }} {ERRORS} }} }}"""
)
MINE = f"query($n: String!) {{ offer(number: $n) {{ {REVISION_FIELDS} }} }}"


def revision(offer_id: str, **changes: Any) -> dict[str, Any]:
    value: dict[str, Any] = {
        "offerId": offer_id,
        "validUntil": in_days(30).isoformat(),
        "note": "Now with a discount.",
        "reason": "Customer asked for a volume price",
        "lines": [{"sku": "MUG-001", "name": "Mug", "quantity": 10, "unitPrice": "12.00", "taxRateBp": 1900}],
    }
    value.update(changes)
    return value


async def send(api: Api, mutation: str, caller: Caller, values: dict[str, Any]) -> dict[str, Any]:
    payload: dict[str, Any] = next(iter((await api.ok(mutation, {"i": values}, token=caller.token)).values()))
    return payload


def codes(payload: dict[str, Any]) -> list[str]:
    return [error["code"] for error in payload["userErrors"]]


async def audit_events(rt: Runtime, kind: SecurityEventType) -> list[SecurityEvent]:
    async with rt.db.read() as session:
        rows = await session.execute(select(SecurityEvent).where(col(SecurityEvent.type) == kind))
        return list(rows.scalars())


async def test_a_revision_keeps_history_recomputes_tax_and_mails_the_customer(
    api: Api, rt: Runtime, staff: Caller, customer: Caller, mailbox: Mailbox
) -> None:
    offer = await new_offer(api, staff, customer)
    # Customers may not revise; bad input is refused field by field, changing nothing.
    refused = await api(REVISE, {"i": revision(offer["id"])}, token=customer.token)
    assert refused.error_codes == ["FORBIDDEN"]
    bad = await send(
        api,
        REVISE,
        staff,
        revision(
            offer["id"],
            reason=" ",
            validUntil=in_days(-1).isoformat(),
            lines=[{"sku": "X", "name": "X", "quantity": 0, "unitPrice": "1.001", "taxRateBp": 1900}],
        ),
    )
    assert sorted(codes(bad)) == ["INVALID", "INVALID_AMOUNT", "INVALID_QUANTITY", "REQUIRED"]
    assert codes(await send(api, REVISE, staff, revision("junk"))) == ["NOT_FOUND"]

    payload = await send(api, REVISE, staff, revision(offer["id"]))
    assert payload["userErrors"] == []
    revised = payload["offer"]
    assert (revised["state"], revised["revision"], revised["note"]) == ("NEW", 2, "Now with a discount.")
    assert [(line["sku"], line["quantity"], line["taxAmount"]["amount"]) for line in revised["lines"]] == [
        ("MUG-001", 10, "22.80")  # 120.00 at 19 %, per line as on creation
    ]
    assert (revised["subtotal"]["amount"], revised["taxTotal"]["amount"], revised["total"]["amount"]) == (
        "120.00",
        "22.80",
        "142.80",
    )
    [first] = revised["revisions"]
    assert (first["number"], first["total"], first["note"]) == (
        1,
        offer["total"],
        "Prices include setup.",
    )
    assert first["createdAt"] == offer["createdAt"]
    assert first["revisedAt"] == revised["revisedAt"]
    assert [line["sku"] for line in first["lines"]] == ["MUG-001", "TEE-1"]
    assert first["lines"][0]["taxAmount"] == offer["lines"][0]["taxAmount"]

    # The customer reads the revised offer with its history, and is mailed (support too).
    mine = (await api.ok(MINE, {"n": offer["number"]}, token=customer.token))["offer"]
    assert mine["revisions"] == revised["revisions"]
    mail = await mailbox.wait_for(customer.customer.email, f"Offer {offer['number']} was revised")
    assert "142.80" in text_body(mail)
    await mailbox.wait_for(SUPPORT, f"Offer {offer['number']} was revised")

    # A second revision keeps both earlier versions; the reason is in the audit log, with who.
    again = await send(api, REVISE, staff, revision(offer["id"], note=None, reason="Typo in the price"))
    assert [r["number"] for r in again["offer"]["revisions"]] == [1, 2]
    assert again["offer"]["revisions"][1]["createdAt"] == revised["revisedAt"]
    events = await audit_events(rt, SecurityEventType.OFFER_REVISED)
    assert sorted(event.detail or "" for event in events) == [
        f"{offer['number']} revision 2: Customer asked for a volume price",
        f"{offer['number']} revision 3: Typo in the price",
    ]
    assert {(event.customer_id, event.actor_id) for event in events} == {(customer.customer.id, staff.customer.id)}

    # Accepting takes the current version.
    accepted = await accept(api, customer, offer["id"])
    assert accepted["offer"]["order"]["total"]["amount"] == "142.80"
    assert codes(await send(api, REVISE, staff, revision(offer["id"]))) == ["OFFER_NOT_NEW"]


async def test_a_withdrawn_offer_cannot_be_accepted_and_the_customer_is_told(
    api: Api, rt: Runtime, staff: Caller, customer: Caller, mailbox: Mailbox
) -> None:
    offer = await new_offer(api, staff, customer)
    refused = await api(WITHDRAW, {"i": {"offerId": offer["id"], "reason": "x"}}, token=customer.token)
    assert refused.error_codes == ["FORBIDDEN"]
    assert codes(await send(api, WITHDRAW, staff, {"offerId": offer["id"], "reason": ""})) == ["REQUIRED"]

    payload = await send(api, WITHDRAW, staff, {"offerId": offer["id"], "reason": "Product discontinued"})
    assert payload["userErrors"] == []
    assert payload["offer"]["state"] == "WITHDRAWN"
    assert payload["offer"]["withdrawnAt"] is not None
    await mailbox.wait_for(customer.customer.email, f"Offer {offer['number']} was withdrawn")
    assert codes(await accept(api, customer, offer["id"])) == ["OFFER_NOT_NEW"]
    assert codes(await reject(api, customer, offer["id"])) == ["OFFER_NOT_NEW"]
    again = await send(api, WITHDRAW, staff, {"offerId": offer["id"], "reason": "again"})
    assert codes(again) == ["OFFER_NOT_NEW"]
    assert codes(await send(api, REVISE, staff, revision(offer["id"]))) == ["OFFER_NOT_NEW"]
    [event] = await audit_events(rt, SecurityEventType.OFFER_WITHDRAWN)
    assert (event.actor_id, event.detail) == (staff.customer.id, f"{offer['number']}: Product discontinued")


async def test_withdrawing_or_revising_while_the_customer_accepts_leaves_one_of_them_done(
    api: Api, staff: Caller, customer: Caller
) -> None:
    for change in (WITHDRAW, REVISE):
        offer = await new_offer(api, staff, customer)
        values = {"offerId": offer["id"], "reason": "race"} if change is WITHDRAW else revision(offer["id"])
        # The customer accepts the version they read (revision 1).
        accepted, changed = await asyncio.gather(
            accept(api, customer, offer["id"], revision=1), send(api, change, staff, values)
        )
        outcomes = sorted([codes(accepted), codes(changed)])
        # Whichever came second is refused: a change after the acceptance, or an acceptance of a version
        # the customer never saw (withdrawn: OFFER_NOT_NEW; revised: OFFER_REVISED).
        assert outcomes in ([[], ["OFFER_NOT_NEW"]], [[], ["OFFER_REVISED"]]), outcomes
        if codes(accepted) == []:
            # The order holds what the customer accepted: the version before any revision.
            assert accepted["offer"]["order"]["total"]["amount"] == offer["total"]["amount"]


async def test_a_customer_accepts_only_the_version_they_read(api: Api, staff: Caller, customer: Caller) -> None:
    offer = await new_offer(api, staff, customer)
    assert codes(await send(api, REVISE, staff, revision(offer["id"]))) == []
    stale = await accept(api, customer, offer["id"], revision=1)
    assert codes(stale) == ["OFFER_REVISED"]
    assert stale["userErrors"][0]["field"] == ["input", "revision"]
    fresh = await accept(api, customer, offer["id"], revision=2)
    assert codes(fresh) == []
    assert fresh["offer"]["state"] == "ACCEPTED"
