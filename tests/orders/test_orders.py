"""Orders from the integration API: idempotent upserts, totals, the status machine, the customer's history."""

from typing import Any

import pytest

from app.runtime import Runtime
from tests.orders.helpers import MY_ORDERS, UPDATE_STATUS, order_input, order_key, push
from tests.orders.test_shipments import ADD_SHIPMENT
from tests.support import Api, Caller, count_statements


async def test_upsert_is_idempotent_and_totals_add_up(api: Api, rt: Runtime, customer: Caller) -> None:
    key = await order_key(rt)
    first = await push(api, key, order_input("10042", customer.customer.email.upper()))
    assert first["userErrors"] == []
    assert first["created"] is True
    order = first["order"]
    assert (order["number"], order["status"], order["channel"], order["isGuestOrder"]) == (
        "#10042",
        "PENDING_PAYMENT",
        "ONLINE",
        False,
    )
    assert order["subtotal"] == {"amount": "58.00", "currencyCode": "EUR"}
    assert (order["discountTotal"], order["shippingTotal"], order["taxTotal"]) == (
        {"amount": "3.00"},
        {"amount": "4.90"},
        {"amount": "7.54"},
    )
    assert order["total"] == {"amount": "67.44", "currencyCode": "EUR"}
    assert order["lines"][0] == {
        "sku": "MUG-001",
        "name": "Mug",
        "quantity": 2,
        "unitPrice": {"amount": "14.50"},
        "taxRate": "19.00",
        "taxAmount": {"amount": "5.51"},
        "total": {"amount": "29.00"},
    }
    assert [(t["fromStatus"], t["status"], t["note"]) for t in order["timeline"]] == [
        (None, "PENDING_PAYMENT", "placed")
    ]

    again = await push(api, key, order_input("10042", customer.customer.email, shippingTotal="0"))
    assert (again["created"], again["order"]["id"], again["order"]["total"]["amount"]) == (False, order["id"], "62.54")
    assert len(again["order"]["lines"]) == 2
    assert len(again["order"]["timeline"]) == 1
    history = (await api.ok(MY_ORDERS, token=customer.token))["me"]["orders"]["edges"]
    assert [edge["node"]["number"] for edge in history] == ["#10042"]


async def test_status_machine(api: Api, rt: Runtime, customer: Caller) -> None:
    key = await order_key(rt)
    order_id = (await push(api, key, order_input("1", customer.customer.email)))["order"]["id"]

    async def move(status: str, **extra: str) -> Any:
        target = extra or {"orderId": order_id}
        payload = (await api.ok(UPDATE_STATUS, {"i": {**target, "status": status}}, token=key))["updateOrderStatus"]
        return payload

    illegal = await move("DELIVERED")
    assert [(e["code"], e["field"]) for e in illegal["userErrors"]] == [("ILLEGAL_TRANSITION", ["input", "status"])]
    for status in ["PAID", "PROCESSING", "PARTIALLY_SHIPPED", "SHIPPED", "DELIVERED"]:
        assert (await move(status))["userErrors"] == [], status
    by_external = await move("REFUNDED", source="webshop", externalId="1")
    assert by_external["userErrors"] == []
    timeline = by_external["order"]["timeline"]
    assert [t["status"] for t in timeline] == [
        "PENDING_PAYMENT",
        "PAID",
        "PROCESSING",
        "PARTIALLY_SHIPPED",
        "SHIPPED",
        "DELIVERED",
        "REFUNDED",
    ]
    assert [e["code"] for e in (await move("PAID"))["userErrors"]] == ["ILLEGAL_TRANSITION"]
    cancelled = (await push(api, key, order_input("2", customer.customer.email)))["order"]["id"]
    assert (await move("CANCELLED", orderId=cancelled))["userErrors"] == []
    assert [e["code"] for e in (await move("PAID", orderId=cancelled))["userErrors"]] == ["ILLEGAL_TRANSITION"]
    assert [e["code"] for e in (await move("PAID", orderId="bogus"))["userErrors"]] == ["NOT_FOUND"]
    assert [e["code"] for e in (await move("PAID", source="webshop", externalId="404"))["userErrors"]] == ["NOT_FOUND"]
    assert [e["code"] for e in (await move("PAID", source="webshop"))["userErrors"]] == ["REQUIRED"]


async def test_bad_orders_are_refused_with_typed_errors(api: Api, rt: Runtime, customer: Caller) -> None:
    key = await order_key(rt)
    email = customer.customer.email
    cases = [
        (order_input("a", email, lines=[]), "REQUIRED", ["input", "lines"]),
        (order_input("b", email, currencyCode="JPY"), "INVALID_AMOUNT", ["input", "lines", "0", "unitPrice"]),
        (order_input("c", email, discountTotal="-1"), "INVALID_AMOUNT", ["input", "discountTotal"]),
        (order_input("d", email, discountTotal="1000"), "INVALID_AMOUNT", ["input", "discountTotal"]),
        (order_input("e", "not an email"), "INVALID_EMAIL", ["input", "email"]),
        (order_input("f"), "REQUIRED", ["input", "email"]),
        (order_input("g", customerId="Q3VzdG9tZXI6bm9wZQ=="), "CUSTOMER_NOT_FOUND", ["input", "customerId"]),
        (order_input("h", email, status="SHIPPED"), "INVALID", ["input", "status"]),
        (order_input("i", email, placedAt="2026-11-20T10:00:00"), "INVALID", ["input", "placedAt"]),
        (order_input("j", email, source=" "), "REQUIRED", ["input", "source"]),
        (order_input("k", email, number="x" * 33), "TOO_LONG", ["input", "number"]),
    ]
    line = {"sku": "S", "name": "N", "unitPrice": "1"}
    cases += [
        (
            order_input("l", email, lines=[{**line, "quantity": 0}]),
            "INVALID_QUANTITY",
            ["input", "lines", "0", "quantity"],
        ),
        (
            order_input("m", email, lines=[{**line, "quantity": 1, "taxRate": "19.555"}]),
            "INVALID",
            ["input", "lines", "0", "taxRate"],
        ),
        (
            order_input("n", email, lines=[{**line, "quantity": 1, "taxRate": "101"}]),
            "INVALID",
            ["input", "lines", "0", "taxRate"],
        ),
    ]
    for value, code, field in cases:
        payload = await push(api, key, value)
        assert (payload["order"], [(e["code"], e["field"]) for e in payload["userErrors"]][:1]) == (
            None,
            [(code, field)],
        ), value
    await push(api, key, order_input("z", email))
    taken = await push(api, key, order_input("other", email, number="#z"))
    assert [e["code"] for e in taken["userErrors"]] == ["NUMBER_TAKEN"]
    history = (await api.ok(MY_ORDERS, token=customer.token))["me"]["orders"]["edges"]
    assert [edge["node"]["number"] for edge in history] == ["#z"]


async def test_only_order_writers_may_push(api: Api, rt: Runtime, customer: Caller, admin: Caller) -> None:
    from app.services.service_accounts import create_service_account

    products_only = (await create_service_account(rt, "catalogue", ["products:write"])).api_key
    value = {"i": order_input("1", customer.customer.email)}
    from tests.orders.helpers import UPSERT_ORDER

    assert (await api(UPSERT_ORDER, value)).error_codes == ["UNAUTHENTICATED"]
    for token in (customer.token, admin.token, products_only):
        assert (await api(UPSERT_ORDER, value, token=token)).error_codes == ["FORBIDDEN"]


async def test_history_filters_pages_and_privacy(
    api: Api, rt: Runtime, customer: Caller, other_customer: Caller, staff: Caller
) -> None:
    key = await order_key(rt)
    email = customer.customer.email
    for n, day in enumerate(["01", "05", "10", "15"]):
        await push(api, key, order_input(f"A{n}", email, placedAt=f"2026-11-{day}T09:00:00+00:00"))
    await push(
        api,
        key,
        order_input(
            "POS1",
            email,
            channel="POS",
            placedAt="2026-11-12T09:00:00+00:00",
            lines=[{"sku": "LAMP-DESK", "name": "Desk lamp 100%", "quantity": 1, "unitPrice": "64.90"}],
        ),
    )
    await push(api, key, order_input("THEIRS", other_customer.customer.email))
    await api.ok(UPDATE_STATUS, {"i": {"source": "webshop", "externalId": "A1", "status": "PAID"}}, token=key)

    async def numbers(token: str, **variables: object) -> list[str]:
        data = await api.ok(MY_ORDERS, variables, token=token)
        return [edge["node"]["number"] for edge in data["me"]["orders"]["edges"]]

    assert await numbers(customer.token) == ["#A3", "#POS1", "#A2", "#A1", "#A0"]
    assert await numbers(customer.token, filter={"status": ["PAID"]}) == ["#A1"]
    assert await numbers(
        customer.token, filter={"placedAfter": "2026-11-05T00:00:00Z", "placedBefore": "2026-11-13T00:00:00Z"}
    ) == ["#POS1", "#A2", "#A1"]
    assert await numbers(customer.token, filter={"query": "lamp"}) == ["#POS1"]
    assert await numbers(customer.token, filter={"query": "#a2"}) == ["#A2"]
    assert await numbers(customer.token, filter={"query": "100%"}) == ["#POS1"]
    assert await numbers(customer.token, filter={"query": "%"}) == ["#POS1"]  # a literal percent sign, not a wildcard
    assert await numbers(other_customer.token) == ["#THEIRS"]

    page = (await api.ok(MY_ORDERS, {"first": 2}, token=customer.token))["me"]["orders"]
    rest = (await api.ok(MY_ORDERS, {"first": 10, "after": page["pageInfo"]["endCursor"]}, token=customer.token))["me"][
        "orders"
    ]
    assert [e["node"]["number"] for e in page["edges"] + rest["edges"]] == ["#A3", "#POS1", "#A2", "#A1", "#A0"]
    assert (await api(MY_ORDERS, {"after": "garbage"}, token=customer.token)).error_codes == ["BAD_USER_INPUT"]

    # Another customer's order does not resolve by id; staff see it.
    theirs = (await push(api, key, order_input("THEIRS", other_customer.customer.email)))["order"]["id"]
    query = f'{{ node(id: "{theirs}") {{ ... on Order {{ number lines {{ sku }} }} }} }}'
    assert (await api.ok(query, token=customer.token))["node"] is None
    assert (await api.ok(query))["node"] is None
    assert (await api.ok(query, token=staff.token))["node"]["number"] == "#THEIRS"
    assert (await api.ok(query, token=other_customer.token))["node"]["lines"][0]["sku"] == "MUG-001"


async def test_order_history_statement_count_does_not_grow_with_orders(api: Api, rt: Runtime, customer: Caller) -> None:
    key = await order_key(rt)
    query = """{ me { orders(first: 50) { edges { node { number total { amount } lines { sku quantity total { amount } }
      timeline { status at } billingAddress { city } shipments { carrier events { description } }
      invoice { number status amountDue { amount } } payments { status amount { amount } } } } } } }"""

    async def shipped_order(name: str) -> None:
        order = (await push(api, key, order_input(name, customer.customer.email, status="PAID")))["order"]
        shipped = await api.ok(
            ADD_SHIPMENT,
            {"i": {"orderId": order["id"], "carrier": "DHL", "lines": [{"sku": "MUG-001", "quantity": 1}]}},
            token=key,
        )
        assert shipped["addShipment"]["userErrors"] == []

    await shipped_order("one")
    with count_statements(rt) as one:
        await api.ok(query, token=customer.token)
    for n in range(49):
        await shipped_order(f"many{n}")
    with count_statements(rt) as fifty:
        data = await api.ok(query, token=customer.token)
    edges = data["me"]["orders"]["edges"]
    assert len(edges) == 50
    assert all(edge["node"]["invoice"]["status"] == "PAID" and edge["node"]["shipments"] for edge in edges)
    assert len(one) == len(fifty), fifty
    # session, roles, the customer, the page, then one batch each: lines, timeline, shipments, tracking
    # events, invoices, payments
    assert len(fifty) <= 10, fifty


async def test_relations_not_asked_for_are_not_read(api: Api, rt: Runtime, customer: Caller) -> None:
    await push(api, await order_key(rt), order_input("lean", customer.customer.email))
    with count_statements(rt) as lean:
        data = await api.ok("{ me { orders { edges { node { number } } } } }", token=customer.token)
    assert data["me"]["orders"]["edges"] == [{"node": {"number": "#lean"}}]
    tables = " ".join(lean)
    for child in ("order_line", "order_status_change", "shipment", "tracking_event", "invoice", "payment"):
        assert f"FROM {child} " not in tables, child
    fragment = "{ me { orders { edges { node { ...Parts } } } } } fragment Parts on Order { lines { sku } }"
    with count_statements(rt) as with_lines:
        assert (await api.ok(fragment, token=customer.token))["me"]["orders"]["edges"][0]["node"]["lines"]
    assert len(with_lines) == len(lean) + 1


async def test_the_leaf_shortcut_answers_exactly_like_graphql_core(
    api: Api, rt: Runtime, customer: Caller, monkeypatch: pytest.MonkeyPatch
) -> None:
    from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

    from schema.build import build_schema
    from schema.fast_execution import FastLeafExecutionContext
    from schema.plain_trees import PLAIN_ATTRIBUTE

    order_type = build_schema()._schema.type_map["Order"]
    assert getattr(order_type.fields["placedAt"], PLAIN_ATTRIBUTE) == "placed_at"  # type: ignore[attr-defined]
    assert not hasattr(order_type.fields["id"], PLAIN_ATTRIBUTE)  # type: ignore[attr-defined]
    key = await order_key(rt)
    await push(api, key, order_input("leaf-1", customer.customer.email, status="PAID"))
    await push(api, key, order_input("leaf-2", customer.customer.email, billingAddress=None))
    shipped = await api.ok(
        ADD_SHIPMENT,
        {
            "i": {
                "orderId": (await push(api, key, order_input("leaf-3", customer.customer.email, status="PAID")))[
                    "order"
                ]["id"],
                "carrier": "DHL",
                "lines": [{"sku": "MUG-001", "quantity": 1}],
            }
        },
        token=key,
    )
    assert shipped["addShipment"]["userErrors"] == []
    query = """{ me { email orders { edges { cursor node { id number status channel placedAt currencyCode
      isGuestOrder total { amount currencyCode } billingAddress { firstName city countryCode }
      lines { sku name quantity unitPrice { amount currencyCode } taxRate } shipments { carrier }
      timeline { fromStatus status note at } invoice { number status } } } }
      plain: orders { edges { node { __typename n: number shippingAddress { city }
        lines { __typename s: sku again: sku price: unitPrice { a: amount } }
        shipments { trackingNumber events { location } } ...Parts } } } } }
      fragment Parts on Order { lines { quantity } timeline { note } }"""
    from schema import fast_execution, plain_trees

    used: list[object] = []

    def counting(plan: plain_trees.Plan, source: object) -> object:
        used.append(plan)
        return plain_trees.complete(plan, source)

    monkeypatch.setattr(fast_execution, "complete", counting)
    shortcut = await api.ok(query, token=customer.token)
    assert used  # the plain-tree path answered part of it
    assert shortcut["me"]["plain"]["edges"][0]["node"]["lines"][0]["again"] == "MUG-001"
    monkeypatch.setattr(FastLeafExecutionContext, "execute_field", StrawberryGraphQLCoreExecutionContext.execute_field)
    assert await api.ok(query, token=customer.token) == shortcut
