"""node / nodes resolve only what the caller may see."""

import uuid

from app.runtime import Runtime
from tests.support import Api, Caller, global_id

NODE = "query($id: ID!) { node(id: $id) { __typename id ... on Customer { email } } }"
NODES = "query($ids: [ID!]!) { nodes(ids: $ids) { __typename id } }"


async def test_customer_sees_themselves_through_node(api: Api, customer: Caller) -> None:
    data = await api.ok(NODE, {"id": customer.gid}, token=customer.token)
    assert data["node"] == {"__typename": "Customer", "id": customer.gid, "email": customer.customer.email}


async def test_another_customers_id_reads_as_missing(api: Api, customer: Caller, other_customer: Caller) -> None:
    assert (await api.ok(NODE, {"id": other_customer.gid}, token=customer.token))["node"] is None
    assert (await api.ok(NODE, {"id": other_customer.gid}))["node"] is None
    data = await api.ok(NODES, {"ids": [customer.gid, other_customer.gid]}, token=customer.token)
    assert data["nodes"] == [{"__typename": "Customer", "id": customer.gid}, None]


async def test_staff_see_any_customer(api: Api, customer: Caller, staff: Caller) -> None:
    assert (await api.ok(NODE, {"id": customer.gid}, token=staff.token))["node"]["email"] == customer.customer.email


async def test_own_session_is_a_node(api: Api, customer: Caller) -> None:
    session_id = (await api.ok("{ sessions { id } }", token=customer.token))["sessions"][0]["id"]
    assert (await api.ok(NODE, {"id": session_id}, token=customer.token))["node"]["__typename"] == "Session"


async def test_malformed_ids_are_bad_user_input(api: Api, customer: Caller) -> None:
    for bad in ("garbage!!", "", "Q3VzdG9tZXI="):
        result = await api(NODE, {"id": bad}, token=customer.token)
        assert result.error_codes == ["BAD_USER_INPUT"], bad
        assert result.data == {"node": None}


async def test_unknown_types_and_ids_are_null(api: Api, customer: Caller) -> None:
    for value in (
        global_id("Nope", uuid.uuid4()),
        global_id("Customer", uuid.uuid4()),
        global_id("Customer", "not-a-uuid"),
    ):
        assert (await api.ok(NODE, {"id": value}, token=customer.token))["node"] is None


async def test_nodes_caps_the_number_of_ids(api: Api, customer: Caller) -> None:
    result = await api(NODES, {"ids": [customer.gid] * 101}, token=customer.token)
    assert result.error_codes == ["BAD_USER_INPUT"]


async def test_customer_groups_are_public_only_when_open(api: Api, rt: Runtime, staff: Caller) -> None:
    from models.customer import ActivationMode
    from tests.support import make_group

    await make_group(rt, "internal", ActivationMode.NONE, self_registration=False)
    public = await api.ok("{ customerGroups { code activationMode selfRegistration } }")
    assert public["customerGroups"] == [{"code": "shop", "activationMode": "EMAIL_LINK", "selfRegistration": True}]
    everything = await api.ok("{ customerGroups { code } }", token=staff.token)
    assert [g["code"] for g in everything["customerGroups"]] == ["internal", "shop"]
