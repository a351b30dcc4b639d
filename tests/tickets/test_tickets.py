"""Support tickets through the public API: threads by mail on both sides, states, assignment, ratings, filters."""

import uuid
from typing import Any

import pytest

from app.runtime import Runtime
from models.customer import Role
from tests.orders.helpers import order_input, order_key, push
from tests.returns.helpers import delivered_order, request_input, requested
from tests.support import Api, Caller, Mailbox, count_statements, global_id, make_caller, storefront_links, text_body
from tests.tickets.helpers import (
    ASSIGN,
    CLOSE,
    MY_TICKETS,
    OPEN,
    RATE,
    REPLY,
    SET_STATE,
    STAFF_TICKETS,
    call,
    codes,
    open_ticket,
)

SUPPORT = "support@example.com"
NODE = "query($id: ID!) { node(id: $id) { ... on SupportTicket { number state messages { body } } } }"


async def test_a_customer_opens_a_ticket_and_the_support_address_is_mailed(
    api: Api, customer: Caller, mailbox: Mailbox
) -> None:
    ticket = await open_ticket(api, customer.token, body="It has been a week.\nTracking says nothing.")
    assert ticket["number"].startswith("T-")
    assert len(ticket["number"]) == 10
    assert (ticket["state"], ticket["category"], ticket["order"], ticket["assignee"]) == ("OPEN", "ORDER", None, None)
    assert [(m["authorKind"], m["authorName"]) for m in ticket["messages"]] == [("CUSTOMER", None)]
    mail = await mailbox.wait_for(SUPPORT, ticket["number"])
    assert str(mail["Subject"]) == f"[{ticket['number']}] Where is my parcel?"
    body = text_body(mail)
    assert "Tracking says nothing." in body
    assert customer.customer.email in body
    assert mailbox.to(customer.customer.email) == []  # the customer wrote it: nobody mails them their own words

    mine = (await api.ok(MY_TICKETS, token=customer.token))["me"]["tickets"]["edges"]
    assert [edge["node"]["number"] for edge in mine] == [ticket["number"]]
    node = (await api.ok(NODE, {"id": ticket["id"]}, token=customer.token))["node"]
    assert node["messages"] == [{"body": "It has been a week.\nTracking says nothing."}]


async def test_a_ticket_about_an_order_must_name_the_callers_own(
    api: Api, rt: Runtime, customer: Caller, other_customer: Caller
) -> None:
    key = await order_key(rt, "tickets orders")
    mine = (await push(api, key, order_input("t-own", customer.customer.email)))["order"]
    theirs = (await push(api, key, order_input("t-theirs", other_customer.customer.email)))["order"]
    ticket = await open_ticket(api, customer.token, orderId=mine["id"])
    assert ticket["order"] == {"id": mine["id"], "number": "#t-own"}

    base = {"subject": "s", "body": "b", "category": "ORDER"}
    refused = [
        await call(api, OPEN, customer.token, **base, orderId=order_id)
        for order_id in (theirs["id"], global_id("Order", uuid.uuid4()), "not-an-id", ticket["id"])
    ]
    for payload in refused:
        assert payload["ticket"] is None
        assert payload["userErrors"] == [
            {"field": ["input", "orderId"], "message": "No such order.", "code": "ORDER_NOT_FOUND"}
        ]
    assert len((await api.ok(MY_TICKETS, token=customer.token))["me"]["tickets"]["edges"]) == 1


async def test_a_ticket_about_a_return_must_name_the_callers_own(
    api: Api, rt: Runtime, customer: Caller, other_customer: Caller
) -> None:
    mine = await delivered_order(api, rt, customer)
    my_return = (await requested(api, customer, request_input(mine, 1)))["id"]
    theirs = await delivered_order(api, rt, other_customer)
    their_return = (await requested(api, other_customer, request_input(theirs, 1)))["id"]

    ticket = await open_ticket(api, customer.token, category="RETURN", returnId=my_return, orderId=mine["id"])
    assert ticket["category"] == "RETURN"
    found = await api.ok(
        "query($id: ID!) { node(id: $id) { ... on SupportTicket { return { id number } order { id } } } }",
        {"id": ticket["id"]},
        token=customer.token,
    )
    assert found["node"]["return"]["id"] == my_return
    assert found["node"]["order"]["id"] == mine["id"]
    base = {"subject": "s", "body": "b", "category": "RETURN"}
    for return_id in (their_return, global_id("Return", uuid.uuid4()), global_id("Order", uuid.uuid4()), "junk"):
        payload = await call(api, OPEN, customer.token, **base, returnId=return_id)
        assert codes(payload) == ["RETURN_NOT_FOUND"]
        assert payload["userErrors"][0]["field"] == ["input", "returnId"]


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"subject": "   "}, [(["input", "subject"], "REQUIRED")]),
        ({"body": ""}, [(["input", "body"], "REQUIRED")]),
        ({"subject": "x" * 201}, [(["input", "subject"], "TOO_LONG")]),
        ({"body": "x" * 5001}, [(["input", "body"], "TOO_LONG")]),
        ({"subject": "", "body": " \n "}, [(["input", "subject"], "REQUIRED"), (["input", "body"], "REQUIRED")]),
    ],
)
async def test_opening_checks_the_texts(
    api: Api, customer: Caller, changes: dict[str, Any], expected: list[tuple[list[str], str]]
) -> None:
    values = {"subject": "Help", "body": "Please", "category": "OTHER", **changes}
    payload = await call(api, OPEN, customer.token, **values)
    assert payload["ticket"] is None
    assert [(error["field"], error["code"]) for error in payload["userErrors"]] == expected


async def test_an_unknown_category_is_a_typed_error(api: Api, customer: Caller) -> None:
    result = await api(OPEN, {"i": {"subject": "s", "body": "b", "category": "GOSSIP"}}, token=customer.token)
    assert result.error_codes == ["BAD_USER_INPUT"], result.errors


async def test_the_longest_message_is_stored_whole_and_mailed_in_short_lines(
    api: Api, customer: Caller, mailbox: Mailbox
) -> None:
    body = "y" * 5000
    ticket = await open_ticket(api, customer.token, body=body)
    assert ticket["messages"][0]["body"] == body
    mail = await mailbox.wait_for(SUPPORT, ticket["number"])
    text = text_body(mail)
    assert text.replace("\n", "").count("y") == 5000
    assert max(len(line) for line in text.splitlines()) <= 998


async def test_a_thread_is_mailed_to_the_other_party_each_time(
    api: Api, rt: Runtime, customer: Caller, staff: Caller, mailbox: Mailbox
) -> None:
    ticket = await open_ticket(api, customer.token, subject="Broken mug")
    number = ticket["number"]
    await mailbox.wait_for(SUPPORT, number)

    answered = await call(api, REPLY, staff.token, ticketId=ticket["id"], body="Sorry! Can you send a photo?")
    assert answered["userErrors"] == []
    assert answered["ticket"]["state"] == "PENDING_CUSTOMER"
    assert [(m["authorKind"], m["authorName"]) for m in answered["ticket"]["messages"]] == [
        ("CUSTOMER", None),
        ("STAFF", "Sam"),
    ]
    to_customer = await mailbox.wait_for(customer.customer.email, number)
    assert str(to_customer["Subject"]) == f"[{number}] Broken mug"
    assert "Sam replied" in text_body(to_customer)
    assert "Can you send a photo?" in text_body(to_customer)
    assert set(storefront_links(to_customer)) == {f"https://shop.test/tickets/{number}"}

    # Unassigned, the customer's answer goes to the support address; assigned, to the assignee only.
    mailbox.clear()
    back = await call(api, REPLY, customer.token, ticketId=ticket["id"], body="Photo attached in spirit.")
    assert back["ticket"]["state"] == "OPEN"
    assert "Photo attached" in text_body(await mailbox.wait_for(SUPPORT, number))

    agent = await make_caller(api, rt, roles=(Role.SUPPORT,), first_name="Alex")
    assigned = await call(api, ASSIGN, staff.token, ticketId=ticket["id"], staffId=agent.gid)
    assert assigned["ticket"]["assignee"] == {"id": agent.gid, "email": agent.customer.email}
    await mailbox.wait_for(agent.customer.email, f"[{number}] Assigned to you")
    mailbox.clear()
    await call(api, REPLY, customer.token, ticketId=ticket["id"], body="Any news?")
    to_agent = await mailbox.wait_for(agent.customer.email, f"[{number}] Broken mug")
    assert "Any news?" in text_body(to_agent)
    assert mailbox.to(SUPPORT) == []

    reply_by_agent = await call(api, REPLY, agent.token, ticketId=ticket["id"], body="Refund is on its way.")
    assert reply_by_agent["ticket"]["messages"][-1]["authorName"] == "Alex"
    assert "Refund is on its way." in text_body(await mailbox.wait_for(customer.customer.email, number))
    stored = (await api.ok(NODE, {"id": ticket["id"]}, token=customer.token))["node"]["messages"]
    assert [m["body"] for m in stored] == [
        "It has been a week.",
        "Sorry! Can you send a photo?",
        "Photo attached in spirit.",
        "Any news?",
        "Refund is on its way.",
    ]


async def test_a_staff_reply_may_leave_the_ticket_open_and_customers_cannot_ask_themselves(
    api: Api, customer: Caller, staff: Caller
) -> None:
    ticket = await open_ticket(api, customer.token)
    kept = await call(api, REPLY, staff.token, ticketId=ticket["id"], body="Looking into it.", pendingCustomer=False)
    assert kept["ticket"]["state"] == "OPEN"
    refused = await call(api, REPLY, customer.token, ticketId=ticket["id"], body="x", pendingCustomer=True)
    assert codes(refused) == ["STAFF_ONLY"]
    empty = await call(api, REPLY, customer.token, ticketId=ticket["id"], body="  ")
    assert empty["userErrors"] == [{"field": ["input", "body"], "message": "This is required.", "code": "REQUIRED"}]
    long = await call(api, REPLY, staff.token, ticketId=ticket["id"], body="z" * 5001)
    assert codes(long) == ["TOO_LONG"]


# Every (from, to) staff may ask for, and whether it is allowed.
ALLOWED = {
    ("OPEN", "PENDING_CUSTOMER"),
    ("OPEN", "RESOLVED"),
    ("OPEN", "CLOSED"),
    ("PENDING_CUSTOMER", "OPEN"),
    ("PENDING_CUSTOMER", "RESOLVED"),
    ("PENDING_CUSTOMER", "CLOSED"),
    ("RESOLVED", "OPEN"),
    ("RESOLVED", "CLOSED"),
}
STATES = ["OPEN", "PENDING_CUSTOMER", "RESOLVED", "CLOSED"]
PATH_TO = {"OPEN": [], "PENDING_CUSTOMER": ["PENDING_CUSTOMER"], "RESOLVED": ["RESOLVED"], "CLOSED": ["CLOSED"]}


@pytest.mark.parametrize("start", STATES)
async def test_every_state_transition_allowed_and_refused(
    api: Api, customer: Caller, staff: Caller, mailbox: Mailbox, start: str
) -> None:
    for target in STATES:
        ticket = await open_ticket(api, customer.token)
        for step in PATH_TO[start]:
            assert (await call(api, SET_STATE, staff.token, ticketId=ticket["id"], state=step))["userErrors"] == []
        payload = await call(api, SET_STATE, staff.token, ticketId=ticket["id"], state=target)
        if (start, target) in ALLOWED:
            assert payload["userErrors"] == [], (start, target)
            assert payload["ticket"]["state"] == target
        else:
            assert payload["ticket"] is None
            assert codes(payload) == ["ILLEGAL_TRANSITION"], (start, target)
            assert payload["userErrors"][0]["message"] == f"A ticket that is {start} cannot become {target}."
    resolved = await open_ticket(api, customer.token)
    done = await call(api, SET_STATE, staff.token, ticketId=resolved["id"], state="RESOLVED")
    assert done["ticket"]["resolvedAt"] is not None
    mail = await mailbox.wait_for(customer.customer.email, f"[{resolved['number']}] Your ticket is resolved")
    assert "Reply to it any time" in text_body(mail)


async def test_customer_replies_reopen_and_closing_is_final(api: Api, customer: Caller, staff: Caller) -> None:
    ticket = await open_ticket(api, customer.token)
    await call(api, SET_STATE, staff.token, ticketId=ticket["id"], state="RESOLVED")
    reopened = await call(api, REPLY, customer.token, ticketId=ticket["id"], body="Still broken, sorry.")
    assert reopened["ticket"]["state"] == "OPEN"
    # A staff reply to a resolved ticket keeps it resolved.
    await call(api, SET_STATE, staff.token, ticketId=ticket["id"], state="RESOLVED")
    note = await call(api, REPLY, staff.token, ticketId=ticket["id"], body="Glad it works now.")
    assert note["ticket"]["state"] == "RESOLVED"

    closed = await call(api, CLOSE, customer.token, ticketId=ticket["id"])
    assert closed["ticket"]["state"] == "CLOSED"
    assert closed["ticket"]["closedAt"] is not None
    for token in (customer.token, staff.token):
        late = await call(api, REPLY, token, ticketId=ticket["id"], body="One more thing")
        assert codes(late) == ["TICKET_CLOSED"]
        again = await call(api, CLOSE, token, ticketId=ticket["id"])
        assert again["userErrors"] == [
            {
                "field": ["input", "ticketId"],
                "message": "A ticket that is CLOSED cannot become CLOSED.",
                "code": "ILLEGAL_TRANSITION",
            }
        ]
    assert codes(await call(api, ASSIGN, staff.token, ticketId=ticket["id"], staffId=staff.gid)) == ["TICKET_CLOSED"]

    other = await open_ticket(api, customer.token)
    by_staff = await call(api, CLOSE, staff.token, ticketId=other["id"])
    assert by_staff["ticket"]["state"] == "CLOSED"


async def test_assignment_takes_support_or_admin_accounts_only(
    api: Api, customer: Caller, other_customer: Caller, staff: Caller, admin: Caller
) -> None:
    ticket = await open_ticket(api, customer.token)
    for bad in (other_customer.gid, global_id("Customer", uuid.uuid4()), ticket["id"], "junk"):
        payload = await call(api, ASSIGN, staff.token, ticketId=ticket["id"], staffId=bad)
        assert payload["userErrors"] == [
            {
                "field": ["input", "staffId"],
                "message": "Assign the ticket to an active support account.",
                "code": "ASSIGNEE_NOT_STAFF",
            }
        ]
    to_admin = await call(api, ASSIGN, staff.token, ticketId=ticket["id"], staffId=admin.gid)
    assert to_admin["ticket"]["assignee"]["email"] == admin.customer.email
    # The customer sees the ticket, not who works on it.
    seen = await api.ok(
        "query($id: ID!) { node(id: $id) { ... on SupportTicket { assignee { id } } } }",
        {"id": ticket["id"]},
        token=customer.token,
    )
    assert seen["node"] == {"assignee": None}
    cleared = await call(api, ASSIGN, staff.token, ticketId=ticket["id"])
    assert cleared["userErrors"] == []
    assert cleared["ticket"]["assignee"] is None
    unknown = await call(api, ASSIGN, staff.token, ticketId=global_id("SupportTicket", uuid.uuid4()), staffId=staff.gid)
    assert codes(unknown) == ["NOT_FOUND"]


async def test_staff_filter_every_ticket(
    api: Api, customer: Caller, other_customer: Caller, staff: Caller, admin: Caller
) -> None:
    parcel = await open_ticket(api, customer.token, subject="Parcel lost", category="ORDER")
    card = await open_ticket(api, customer.token, subject="Card declined", category="PAYMENT")
    login_help = await open_ticket(api, other_customer.token, subject="Cannot sign in", category="ACCOUNT")
    await call(api, ASSIGN, staff.token, ticketId=card["id"], staffId=admin.gid)
    await call(api, SET_STATE, staff.token, ticketId=login_help["id"], state="RESOLVED")

    async def numbers(**filter: Any) -> list[str]:
        data = await api.ok(STAFF_TICKETS, {"filter": filter, "first": 50}, token=staff.token)
        return [edge["node"]["number"] for edge in data["tickets"]["edges"]]

    everything = [login_help["number"], card["number"], parcel["number"]]
    assert await numbers() == everything
    assert await numbers(state="RESOLVED") == [login_help["number"]]
    assert await numbers(state="OPEN") == [card["number"], parcel["number"]]
    assert await numbers(category="PAYMENT") == [card["number"]]
    assert await numbers(assigneeId=admin.gid) == [card["number"]]
    assert await numbers(unassigned=True) == [login_help["number"], parcel["number"]]
    assert await numbers(customerId=other_customer.gid) == [login_help["number"]]
    assert await numbers(customerId="junk") == []
    assert await numbers(assigneeId=global_id("Customer", uuid.uuid4())) == []
    # "Mine": the caller's own, in one request; combined with another assignee it matches nothing.
    assert await numbers(assignedToMe=True) == []
    admin_sees = await api.ok(STAFF_TICKETS, {"filter": {"assignedToMe": True}}, token=admin.token)
    assert [edge["node"]["number"] for edge in admin_sees["tickets"]["edges"]] == [card["number"]]
    assert await numbers(assignedToMe=True, assigneeId=admin.gid) == []
    assert await numbers(query="PARCEL") == [parcel["number"]]
    assert await numbers(query=card["number"].lower()) == [card["number"]]
    assert await numbers(query="%") == []
    assert await numbers(query="x" * 5000) == []
    first = await api.ok(STAFF_TICKETS, {"first": 2}, token=staff.token)
    assert len(first["tickets"]["edges"]) == 2
    assigned = await api.ok(STAFF_TICKETS, {"filter": {"category": "PAYMENT"}}, token=staff.token)
    assert assigned["tickets"]["edges"][0]["node"]["assignee"] == {"email": admin.customer.email}
    assert assigned["tickets"]["edges"][0]["node"]["customer"] == {"email": customer.customer.email}
    mine = await api.ok(MY_TICKETS, {"filter": {"state": "OPEN"}}, token=customer.token)
    assert [edge["node"]["number"] for edge in mine["me"]["tickets"]["edges"]] == [card["number"], parcel["number"]]


async def test_ratings_after_resolution_once_by_the_owner(
    api: Api, customer: Caller, other_customer: Caller, staff: Caller
) -> None:
    ticket = await open_ticket(api, customer.token)
    early = await call(api, RATE, customer.token, ticketId=ticket["id"], rating=5)
    assert codes(early) == ["NOT_RESOLVED"]
    await call(api, SET_STATE, staff.token, ticketId=ticket["id"], state="RESOLVED")
    for bad in (0, 6, -1):
        payload = await call(api, RATE, customer.token, ticketId=ticket["id"], rating=bad)
        assert payload["userErrors"] == [
            {"field": ["input", "rating"], "message": "Rate from 1 to 5.", "code": "INVALID_RATING"}
        ]
    long = await call(api, RATE, customer.token, ticketId=ticket["id"], rating=4, comment="c" * 1001)
    assert codes(long) == ["TOO_LONG"]
    by_staff = await call(api, RATE, staff.token, ticketId=ticket["id"], rating=1)
    assert codes(by_staff) == ["NOT_OWNER"]
    by_other = await call(api, RATE, other_customer.token, ticketId=ticket["id"], rating=1)
    assert codes(by_other) == ["NOT_FOUND"]

    rated = await call(api, RATE, customer.token, ticketId=ticket["id"], rating=4, comment="  Quick and kind. ")
    assert rated["userErrors"] == []
    assert rated["ticket"]["rating"]["rating"] == 4
    assert rated["ticket"]["rating"]["comment"] == "Quick and kind."
    again = await call(api, RATE, customer.token, ticketId=ticket["id"], rating=5)
    assert codes(again) == ["ALREADY_RATED"]
    closed = await call(api, CLOSE, customer.token, ticketId=ticket["id"])
    assert closed["ticket"]["rating"]["rating"] == 4

    other = await open_ticket(api, customer.token)
    await call(api, CLOSE, customer.token, ticketId=other["id"])
    assert (await call(api, RATE, customer.token, ticketId=other["id"], rating=2))["ticket"]["rating"]["rating"] == 2


async def test_another_customers_ticket_is_like_one_that_does_not_exist(
    api: Api, customer: Caller, other_customer: Caller, staff: Caller
) -> None:
    ticket = await open_ticket(api, customer.token)
    missing = global_id("SupportTicket", uuid.uuid4())
    assert (await api.ok(NODE, {"id": ticket["id"]}, token=other_customer.token))["node"] is None
    assert (await api.ok(NODE, {"id": ticket["id"]}, token=staff.token))["node"]["number"] == ticket["number"]
    for ticket_id in (ticket["id"], missing, "junk", global_id("Order", uuid.uuid4())):
        for mutation, values in (
            (REPLY, {"body": "hello"}),
            (CLOSE, {}),
            (RATE, {"rating": 3}),
        ):
            payload = await call(api, mutation, other_customer.token, ticketId=ticket_id, **values)
            assert payload["ticket"] is None
            assert payload["userErrors"] == [
                {"field": ["input", "ticketId"], "message": "No such ticket.", "code": "NOT_FOUND"}
            ]
    seen = (await api.ok(MY_TICKETS, token=other_customer.token))["me"]["tickets"]["edges"]
    assert seen == []
    untouched = (await api.ok(NODE, {"id": ticket["id"]}, token=customer.token))["node"]
    assert untouched == {"number": ticket["number"], "state": "OPEN", "messages": [{"body": "It has been a week."}]}
    # Staff reading a customer's tickets through the customer works; another customer's `me` is their own.
    staff_view = await api.ok(
        "query($id: ID!) { node(id: $id) { ... on Customer { tickets { edges { node { number } } } } } }",
        {"id": customer.gid},
        token=staff.token,
    )
    assert staff_view["node"]["tickets"]["edges"] == [{"node": {"number": ticket["number"]}}]


async def test_my_tickets_with_their_messages_take_the_same_statements_for_one_or_five(
    api: Api, rt: Runtime, customer: Caller, staff: Caller
) -> None:
    query = "{ me { tickets { edges { node { number messages { body } } } } } }"
    first = await open_ticket(api, customer.token, subject="t0")
    await call(api, REPLY, staff.token, ticketId=first["id"], body="answer")
    with count_statements(rt) as one:
        data = await api.ok(query, token=customer.token)
    assert [m["body"] for m in data["me"]["tickets"]["edges"][0]["node"]["messages"]] == [
        "It has been a week.",
        "answer",
    ]
    for n in range(1, 5):
        opened = await open_ticket(api, customer.token, subject=f"t{n}")
        await call(api, REPLY, customer.token, ticketId=opened["id"], body=f"more {n}")
    with count_statements(rt) as five:
        data = await api.ok(query, token=customer.token)
    edges = data["me"]["tickets"]["edges"]
    assert len(edges) == 5
    assert all(len(edge["node"]["messages"]) == 2 for edge in edges)
    assert len(one) == len(five), five
    assert sum("FROM ticket_message" in statement for statement in five) == 1


async def test_an_assignee_who_left_the_support_team_no_longer_gets_the_mail(
    api: Api, rt: Runtime, customer: Caller, staff: Caller, admin: Caller, mailbox: Mailbox
) -> None:
    agent = await make_caller(api, rt, roles=(Role.SUPPORT,))
    ticket = await open_ticket(api, customer.token)
    assert (await call(api, ASSIGN, staff.token, ticketId=ticket["id"], staffId=agent.gid))["userErrors"] == []
    revoke = "mutation($i: RevokeRoleInput!) { revokeRole(input: $i) { userErrors { code } } }"
    revoked = await api.ok(
        revoke, {"i": {"customerId": agent.gid, "role": "SUPPORT", "reason": "moved"}}, token=admin.token
    )
    assert revoked["revokeRole"]["userErrors"] == []
    # The opening mail may still be on its way: wait for it, so the one read below is the reply's.
    await mailbox.wait_for(SUPPORT, ticket["number"])
    mailbox.clear()
    await call(api, REPLY, customer.token, ticketId=ticket["id"], body="Hello again")
    assert "Hello again" in text_body(await mailbox.wait_for(SUPPORT, ticket["number"]))
    # One message, one mail: the support address had it, so the former agent had none.
    assert not any("Hello again" in text_body(mail) for mail in mailbox.to(agent.customer.email))


async def test_deleting_the_account_erases_its_conversations(
    api: Api, customer: Caller, other_customer: Caller, staff: Caller
) -> None:
    ticket = await open_ticket(api, customer.token, subject="Please forget me")
    await call(api, REPLY, staff.token, ticketId=ticket["id"], body="Sure.")
    kept = await open_ticket(api, other_customer.token, subject="Keep me")
    deleted = await api.ok(
        "mutation($i: DeleteAccountInput!) { deleteAccount(input: $i) { userErrors { code } } }",
        {"i": {"password": customer.password}},
        token=customer.token,
    )
    assert deleted["deleteAccount"]["userErrors"] == []
    assert (await api.ok(NODE, {"id": ticket["id"]}, token=staff.token))["node"] is None
    listed = await api.ok(STAFF_TICKETS, token=staff.token)
    assert [edge["node"]["number"] for edge in listed["tickets"]["edges"]] == [kept["number"]]
