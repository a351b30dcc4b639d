"""The timeline entries this server writes carry a reason and the values their sentence needs, so clients
word them in the reader's language; the order system's own notes carry none and stay as they were sent."""

import uuid
from pathlib import Path
from typing import Any

from sqlalchemy import text

from app.config import Settings
from app.db import create_engine
from app.migrate import upgrade
from app.runtime import Runtime
from tests.live import graphql_socket, live_server
from tests.offers.helpers import accept, new_offer
from tests.orders.helpers import UPDATE_STATUS, order_input, order_key, push
from tests.orders.test_shipments import ADD_EVENT, ADD_SHIPMENT, call
from tests.orders.test_subscriptions import event, http_api, outbox_drained, signed_in
from tests.payments.helpers import pay_order, save_card
from tests.payments.test_store_credit import ADJUST, credit_pay
from tests.returns.helpers import RECEIVE, act, request_input, requested, warehouse_key
from tests.support import Api, Caller

ENTRY = """fromStatus status note reason offerNumber paymentMethod returnNumber
  refundedAmount { amount currencyCode } refunds { destination amount { amount currencyCode } paymentMethod }"""
TIMELINE = f"""query($id: ID!) {{ node(id: $id) {{ ... on Order {{ id lines {{ id sku quantity }}
  timeline {{ {ENTRY} }} }} }} }}"""
NONE: dict[str, Any] = {
    "offerNumber": None,
    "paymentMethod": None,
    "returnNumber": None,
    "refundedAmount": None,
    "refunds": [],
}


def said(reason: str | None, **values: Any) -> dict[str, Any]:
    return {"reason": reason, **NONE, **values}


async def timeline(api: Api, caller: Caller, order_id: str) -> list[dict[str, Any]]:
    node: dict[str, Any] = (await api.ok(TIMELINE, {"id": order_id}, token=caller.token))["node"]
    return [{key: entry[key] for key in ("reason", *NONE)} | {"note": entry["note"]} for entry in node["timeline"]]


async def test_an_order_placed_paid_by_card_shipped_delivered_and_returned(
    api: Api, rt: Runtime, customer: Caller
) -> None:
    key = await order_key(rt)
    order_id = (await push(api, key, order_input("T1", customer.customer.email)))["order"]["id"]
    card = await save_card(api, customer.token, "tok_visa")
    paid = await pay_order(api, customer.token, order_id, "pay-order-t1", paymentMethodId=card["paymentMethod"]["id"])
    assert paid["userErrors"] == []
    lines = [{"sku": "MUG-001", "quantity": 2}, {"sku": "TEE-1", "quantity": 1}]
    shipped = await call(api, key, ADD_SHIPMENT, {"orderId": order_id, "carrier": "DHL", "lines": lines})
    assert shipped["userErrors"] == []
    scan = {"occurredAt": "2026-11-22T12:00:00Z", "status": "DELIVERED", "description": "Handed over"}
    delivered = await call(api, key, ADD_EVENT, {**scan, "shipmentId": shipped["order"]["shipments"][0]["id"]})
    assert delivered["order"]["status"] == "DELIVERED"
    node = (await api.ok(TIMELINE, {"id": order_id}, token=customer.token))["node"]
    returned = await requested(api, customer, request_input(node, 1))
    received = await act(api, await warehouse_key(rt), RECEIVE, returnId=returned["id"])
    assert received["return"]["status"] == "REFUNDED"
    # The order system's own words: no reason, the note as sent.
    moved = await api.ok(
        UPDATE_STATUS, {"i": {"orderId": order_id, "status": "REFUNDED", "note": "Kulanz: alles erstattet"}}, token=key
    )
    assert moved["updateOrderStatus"]["userErrors"] == []

    number = returned["number"]
    visa = "Visa •••• 4242"
    assert await timeline(api, customer, order_id) == [
        said("PLACED", note="placed"),
        said("PAID_ONLINE", paymentMethod=visa, note="paid online"),
        said("SHIPPING_STARTED", note="shipping started"),
        said("SHIPMENT_ADDED", note="shipment added"),
        said("DELIVERED", note="delivered"),
        said(
            "RETURN_REFUNDED",
            returnNumber=number,
            refundedAmount={"amount": "16.46", "currencyCode": "EUR"},
            refunds=[
                {
                    "destination": "ORIGINAL_PAYMENT",
                    "amount": {"amount": "16.46", "currencyCode": "EUR"},
                    "paymentMethod": visa,
                }
            ],
            note=f"Return {number}: 16.46 EUR refunded (16.46 EUR to {visa})",
        ),
        said(None, note="Kulanz: alles erstattet"),
    ]


async def test_an_order_from_an_offer_paid_with_store_credit(
    api: Api, rt: Runtime, customer: Caller, staff: Caller, admin: Caller
) -> None:
    offer = await new_offer(api, staff, customer)
    order = (await accept(api, customer, offer["id"]))["offer"]["order"]
    credited = await api.ok(
        ADJUST, {"i": {"customerId": customer.gid, "amount": "100", "note": "Goodwill"}}, token=admin.token
    )
    assert credited["adjustStoreCredit"]["userErrors"] == []
    assert (await credit_pay(api, customer, order["id"]))["userErrors"] == []
    assert await timeline(api, customer, order["id"]) == [
        said("PLACED_FROM_OFFER", offerNumber=offer["number"], note=f"placed from offer {offer['number']}"),
        said("PAID_WITH_STORE_CREDIT", note="paid on store credit"),
    ]


async def test_a_return_paid_back_as_store_credit_names_it_so(api: Api, rt: Runtime, customer: Caller) -> None:
    key = await order_key(rt)
    value = order_input("T3", customer.customer.email, status="DELIVERED")
    order_id = (await push(api, key, value))["order"]["id"]  # paid elsewhere: the refund is store credit
    node = (await api.ok(TIMELINE, {"id": order_id}, token=customer.token))["node"]
    returned = await requested(api, customer, request_input(node, 0, 1))
    assert (await act(api, await warehouse_key(rt), RECEIVE, returnId=returned["id"]))["return"]["status"] == "REFUNDED"
    entries = await timeline(api, customer, order_id)
    assert entries[-1] == said(
        "RETURN_REFUNDED",
        returnNumber=returned["number"],
        refundedAmount={"amount": "29.61", "currencyCode": "EUR"},
        refunds=[
            {"destination": "STORE_CREDIT", "amount": {"amount": "29.61", "currencyCode": "EUR"}, "paymentMethod": None}
        ],
        note=f"Return {returned['number']}: 29.61 EUR refunded (29.61 EUR as store credit)",
    )


WATCH = """subscription($id: ID) { orderStatusChanged(orderId: $id) { status note reason paymentMethod } }"""


async def test_the_status_event_carries_the_reason_too(settings: Settings, setup_rt: Runtime) -> None:
    with live_server(settings) as server:
        api = await http_api(server)
        _, email, token = await signed_in(api, setup_rt)
        key = await order_key(setup_rt)
        order_id = (await push(api, key, order_input("T4", email)))["order"]["id"]
        await outbox_drained(setup_rt)
        card = await save_card(api, token, "tok_visa")
        async with graphql_socket(server, token) as socket:
            await socket.subscribe(WATCH, {"id": order_id})
            await server.wait_for_subscriber(f"order:{_node_id(order_id)}")
            paid = await pay_order(api, token, order_id, "pay-order-t4", paymentMethodId=card["paymentMethod"]["id"])
            assert paid["userErrors"] == []
            assert event(await socket.receive()) == {
                "status": "PAID",
                "note": "paid online",
                "reason": "PAID_ONLINE",
                "paymentMethod": "Visa •••• 4242",
            }
            await api.ok(
                UPDATE_STATUS, {"i": {"orderId": order_id, "status": "PROCESSING", "note": "Gepackt"}}, token=key
            )
            assert event(await socket.receive()) == {
                "status": "PROCESSING",
                "note": "Gepackt",
                "reason": None,
                "paymentMethod": None,
            }
        await api.client.aclose()


def _node_id(gid: str) -> str:
    from strawberry import relay

    return relay.GlobalID.from_id(gid).node_id


async def test_migration_gives_old_entries_of_ours_their_reason(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'old.db'}")
    order, service = uuid.uuid4().hex, uuid.uuid4().hex
    old = [  # from, to, note, written by the order system
        (None, "PENDING_PAYMENT", "placed", True),
        (None, "PENDING_PAYMENT", "placed from offer O-7", False),
        ("PENDING_PAYMENT", "PAID", "paid online", False),
        ("PENDING_PAYMENT", "PAID", "paid online", True),  # the order system's words, though the same
        ("PAID", "PROCESSING", "shipping started", True),
        ("PROCESSING", "SHIPPED", "Packed with care", True),
        ("SHIPPED", "DELIVERED", "delivered", True),
        ("DELIVERED", "DELIVERED", "Return R-9: 5.00 EUR refunded (5.00 EUR as store credit)", False),
    ]
    try:
        await upgrade(engine, "0021")
        async with engine.begin() as connection:
            await connection.execute(
                text(
                    "INSERT INTO service_account (id, name, key_hash, scopes, created_at)"
                    " VALUES (:id, 'orders', 'x', 'orders:write', '2026-01-01 10:00:00')"
                ),
                {"id": service},
            )
            await connection.execute(
                text(
                    "INSERT INTO customer_order (id, number, status, channel, currency, subtotal, discount_total,"
                    " shipping_total, tax_total, total, placed_at, source, external_id, guest_email, created_at,"
                    " updated_at) VALUES (:id, 'B-1', 'DELIVERED', 'ONLINE', 'EUR', 500, 0, 0, 0, 500,"
                    " '2026-01-01 10:00:00', 'old', 'B-1', 'old@example.com', '2026-01-01 10:00:00',"
                    " '2026-01-01 10:00:00')"
                ),
                {"id": order},
            )
            for index, (before, after, note, by_order_system) in enumerate(old):
                await connection.execute(
                    text(
                        "INSERT INTO order_status_change (id, order_id, from_status, to_status, note,"
                        " service_account_id, created_at) VALUES (:id, :order, :before, :after, :note, :service,"
                        " :at)"
                    ),
                    {
                        "id": uuid.uuid4().hex,
                        "order": order,
                        "before": before,
                        "after": after,
                        "note": note,
                        "service": service if by_order_system else None,
                        "at": f"2026-01-01 10:00:0{index}",
                    },
                )
        await upgrade(engine, "head")
        async with engine.connect() as connection:
            rows = (
                await connection.execute(text("SELECT reason, details FROM order_status_change ORDER BY created_at"))
            ).all()
    finally:
        await engine.dispose()
    assert [(reason, details) for reason, details in rows] == [
        ("PLACED", None),
        ("PLACED_FROM_OFFER", '{"offer_number": "O-7"}'),
        ("PAID_ONLINE", None),
        (None, None),
        ("SHIPPING_STARTED", None),
        (None, None),
        ("DELIVERED", None),
        ("RETURN_REFUNDED", '{"return_number": "R-9"}'),
    ]
