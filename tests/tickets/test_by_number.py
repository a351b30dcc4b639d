"""ticket(number:): the ticket a mail names, for its owner or staff; nobody else learns it exists."""

import pytest

from app.runtime import Runtime
from models.customer import Role
from tests.by_number import JUNK, find, lookup_query, unicode_digits, variants
from tests.support import Api, Caller, make_caller
from tests.tickets.helpers import open_ticket


async def test_the_owner_finds_their_ticket_however_the_number_is_typed(api: Api, customer: Caller) -> None:
    ticket = await open_ticket(api, customer.token, subject="Broken mug")
    assert ticket["number"].startswith("T-")
    for typed in variants(ticket["number"]):
        found = await find(api, "ticket", typed, customer.token, "id number subject messages { body }")
        assert found == {
            "id": ticket["id"],
            "number": ticket["number"],
            "subject": "Broken mug",
            "messages": [{"body": "It has been a week."}],
        }


async def test_another_customers_number_reads_as_not_found(api: Api, customer: Caller, other_customer: Caller) -> None:
    ticket = await open_ticket(api, customer.token)
    mine = await open_ticket(api, other_customer.token)
    for typed in variants(ticket["number"]):
        assert await find(api, "ticket", typed, other_customer.token) is None
    # Exactly like a number nobody was given.
    assert await find(api, "ticket", "T-99999999", other_customer.token) is None
    assert (await find(api, "ticket", mine["number"], other_customer.token))["id"] == mine["id"]


@pytest.mark.parametrize("role", [Role.SUPPORT, Role.ADMIN])
async def test_staff_find_any_customers_ticket(api: Api, rt: Runtime, customer: Caller, role: Role) -> None:
    ticket = await open_ticket(api, customer.token)
    member = await make_caller(api, rt, roles=(role,))
    found = await find(api, "ticket", ticket["number"].lower(), member.token, "id customer { id }")
    assert found == {"id": ticket["id"], "customer": {"id": customer.gid}}


async def test_anonymous_callers_are_unauthenticated(api: Api, customer: Caller) -> None:
    ticket = await open_ticket(api, customer.token)
    result = await api(lookup_query("ticket", "id subject"), {"n": ticket["number"]})
    assert result.error_codes == ["UNAUTHENTICATED"]
    assert result.data == {"ticket": None}
    assert "Where is my parcel?" not in result.response.text


@pytest.mark.parametrize("junk", JUNK, ids=range(len(JUNK)))
async def test_junk_is_not_found(api: Api, customer: Caller, staff: Caller, junk: str) -> None:
    await open_ticket(api, customer.token)
    assert await find(api, "ticket", junk, customer.token) is None
    assert await find(api, "ticket", junk, staff.token) is None


async def test_lookalike_digits_and_nul_do_not_match(api: Api, customer: Caller) -> None:
    ticket = await open_ticket(api, customer.token)
    assert await find(api, "ticket", unicode_digits(ticket["number"]), customer.token) is None
    refused = await api(lookup_query("ticket", "id"), {"n": ticket["number"] + "\x00"}, token=customer.token)
    assert refused.error_codes == ["BAD_USER_INPUT"]
