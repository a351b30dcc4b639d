"""Shipments and tracking: quantities bounded by the order, statuses following the parcels."""

from typing import Any

from app.runtime import Runtime
from tests.orders.helpers import UPDATE_STATUS, order_input, order_key, push
from tests.support import Api, Caller, count_statements

ERRORS = "userErrors { field message code }"
ORDER = "order { id status timeline { status } shipments { id carrier trackingNumber status lines { sku quantity } events { status location description } } }"
ADD_SHIPMENT = f"mutation($i: AddShipmentInput!) {{ addShipment(input: $i) {{ {ORDER} {ERRORS} }} }}"
ADD_EVENT = f"mutation($i: AddTrackingEventInput!) {{ addTrackingEvent(input: $i) {{ {ORDER} {ERRORS} }} }}"


async def paid_order(api: Api, rt: Runtime, caller: Caller, external_id: str = "S1") -> tuple[str, str]:
    key = await order_key(rt, f"shipper {external_id}")
    order_id = (await push(api, key, order_input(external_id, caller.customer.email)))["order"]["id"]
    await api.ok(UPDATE_STATUS, {"i": {"orderId": order_id, "status": "PAID"}}, token=key)
    return key, order_id


async def call(api: Api, key: str, query: str, value: dict[str, Any]) -> Any:
    data = await api.ok(query, {"i": value}, token=key)
    return next(iter(data.values()))


async def test_parcels_move_the_order_to_shipped_and_delivered(api: Api, rt: Runtime, customer: Caller) -> None:
    key, order_id = await paid_order(api, rt, customer)
    first = await call(
        api,
        key,
        ADD_SHIPMENT,
        {
            "orderId": order_id,
            "carrier": "DHL",
            "trackingNumber": "JD0001",
            "lines": [{"sku": "MUG-001", "quantity": 1}],
        },
    )
    assert first["userErrors"] == []
    assert first["order"]["status"] == "PARTIALLY_SHIPPED"
    over = await call(
        api, key, ADD_SHIPMENT, {"orderId": order_id, "carrier": "DHL", "lines": [{"sku": "MUG-001", "quantity": 2}]}
    )
    assert [(e["code"], e["field"]) for e in over["userErrors"]] == [
        ("INVALID_QUANTITY", ["input", "lines", "0", "quantity"])
    ]
    unknown = await call(
        api, key, ADD_SHIPMENT, {"orderId": order_id, "carrier": "DHL", "lines": [{"sku": "NOPE", "quantity": 1}]}
    )
    assert [e["code"] for e in unknown["userErrors"]] == ["INVALID_QUANTITY"]
    rest = await call(
        api,
        key,
        ADD_SHIPMENT,
        {
            "orderId": order_id,
            "carrier": "UPS",
            "trackingUrl": "https://ups.example/t/1",
            "lines": [{"sku": "MUG-001", "quantity": 1}, {"sku": "TEE-1", "quantity": 1}],
        },
    )
    assert rest["order"]["status"] == "SHIPPED"
    parcels = rest["order"]["shipments"]
    assert [(p["carrier"], p["status"], p["lines"]) for p in parcels] == [
        ("DHL", "LABEL_CREATED", [{"sku": "MUG-001", "quantity": 1}]),
        ("UPS", "LABEL_CREATED", [{"sku": "MUG-001", "quantity": 1}, {"sku": "TEE-1", "quantity": 1}]),
    ]
    done = await call(
        api, key, ADD_SHIPMENT, {"orderId": order_id, "carrier": "DHL", "lines": [{"sku": "TEE-1", "quantity": 1}]}
    )
    assert [e["code"] for e in done["userErrors"]] == ["ILLEGAL_TRANSITION"]

    scan = {
        "occurredAt": "2026-11-21T08:00:00Z",
        "status": "IN_TRANSIT",
        "location": "Leipzig hub",
        "description": "Sorted",
    }
    moving = await call(api, key, ADD_EVENT, {**scan, "shipmentId": parcels[0]["id"]})
    assert moving["order"]["shipments"][0]["events"] == [
        {"status": "IN_TRANSIT", "location": "Leipzig hub", "description": "Sorted"}
    ]
    delivered = {**scan, "occurredAt": "2026-11-22T12:00:00Z", "status": "DELIVERED", "description": "Handed over"}
    one = await call(api, key, ADD_EVENT, {**delivered, "shipmentId": parcels[0]["id"]})
    assert one["order"]["status"] == "SHIPPED"  # the second parcel is still on its way
    both = await call(api, key, ADD_EVENT, {**delivered, "shipmentId": parcels[1]["id"]})
    assert both["order"]["status"] == "DELIVERED"
    assert [t["status"] for t in both["order"]["timeline"]] == [
        "PENDING_PAYMENT",
        "PAID",
        "PROCESSING",
        "PARTIALLY_SHIPPED",
        "SHIPPED",
        "DELIVERED",
    ]

    # The customer sees the same parcels and events in their history.
    mine = await api.ok(
        "{ me { orders { edges { node { status shipments { carrier events { status } } } } } } }", token=customer.token
    )
    node = mine["me"]["orders"]["edges"][0]["node"]
    assert node["status"] == "DELIVERED"
    assert [[e["status"] for e in s["events"]] for s in node["shipments"]] == [
        ["IN_TRANSIT", "DELIVERED"],
        ["DELIVERED"],
    ]


async def test_bad_shipments_and_events(api: Api, rt: Runtime, customer: Caller) -> None:
    key, order_id = await paid_order(api, rt, customer)
    cases: list[tuple[dict[str, Any], str, list[str]]] = [
        (
            {"orderId": order_id, "carrier": " ", "lines": [{"sku": "MUG-001", "quantity": 1}]},
            "REQUIRED",
            ["input", "carrier"],
        ),
        ({"orderId": order_id, "carrier": "DHL", "lines": []}, "REQUIRED", ["input", "lines"]),
        (
            {"orderId": order_id, "carrier": "DHL", "lines": [{"sku": "MUG-001", "quantity": 0}]},
            "INVALID_QUANTITY",
            ["input", "lines", "0", "quantity"],
        ),
        (
            {
                "orderId": order_id,
                "carrier": "DHL",
                "trackingUrl": "javascript:x",
                "lines": [{"sku": "MUG-001", "quantity": 1}],
            },
            "INVALID",
            ["input", "trackingUrl"],
        ),
        (
            {"orderId": "nope", "carrier": "DHL", "lines": [{"sku": "MUG-001", "quantity": 1}]},
            "NOT_FOUND",
            ["input", "orderId"],
        ),
    ]
    for value, code, field in cases:
        payload = await call(api, key, ADD_SHIPMENT, value)
        assert (payload["order"], [(e["code"], e["field"]) for e in payload["userErrors"]]) == (
            None,
            [(code, field)],
        ), value
    event = {"shipmentId": "nope", "occurredAt": "2026-11-21T08:00:00Z", "status": "IN_TRANSIT", "description": "x"}
    assert [e["code"] for e in (await call(api, key, ADD_EVENT, event))["userErrors"]] == ["NOT_FOUND"]
    unpaid = (await push(api, key, order_input("S-unpaid", customer.customer.email)))["order"]["id"]
    early = await call(
        api, key, ADD_SHIPMENT, {"orderId": unpaid, "carrier": "DHL", "lines": [{"sku": "MUG-001", "quantity": 1}]}
    )
    assert [e["code"] for e in early["userErrors"]] == ["ILLEGAL_TRANSITION"]
    assert (await api(ADD_SHIPMENT, {"i": cases[0][0]}, token=customer.token)).error_codes == ["FORBIDDEN"]


async def test_order_history_with_shipments_has_a_constant_statement_count(
    api: Api, rt: Runtime, customer: Caller
) -> None:
    query = """{ me { orders(first: 50) { edges { node { lines { sku } shipments { carrier events { status } } timeline { status } } } } } }"""

    async def shipped_order(n: int) -> None:
        key, order_id = await paid_order(api, rt, customer, f"C{n}")
        payload = await call(
            api,
            key,
            ADD_SHIPMENT,
            {
                "orderId": order_id,
                "carrier": "DHL",
                "lines": [{"sku": "MUG-001", "quantity": 2}, {"sku": "TEE-1", "quantity": 1}],
            },
        )
        shipment = payload["order"]["shipments"][0]["id"]
        await call(
            api,
            key,
            ADD_EVENT,
            {
                "shipmentId": shipment,
                "occurredAt": "2026-11-21T08:00:00Z",
                "status": "IN_TRANSIT",
                "description": "Sorted",
            },
        )

    await shipped_order(0)
    with count_statements(rt) as one:
        await api.ok(query, token=customer.token)
    for n in range(1, 6):
        await shipped_order(n)
    with count_statements(rt) as many:
        data = await api.ok(query, token=customer.token)
    assert len(data["me"]["orders"]["edges"]) == 6
    assert len(one) == len(many), many
