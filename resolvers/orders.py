"""The integration API for orders (scope orders:write), and claiming guest orders."""

from collections.abc import AsyncGenerator
from decimal import Decimal

import strawberry

from app.money import to_minor
from app.services import guest_orders, orders, shipments
from app.services.errors import ErrorDetail, NotAuthenticatedError, NotFoundError
from app.services.orders import LineData, OrderData, OrderError, OrderErrorCode
from app.services.shipments import ShipmentData
from resolvers.permissions import IsAuthenticated, requires, requires_scope
from schema.shared_results import share_results
from schema.types.base import Info, decode_global_id, user_errors
from schema.types.order import (
    AddShipmentInput,
    AddShipmentPayload,
    AddTrackingEventInput,
    AddTrackingEventPayload,
    ClaimGuestOrdersPayload,
    ConfirmGuestOrderClaimInput,
    ConfirmGuestOrderClaimPayload,
    Order,
    OrderStatusChangedEvent,
    OrderUserError,
    UpdateOrderStatusInput,
    UpdateOrderStatusPayload,
    UpsertOrderInput,
    UpsertOrderPayload,
)


def _errors(error: OrderError) -> list[OrderUserError]:
    return user_errors(error, OrderUserError)


class _Amounts:
    def __init__(self, currency: str) -> None:
        self.currency = currency
        self.errors: list[ErrorDetail] = []

    def minor(self, value: Decimal, *path: str) -> int:
        try:
            return to_minor(value, self.currency)
        except (ValueError, ArithmeticError):
            self.errors.append(ErrorDetail(OrderErrorCode.INVALID_AMOUNT, f"Not an amount of {self.currency}.", path))
            return 0


def _order_data(input: UpsertOrderInput) -> OrderData:
    currency = str(input.currency_code.value)  # type: ignore[attr-defined]
    amounts = _Amounts(currency)
    lines = []
    for index, line in enumerate(input.lines):
        path = ("lines", str(index))
        rate = orders.rate_bp(line.tax_rate)
        if rate is None:
            message = "A percent with at most two decimals, e.g. 19 or 7.7."
            amounts.errors.append(ErrorDetail(OrderErrorCode.INVALID, message, (*path, "taxRate")))
            rate = 0
        lines.append(
            LineData(
                sku=line.sku,
                name=line.name,
                quantity=line.quantity,
                unit_price=amounts.minor(line.unit_price, *path, "unitPrice"),
                tax_rate_bp=rate,
                tax_amount=amounts.minor(line.tax_amount, *path, "taxAmount"),
            )
        )
    customer_id = decode_global_id(input.customer_id, "Customer") if input.customer_id else None
    data = OrderData(
        source=input.source,
        external_id=input.external_id,
        number=input.number,
        currency=currency,
        placed_at=input.placed_at,
        lines=lines,
        channel=input.channel,
        status=input.status,
        customer_id=customer_id,
        customer_id_sent=input.customer_id is not None,
        email=input.email,
        discount_total=amounts.minor(input.discount_total, "discountTotal"),
        shipping_total=amounts.minor(input.shipping_total, "shippingTotal"),
        billing_address=input.billing_address.as_dict() if input.billing_address else None,
        shipping_address=input.shipping_address.as_dict() if input.shipping_address else None,
    )
    if amounts.errors:
        raise OrderError(*amounts.errors)
    return data


@strawberry.type
class OrderIntegrationMutations:
    @strawberry.mutation(
        description="Create or update an order, idempotent on source and externalId (scope orders:write).",
        extensions=requires_scope("orders:write"),
    )
    async def upsert_order(self, info: Info, input: UpsertOrderInput) -> UpsertOrderPayload:
        try:
            found, created = await orders.upsert_order(info.context.rt, info.context.principal, _order_data(input))
        except OrderError as error:
            return UpsertOrderPayload(user_errors=_errors(error))
        return UpsertOrderPayload(order=Order.of(found), created=created)

    @strawberry.mutation(
        description="Move an order along its status machine (scope orders:write).",
        extensions=requires_scope("orders:write"),
    )
    async def update_order_status(self, info: Info, input: UpdateOrderStatusInput) -> UpdateOrderStatusPayload:
        order_id = decode_global_id(input.order_id, "Order") if input.order_id else None
        try:
            if input.order_id and order_id is None:
                raise OrderError.one(OrderErrorCode.NOT_FOUND, "No such order.", "orderId")
            found = await orders.update_order_status(
                info.context.rt,
                info.context.principal,
                order_id=order_id,
                source=input.source,
                external_id=input.external_id,
                status=input.status,
                note=input.note,
            )
        except OrderError as error:
            return UpdateOrderStatusPayload(user_errors=_errors(error))
        return UpdateOrderStatusPayload(order=Order.of(found))

    @strawberry.mutation(
        description="Add a parcel to an order (scope orders:write).", extensions=requires_scope("orders:write")
    )
    async def add_shipment(self, info: Info, input: AddShipmentInput) -> AddShipmentPayload:
        data = ShipmentData(
            carrier=input.carrier,
            tracking_number=input.tracking_number,
            tracking_url=input.tracking_url,
            lines=[(line.sku, line.quantity) for line in input.lines],
        )
        order_id = decode_global_id(input.order_id, "Order")
        try:
            found = await shipments.add_shipment(info.context.rt, info.context.principal, order_id, data)
        except OrderError as error:
            return AddShipmentPayload(user_errors=_errors(error))
        return AddShipmentPayload(order=Order.of(found))

    @strawberry.mutation(
        description="Record a carrier's scan of a parcel (scope orders:write).",
        extensions=requires_scope("orders:write"),
    )
    async def add_tracking_event(self, info: Info, input: AddTrackingEventInput) -> AddTrackingEventPayload:
        try:
            found = await shipments.add_tracking_event(
                info.context.rt,
                info.context.principal,
                decode_global_id(input.shipment_id, "Shipment"),
                occurred_at=input.occurred_at,
                status=input.status,
                location=input.location,
                description=input.description,
            )
        except OrderError as error:
            return AddTrackingEventPayload(user_errors=_errors(error))
        return AddTrackingEventPayload(order=Order.of(found))


@strawberry.type
class GuestOrderMutations:
    @strawberry.mutation(
        description="Ask to add the guest orders of your (verified) email to your account: a link is emailed.",
        extensions=requires(IsAuthenticated),
    )
    async def claim_guest_orders(self, info: Info) -> ClaimGuestOrdersPayload:
        try:
            waiting = await guest_orders.request_claim(info.context.rt, info.context.principal)
        except OrderError as error:
            return ClaimGuestOrdersPayload(user_errors=_errors(error))
        return ClaimGuestOrdersPayload(pending_orders=waiting)

    @strawberry.mutation(description="Follow the emailed link: the guest orders join the account.")
    async def confirm_guest_order_claim(
        self, info: Info, input: ConfirmGuestOrderClaimInput
    ) -> ConfirmGuestOrderClaimPayload:
        try:
            claimed = await guest_orders.confirm_claim(info.context.rt, input.token)
        except OrderError as error:
            return ConfirmGuestOrderClaimPayload(user_errors=_errors(error))
        info.context.reset_loaders()
        return ConfirmGuestOrderClaimPayload(claimed_orders=claimed)


@strawberry.type
class OrderSubscriptions:
    @strawberry.subscription(
        description=(
            "Status changes of one order, or of all your orders without orderId (staff: of any order). "
            "Over graphql-transport-ws, with the session token in connection_init."
        ),
        extensions=requires(IsAuthenticated),
    )
    async def order_status_changed(
        self, info: Info, order_id: strawberry.ID | None = None
    ) -> AsyncGenerator[OrderStatusChangedEvent, None]:
        context = info.context
        order_uuid = decode_global_id(order_id, "Order") if order_id is not None else None
        if order_id is not None and order_uuid is None:
            raise NotFoundError("No such order.")
        topic = await orders.status_subscription_topic(context.rt, context.principal, order_uuid)
        async with context.rt.broker.subscribe(topic) as queue:
            while True:
                delivery = await queue.get()
                # A revoked session, or a lost role or order, stops what this connection receives.
                await context.recheck_websocket_session()
                if not context.principal.is_authenticated:
                    raise NotAuthenticatedError()
                event = await orders.status_event_for(context.rt, context.principal, delivery)
                if event is not None:
                    # One root for all subscribers of this event: equal selections get one answer.
                    yield delivery.once(OrderStatusChangedEvent, _shared_root, event)


def _shared_root(event: orders.StatusEvent) -> OrderStatusChangedEvent:
    return share_results(OrderStatusChangedEvent.of(event))
