"""The audit log: what is recorded, who can read it, and that it holds no secrets."""

from sqlalchemy import select

from app.runtime import Runtime
from models.security import SecurityEvent
from tests.accounts.queries import ACTIVATE, CHANGE_PASSWORD, LOGIN, LOGOUT, REGISTER
from tests.support import Api, Caller, Mailbox, global_id, link_token, login

MY_EVENTS = """query($after: String) { me { securityEvents(first: 50, after: $after) {
  edges { cursor node { id type outcome reason detail ipAddress userAgent createdAt actor { id } customer { id } } }
  pageInfo { hasNextPage endCursor }
} } }"""
ALL_EVENTS = """query($filter: SecurityEventFilterInput, $first: Int) { securityEvents(first: $first, filter: $filter) {
  edges { node { type outcome reason customer { id } actor { id } ipAddress } }
} }"""


async def my_events(api: Api, token: str) -> list[dict[str, object]]:
    data = await api.ok(MY_EVENTS, token=token)
    return [edge["node"] for edge in data["me"]["securityEvents"]["edges"]]


async def test_a_customers_own_story_is_in_their_security_events(api: Api, mailbox: Mailbox, rt: Runtime) -> None:
    password = "correct horse battery staple"
    await api.ok(REGISTER, {"input": {"email": "story@example.com", "password": password}})
    token = link_token(await mailbox.wait_for("story@example.com", "Activate"), "/activate")
    await api.ok(ACTIVATE, {"input": {"token": token}})
    await api.ok(LOGIN, {"input": {"email": "story@example.com", "password": "not the password"}})
    session = await login(api, "story@example.com", password, user_agent="StoryBrowser/2")
    await api.ok(CHANGE_PASSWORD, {"input": {"currentPassword": "wrong one!!", "newPassword": "x" * 12}}, token=session)
    await api.ok(
        CHANGE_PASSWORD, {"input": {"currentPassword": password, "newPassword": "a new long passphrase"}}, token=session
    )

    events = await my_events(api, session)
    story = [(e["type"], e["outcome"], e["reason"]) for e in reversed(events)]
    assert story == [
        ("ACCOUNT_REGISTERED", "SUCCESS", None),
        ("ACCOUNT_ACTIVATED", "SUCCESS", None),
        ("SIGN_IN", "FAILURE", "WRONG_PASSWORD"),
        ("SIGN_IN", "SUCCESS", None),
        ("PASSWORD_CHANGED", "FAILURE", "INCORRECT_PASSWORD"),
        ("RISK_DECISION", "SUCCESS", "ALLOW"),
        ("PASSWORD_CHANGED", "SUCCESS", None),
    ]
    sign_in = events[3]
    assert sign_in["ipAddress"] == "127.0.0.1"
    assert sign_in["userAgent"] == "StoryBrowser/2"
    await api.ok(LOGOUT, token=session)
    again = await login(api, "story@example.com", "a new long passphrase")
    assert (await my_events(api, again))[1]["type"] == "SIGN_OUT"


async def test_events_are_paginated_newest_first(api: Api, customer: Caller) -> None:
    for _ in range(3):
        await login(api, customer.customer.email, customer.password)
    first = await api.ok(
        "{ me { securityEvents(first: 2) { edges { node { createdAt } } pageInfo { hasNextPage endCursor } } } }",
        token=customer.token,
    )
    page = first["me"]["securityEvents"]
    assert page["pageInfo"]["hasNextPage"] is True
    rest = await api.ok(MY_EVENTS, {"after": page["pageInfo"]["endCursor"]}, token=customer.token)
    times = [e["node"]["createdAt"] for e in page["edges"]] + [
        e["node"]["createdAt"] for e in rest["me"]["securityEvents"]["edges"]
    ]
    assert times == sorted(times, reverse=True)
    assert len(times) == 4


async def test_nobody_else_reads_a_customers_events(api: Api, customer: Caller, other_customer: Caller) -> None:
    [event] = [e for e in await my_events(api, customer.token) if e["type"] == "SIGN_IN"][:1]
    node = await api.ok("query($id: ID!) { node(id: $id) { id } }", {"id": event["id"]}, token=other_customer.token)
    assert node["node"] is None
    theirs = await api.ok(
        "query($id: ID!) { node(id: $id) { ... on Customer { securityEvents { edges { cursor } } } } }",
        {"id": customer.gid},
        token=other_customer.token,
    )
    assert theirs["node"] is None
    assert (await api(ALL_EVENTS, token=customer.token)).error_codes == ["FORBIDDEN"]


async def test_administrators_search_the_whole_log(api: Api, admin: Caller, customer: Caller) -> None:
    await api.ok(LOGIN, {"input": {"email": "nobody@example.com", "password": "some guess here"}})
    await api.ok(
        "mutation($input: SuspendCustomerInput!) { suspendCustomer(input: $input) { userErrors { code } } }",
        {"input": {"customerId": customer.gid, "reason": "fraud"}},
        token=admin.token,
    )
    failures = await api.ok(ALL_EVENTS, {"filter": {"type": "SIGN_IN", "outcome": "FAILURE"}}, token=admin.token)
    [unknown] = [e["node"] for e in failures["securityEvents"]["edges"]]
    assert unknown == {
        "type": "SIGN_IN",
        "outcome": "FAILURE",
        "reason": "UNKNOWN_ACCOUNT",
        "customer": None,
        "actor": None,
        "ipAddress": "127.0.0.1",
    }

    about = await api.ok(ALL_EVENTS, {"filter": {"customerId": customer.gid}}, token=admin.token)
    suspended = about["securityEvents"]["edges"][0]["node"]
    assert suspended["type"] == "ACCOUNT_SUSPENDED"
    assert suspended["actor"] == {"id": admin.gid}
    assert suspended["customer"] == {"id": customer.gid}

    by_address = await api.ok(ALL_EVENTS, {"filter": {"ipAddress": "10.9.9.9"}}, token=admin.token)
    assert by_address["securityEvents"]["edges"] == []
    future = await api.ok(ALL_EVENTS, {"filter": {"since": "2999-01-01T00:00:00Z"}}, token=admin.token)
    assert future["securityEvents"]["edges"] == []
    bad_id = await api.ok(ALL_EVENTS, {"filter": {"customerId": "garbage"}}, token=admin.token)
    assert bad_id["securityEvents"]["edges"] == []
    naive = await api(ALL_EVENTS, {"filter": {"since": "2020-01-01T00:00:00"}}, token=admin.token)
    assert naive.error_codes == ["BAD_USER_INPUT"]


async def test_role_changes_are_audited_with_the_actor(api: Api, admin: Caller, customer: Caller) -> None:
    await api.ok(
        "mutation($input: GrantRoleInput!) { grantRole(input: $input) { userErrors { code } } }",
        {"input": {"customerId": customer.gid, "role": "AFFILIATE", "reason": "good partner"}},
        token=admin.token,
    )
    events = await my_events(api, customer.token)
    assert (events[0]["type"], events[0]["actor"]) == ("ROLE_GRANTED", None)  # the admin is not visible to them
    as_admin = await api.ok(ALL_EVENTS, {"filter": {"type": "ROLE_GRANTED"}}, token=admin.token)
    assert as_admin["securityEvents"]["edges"][0]["node"]["actor"] == {"id": admin.gid}


async def test_the_log_holds_no_secrets(api: Api, rt: Runtime, customer: Caller) -> None:
    await api.ok(LOGIN, {"input": {"email": customer.customer.email, "password": "my secret guess"}})
    await login(api, customer.customer.email, customer.password)
    async with rt.db.read() as session:
        rows = list((await session.execute(select(SecurityEvent))).scalars())
    dump = " ".join(str(row.model_dump()) for row in rows)
    for secret in (customer.password, "my secret guess", customer.token, customer.customer.email):
        assert secret not in dump
    assert global_id("Customer", customer.customer.id) not in dump


async def test_anonymous_callers_cannot_read_ownerless_events(api: Api, admin: Caller) -> None:
    await api.ok(LOGIN, {"input": {"email": "nobody@example.com", "password": "some guess here"}})
    data = await api.ok(
        "{ securityEvents(filter: {type: SIGN_IN, outcome: FAILURE}) { edges { node { id } } } }", token=admin.token
    )
    event_id = data["securityEvents"]["edges"][0]["node"]["id"]
    assert (await api.ok("query($id: ID!) { node(id: $id) { id } }", {"id": event_id}))["node"] is None


async def test_hand_made_cursors_are_bad_user_input(api: Api, customer: Caller, staff: Caller) -> None:
    import base64
    import json

    naive = base64.urlsafe_b64encode(
        json.dumps(["2026-01-01T00:00:00", "00000000-0000-0000-0000-000000000000"]).encode()
    ).decode()
    for query, token in [
        ("query($a: String) { customers(after: $a) { edges { cursor } } }", staff.token),
        ("query($a: String) { me { securityEvents(after: $a) { edges { cursor } } } }", customer.token),
    ]:
        assert (await api(query, {"a": naive}, token=token)).error_codes == ["BAD_USER_INPUT"]


async def test_the_login_payload_resolves_as_the_new_session(api: Api, customer: Caller) -> None:
    query = """mutation($i: LoginInput!) { login(input: $i) { customer { email securityEvents(first: 1) { edges { node { type } } } } } }"""
    data = await api.ok(query, {"i": {"email": customer.customer.email, "password": customer.password}})
    customer_data = data["login"]["customer"]
    assert customer_data["securityEvents"]["edges"] == [{"node": {"type": "SIGN_IN"}}]
