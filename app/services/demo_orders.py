"""Demo orders for `make run`: a delivered parcel, a till receipt and an unpaid order to pay online."""

import uuid
from datetime import timedelta

from sqlalchemy import select
from sqlmodel import col

from app.principal import Principal
from app.runtime import Runtime
from app.services import shipments
from app.services.orders import LineData, OrderData, OrderError, upsert_order
from app.services.service_accounts import create_service_account
from models.base import utcnow
from models.order import OrderChannel, OrderStatus, ShipmentStatus
from models.service_account import ServiceAccount

SOURCE = "demo"
ADDRESS = {
    "firstName": "Alex",
    "lastName": "Example",
    "line1": "Hauptstr. 1",
    "city": "Berlin",
    "postalCode": "10115",
    "countryCode": "DE",
}


async def _demo_principal(rt: Runtime) -> Principal:
    """The integration identity demo orders are pushed as (a service account, so changes have an author)."""
    async with rt.db.read() as session:
        account_id = (
            await session.execute(select(col(ServiceAccount.id)).where(col(ServiceAccount.name) == "demo data"))
        ).scalar_one_or_none()
    if account_id is None:
        account_id = (await create_service_account(rt, "demo data", ["orders:write"])).account.id
    return Principal(service_account_id=account_id, scopes=frozenset({"orders:write"}))


def _order(external_id: str, customer_id: uuid.UUID, days_ago: int, status: OrderStatus, **extra: object) -> OrderData:
    return OrderData(
        source=SOURCE,
        external_id=external_id,
        number=f"DEMO-{external_id}",
        currency="EUR",
        placed_at=utcnow() - timedelta(days=days_ago),
        lines=[
            LineData("MUG-001", "Enamel camping mug", 2, 1450, 1900, 551),
            LineData("TEE-BLK-M", "Organic cotton T-shirt, black, M", 1, 2900, 700, 203),
        ],
        status=status,
        customer_id=customer_id,
        customer_id_sent=True,
        shipping_total=490,
        billing_address=ADDRESS,
        shipping_address=ADDRESS,
        **extra,  # type: ignore[arg-type]
    )


async def seed_demo_orders(rt: Runtime, customer_id: uuid.UUID) -> None:
    principal = await _demo_principal(rt)
    delivered, created = await upsert_order(rt, principal, _order("1001", customer_id, 12, OrderStatus.PAID))
    if created:
        parcel = await shipments.add_shipment(
            rt,
            principal,
            delivered.order.id,
            shipments.ShipmentData(
                "DHL", "00340434161094042557", "https://www.dhl.de/", [("MUG-001", 2), ("TEE-BLK-M", 1)]
            ),
        )
        for days_ago, status, place, text in (
            (11, ShipmentStatus.IN_TRANSIT, "Leipzig hub", "Parcel is on its way"),
            (10, ShipmentStatus.DELIVERED, "Berlin", "Delivered to the front door"),
        ):
            try:
                await shipments.add_tracking_event(
                    rt,
                    principal,
                    parcel.shipments[-1].id,
                    occurred_at=utcnow() - timedelta(days=days_ago),
                    status=status,
                    location=place,
                    description=text,
                )
            except OrderError:
                break
    await upsert_order(rt, principal, _order("1002", customer_id, 5, OrderStatus.PAID, channel=OrderChannel.POS))
    # Waiting for payment: pay it in GraphiQL with a saved sandbox card (payOrder).
    await upsert_order(rt, principal, _order("1003", customer_id, 0, OrderStatus.PENDING_PAYMENT))
