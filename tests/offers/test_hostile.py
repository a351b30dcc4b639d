"""Junk in every string field of the offer mutations gets typed answers, never a server error."""

from typing import Any

from tests.offers.helpers import new_offer, offer_input
from tests.support import Api, Caller

JUNK = ["", " ", "x" * 20_000, "nul\u0000byte", "😀" * 50, "<script>alert(1)</script>", "' OR 1=1 --", "%_\\"]


async def _send(api: Api, name: str, input_type: str, value: dict[str, Any], token: str) -> None:
    query = f"mutation($input: {input_type}!) {{ {name}(input: $input) {{ userErrors {{ field message code }} }} }}"
    result = await api(query, {"input": value}, token=token)
    assert "INTERNAL_SERVER_ERROR" not in result.error_codes, (name, result.errors)
    if result.errors is None:
        assert result.data[name]["userErrors"], (name, value)
        for error in result.data[name]["userErrors"]:
            assert error["code"]
            assert error["message"]
    else:
        assert set(result.error_codes) <= {"BAD_USER_INPUT"}, result.errors


async def test_junk_in_every_offer_field_gets_typed_answers(api: Api, staff: Caller, customer: Caller) -> None:
    offer = await new_offer(api, staff, customer)
    for junk in JUNK:
        await _send(api, "createOffer", "CreateOfferInput", offer_input(customer, customerId=junk), staff.token)
        if len(junk) > 2000 or "\u0000" in junk:  # any other note is a fine note (a blank one is none)
            await _send(api, "createOffer", "CreateOfferInput", offer_input(customer, note=junk), staff.token)
        for field in ("sku", "name", "unitPrice"):
            line = {"sku": "S", "name": "N", "quantity": 1, "unitPrice": "1.00", field: junk}
            if field in ("sku", "name") and junk.strip() and len(junk) <= 64 and "\u0000" not in junk:
                continue  # valid text for a line
            await _send(api, "createOffer", "CreateOfferInput", offer_input(customer, lines=[line]), staff.token)
        await _send(api, "createOffer", "CreateOfferInput", offer_input(customer, validUntil=junk), staff.token)
        await _send(api, "acceptOffer", "AcceptOfferInput", {"offerId": junk}, customer.token)
        await _send(api, "rejectOffer", "RejectOfferInput", {"offerId": junk, "reason": "r"}, customer.token)
        if not junk.strip() or len(junk) > 500 or "\u0000" in junk:
            await _send(
                api, "rejectOffer", "RejectOfferInput", {"offerId": offer["id"], "reason": junk}, customer.token
            )
        for field in ("offerId", "paymentMethodId", "idempotencyKey"):
            value = {"offerId": offer["id"], "idempotencyKey": "junk-key-1234", "useStoreCredit": False, field: junk}
            await _send(api, "payOffer", "PayOfferInput", value, customer.token)
    # Nothing junk made it in: the one real offer is still NEW and alone.
    data = await api.ok("{ offers { edges { node { id state } } } }", token=staff.token)
    assert data["offers"]["edges"] == [{"node": {"id": offer["id"], "state": "NEW"}}]
