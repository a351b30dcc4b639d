"""offer(number:): the offer a mail names, for the customer it was written for or staff."""

import pytest

from app.runtime import Runtime
from models.customer import Role
from tests.by_number import JUNK, find, lookup_query, unicode_digits, variants
from tests.offers.helpers import new_offer
from tests.support import Api, Caller, make_caller


async def test_the_customer_finds_their_offer_however_the_number_is_typed(
    api: Api, staff: Caller, customer: Caller
) -> None:
    offer = await new_offer(api, staff, customer)
    assert offer["number"].startswith("Q-")
    for typed in variants(offer["number"]):
        found = await find(api, "offer", typed, customer.token, "id number state total { amount } lines { sku }")
        assert found == {
            "id": offer["id"],
            "number": offer["number"],
            "state": "NEW",
            "total": {"amount": offer["total"]["amount"]},
            "lines": [{"sku": "MUG-001"}, {"sku": "TEE-1"}],
        }


async def test_another_customers_number_reads_as_not_found(
    api: Api, staff: Caller, customer: Caller, other_customer: Caller
) -> None:
    offer = await new_offer(api, staff, customer)
    theirs = await new_offer(api, staff, other_customer)
    for typed in variants(offer["number"]):
        assert await find(api, "offer", typed, other_customer.token) is None
    assert await find(api, "offer", "Q-99999999", other_customer.token) is None
    assert (await find(api, "offer", theirs["number"], other_customer.token))["id"] == theirs["id"]


@pytest.mark.parametrize("role", [Role.SUPPORT, Role.ADMIN])
async def test_staff_find_any_customers_offer(
    api: Api, rt: Runtime, staff: Caller, customer: Caller, role: Role
) -> None:
    offer = await new_offer(api, staff, customer)
    member = await make_caller(api, rt, roles=(role,))
    found = await find(api, "offer", f" {offer['number'].lower()} ", member.token, "id customer { id }")
    assert found == {"id": offer["id"], "customer": {"id": customer.gid}}


async def test_anonymous_callers_are_unauthenticated(api: Api, staff: Caller, customer: Caller) -> None:
    offer = await new_offer(api, staff, customer)
    result = await api(lookup_query("offer", "id note"), {"n": offer["number"]})
    assert result.error_codes == ["UNAUTHENTICATED"]
    assert result.data == {"offer": None}
    assert "Prices include setup." not in result.response.text


@pytest.mark.parametrize("junk", JUNK, ids=range(len(JUNK)))
async def test_junk_is_not_found(api: Api, staff: Caller, customer: Caller, junk: str) -> None:
    await new_offer(api, staff, customer)
    assert await find(api, "offer", junk, customer.token) is None
    assert await find(api, "offer", junk, staff.token) is None


async def test_lookalike_digits_and_nul_do_not_match(api: Api, staff: Caller, customer: Caller) -> None:
    offer = await new_offer(api, staff, customer)
    assert await find(api, "offer", unicode_digits(offer["number"]), customer.token) is None
    refused = await api(lookup_query("offer", "id"), {"n": offer["number"] + "\x00"}, token=customer.token)
    assert refused.error_codes == ["BAD_USER_INPUT"]
