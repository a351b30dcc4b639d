"""Orders: plain objects built with their lines and timeline, so every field resolves as an attribute."""

import asyncio
import uuid
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry import relay

from app.pagination import Page
from app.services.order_timeline import TimelineNote
from app.services.orders import OrderErrorCode, OrderWithLines, StatusEvent
from models.order import Order as OrderRow
from models.order import OrderChannel, OrderStatus, OrderTimelineReason, ShipmentStatus
from models.order import OrderLine as OrderLineRow
from models.order import OrderStatusChange as OrderStatusChangeRow
from models.order import Shipment as ShipmentRow
from models.order import TrackingEvent as TrackingEventRow
from models.payment import Invoice as InvoiceRow
from models.payment import Payment as PaymentRow
from models.returns import ReturnRefundDestination
from schema.types.base import (
    DisplayableError,
    Info,
    connection_from_page,
    encode_global_id,
    load_nodes,
    selected_names,
)
from schema.types.money import CurrencyCode, Money
from schema.types.payment import Invoice, Payment

if TYPE_CHECKING:
    from schema.types.returns import Return

OrderStatusEnum = strawberry.enum(OrderStatus, name="OrderStatus")
OrderChannelEnum = strawberry.enum(OrderChannel, name="OrderChannel")
OrderErrorCodeEnum = strawberry.enum(OrderErrorCode, name="OrderErrorCode")
ShipmentStatusEnum = strawberry.enum(ShipmentStatus, name="ShipmentStatus")
OrderTimelineReasonEnum = strawberry.enum(
    OrderTimelineReason,
    name="OrderTimelineReason",
    description="Why this server wrote a timeline entry; clients word it in the reader's language.",
)


@strawberry.type(description="An error from pushing or changing an order.")
class OrderUserError(DisplayableError):
    code: OrderErrorCode


# GraphQL field -> key in the stored address copy (the same names clients send).
ADDRESS_KEYS = {
    "first_name": "firstName",
    "last_name": "lastName",
    "company": "company",
    "line1": "line1",
    "line2": "line2",
    "city": "city",
    "region": "region",
    "postal_code": "postalCode",
    "country_code": "countryCode",
    "phone": "phone",
}


@strawberry.type(description="An address as it was when the order was placed.")
class OrderAddress:
    first_name: str | None
    last_name: str | None
    company: str | None
    line1: str | None
    line2: str | None
    city: str | None
    region: str | None
    postal_code: str | None
    country_code: str | None
    phone: str | None

    @classmethod
    def of(cls, value: dict[str, Any] | None) -> "OrderAddress | None":
        if not value:
            return None
        return cls(**{name: value.get(key) for name, key in ADDRESS_KEYS.items()})


@strawberry.type
class OrderLine:
    id: strawberry.ID = strawberry.field(description="Names the line in requestReturn.")
    sku: str
    name: str
    quantity: int
    unit_price: Money
    tax_rate: Decimal = strawberry.field(description="Percent, e.g. 19.00.")
    tax_amount: Money
    total: Money = strawberry.field(description="Quantity times unit price, before tax.")

    @classmethod
    def from_row(cls, row: OrderLineRow, currency: str) -> "OrderLine":
        return cls(
            id=encode_global_id("OrderLine", row.id),
            sku=row.sku,
            name=row.name,
            quantity=row.quantity,
            unit_price=Money.of(row.unit_price, currency),
            tax_rate=Decimal(row.tax_rate_bp).scaleb(-2),
            tax_amount=Money.of(row.tax_amount, currency),
            total=Money.of(row.total, currency),
        )


@strawberry.type(description="Part of a return's refund, as the timeline tells it: where the money went.")
class OrderTimelineRefund:
    destination: ReturnRefundDestination = strawberry.field(description="STORE_CREDIT or ORIGINAL_PAYMENT.")
    amount: Money
    payment_method: str | None = strawberry.field(
        description='The card it went back to, e.g. "Visa •••• 4242"; null for store credit.'
    )


@strawberry.type
class TimelineWording:
    """Why this server wrote an entry and the values its sentence needs (shared by the timeline entry and
    the status event; not a schema type of its own)."""

    reason: OrderTimelineReason | None = strawberry.field(
        default=None,
        description=(
            "Set on the entries this server writes, to word them in the reader's language (note then holds the"
            " English sentence); null on the order system's entries, whose note is the shop's own words."
        ),
    )
    offer_number: str | None = strawberry.field(default=None, description="PLACED_FROM_OFFER: the offer.")
    payment_method: str | None = strawberry.field(
        default=None, description='PAID_ONLINE: the card it was paid with, e.g. "Visa •••• 4242" (null if unknown).'
    )
    return_number: str | None = strawberry.field(default=None, description="RETURN_REFUNDED: the return.")
    refunded_amount: Money | None = strawberry.field(
        default=None, description="RETURN_REFUNDED: what was paid back in all."
    )
    refunds: list[OrderTimelineRefund] = strawberry.field(
        default_factory=list, description="RETURN_REFUNDED: where the money went, part by part."
    )

    @staticmethod
    def values(said: TimelineNote | None) -> dict[str, Any]:
        if said is None:
            return {}
        currency = said.currency
        return {
            "reason": said.reason,
            "offer_number": said.offer_number,
            "payment_method": said.payment_method,
            "return_number": said.return_number,
            "refunded_amount": Money.of(said.amount, currency) if said.amount is not None and currency else None,
            "refunds": [
                OrderTimelineRefund(
                    destination=part.destination,
                    amount=Money.of(part.amount, currency),
                    payment_method=part.payment_method,
                )
                for part in said.refunds
                if currency
            ],
        }


@strawberry.type(description="One step of the order's life: placement, then each status it took.")
class OrderTimelineEntry(TimelineWording):
    from_status: OrderStatus | None
    status: OrderStatus
    note: str | None = strawberry.field(
        description="The order system's own words, or (with a reason) this server's sentence in English."
    )
    at: datetime

    @classmethod
    def from_row(cls, row: OrderStatusChangeRow) -> "OrderTimelineEntry":
        return cls(
            from_status=row.from_status,
            status=row.to_status,
            note=row.note,
            at=row.created_at,
            **cls.values(TimelineNote.read(row.reason, row.details)),
        )


@strawberry.type(description="A carrier's scan or note about a parcel.")
class TrackingEvent:
    occurred_at: datetime
    status: ShipmentStatus
    location: str | None
    description: str


@strawberry.type(description="A parcel of (part of) the order, with its tracking.")
class Shipment:
    id: strawberry.ID
    carrier: str
    tracking_number: str | None
    tracking_url: str | None
    status: ShipmentStatus
    lines: list["ShipmentLine"]
    events: list[TrackingEvent] = strawberry.field(description="Oldest first.")
    created_at: datetime


@strawberry.type
class ShipmentLine:
    sku: str
    quantity: int


def _shipments(rows: list[ShipmentRow], events: list[TrackingEventRow]) -> list[Shipment]:
    by_shipment: dict[object, list[TrackingEvent]] = {}
    for event in events:
        by_shipment.setdefault(event.shipment_id, []).append(
            TrackingEvent(
                occurred_at=event.occurred_at,
                status=event.status,
                location=event.location,
                description=event.description,
            )
        )
    return [
        Shipment(
            id=encode_global_id("Shipment", row.id),
            carrier=row.carrier,
            tracking_number=row.tracking_number,
            tracking_url=row.tracking_url,
            status=row.status,
            lines=[ShipmentLine(sku=item["sku"], quantity=int(item["quantity"])) for item in row.lines],
            events=by_shipment.get(row.id, []),
            created_at=row.created_at,
        )
        for row in rows
    ]


@strawberry.type(description="An order, online or at a till (POS).")
class Order(relay.Node):
    id: relay.NodeID[str]
    number: str
    status: OrderStatus
    channel: OrderChannel
    placed_at: datetime
    currency_code: str
    subtotal: Money
    discount_total: Money
    shipping_total: Money
    tax_total: Money
    total: Money
    billing_address: OrderAddress | None
    shipping_address: OrderAddress | None
    lines: list[OrderLine]
    timeline: list[OrderTimelineEntry] = strawberry.field(description="Oldest first.")
    shipments: list[Shipment]
    is_guest_order: bool = strawberry.field(description="Placed without an account and not yet claimed.")
    updated_at: datetime
    invoice: Invoice | None
    payments: list[Payment] = strawberry.field(description="Every attempt to pay it, oldest first, with outcomes.")

    @strawberry.field(description="Returns (RMAs) requested for this order, oldest first.")
    async def returns(self, info: Info) -> list[Annotated["Return", strawberry.lazy("schema.types.returns")]]:
        from schema.types.returns import Return

        rows = await info.context.loaders.order_returns.load(uuid.UUID(self.id))
        return [Return.from_row(row) for row in rows]

    @classmethod
    def build(
        cls,
        order: OrderRow,
        lines: list[OrderLineRow],
        timeline: list[OrderStatusChangeRow],
        shipments: list[ShipmentRow],
        events: list[TrackingEventRow],
        invoice: InvoiceRow | None,
        payments: list[PaymentRow],
    ) -> "Order":
        currency = order.currency
        return cls(
            id=str(order.id),
            number=order.number,
            status=order.status,
            channel=order.channel,
            placed_at=order.placed_at,
            currency_code=currency,
            subtotal=Money.of(order.subtotal, currency),
            discount_total=Money.of(order.discount_total, currency),
            shipping_total=Money.of(order.shipping_total, currency),
            tax_total=Money.of(order.tax_total, currency),
            total=Money.of(order.total, currency),
            billing_address=OrderAddress.of(order.billing_address),
            shipping_address=OrderAddress.of(order.shipping_address),
            lines=[OrderLine.from_row(line, currency) for line in lines],
            timeline=[OrderTimelineEntry.from_row(entry) for entry in timeline],
            shipments=_shipments(shipments, events),
            is_guest_order=order.customer_id is None,
            updated_at=order.updated_at,
            invoice=Invoice.from_row(invoice) if invoice else None,
            payments=[Payment.from_row(payment) for payment in payments],
        )

    @classmethod
    def of(cls, found: OrderWithLines) -> "Order":
        return cls.build(
            found.order, found.lines, found.timeline, found.shipments, found.events, found.invoice, found.payments
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list["Order | None"]:
        rows = await load_nodes(info.context.loaders.order, node_ids)
        built = await build_orders(info, [row for row in rows if row is not None])
        by_id = {order.id: order for order in built}
        return [by_id.get(str(row.id)) if row else None for row in rows]


async def _children(loader: Any, ids: list[Any], wanted: bool, empty: Any) -> list[Any]:
    return await loader.load_many(ids) if wanted else [empty() for _ in ids]


async def build_orders(info: Info, rows: list[OrderRow], selected: frozenset[str] | None = None) -> list[Order]:
    """Orders with their children, fetched for all of them at once: one batch per relation the query
    selects (`selected`: the Order fields asked for; None fetches every relation)."""
    ids = [row.id for row in rows]
    loaders = info.context.loaders
    if not ids:
        return []

    def wanted(name: str) -> bool:
        return selected is None or name in selected

    lines, timelines, shipments, events, invoices, payments = await asyncio.gather(
        _children(loaders.order_lines, ids, wanted("lines"), list),
        _children(loaders.order_timeline, ids, wanted("timeline"), list),
        _children(loaders.order_shipments, ids, wanted("shipments"), list),
        _children(loaders.order_tracking_events, ids, wanted("shipments"), list),
        _children(loaders.order_invoice, ids, wanted("invoice"), lambda: None),
        _children(loaders.order_payments, ids, wanted("payments"), list),
    )
    return [
        Order.build(*parts) for parts in zip(rows, lines, timelines, shipments, events, invoices, payments, strict=True)
    ]


async def orders_connection(info: Info, page: Page[OrderRow]) -> Any:
    orders = await build_orders(info, page.items, selected_names(info, "edges", "node"))
    built = {order.id: order for order in orders}
    return connection_from_page(page, lambda row: built[str(row.id)])


@strawberry.input(description="An address as it was when the order was placed (copied, never linked).")
class OrderAddressInput:
    first_name: str | None = None
    last_name: str | None = None
    company: str | None = None
    line1: str | None = None
    line2: str | None = None
    city: str | None = None
    region: str | None = None
    postal_code: str | None = None
    country_code: str | None = None
    phone: str | None = None

    def as_dict(self) -> dict[str, Any]:
        values = {key: getattr(self, name) for name, key in ADDRESS_KEYS.items()}
        return {key: value for key, value in values.items() if value is not None}


@strawberry.input(description="Prices are net; tax is given per line.")
class OrderLineInput:
    sku: str
    name: str
    quantity: int
    unit_price: Decimal
    tax_rate: Decimal = strawberry.field(default=Decimal(0), description="Percent, e.g. 19.")
    tax_amount: Decimal = Decimal(0)


@strawberry.input(description="An order from the order system or POS; sending it again updates it.")
class UpsertOrderInput:
    source: str = strawberry.field(description="The sending system, e.g. webshop or pos-berlin.")
    external_id: str = strawberry.field(description="The order's id in the sending system.")
    number: str = strawberry.field(description="The number customers see, e.g. #10042.")
    currency_code: CurrencyCode  # type: ignore[valid-type]
    placed_at: datetime
    lines: list[OrderLineInput]
    customer_id: strawberry.ID | None = strawberry.field(default=None, description="The customer, or send email.")
    email: str | None = strawberry.field(default=None, description="Matched to an account; else a guest order.")
    channel: OrderChannel = OrderChannel.ONLINE
    status: OrderStatus = OrderStatus.PENDING_PAYMENT
    discount_total: Decimal = Decimal(0)
    shipping_total: Decimal = Decimal(0)
    billing_address: OrderAddressInput | None = None
    shipping_address: OrderAddressInput | None = None


@strawberry.type
class UpsertOrderPayload:
    order: Order | None = None
    created: bool = strawberry.field(default=False, description="False when the order was known and updated.")
    user_errors: list[OrderUserError] = strawberry.field(default_factory=list)


@strawberry.input(description="The order by orderId, or by source and externalId.")
class UpdateOrderStatusInput:
    status: OrderStatus
    order_id: strawberry.ID | None = None
    source: str | None = None
    external_id: str | None = None
    note: str | None = None


@strawberry.type
class UpdateOrderStatusPayload:
    order: Order | None = None
    user_errors: list[OrderUserError] = strawberry.field(default_factory=list)


@strawberry.input
class OrderFilter:
    status: list[OrderStatus] | None = None
    placed_after: datetime | None = None
    placed_before: datetime | None = None
    query: str | None = strawberry.field(default=None, description="Order number, or a line's SKU or name.")


@strawberry.type
class ClaimGuestOrdersPayload:
    pending_orders: int = strawberry.field(
        default=0, description="Guest orders placed with your email; when any, a confirmation link was emailed."
    )
    user_errors: list[OrderUserError] = strawberry.field(default_factory=list)


@strawberry.input
class ConfirmGuestOrderClaimInput:
    token: str = strawberry.field(description="From the link in the email.")


@strawberry.type
class ConfirmGuestOrderClaimPayload:
    claimed_orders: int = 0
    user_errors: list[OrderUserError] = strawberry.field(default_factory=list)


@strawberry.input
class ShipmentLineInput:
    sku: str
    quantity: int


@strawberry.input(description="A parcel for an order; the order becomes SHIPPED once everything is on its way.")
class AddShipmentInput:
    order_id: strawberry.ID
    carrier: str
    lines: list[ShipmentLineInput]
    tracking_number: str | None = None
    tracking_url: str | None = None


@strawberry.input(description="A carrier's scan; DELIVERED on every parcel makes the order DELIVERED.")
class AddTrackingEventInput:
    shipment_id: strawberry.ID
    occurred_at: datetime
    status: ShipmentStatus
    description: str
    location: str | None = None


@strawberry.type
class AddShipmentPayload:
    order: Order | None = None
    user_errors: list[OrderUserError] = strawberry.field(default_factory=list)


@strawberry.type
class AddTrackingEventPayload:
    order: Order | None = None
    user_errors: list[OrderUserError] = strawberry.field(default_factory=list)


@strawberry.type(description="An order moved to another status (or was placed: previousStatus is null).")
class OrderStatusChangedEvent(TimelineWording):
    order: Order = strawberry.field(description="The order as it is now.")
    previous_status: OrderStatus | None
    status: OrderStatus = strawberry.field(description="The status the order moved to with this change.")
    note: str | None = strawberry.field(
        description="The order system's own words, or (with a reason) this server's sentence in English."
    )
    changed_at: datetime

    @classmethod
    def of(cls, event: StatusEvent) -> "OrderStatusChangedEvent":
        return cls(
            order=Order.of(event.order),
            previous_status=event.previous_status,
            status=event.status,
            note=event.note,
            changed_at=event.changed_at,
            **cls.values(event.said),
        )
