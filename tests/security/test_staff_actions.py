"""staffActions: the staff console's log of what staff did to customers' accounts: who, when, whom, what, why."""

import uuid
from datetime import timedelta

from app.runtime import Runtime
from app.services.service_accounts import create_service_account
from models.base import utcnow
from models.customer import Role
from tests.offers.helpers import new_offer
from tests.offers.test_revise_withdraw import REVISE, WITHDRAW, revision
from tests.returns.helpers import APPROVE, RECEIVE, act, card_paid_order, request_input, requested
from tests.support import Api, Caller, make_caller

LOG = """query($first: Int, $after: String, $filter: StaffActionFilterInput) {
  staffActions(first: $first, after: $after, filter: $filter) {
    edges { node { type createdAt detail actor { id } customer { id } } }
    pageInfo { hasNextPage endCursor } } }"""


async def log(api: Api, caller: Caller, **variables: object) -> list[tuple[str, str, str, str]]:
    """(type, actor id, customer id, detail) of every page, newest first."""
    rows: list[tuple[str, str, str, str]] = []
    after = None
    while True:
        page = (await api.ok(LOG, {**variables, "after": after}, token=caller.token))["staffActions"]
        rows += [
            (n["type"], n["actor"]["id"], n["customer"]["id"], n["detail"]) for n in (e["node"] for e in page["edges"])
        ]
        if not page["pageInfo"]["hasNextPage"]:
            return rows
        after = page["pageInfo"]["endCursor"]


async def changes(api: Api, caller: Caller, **variables: object) -> list[tuple[str, str, str, str]]:
    """The log without the offers' creation: what this test changed afterwards."""
    return [row for row in await log(api, caller, **variables) if row[0] != "OFFER_CREATED"]


async def test_admins_read_every_staff_action_support_their_own_and_customers_nothing(
    api: Api, rt: Runtime, staff: Caller, admin: Caller, customer: Caller, other_customer: Caller
) -> None:
    colleague = await make_caller(api, rt, roles=(Role.SUPPORT,), first_name="Cole")
    started = utcnow() - timedelta(seconds=1)
    mine = await new_offer(api, staff, customer)
    theirs = await new_offer(api, colleague, other_customer)
    await api.ok(REVISE, {"i": revision(mine["id"], reason="volume price")}, token=staff.token)
    await api.ok(WITHDRAW, {"i": {"offerId": mine["id"], "reason": "discontinued"}}, token=staff.token)
    await api.ok(WITHDRAW, {"i": {"offerId": theirs["id"], "reason": "duplicate"}}, token=colleague.token)
    staff_id, colleague_id = staff.gid, colleague.gid
    customer_id, other_id = customer.gid, other_customer.gid

    everything = await log(api, admin, first=2)  # keyset pages of two, newest first
    created = [row for row in everything if row[0] == "OFFER_CREATED"]
    assert [(kind, who, whom) for kind, who, whom, _ in created] == [
        ("OFFER_CREATED", colleague_id, other_id),
        ("OFFER_CREATED", staff_id, customer_id),
    ]
    everything = [row for row in everything if row[0] != "OFFER_CREATED"]
    assert everything == [
        ("OFFER_WITHDRAWN", colleague_id, other_id, f"{theirs['number']}: duplicate"),
        ("OFFER_WITHDRAWN", staff_id, customer_id, f"{mine['number']}: discontinued"),
        ("OFFER_REVISED", staff_id, customer_id, f"{mine['number']} revision 2: volume price"),
    ]  # sign-ins (no actor) are not staff actions
    assert await changes(api, admin, filter={"actorId": colleague_id}) == everything[:1]
    assert await changes(api, admin, filter={"customerId": customer_id}) == everything[1:]
    assert await changes(api, admin, filter={"type": "OFFER_REVISED"}) == everything[2:]
    assert await changes(api, admin, filter={"since": started.isoformat(), "until": utcnow().isoformat()}) == everything
    assert await changes(api, admin, filter={"until": started.isoformat()}) == []
    assert await changes(api, admin, filter={"actorId": "junk"}) == []

    # SUPPORT reads its own actions only; asking for a colleague's gets nothing.
    assert await changes(api, staff) == everything[1:]
    assert await changes(api, staff, filter={"actorId": colleague_id}) == []
    assert await changes(api, colleague, filter={"customerId": customer_id}) == []

    refused = await api(LOG, token=customer.token)
    assert refused.error_codes == ["FORBIDDEN"]
    naive = await api(LOG, {"filter": {"since": "2026-01-01T00:00:00"}}, token=admin.token)
    assert naive.error_codes == ["BAD_USER_INPUT"]


INTEGRATION_LOG = """query($filter: StaffActionFilterInput) { staffActions(first: 50, filter: $filter) {
  edges { node { id type detail integration actor { id } customer { id } } } } }"""
EVENT_INTEGRATION = "query($id: ID!) { node(id: $id) { ... on SecurityEvent { type integration } } }"


async def test_work_an_integration_did_with_its_api_key_names_the_integration_for_administrators(
    api: Api, rt: Runtime, staff: Caller, admin: Caller, customer: Caller
) -> None:
    name = f"warehouse {uuid.uuid4().hex[:6]}"
    account = await create_service_account(rt, name, ["returns:write"])
    order = await card_paid_order(api, rt, customer)
    waiting = await requested(api, customer, request_input(order, 1))
    if waiting["status"] == "REQUESTED":
        assert (await act(api, staff.token, APPROVE, returnId=waiting["id"]))["userErrors"] == []
    received = await act(api, account.api_key, RECEIVE, returnId=waiting["id"], note="box dented")
    assert received["userErrors"] == []

    edges = (await api.ok(INTEGRATION_LOG, token=admin.token))["staffActions"]["edges"]
    [by_integration] = [edge["node"] for edge in edges if edge["node"]["type"] == "RETURN_RECEIVED"]
    assert by_integration["integration"] == name
    assert by_integration["actor"] is None
    assert by_integration["customer"] == {"id": customer.gid}
    assert by_integration["detail"] == f"{waiting['number']}: back to stock; box dented"
    # A filter by type or customer keeps it; a filter by a person leaves it out.
    for wanted in ({"type": "RETURN_RECEIVED"}, {"customerId": customer.gid}):
        found = (await api.ok(INTEGRATION_LOG, {"filter": wanted}, token=admin.token))["staffActions"]["edges"]
        assert by_integration["id"] in [edge["node"]["id"] for edge in found]
    found = (await api.ok(INTEGRATION_LOG, {"filter": {"actorId": staff.gid}}, token=admin.token))["staffActions"]
    assert by_integration["id"] not in [edge["node"]["id"] for edge in found["edges"]]
    # SUPPORT read their own work only: not an integration's.
    mine = (await api.ok(INTEGRATION_LOG, token=staff.token))["staffActions"]["edges"]
    assert by_integration["id"] not in [edge["node"]["id"] for edge in mine]
    # The customer never sees staff work, nor which systems the business runs.
    assert (await api.ok(EVENT_INTEGRATION, {"id": by_integration["id"]}, token=customer.token))["node"] is None
    node = (await api.ok(EVENT_INTEGRATION, {"id": by_integration["id"]}, token=staff.token))["node"]
    assert node == {"type": "RETURN_RECEIVED", "integration": name}
