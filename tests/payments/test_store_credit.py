"""Store credit through the API: credit-limit requests and decisions, purchase on account, adjustments,
privacy, and payments racing for the last available credit."""

import asyncio
import uuid
from decimal import Decimal
from typing import Any

from app.runtime import Runtime
from tests.orders.helpers import order_input, order_key, push
from tests.payments.helpers import ERRORS, ORDER_PAYMENTS, codes, pay_order
from tests.support import Api, Caller, Mailbox, global_id, text_body

MONEY = "amount currencyCode"
CREDIT = f"balance {{ {MONEY} }} creditLimit {{ {MONEY} }} available {{ {MONEY} }}"
MY_CREDIT = f"""{{ me {{ storeCredit {{ {CREDIT} }}
  creditTransactions {{ edges {{ node {{ id reason reference note amount {{ {MONEY} }} balanceAfter {{ amount }} }} }} }}
  creditLimitRequests {{ id status amount {{ amount }} approvedAmount {{ amount }} decisionReason }} }} }}"""
REQUEST_LIMIT = f"""mutation($i: RequestCreditLimitInput!) {{ requestCreditLimit(input: $i) {{
  request {{ id status reason amount {{ {MONEY} }} }} {ERRORS} }} }}"""
DECIDE = f"""mutation($i: DecideCreditLimitRequestInput!) {{ decideCreditLimitRequest(input: $i) {{
  request {{ id status approvedAmount {{ amount }} decisionReason decidedAt }} {ERRORS} }} }}"""
ADJUST = f"""mutation($i: AdjustStoreCreditInput!) {{ adjustStoreCredit(input: $i) {{
  storeCredit {{ {CREDIT} }} {ERRORS} }} }}"""
REQUESTS = """query($status: CreditLimitRequestStatus) { creditLimitRequests(status: $status) {
  edges { node { id status reason amount { amount } customer { id email } } } } }"""
NODE = "query($id: ID!) { node(id: $id) { __typename id } }"
ZERO = {"amount": "0.00", "currencyCode": "EUR"}


async def me(api: Api, caller: Caller) -> dict[str, Any]:
    data: dict[str, Any] = (await api.ok(MY_CREDIT, token=caller.token))["me"]
    return data


def ledger(data: dict[str, Any]) -> list[dict[str, Any]]:
    return [edge["node"] for edge in data["creditTransactions"]["edges"]]


async def request_limit(api: Api, caller: Caller, amount: str, reason: str = "Monthly orders", **extra: Any) -> Any:
    return (await api.ok(REQUEST_LIMIT, {"i": {"amount": amount, "reason": reason, **extra}}, token=caller.token))[
        "requestCreditLimit"
    ]


async def decide(api: Api, admin: Caller, request_id: str, approve: bool, **extra: Any) -> Any:
    variables = {"i": {"requestId": request_id, "approve": approve, **extra}}
    return (await api.ok(DECIDE, variables, token=admin.token))["decideCreditLimitRequest"]


async def grant(api: Api, customer: Caller, admin: Caller, amount: str = "100.00") -> None:
    asked = await request_limit(api, customer, amount)
    assert asked["userErrors"] == [], asked
    assert (await decide(api, admin, asked["request"]["id"], True))["userErrors"] == []


async def unpaid_order(api: Api, rt: Runtime, caller: Caller, **changes: Any) -> dict[str, Any]:
    value = order_input(uuid.uuid4().hex[:10], caller.customer.email, **changes)
    order: dict[str, Any] = (await push(api, await order_key(rt, f"orders {uuid.uuid4().hex}"), value))["order"]
    return order


async def order_state(api: Api, caller: Caller, order_id: str) -> dict[str, Any]:
    node: dict[str, Any] = (await api.ok(ORDER_PAYMENTS, {"id": order_id}, token=caller.token))["node"]
    return node


def credit_pay(api: Api, caller: Caller, order_id: str, key: str | None = None) -> Any:
    return pay_order(api, caller.token, order_id, key or f"credit-{uuid.uuid4().hex}", useStoreCredit=True)


def assert_consistent(data: dict[str, Any]) -> Decimal:
    """The balance equals the sum of the ledger entries (and the newest entry's balanceAfter)."""
    entries = ledger(data)
    balance = Decimal(data["storeCredit"]["balance"]["amount"])
    assert sum((Decimal(e["amount"]["amount"]) for e in entries), Decimal(0)) == balance
    if entries:
        assert Decimal(entries[0]["balanceAfter"]["amount"]) == balance
    return balance


async def test_new_customer_has_no_credit_and_cannot_pay_on_it(api: Api, rt: Runtime, customer: Caller) -> None:
    data = await me(api, customer)
    assert data["storeCredit"] == {"balance": ZERO, "creditLimit": ZERO, "available": ZERO}
    assert (ledger(data), data["creditLimitRequests"]) == ([], [])

    order = await unpaid_order(api, rt, customer)
    refused = await credit_pay(api, customer, order["id"], "no-credit-key-1")
    assert codes(refused) == ["INSUFFICIENT_CREDIT"]
    assert refused["payment"] is None
    # The same key gives the same answer.
    assert codes(await credit_pay(api, customer, order["id"], "no-credit-key-1")) == ["INSUFFICIENT_CREDIT"]
    state = await order_state(api, customer, order["id"])
    assert (state["status"], state["invoice"]["status"]) == ("PENDING_PAYMENT", "OPEN")
    assert [(p["status"], p["method"], p["failureCode"]) for p in state["payments"]] == [
        ("DECLINED", "Store credit", "INSUFFICIENT_CREDIT")
    ]
    after = await me(api, customer)
    assert (after["storeCredit"]["balance"], ledger(after)) == (ZERO, [])


async def test_requesting_a_limit_and_bad_input(api: Api, customer: Caller, admin: Caller) -> None:
    asked = await request_limit(api, customer, "100.00", "Buying for the office")
    assert asked["userErrors"] == []
    assert asked["request"]["status"] == "PENDING"
    assert asked["request"]["amount"] == {"amount": "100.00", "currencyCode": "EUR"}
    listed = (await api.ok(REQUESTS, {"status": "PENDING"}, token=admin.token))["creditLimitRequests"]["edges"]
    assert [e["node"] for e in listed] == [
        {
            "id": asked["request"]["id"],
            "status": "PENDING",
            "reason": "Buying for the office",
            "amount": {"amount": "100.00"},
            "customer": {"id": customer.gid, "email": customer.customer.email},
        }
    ]
    assert (await api.ok(REQUESTS, {"status": "APPROVED"}, token=admin.token))["creditLimitRequests"]["edges"] == []
    assert codes(await request_limit(api, customer, "50")) == ["REQUEST_ALREADY_PENDING"]

    for amount in ("0", "-5", "1.001", "1e30", "NaN", "Infinity"):
        bad = await request_limit(api, customer, amount)
        assert [(e["code"], e["field"]) for e in bad["userErrors"]] == [("INVALID_AMOUNT", ["input", "amount"])], amount
    for reason in ("", "   "):
        assert [(e["code"], e["field"]) for e in (await request_limit(api, customer, "10", reason))["userErrors"]] == [
            ("REQUIRED", ["input", "reason"])
        ]
    assert codes(await request_limit(api, customer, "10", "x" * 1001)) == ["TOO_LONG"]
    for variables in (
        {"amount": "10", "reason": "r", "currencyCode": "ZZZ"},
        {"amount": "ten", "reason": "r"},
        {"amount": "10"},
    ):
        result = await api(REQUEST_LIMIT, {"i": variables}, token=customer.token)  # Api asserts HTTP 200
        assert result.errors, variables
        assert result.data is None, variables
    assert len((await me(api, customer))["creditLimitRequests"]) == 1


async def test_approving_sets_the_limit_and_mails_the_customer(
    api: Api, customer: Caller, admin: Caller, mailbox: Mailbox
) -> None:
    request_id = (await request_limit(api, customer, "100.00"))["request"]["id"]
    for bad in ("-1", "1.001"):
        assert codes(await decide(api, admin, request_id, True, amount=bad)) == ["INVALID_AMOUNT"], bad
    approved = await decide(api, admin, request_id, True, amount="80")
    assert approved["userErrors"] == []
    assert (approved["request"]["status"], approved["request"]["approvedAmount"]) == ("APPROVED", {"amount": "80.00"})
    assert approved["request"]["decidedAt"] is not None

    message = await mailbox.wait_for(customer.customer.email, "Your credit limit was approved")
    assert "80.00 EUR" in text_body(message)
    data = await me(api, customer)
    eighty = {"amount": "80.00", "currencyCode": "EUR"}
    assert data["storeCredit"] == {"balance": ZERO, "creditLimit": eighty, "available": eighty}
    assert ledger(data) == []  # a limit is not a ledger movement
    assert data["creditLimitRequests"][0]["status"] == "APPROVED"

    assert codes(await decide(api, admin, request_id, True)) == ["ALREADY_DECIDED"]
    assert codes(await decide(api, admin, request_id, False, reason="changed my mind")) == ["ALREADY_DECIDED"]
    assert codes(await decide(api, admin, "bogus", True)) == ["NOT_FOUND"]
    assert (await api.ok(REQUESTS, {"status": "PENDING"}, token=admin.token))["creditLimitRequests"]["edges"] == []
    assert (await me(api, customer))["storeCredit"]["creditLimit"] == eighty


async def test_declining_needs_a_reason_and_mails_it(
    api: Api, customer: Caller, admin: Caller, mailbox: Mailbox
) -> None:
    request_id = (await request_limit(api, customer, "500"))["request"]["id"]
    for reason in ({}, {"reason": "  "}):
        assert [
            (e["code"], e["field"]) for e in (await decide(api, admin, request_id, False, **reason))["userErrors"]
        ] == [("REQUIRED", ["input", "reason"])]
    declined = await decide(api, admin, request_id, False, reason="Order history too short")
    assert (declined["request"]["status"], declined["request"]["decisionReason"]) == (
        "DECLINED",
        "Order history too short",
    )
    message = await mailbox.wait_for(customer.customer.email, "About your credit limit request")
    assert "Order history too short" in text_body(message)
    data = await me(api, customer)
    assert data["storeCredit"]["creditLimit"] == ZERO
    assert data["creditLimitRequests"][0]["decisionReason"] == "Order history too short"
    # Decided, so the customer may ask again.
    assert (await request_limit(api, customer, "100"))["userErrors"] == []


async def test_purchase_on_account(api: Api, rt: Runtime, customer: Caller, admin: Caller) -> None:
    await grant(api, customer, admin, "100.00")
    order = await unpaid_order(api, rt, customer)
    total = Decimal(order["total"]["amount"])
    assert Decimal(50) < total < Decimal(100)

    paid = await credit_pay(api, customer, order["id"])
    assert paid["userErrors"] == []
    assert (paid["payment"]["status"], paid["payment"]["source"]) == ("SUCCEEDED", "STORE_CREDIT")
    assert paid["payment"]["amount"] == {"amount": str(total), "currencyCode": "EUR"}
    invoice = paid["invoice"]
    assert (invoice["status"], invoice["amountDue"]["amount"]) == ("PAID", "0.00")

    data = await me(api, customer)
    assert data["storeCredit"]["balance"] == {"amount": str(-total), "currencyCode": "EUR"}
    assert data["storeCredit"]["available"]["amount"] == str(Decimal("100.00") - total)
    assert data["storeCredit"]["creditLimit"]["amount"] == "100.00"
    [entry] = ledger(data)
    assert (entry["reason"], entry["amount"]["amount"]) == ("PAYMENT", str(-total))
    assert entry["balanceAfter"] == {"amount": str(-total)}
    assert invoice["number"] in entry["reference"]
    assert assert_consistent(data) == -total
    state = await order_state(api, customer, order["id"])
    assert (state["status"], state["invoice"]["status"]) == ("PAID", "PAID")
    assert [p["status"] for p in state["payments"]] == ["SUCCEEDED"]

    second = await unpaid_order(api, rt, customer)
    assert codes(await credit_pay(api, customer, second["id"])) == ["INSUFFICIENT_CREDIT"]
    after = await me(api, customer)
    assert after["storeCredit"] == data["storeCredit"]
    assert len(ledger(after)) == 1
    assert (await order_state(api, customer, second["id"]))["status"] == "PENDING_PAYMENT"


async def test_admin_adjustments(api: Api, customer: Caller, admin: Caller) -> None:
    credited = await api.ok(
        ADJUST, {"i": {"customerId": customer.gid, "amount": "50", "note": "Goodwill"}}, token=admin.token
    )
    assert credited["adjustStoreCredit"]["userErrors"] == []
    assert credited["adjustStoreCredit"]["storeCredit"]["balance"] == {"amount": "50.00", "currencyCode": "EUR"}
    data = await me(api, customer)
    assert [(e["reason"], e["amount"]["amount"], e["note"]) for e in ledger(data)] == [
        ("ADJUSTMENT", "50.00", "Goodwill")
    ]
    assert data["storeCredit"]["available"]["amount"] == "50.00"

    async def adjust(amount: str, note: str = "Correction", customer_id: str = customer.gid) -> Any:
        variables = {"i": {"customerId": customer_id, "amount": amount, "note": note}}
        return (await api.ok(ADJUST, variables, token=admin.token))["adjustStoreCredit"]

    assert codes(await adjust("-50.01")) == ["INSUFFICIENT_CREDIT"]
    assert codes(await adjust("0")) == ["INVALID_AMOUNT"]
    assert codes(await adjust("1.005")) == ["INVALID_AMOUNT"]
    assert codes(await adjust("5", note=" ")) == ["REQUIRED"]
    assert codes(await adjust("5", customer_id=global_id("Customer", uuid.uuid4()))) == ["NOT_FOUND"]
    unchanged = await me(api, customer)
    assert (unchanged["storeCredit"]["balance"]["amount"], len(ledger(unchanged))) == ("50.00", 1)

    debited = await adjust("-50")
    assert debited["storeCredit"]["balance"]["amount"] == "0.00"
    assert assert_consistent(await me(api, customer)) == Decimal(0)


async def test_others_cannot_see_my_credit(api: Api, customer: Caller, other_customer: Caller, admin: Caller) -> None:
    request_id = (await request_limit(api, customer, "100"))["request"]["id"]
    await api.ok(ADJUST, {"i": {"customerId": customer.gid, "amount": "10", "note": "Refund"}}, token=admin.token)
    [entry] = ledger(await me(api, customer))
    for node_id, type_name in ((request_id, "CreditLimitRequest"), (entry["id"], "CreditTransaction")):
        mine = (await api.ok(NODE, {"id": node_id}, token=customer.token))["node"]
        assert mine == {"__typename": type_name, "id": node_id}
        assert (await api.ok(NODE, {"id": node_id}, token=other_customer.token))["node"] is None
        assert (await api.ok(NODE, {"id": node_id}))["node"] is None

    theirs = await me(api, other_customer)
    assert (ledger(theirs), theirs["creditLimitRequests"]) == ([], [])
    assert theirs["storeCredit"]["balance"] == ZERO
    # Another customer's ledger through node(Customer) is not theirs to read either.
    peek = await api(
        "query($id: ID!) { node(id: $id) { ... on Customer { creditTransactions { edges { cursor } } } } }",
        {"id": customer.gid},
        token=other_customer.token,
    )
    assert peek.data == {"node": None}


async def test_racing_payments_never_overspend(api: Api, rt: Runtime, customer: Caller, admin: Caller) -> None:
    await grant(api, customer, admin, "100.00")
    first, second = await unpaid_order(api, rt, customer), await unpaid_order(api, rt, customer)
    total = Decimal(first["total"]["amount"])
    assert Decimal(50) < total <= Decimal(100)

    results = await asyncio.gather(credit_pay(api, customer, first["id"]), credit_pay(api, customer, second["id"]))
    assert sorted(tuple(codes(r)) for r in results) == [(), ("INSUFFICIENT_CREDIT",)]
    data = await me(api, customer)
    assert assert_consistent(data) == -total
    assert [e["reason"] for e in ledger(data)] == ["PAYMENT"]
    statuses = sorted([(await order_state(api, customer, o["id"]))["status"] for o in (first, second)])
    assert statuses == ["PAID", "PENDING_PAYMENT"]


async def test_the_same_key_sent_twice_at_once_charges_once(
    api: Api, rt: Runtime, customer: Caller, admin: Caller
) -> None:
    await grant(api, customer, admin, "100.00")
    order = await unpaid_order(api, rt, customer)
    total = Decimal(order["total"]["amount"])

    results = await asyncio.gather(*(credit_pay(api, customer, order["id"], "same-credit-key-1") for _ in range(2)))
    succeeded = [r for r in results if not r["userErrors"]]
    assert succeeded, results
    assert all(codes(r) == ["PAYMENT_IN_PROGRESS"] for r in results if r["userErrors"]), results
    assert len({r["payment"]["id"] for r in succeeded}) == 1
    assert [r["replayed"] for r in succeeded].count(False) == 1
    data = await me(api, customer)
    assert assert_consistent(data) == -total
    assert len(ledger(data)) == 1
    assert [p["status"] for p in (await order_state(api, customer, order["id"]))["payments"]] == ["SUCCEEDED"]


async def test_absurd_amounts_and_overlong_notes_are_typed_errors(api: Api, customer: Caller, admin: Caller) -> None:
    for amount in ("1E+400000", "1E+19", "-1E+400000"):
        result = await api.ok(
            "mutation($i: RequestCreditLimitInput!) { requestCreditLimit(input: $i) { userErrors { code } } }",
            {"i": {"amount": amount, "reason": "big plans"}},
            token=customer.token,
        )
        assert [e["code"] for e in result["requestCreditLimit"]["userErrors"]] == ["INVALID_AMOUNT"], amount
    long_note = await api.ok(
        "mutation($i: AdjustStoreCreditInput!) { adjustStoreCredit(input: $i) { userErrors { field code } } }",
        {"i": {"customerId": customer.gid, "amount": "5", "note": "n" * 501}},
        token=admin.token,
    )
    assert long_note["adjustStoreCredit"]["userErrors"] == [{"field": ["input", "note"], "code": "TOO_LONG"}]


SET_CURRENCY = f"""mutation($i: UpdateSettingsInput!) {{ updateSettings(input: $i) {{
  settings {{ currency }} {ERRORS} }} }}"""
CREDIT_IN = f"""query($c: CurrencyCode) {{ me {{ storeCredit(currencyCode: $c) {{ {CREDIT} }} }} }}"""


async def test_the_customers_currency_setting_is_the_default_for_credit_views_and_requests(
    api: Api, customer: Caller, admin: Caller
) -> None:
    # Without a setting: DEFAULT_CURRENCY (EUR).
    assert (await api.ok(CREDIT_IN, token=customer.token))["me"]["storeCredit"]["balance"] == ZERO
    chosen = await api.ok(SET_CURRENCY, {"i": {"currency": "CHF"}}, token=customer.token)
    assert chosen["updateSettings"] == {"settings": {"currency": "CHF"}, "userErrors": []}

    # A request that names no currency is in the customer's; so is an administrator's adjustment.
    asked = await request_limit(api, customer, "250.00")
    assert asked["request"]["amount"] == {"amount": "250.00", "currencyCode": "CHF"}
    assert (await decide(api, admin, asked["request"]["id"], True))["userErrors"] == []
    adjusted = await api.ok(
        ADJUST, {"i": {"customerId": customer.gid, "amount": "10.00", "note": "Goodwill"}}, token=admin.token
    )
    assert adjusted["adjustStoreCredit"]["storeCredit"]["balance"] == {"amount": "10.00", "currencyCode": "CHF"}

    # The balance without a currency is the customer's currency; another one is still there when named.
    shown = (await api.ok(CREDIT_IN, token=customer.token))["me"]["storeCredit"]
    assert shown == {
        "balance": {"amount": "10.00", "currencyCode": "CHF"},
        "creditLimit": {"amount": "250.00", "currencyCode": "CHF"},
        "available": {"amount": "260.00", "currencyCode": "CHF"},
    }
    assert (await api.ok(CREDIT_IN, {"c": "EUR"}, token=customer.token))["me"]["storeCredit"]["balance"] == ZERO


RECORD = f"""mutation($i: RecordAccountPaymentInput!) {{ recordAccountPayment(input: $i) {{
  storeCredit {{ {CREDIT} }} {ERRORS} }} }}"""


async def test_a_bank_transfer_settles_a_negative_balance_once_per_reference(
    api: Api, customer: Caller, admin: Caller
) -> None:
    # Bought on account within an approved limit: the balance is negative.
    request_id = (await request_limit(api, customer, "100"))["request"]["id"]
    assert codes(await decide(api, admin, request_id, True)) == []
    owed = {"i": {"customerId": customer.gid, "amount": "-80.90", "note": "On account"}}
    assert codes((await api.ok(ADJUST, owed, token=admin.token))["adjustStoreCredit"]) == []

    async def record(amount: str = "80.90", reference: str = "TRF 2026-118", **extra: Any) -> Any:
        variables = {"i": {"customerId": customer.gid, "amount": amount, "reference": reference, **extra}}
        return (await api.ok(RECORD, variables, token=admin.token))["recordAccountPayment"]

    # The same transfer sent twice at once (a double click): credited once, the other refused.
    first, second = await asyncio.gather(record(note="Paid to our bank"), record(note="Paid to our bank"))
    assert sorted(map(tuple, (codes(first), codes(second)))) == [(), ("DUPLICATE_REFERENCE",)]
    data = await me(api, customer)
    assert data["storeCredit"]["balance"] == ZERO
    newest = ledger(data)[0]
    assert (newest["reason"], newest["amount"]["amount"], newest["reference"], newest["note"]) == (
        "PAYMENT_RECEIVED",
        "80.90",
        "TRF 2026-118",
        "Paid to our bank",
    )
    assert assert_consistent(data) == Decimal(0)

    # Again later, with the reference spaced differently: still the same reference.
    assert codes(await record(reference="  TRF 2026-118 ")) == ["DUPLICATE_REFERENCE"]
    # Another transfer overpays: the rest stays as credit.
    assert (await record("20", reference="TRF 2026-131"))["storeCredit"]["balance"]["amount"] == "20.00"
    # Another currency is another account: the same reference is its own there.
    dollars = await record("5", reference="TRF 2026-118", currencyCode="USD")
    assert dollars["storeCredit"]["balance"] == {"amount": "5.00", "currencyCode": "USD"}

    for bad, code in (
        ({"amount": "0"}, "INVALID_AMOUNT"),
        ({"amount": "-5"}, "INVALID_AMOUNT"),
        ({"amount": "1.005"}, "INVALID_AMOUNT"),
        ({"amount": "1e20"}, "INVALID_AMOUNT"),
        ({"reference": ""}, "REQUIRED"),
        ({"reference": " \t "}, "REQUIRED"),
        ({"reference": "x" * 129}, "TOO_LONG"),
        ({"note": "n" * 501}, "TOO_LONG"),
    ):
        assert codes(await record(**{"amount": "1", "reference": "TRF bad", **bad})) == [code], bad
    unknown = {"i": {"customerId": global_id("Customer", uuid.uuid4()), "amount": "1", "reference": "TRF x"}}
    assert codes((await api.ok(RECORD, unknown, token=admin.token))["recordAccountPayment"]) == ["NOT_FOUND"]
    not_an_id = {"i": {"customerId": "not-an-id", "amount": "1", "reference": "TRF x"}}
    assert codes((await api.ok(RECORD, not_an_id, token=admin.token))["recordAccountPayment"]) == ["NOT_FOUND"]
    after = await me(api, customer)
    euros = [e for e in ledger(after) if e["amount"]["currencyCode"] == "EUR"]
    assert [(e["reason"], e["amount"]["amount"]) for e in euros] == [
        ("PAYMENT_RECEIVED", "20.00"),
        ("PAYMENT_RECEIVED", "80.90"),
        ("ADJUSTMENT", "-80.90"),
    ]
    assert after["storeCredit"]["balance"]["amount"] == euros[0]["balanceAfter"]["amount"] == "20.00"


async def test_only_administrators_record_payments(api: Api, customer: Caller, staff: Caller) -> None:
    variables = {"i": {"customerId": customer.gid, "amount": "100", "reference": "TRF self"}}
    for caller in (customer, staff):
        result = await api(RECORD, variables, token=caller.token)
        assert result.error_codes == ["FORBIDDEN"], result.errors
    assert (await api(RECORD, variables)).error_codes == ["UNAUTHENTICATED"]
    assert (await me(api, customer))["storeCredit"]["balance"] == ZERO
