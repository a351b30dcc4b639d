"""A German customer reads their order's history in German: the entries our server writes (placed, paid by
card, shipped, delivered) are worded from their reason in the reader's language, also when one arrives
live; the order system's own note is shown as the shop wrote it."""

import httpx
from playwright.async_api import expect
from strawberry import relay

from app.config import Settings
from app.runtime import Runtime
from tests.live import live_server
from tests.orders.helpers import UPDATE_STATUS, order_input, order_key, push
from tests.orders.test_shipments import ADD_EVENT, ADD_SHIPMENT
from tests.payments.helpers import pay_order, save_card
from tests.portal.browser import PASSWORD, browser_test, chromium, sign_in, watched_page
from tests.portal.test_browser_payments import SET_LANGUAGE, open_by_address
from tests.support import Api, login, make_customer

pytestmark = browser_test


async def test_a_german_customer_reads_the_order_timeline_in_german(settings: Settings, setup_rt: Runtime) -> None:
    customer = await make_customer(setup_rt, first_name="Ada", password=PASSWORD)
    with live_server(settings) as server:
        key = await order_key(setup_rt)
        async with httpx.AsyncClient(base_url=server.http_url, timeout=10) as client:
            api = Api(client)
            token = await login(api, customer.email, PASSWORD)
            assert (await api.ok(SET_LANGUAGE, {"i": {"language": "de-DE"}}, token=token))["updateSettings"] == {
                "userErrors": []
            }
            order_id = (await push(api, key, order_input("tl-1", customer.email)))["order"]["id"]
            card = (await save_card(api, token, "tok_visa"))["paymentMethod"]
            paid = await pay_order(api, token, order_id, "timeline-pay-1", paymentMethodId=card["id"])
            assert paid["userErrors"] == [], paid
            lines = [{"sku": "MUG-001", "quantity": 2}, {"sku": "TEE-1", "quantity": 1}]
            shipped = await api.ok(
                ADD_SHIPMENT, {"i": {"orderId": order_id, "carrier": "DHL", "lines": lines}}, token=key
            )
            parcel = shipped["addShipment"]["order"]["shipments"][0]

        async with chromium() as browser:
            watched = await watched_page(browser)
            page = watched.page
            await page.goto(f"{server.http_url}/account/login")
            await sign_in(page, customer.email, PASSWORD)
            await expect(page.get_by_role("heading", name="Hallo, Ada")).to_be_visible()
            await open_by_address(watched, f"{server.http_url}/account/orders/{order_id}", "Bestellung #tl-1")
            await expect(page.get_by_role("heading", name="Verlauf")).to_be_visible()
            entries = page.locator(".timeline li")
            # Newest first, each with its status and our words in German (never the English note).
            await expect(entries).to_have_count(4)
            await expect(entries.nth(0)).to_contain_text("Versandt")
            await expect(entries.nth(0)).to_contain_text("Paket versendet")
            await expect(entries.nth(1)).to_contain_text("In Bearbeitung")
            await expect(entries.nth(1)).to_contain_text("Wir bereiten Ihre Sendung vor")
            await expect(entries.nth(2)).to_contain_text("Bezahlt")
            await expect(entries.nth(2)).to_contain_text("Online bezahlt mit Visa •••• 4242")
            await expect(entries.nth(3)).to_contain_text("Zahlung ausstehend")
            await expect(entries.nth(3)).to_contain_text("Bestellung aufgegeben")
            timeline = page.locator(".timeline")
            for english in ("placed", "paid online", "shipping started", "shipment added"):
                await expect(timeline).not_to_contain_text(english)
            await watched.check("order-timeline-de")

            # The parcel arrives: the entry our server writes comes in live, in German too; then the order
            # system's own words, as the shop wrote them.
            await server.wait_for_subscriber(f"order:{relay.GlobalID.from_id(order_id).node_id}")
            requests = len(watched.graphql_requests)
            async with httpx.AsyncClient(base_url=server.http_url, timeout=10) as client:
                scan = {"occurredAt": "2026-11-22T12:00:00Z", "status": "DELIVERED", "description": "Zugestellt"}
                await Api(client).ok(ADD_EVENT, {"i": {**scan, "shipmentId": parcel["id"]}}, token=key)
                await expect(entries).to_have_count(5)
                await expect(entries.nth(0)).to_contain_text("Alle Pakete zugestellt")
                moved = await Api(client).ok(
                    UPDATE_STATUS,
                    {"i": {"orderId": order_id, "status": "REFUNDED", "note": "Goodwill: refunded in full"}},
                    token=key,
                )
                assert moved["updateOrderStatus"]["userErrors"] == []
            await expect(entries).to_have_count(6)
            await expect(entries.nth(0)).to_contain_text("Erstattet")
            await expect(entries.nth(0)).to_contain_text("Goodwill: refunded in full")
            assert len(watched.graphql_requests) == requests  # live, not reloaded
            await watched.check("order-timeline-de-live")
            watched.assert_clean()
