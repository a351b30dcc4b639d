"""Saved payment methods and paying orders and invoices (the signed-in customer)."""

from datetime import datetime

import strawberry

from app.services import payment_methods, payment_stats, payments
from app.services.payment_methods import PaymentMethodError
from app.services.payments import PaymentError, PaymentErrorCode, PayRequest
from models.payment import PaymentSource, PaymentStatus
from resolvers.permissions import IsAdmin, IsAuthenticated, requires
from schema.types.base import Info, decode_global_id, encode_global_id, user_errors
from schema.types.payment import (
    AddPaymentMethodInput,
    AddPaymentMethodPayload,
    Invoice,
    PayInvoiceInput,
    PaymentMethod,
    PaymentMethodIdInput,
    PaymentMethodUserError,
    PaymentPayload,
    PaymentStatistics,
    PaymentUserError,
    PayOrderInput,
    RemovePaymentMethodPayload,
    SetDefaultPaymentMethodPayload,
)
from schema.types.payment import Payment as PaymentType


async def _pay(info: Info, request: PayRequest, bad_id: str | None) -> PaymentPayload:
    try:
        if bad_id is not None:
            raise PaymentError.one(PaymentErrorCode.NOT_FOUND, "No such object.", bad_id)
        paid = await payments.pay(info.context.rt, info.context.principal, request)
    except PaymentError as error:
        return PaymentPayload(user_errors=user_errors(error, PaymentUserError))
    return PaymentPayload(
        payment=PaymentType.from_row(paid.payment), invoice=Invoice.from_row(paid.invoice), replayed=paid.replayed
    )


def _card(value: strawberry.ID | None) -> tuple[object, bool]:
    """The payment method's id, and whether a sent id was malformed."""
    if value is None:
        return None, False
    found = decode_global_id(value, "PaymentMethod")
    return found, found is None


@strawberry.type
class PaymentMutations:
    @strawberry.mutation(
        description="Save a card from the gateway's single-use token (never a card number).",
        extensions=requires(IsAuthenticated),
    )
    async def add_payment_method(self, info: Info, input: AddPaymentMethodInput) -> AddPaymentMethodPayload:
        ctx = info.context
        try:
            address = input.billing_address.as_dict() if input.billing_address else None
            row = await payment_methods.add(
                ctx.rt, ctx.principal, ctx.meta, input.gateway_token, address, input.make_default
            )
        except PaymentMethodError as error:
            return AddPaymentMethodPayload(user_errors=user_errors(error, PaymentMethodUserError))
        return AddPaymentMethodPayload(
            payment_method=PaymentMethod.from_row(row, ctx.rt.settings.card_expiry_warning_days)
        )

    @strawberry.mutation(
        description="Remove a saved card (here and at the gateway).", extensions=requires(IsAuthenticated)
    )
    async def remove_payment_method(self, info: Info, input: PaymentMethodIdInput) -> RemovePaymentMethodPayload:
        ctx = info.context
        try:
            removed = await payment_methods.remove(
                ctx.rt, ctx.principal, ctx.meta, decode_global_id(input.payment_method_id, "PaymentMethod")
            )
        except PaymentMethodError as error:
            return RemovePaymentMethodPayload(user_errors=user_errors(error, PaymentMethodUserError))
        return RemovePaymentMethodPayload(removed_payment_method_id=encode_global_id("PaymentMethod", removed))

    @strawberry.mutation(description="Make a saved card the default.", extensions=requires(IsAuthenticated))
    async def set_default_payment_method(
        self, info: Info, input: PaymentMethodIdInput
    ) -> SetDefaultPaymentMethodPayload:
        ctx = info.context
        try:
            row = await payment_methods.set_default(
                ctx.rt, ctx.principal, decode_global_id(input.payment_method_id, "PaymentMethod")
            )
        except PaymentMethodError as error:
            return SetDefaultPaymentMethodPayload(user_errors=user_errors(error, PaymentMethodUserError))
        return SetDefaultPaymentMethodPayload(
            payment_method=PaymentMethod.from_row(row, ctx.rt.settings.card_expiry_warning_days)
        )

    @strawberry.mutation(
        description="Pay an order's open invoice; safe to retry with the same idempotencyKey.",
        extensions=requires(IsAuthenticated),
    )
    async def pay_order(self, info: Info, input: PayOrderInput) -> PaymentPayload:
        order_id = decode_global_id(input.order_id, "Order")
        method_id, bad_method = _card(input.payment_method_id)
        request = PayRequest(
            invoice_id=None,
            order_id=order_id,
            payment_method_id=method_id,  # type: ignore[arg-type]
            use_store_credit=input.use_store_credit,
            idempotency_key=input.idempotency_key,
        )
        bad = "orderId" if order_id is None else ("paymentMethodId" if bad_method else None)
        return await _pay(info, request, bad)

    @strawberry.mutation(
        description="Pay an open invoice; safe to retry with the same idempotencyKey.",
        extensions=requires(IsAuthenticated),
    )
    async def pay_invoice(self, info: Info, input: PayInvoiceInput) -> PaymentPayload:
        invoice_id = decode_global_id(input.invoice_id, "Invoice")
        method_id, bad_method = _card(input.payment_method_id)
        request = PayRequest(
            invoice_id=invoice_id,
            order_id=None,
            payment_method_id=method_id,  # type: ignore[arg-type]
            use_store_credit=input.use_store_credit,
            idempotency_key=input.idempotency_key,
        )
        bad = "invoiceId" if invoice_id is None else ("paymentMethodId" if bad_method else None)
        return await _pay(info, request, bad)


@strawberry.type
class PaymentQueries:
    @strawberry.field(
        description="Payment attempts and their success rate over a period (default: the last 30 days).",
        extensions=requires(IsAdmin),
    )
    async def payment_statistics(
        self,
        info: Info,
        since: datetime | None = None,
        until: datetime | None = None,
        paid_with: PaymentSource | None = None,
    ) -> PaymentStatistics:
        # Not "source": strawberry's permission extension takes that name for the parent object.
        found = await payment_stats.outcomes(
            info.context.rt, info.context.principal, since=since, until=until, source=paid_with
        )
        counts = found.counts
        return PaymentStatistics(
            since=found.since,
            until=found.until,
            attempts=found.attempts,
            succeeded=counts.get(PaymentStatus.SUCCEEDED, 0),
            declined=counts.get(PaymentStatus.DECLINED, 0),
            unconfirmed=counts.get(PaymentStatus.FAILED, 0) + counts.get(PaymentStatus.PENDING, 0),
            refunded=counts.get(PaymentStatus.REFUNDED, 0),
            success_rate=found.success_rate,
        )
