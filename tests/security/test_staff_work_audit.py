"""Every staff action is in the audit log with who, when and why: work on tickets, returns, offers, money and
the help centre (models.security.STAFF_WORK) is recorded with its actor and read through staffActions; the
customer's own security log, and node(id:) for them, leave it out (an internal note's existence included)."""

from typing import Any

import pytest

from app.runtime import Runtime
from models.security import STAFF_WORK
from tests.help.test_help_centre import CREATE as CREATE_ARTICLE
from tests.help.test_help_centre import DELETE as DELETE_ARTICLE
from tests.help.test_help_centre import UPDATE as UPDATE_ARTICLE
from tests.offers.helpers import new_offer
from tests.payments.test_store_credit import ADJUST, DECIDE, RECORD, REQUEST_LIMIT
from tests.returns.helpers import APPROVE, CLOSE, RECEIVE, REJECT, RETRY, act, card_paid_order, request_input, requested
from tests.returns.test_refunds import FlakyRefunds, RefusingRefunds
from tests.security.test_staff_actions import LOG
from tests.support import Api, Caller
from tests.tickets.helpers import ASSIGN, REPLY, SET_STATE, call, open_ticket
from tests.tickets.test_internal_notes import NOTE

OWN_LOG = """{ me { securityEvents(first: 100) { edges { node { id type detail } } } } }"""
EVENT_NODE = "query($id: ID!) { node(id: $id) { ... on SecurityEvent { type } } }"


async def staff_log(api: Api, admin: Caller) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    after = None
    while True:
        page = (await api.ok(LOG, {"first": 100, "after": after}, token=admin.token))["staffActions"]
        rows += [edge["node"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            return rows
        after = page["pageInfo"]["endCursor"]


async def test_staff_work_is_audited_with_who_and_why_and_kept_from_the_customers_log(
    api: Api, rt: Runtime, customer: Caller, staff: Caller, admin: Caller, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Tickets: an answer, an internal note, an assignment, a state change.
    ticket = await open_ticket(api, customer.token)
    assert (await call(api, REPLY, staff.token, ticketId=ticket["id"], body="On its way."))["userErrors"] == []
    secret_note = "customer sounds upset, offer a voucher"
    assert (await call(api, NOTE, staff.token, ticketId=ticket["id"], body=secret_note))["userErrors"] == []
    assert (await call(api, ASSIGN, staff.token, ticketId=ticket["id"], staffId=staff.gid))["userErrors"] == []
    assert (await call(api, SET_STATE, staff.token, ticketId=ticket["id"], state="RESOLVED"))["userErrors"] == []

    # Returns: approved, rejected, received (a refund that times out), retried, paid as credit, closed.
    monkeypatch.setattr(rt.settings, "return_auto_approve_limit", 0)
    order = await card_paid_order(api, rt, customer)
    other_order = await card_paid_order(api, rt, customer, "tok_mastercard")
    waiting = await requested(api, customer, request_input(order, 1))
    refused = await requested(api, customer, request_input(order, 0, 1))
    assert (await act(api, staff.token, APPROVE, returnId=waiting["id"], note="regular customer"))["userErrors"] == []
    assert (await act(api, staff.token, REJECT, returnId=refused["id"], reason="worn"))["userErrors"] == []
    inner = rt.gateway
    monkeypatch.setattr(rt, "gateway", FlakyRefunds(inner, failures=1))
    received = (await act(api, staff.token, RECEIVE, returnId=waiting["id"], restock=False))["return"]
    assert received["status"] == "RECEIVED"
    assert (await act(api, staff.token, RETRY, returnId=waiting["id"]))["return"]["status"] == "REFUNDED"
    monkeypatch.setattr(rt.settings, "return_auto_approve_limit", 100_000)
    swap = await requested(api, customer, request_input(order, 0, 1, resolution="EXCHANGE", reason="SIZE_OR_FIT"))
    monkeypatch.setattr(rt, "gateway", RefusingRefunds(inner, failures=0))
    declined = await requested(api, customer, request_input(other_order, 1))
    for waits in (swap, declined):  # recent returns send these to staff too
        if waits["status"] == "REQUESTED":
            assert (await act(api, admin.token, APPROVE, returnId=waits["id"]))["userErrors"] == []
    assert (await act(api, staff.token, RECEIVE, returnId=declined["id"]))["return"]["status"] == "RECEIVED"
    credited = (await act(api, staff.token, RETRY, returnId=declined["id"], toStoreCredit=True))["return"]
    assert credited["status"] == "REFUNDED"
    monkeypatch.setattr(rt, "gateway", inner)
    assert (await act(api, admin.token, RECEIVE, returnId=swap["id"]))["userErrors"] == []
    assert (await act(api, admin.token, CLOSE, returnId=swap["id"]))["userErrors"] == []

    # An offer; store credit and a bank transfer; a credit limit decided; a help article's life.
    offer = await new_offer(api, staff, customer)
    adjust = {"i": {"customerId": customer.gid, "amount": "-5.00", "note": "goodwill reversed"}}
    assert (await api.ok(ADJUST, adjust, token=admin.token))["adjustStoreCredit"]["userErrors"] == []
    transfer = {"i": {"customerId": customer.gid, "amount": "5.00", "reference": "TRF-77", "note": "bank"}}
    assert (await api.ok(RECORD, transfer, token=admin.token))["recordAccountPayment"]["userErrors"] == []
    asked = await api.ok(REQUEST_LIMIT, {"i": {"amount": "300", "reason": "Monthly orders"}}, token=customer.token)
    decision = {"i": {"requestId": asked["requestCreditLimit"]["request"]["id"], "approve": True, "amount": "250"}}
    assert (await api.ok(DECIDE, decision, token=admin.token))["decideCreditLimitRequest"]["userErrors"] == []
    article = {"title": "Gift cards", "body": "How they work.", "category": "Payments"}
    written = (await api.ok(CREATE_ARTICLE, {"i": article}, token=staff.token))["createHelpArticle"]["article"]
    published = {"i": {"articleId": written["id"], "published": True}}
    assert (await api.ok(UPDATE_ARTICLE, published, token=staff.token))["updateHelpArticle"]["userErrors"] == []
    gone = await api.ok(DELETE_ARTICLE, {"i": {"articleId": written["id"]}}, token=admin.token)
    assert gone["deleteHelpArticle"]["userErrors"] == []

    log = await staff_log(api, admin)
    work = [row for row in log if row["type"] in {kind.value for kind in STAFF_WORK}]
    assert {row["type"] for row in work} == {kind.value for kind in STAFF_WORK}, "a kind of staff work never recorded"
    by_type: dict[str, list[tuple[str, str | None, str]]] = {}
    for row in work:
        who = row["actor"]["id"]
        whom = row["customer"]["id"] if row["customer"] else None
        by_type.setdefault(row["type"], []).append((who, whom, row["detail"]))
    number = ticket["number"]
    assert by_type["TICKET_ANSWERED"] == [(staff.gid, customer.gid, f"{number}: answered")]
    assert by_type["TICKET_NOTE_ADDED"] == [(staff.gid, customer.gid, f"{number}: internal note added")]
    assert secret_note not in str(log)  # the note's words stay in the thread, for staff
    [(_, _, assigned)] = by_type["TICKET_ASSIGNED"]
    assert assigned.startswith(f"{number}: assigned to ")
    assert by_type["TICKET_STATE_CHANGED"] == [
        (staff.gid, customer.gid, f"{number}: PENDING_CUSTOMER → RESOLVED")
    ]  # the answer asked the customer
    assert (staff.gid, customer.gid, f"{waiting['number']}: regular customer") in by_type["RETURN_APPROVED"]
    assert by_type["RETURN_REJECTED"] == [(staff.gid, customer.gid, f"{refused['number']}: worn")]
    assert (staff.gid, customer.gid, f"{waiting['number']}: not restocked") in by_type["RETURN_RECEIVED"]
    assert by_type["RETURN_REFUND_RETRIED"] == [(staff.gid, customer.gid, waiting["number"])]
    assert by_type["RETURN_CREDITED_INSTEAD"] == [(staff.gid, customer.gid, declined["number"])]
    assert by_type["RETURN_CLOSED"] == [(admin.gid, customer.gid, swap["number"])]
    [(who, whom, created)] = by_type["OFFER_CREATED"]
    assert (who, whom) == (staff.gid, customer.gid)
    assert created.startswith(f"{offer['number']}: ")
    assert by_type["STORE_CREDIT_ADJUSTED"] == [(admin.gid, customer.gid, "-5.00 EUR: goodwill reversed")]
    assert by_type["ACCOUNT_PAYMENT_RECORDED"] == [(admin.gid, customer.gid, "5.00 EUR, reference TRF-77: bank")]
    assert by_type["CREDIT_LIMIT_DECIDED"] == [(admin.gid, customer.gid, "approved 250.00 EUR")]
    assert by_type["HELP_ARTICLE_CREATED"] == [(staff.gid, None, "gift-cards (draft): Gift cards")]
    assert by_type["HELP_ARTICLE_UPDATED"] == [(staff.gid, None, "gift-cards (published): Gift cards")]
    assert by_type["HELP_ARTICLE_DELETED"] == [(admin.gid, None, "gift-cards (published): Gift cards")]

    # The customer's own security log is about their account's security: none of the staff work is in it,
    # and an event of it cannot be read by id either.
    own = (await api.ok(OWN_LOG, token=customer.token))["me"]["securityEvents"]["edges"]
    assert [edge["node"]["type"] for edge in own if edge["node"]["type"] in by_type] == []
    assert own, "the customer's own log still has their sign-ins"
    # Staff read the staff work on a customer's page; beside a ticket, what happened to the account itself.
    as_staff = """query($id: ID!, $work: Boolean!) { node(id: $id) { ... on Customer {
      securityEvents(first: 100, staffWork: $work) { edges { node { type } } } } } }"""
    for with_staff_work in (True, False):
        seen = await api.ok(as_staff, {"id": customer.gid, "work": with_staff_work}, token=staff.token)
        kinds = {edge["node"]["type"] for edge in seen["node"]["securityEvents"]["edges"]}
        assert bool(kinds & set(by_type)) is with_staff_work
        assert "SIGN_IN" in kinds
    note_events = await api.ok(
        """{ staffActions(first: 100, filter: {type: TICKET_NOTE_ADDED}) { edges { node { id } } } }""",
        token=admin.token,
    )
    note_event_id = note_events["staffActions"]["edges"][0]["node"]["id"]
    assert (await api.ok(EVENT_NODE, {"id": note_event_id}, token=customer.token))["node"] is None
    assert (await api.ok(EVENT_NODE, {"id": note_event_id}, token=staff.token))["node"] == {"type": "TICKET_NOTE_ADDED"}
