"""Saved payment methods and paying orders and invoices (the signed-in customer)."""

import uuid
from datetime import datetime

import strawberry

from app.services import balance_payments, payment_methods, payment_stats, payments
from app.services.payment_methods import PaymentMethodError
from app.services.payments import PaymentError, PaymentErrorCode, PayRequest
from models.payment import PaymentMethodKind, PaymentSource, PaymentStatus
from resolvers.permissions import IsAdmin, IsAuthenticated, requires
from schema.types.base import Info, decode_global_id, encode_global_id, user_errors
from schema.types.offer import PayOfferInput
from schema.types.payment import (
    AddPaymentMethodInput,
    AddPaymentMethodPayload,
    BeginPaymentMethodSetupInput,
    BeginPaymentMethodSetupPayload,
    ConfirmPaymentInput,
    Invoice,
    PayAccountBalanceInput,
    PayInvoiceInput,
    PaymentAction,
    PaymentMethod,
    PaymentMethodIdInput,
    PaymentMethodSetup,
    PaymentMethodUserError,
    PaymentOptions,
    PaymentPayload,
    PaymentStatistics,
    PaymentUserError,
    PayOrderInput,
    RemovePaymentMethodPayload,
    SetDefaultPaymentMethodPayload,
    payment_options,
)
from schema.types.payment import Payment as PaymentType


async def _pay(
    info: Info,
    input: PayOrderInput | PayInvoiceInput | PayOfferInput,
    target_field: str,
    *,
    order_id: uuid.UUID | None = None,
    invoice_id: uuid.UUID | None = None,
) -> PaymentPayload:
    """payOrder, payInvoice and payOffer: the same payment, naming what to pay by the order, its invoice or
    the offer it came from."""
    method_id = decode_global_id(input.payment_method_id, "PaymentMethod") if input.payment_method_id else None
    request = PayRequest(
        invoice_id=invoice_id,
        order_id=order_id,
        payment_method_id=method_id,
        use_store_credit=input.use_store_credit,
        idempotency_key=input.idempotency_key,
        return_url=input.return_url,
    )
    try:
        if order_id is None and invoice_id is None:
            raise PaymentError.one(PaymentErrorCode.NOT_FOUND, "No such object.", target_field)
        if input.payment_method_id is not None and method_id is None:
            raise PaymentError.one(PaymentErrorCode.NOT_FOUND, "No such object.", "paymentMethodId")
        paid = await payments.pay(info.context.rt, info.context.principal, request)
    except PaymentError as error:
        return PaymentPayload(user_errors=user_errors(error, PaymentUserError))
    return payload_of(paid)


def payload_of(paid: payments.Paid) -> PaymentPayload:
    action = paid.action
    return PaymentPayload(
        payment=PaymentType.from_row(paid.payment),
        invoice=Invoice.from_row(paid.invoice) if paid.invoice is not None else None,
        replayed=paid.replayed,
        next_action=PaymentAction(client_secret=action.client_secret, redirect_url=action.redirect_url)
        if action is not None
        else None,
    )


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
        return await _pay(info, input, "orderId", order_id=decode_global_id(input.order_id, "Order"))

    @strawberry.mutation(
        description="Pay an open invoice; safe to retry with the same idempotencyKey.",
        extensions=requires(IsAuthenticated),
    )
    async def pay_invoice(self, info: Info, input: PayInvoiceInput) -> PaymentPayload:
        return await _pay(info, input, "invoiceId", invoice_id=decode_global_id(input.invoice_id, "Invoice"))

    @strawberry.mutation(
        description="Pay all or part of what your account owes in a currency (purchase on account) with a saved "
        "card or bank account; safe to retry with the same idempotencyKey. The ledger gets a PAYMENT_RECEIVED entry "
        "once the payment succeeds.",
        extensions=requires(IsAuthenticated),
    )
    async def pay_account_balance(self, info: Info, input: PayAccountBalanceInput) -> PaymentPayload:
        method_id = decode_global_id(input.payment_method_id, "PaymentMethod")
        request = balance_payments.BalancePayRequest(
            currency=str(getattr(input.currency_code, "value", input.currency_code)),
            amount=input.amount,
            payment_method_id=method_id,
            idempotency_key=input.idempotency_key,
            return_url=input.return_url,
        )
        try:
            if method_id is None:
                raise PaymentError.one(PaymentErrorCode.NOT_FOUND, "No such payment method.", "paymentMethodId")
            paid = await balance_payments.pay_account_balance(info.context.rt, info.context.principal, request)
        except PaymentError as error:
            return PaymentPayload(user_errors=user_errors(error, PaymentUserError))
        return payload_of(paid)

    @strawberry.mutation(
        description="After the customer authenticated a payment (3-D Secure), or to see how a direct debit "
        "stands: the payment as the gateway has it now (settled, declined, or still waiting).",
        extensions=requires(IsAuthenticated),
    )
    async def confirm_payment(self, info: Info, input: ConfirmPaymentInput) -> PaymentPayload:
        try:
            paid = await payments.confirm(
                info.context.rt, info.context.principal, decode_global_id(input.payment_id, "Payment")
            )
        except PaymentError as error:
            return PaymentPayload(user_errors=user_errors(error, PaymentUserError))
        return payload_of(paid)

    @strawberry.mutation(
        description="Start saving a card or bank account at the gateway (Stripe: a SetupIntent): confirm it with "
        "the gateway's JavaScript, then call addPaymentMethod with the setup's id.",
        extensions=requires(IsAuthenticated),
    )
    async def begin_payment_method_setup(
        self, info: Info, input: BeginPaymentMethodSetupInput | None = None
    ) -> BeginPaymentMethodSetupPayload:
        kinds = input.kinds if input is not None else [PaymentMethodKind.CARD]
        try:
            setup = await payment_methods.begin_setup(info.context.rt, info.context.principal, kinds)
        except PaymentMethodError as error:
            return BeginPaymentMethodSetupPayload(user_errors=user_errors(error, PaymentMethodUserError))
        return BeginPaymentMethodSetupPayload(
            setup=PaymentMethodSetup(setup_id=setup.setup_id, client_secret=setup.client_secret)
        )


@strawberry.type
class PaymentQueries:
    @strawberry.field(
        description="How this shop takes payments for the signed-in customer: the gateway, its publishable key "
        "for the gateway's JavaScript, and the kinds of method that can pay in a currency (default: your "
        "settings currency) and country (default: your default billing address's).",
        extensions=requires(IsAuthenticated),
    )
    async def payment_options(
        self, info: Info, currency_code: str | None = None, country_code: str | None = None
    ) -> PaymentOptions:
        return await payment_options(info, currency_code, country_code)

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
            awaiting_authentication=counts.get(PaymentStatus.REQUIRES_ACTION, 0),
            processing=counts.get(PaymentStatus.PROCESSING, 0),
            refunded=counts.get(PaymentStatus.REFUNDED, 0),
            success_rate=found.success_rate,
        )
