"""return(number:): the return a mail names, for the customer who asked for it or staff."""

import pytest

from app.runtime import Runtime
from models.customer import Role
from tests.by_number import JUNK, find, lookup_query, unicode_digits, variants
from tests.returns.helpers import delivered_order, request_input, requested, warehouse_key
from tests.support import Api, Caller, make_caller


async def test_the_customer_finds_their_return_however_the_number_is_typed(
    api: Api, rt: Runtime, customer: Caller
) -> None:
    order = await delivered_order(api, rt, customer)
    asked = await requested(api, customer, request_input(order, 1))
    for typed in variants(asked["number"]):
        found = await find(api, "return", typed, customer.token, "id number status order { id } lines { quantity }")
        assert found == {
            "id": asked["id"],
            "number": asked["number"],
            "status": asked["status"],
            "order": {"id": order["id"]},
            "lines": [{"quantity": 1}],
        }


async def test_another_customers_number_reads_as_not_found(
    api: Api, rt: Runtime, customer: Caller, other_customer: Caller
) -> None:
    asked = await requested(api, customer, request_input(await delivered_order(api, rt, customer), 1))
    theirs = await requested(api, other_customer, request_input(await delivered_order(api, rt, other_customer), 1))
    for typed in variants(asked["number"]):
        assert await find(api, "return", typed, other_customer.token) is None
    assert await find(api, "return", asked["number"][:2] + "99999999", other_customer.token) is None
    assert (await find(api, "return", theirs["number"], other_customer.token))["id"] == theirs["id"]


@pytest.mark.parametrize("role", [Role.SUPPORT, Role.ADMIN])
async def test_staff_find_any_customers_return(api: Api, rt: Runtime, customer: Caller, role: Role) -> None:
    asked = await requested(api, customer, request_input(await delivered_order(api, rt, customer), 1))
    member = await make_caller(api, rt, roles=(role,))
    found = await find(api, "return", asked["number"].lower(), member.token, "id customer { id }")
    assert found == {"id": asked["id"], "customer": {"id": customer.gid}}


async def test_anonymous_callers_and_service_accounts_are_unauthenticated(
    api: Api, rt: Runtime, customer: Caller
) -> None:
    asked = await requested(api, customer, request_input(await delivered_order(api, rt, customer), 1))
    # The warehouse acts on returns by id (markReturnReceived); a lookup by number is for people.
    for token in (None, await warehouse_key(rt)):
        result = await api(lookup_query("return", "id lines { sku }"), {"n": asked["number"]}, token=token)
        assert result.error_codes == ["UNAUTHENTICATED"]
        assert result.data == {"return": None}


@pytest.mark.parametrize("junk", JUNK, ids=range(len(JUNK)))
async def test_junk_is_not_found(api: Api, rt: Runtime, customer: Caller, staff: Caller, junk: str) -> None:
    await requested(api, customer, request_input(await delivered_order(api, rt, customer), 1))
    assert await find(api, "return", junk, customer.token) is None
    assert await find(api, "return", junk, staff.token) is None


async def test_lookalike_digits_and_nul_do_not_match(api: Api, rt: Runtime, customer: Caller) -> None:
    asked = await requested(api, customer, request_input(await delivered_order(api, rt, customer), 1))
    assert await find(api, "return", unicode_digits(asked["number"]), customer.token) is None
    refused = await api(lookup_query("return", "id"), {"n": asked["number"] + "\x00"}, token=customer.token)
    assert refused.error_codes == ["BAD_USER_INPUT"]
