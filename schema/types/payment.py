"""Invoices, payments (with their receipts), saved payment methods."""

import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry import relay

from app.services import invoices
from app.services.invoices import amount_due
from app.services.payment_methods import PaymentMethodErrorCode, expires_soon, is_expired
from app.services.payments import PaymentErrorCode
from models.payment import Invoice as InvoiceRow
from models.payment import InvoiceStatus, PaymentSource, PaymentStatus
from models.payment import Payment as PaymentRow
from models.payment import PaymentMethod as PaymentMethodRow
from schema.types.base import DisplayableError, Info, encode_global_id, load_nodes
from schema.types.money import Money

if TYPE_CHECKING:
    from schema.types.order import OrderAddress, OrderAddressInput

InvoiceStatusEnum = strawberry.enum(InvoiceStatus, name="InvoiceStatus")
PaymentSourceEnum = strawberry.enum(PaymentSource, name="PaymentSource")
PaymentStatusEnum = strawberry.enum(PaymentStatus, name="PaymentStatus")
PaymentErrorCodeEnum = strawberry.enum(PaymentErrorCode, name="PaymentErrorCode")
PaymentMethodErrorCodeEnum = strawberry.enum(PaymentMethodErrorCode, name="PaymentMethodErrorCode")


@strawberry.type(description="An error from paying an order or invoice.")
class PaymentUserError(DisplayableError):
    code: PaymentErrorCode


@strawberry.type(description="An error from saving, removing or choosing a payment method.")
class PaymentMethodUserError(DisplayableError):
    code: PaymentMethodErrorCode


@strawberry.type(description="The invoice of an order: numbered per year, payable online while OPEN.")
class Invoice(relay.Node):
    id: relay.NodeID[str]
    number: str
    status: InvoiceStatus
    issued_at: datetime
    paid_at: datetime | None
    total: Money
    amount_paid: Money
    amount_due: Money
    order_id: strawberry.ID = strawberry.field(description="The order this invoice is for.")

    @strawberry.field(description="The invoice as PDF: a signed link valid for a few minutes.")
    def download_url(self, info: Info) -> str:
        return invoices.invoice_url(info.context.rt, uuid.UUID(self.id))

    @classmethod
    def from_row(cls, row: InvoiceRow) -> "Invoice":
        return cls(
            id=str(row.id),
            number=row.number,
            status=row.status,
            issued_at=row.issued_at,
            paid_at=row.paid_at,
            total=Money.of(row.total, row.currency),
            amount_paid=Money.of(row.amount_paid, row.currency),
            amount_due=Money.of(amount_due(row), row.currency),
            order_id=encode_global_id("Order", row.order_id),
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list["Invoice | None"]:
        rows = await load_nodes(info.context.loaders.invoice, node_ids)
        return [cls.from_row(row) if row else None for row in rows]


@strawberry.type(description="One attempt to pay, with its outcome; a successful one has a receipt.")
class Payment:
    id: strawberry.ID
    status: PaymentStatus
    source: PaymentSource
    method: str = strawberry.field(description='How it was paid, e.g. "Visa •••• 4242" or "Store credit".')
    amount: Money
    failure_code: str | None = strawberry.field(description="The gateway's reason for a decline.")
    failure_message: str | None
    receipt_number: str | None
    created_at: datetime
    completed_at: datetime | None
    payment_id: strawberry.Private[str]

    @strawberry.field(description="The receipt as PDF (successful payments): a signed link valid for a few minutes.")
    def receipt_url(self, info: Info) -> str | None:
        if self.status is not PaymentStatus.SUCCEEDED:
            return None
        return invoices.receipt_url(info.context.rt, uuid.UUID(self.payment_id))

    @classmethod
    def from_row(cls, row: PaymentRow) -> "Payment":
        return cls(
            id=encode_global_id("Payment", row.id),
            status=row.status,
            source=row.source,
            method=row.method_label,
            amount=Money.of(row.amount, row.currency),
            failure_code=row.failure_code,
            failure_message=row.failure_message,
            receipt_number=row.receipt_number,
            created_at=row.created_at,
            completed_at=row.completed_at,
            payment_id=str(row.id),
        )


@strawberry.type(description="A saved card: the gateway holds the card, we keep what you recognise it by.")
class PaymentMethod:
    id: strawberry.ID
    brand: str
    last4: str
    exp_month: int
    exp_year: int
    is_default: bool
    is_expired: bool
    expires_soon: bool = strawberry.field(description="Valid, but expiring within CARD_EXPIRY_WARNING_DAYS.")
    created_at: datetime
    billing_address: Annotated["OrderAddress", strawberry.lazy("schema.types.order")] | None

    @classmethod
    def from_row(cls, row: PaymentMethodRow, warning_days: int) -> "PaymentMethod":
        from schema.types.order import OrderAddress

        return cls(
            id=encode_global_id("PaymentMethod", row.id),
            brand=row.brand,
            last4=row.last4,
            exp_month=row.exp_month,
            exp_year=row.exp_year,
            is_default=row.is_default,
            is_expired=is_expired(row),
            expires_soon=expires_soon(row, warning_days),
            created_at=row.created_at,
            billing_address=OrderAddress.of(row.billing_address),
        )


@strawberry.input
class AddPaymentMethodInput:
    gateway_token: str = strawberry.field(description="The single-use token the gateway's card form returned.")
    billing_address: Annotated["OrderAddressInput", strawberry.lazy("schema.types.order")] | None = None
    make_default: bool = False


@strawberry.type
class AddPaymentMethodPayload:
    payment_method: PaymentMethod | None = None
    user_errors: list[PaymentMethodUserError] = strawberry.field(default_factory=list)


@strawberry.input
class PaymentMethodIdInput:
    payment_method_id: strawberry.ID


@strawberry.type
class RemovePaymentMethodPayload:
    removed_payment_method_id: strawberry.ID | None = None
    user_errors: list[PaymentMethodUserError] = strawberry.field(default_factory=list)


@strawberry.type
class SetDefaultPaymentMethodPayload:
    payment_method: PaymentMethod | None = None
    user_errors: list[PaymentMethodUserError] = strawberry.field(default_factory=list)


@strawberry.input(description="Pay with a saved card (paymentMethodId) or on store credit (useStoreCredit).")
class PayOrderInput:
    order_id: strawberry.ID
    payment_method_id: strawberry.ID | None = None
    use_store_credit: bool = False
    idempotency_key: str = strawberry.field(description="Your key for this payment: send it again to retry safely.")


@strawberry.input(description="Pay with a saved card (paymentMethodId) or on store credit (useStoreCredit).")
class PayInvoiceInput:
    invoice_id: strawberry.ID
    payment_method_id: strawberry.ID | None = None
    use_store_credit: bool = False
    idempotency_key: str = strawberry.field(description="Your key for this payment: send it again to retry safely.")


@strawberry.type
class PaymentPayload:
    payment: Payment | None = None
    invoice: Invoice | None = None
    replayed: bool = strawberry.field(
        default=False, description="True when this key was seen before: the earlier result, nothing charged again."
    )
    user_errors: list[PaymentUserError] = strawberry.field(default_factory=list)


@strawberry.type(description="How payment attempts fared in a period (the payment verification success rate).")
class PaymentStatistics:
    since: datetime
    until: datetime
    attempts: int
    succeeded: int
    declined: int
    unconfirmed: int = strawberry.field(description="The gateway did not answer (FAILED) or has not yet (PENDING).")
    refunded: int
    success_rate: float | None = strawberry.field(
        description="Charged attempts (including later refunds) out of those that got an answer; null without any."
    )
