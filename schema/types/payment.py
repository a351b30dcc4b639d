"""Invoices, payments (with their receipts), saved payment methods."""

import uuid
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry import relay

from app.services import invoices, payment_methods
from app.services.invoices import amount_due
from app.services.payment_methods import PaymentMethodErrorCode, expires_soon, is_expired
from app.services.payments import PaymentErrorCode
from models.payment import Invoice as InvoiceRow
from models.payment import InvoiceStatus, PaymentMethodKind, PaymentSource, PaymentStatus
from models.payment import Payment as PaymentRow
from models.payment import PaymentDispute as PaymentDisputeRow
from models.payment import PaymentMethod as PaymentMethodRow
from schema.types.base import DisplayableError, Info, encode_global_id, load_nodes
from schema.types.money import CurrencyCode, Money

if TYPE_CHECKING:
    from schema.types.order import OrderAddress, OrderAddressInput

InvoiceStatusEnum = strawberry.enum(InvoiceStatus, name="InvoiceStatus")
PaymentSourceEnum = strawberry.enum(PaymentSource, name="PaymentSource")
PaymentStatusEnum = strawberry.enum(PaymentStatus, name="PaymentStatus")
PaymentMethodKindEnum = strawberry.enum(PaymentMethodKind, name="PaymentMethodKind")
PaymentErrorCodeEnum = strawberry.enum(PaymentErrorCode, name="PaymentErrorCode")
PaymentMethodErrorCodeEnum = strawberry.enum(PaymentMethodErrorCode, name="PaymentMethodErrorCode")


@strawberry.type(description="An error from paying an order or invoice.")
class PaymentUserError(DisplayableError):
    code: PaymentErrorCode


@strawberry.type(description="An error from saving, removing or choosing a payment method.")
class PaymentMethodUserError(DisplayableError):
    code: PaymentMethodErrorCode


@strawberry.type(description="How this shop takes payments in a currency, for the signed-in customer.")
class PaymentOptions:
    gateway: str | None = strawberry.field(description='"stripe", "sandbox", or null when no online payments.')
    publishable_key: str | None = strawberry.field(description="For the gateway's JavaScript (Stripe.js).")
    method_kinds: list[PaymentMethodKind] = strawberry.field(
        description="The kinds of method that can pay in this currency and country (SEPA Direct Debit: euros, "
        "SEPA countries)."
    )


async def payment_options(info: Info, currency: str | None, country: str | None) -> PaymentOptions:
    """The options for a currency (default: the caller's settings currency, else DEFAULT_CURRENCY) and a
    country (default: the country of the caller's default billing address)."""
    rt, principal = info.context.rt, info.context.principal
    if principal.customer_id is not None and (currency is None or country is None):
        if currency is None:
            found = await info.context.loaders.settings.load(principal.customer_id)
            currency = found.currency if found is not None and found.currency else None
        if country is None:
            rows = await info.context.loaders.addresses_by_customer.load(principal.customer_id)
            billing = next((row for row in rows if row.is_default_billing), rows[0] if rows else None)
            country = billing.country_code if billing is not None else None
    if currency is None:
        currency = rt.settings.default_currency
    kinds = payment_methods.options(rt, currency, country)
    return PaymentOptions(
        gateway=rt.gateway.name if rt.gateway is not None else None,
        publishable_key=rt.gateway.publishable_key() if rt.gateway is not None else None,
        method_kinds=kinds,
    )


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
    currency: strawberry.Private[str]

    @strawberry.field(description="How this invoice can be paid online: in its currency, for the signed-in customer.")
    async def payment_options(self, info: Info) -> PaymentOptions:
        return await payment_options(info, self.currency, None)

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
            currency=row.currency,
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list["Invoice | None"]:
        rows = await load_nodes(info.context.loaders.invoice, node_ids)
        return [cls.from_row(row) if row else None for row in rows]


@strawberry.type(description="A chargeback the customer's bank opened on a payment, as the gateway reports it.")
class PaymentDispute:
    id: strawberry.ID
    amount: Money
    reason: str = strawberry.field(description='The gateway\'s reason, e.g. "fraudulent" or "product_not_received".')
    status: str = strawberry.field(description='The gateway\'s status, e.g. "needs_response", "won" or "lost".')
    opened_at: datetime
    updated_at: datetime

    @classmethod
    def from_row(cls, row: PaymentDisputeRow) -> "PaymentDispute":
        return cls(
            id=encode_global_id("PaymentDispute", row.id),
            amount=Money.of(row.amount, row.currency),
            reason=row.reason,
            status=row.status,
            opened_at=row.opened_at,
            updated_at=row.updated_at,
        )


@strawberry.type(
    description="What the customer's browser needs to authenticate a payment (3-D Secure): give the client "
    "secret to the gateway's JavaScript, or send the customer to redirectUrl; then call confirmPayment."
)
class PaymentAction:
    client_secret: str = strawberry.field(description="For the gateway's JavaScript (Stripe: handleNextAction).")
    redirect_url: str | None = strawberry.field(
        description="A page where the customer authenticates; it returns to the payment's returnUrl."
    )


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
    gateway_refunded_minor: strawberry.Private[int]
    currency: strawberry.Private[str]

    @strawberry.field(
        description="Staff only (null for others): what the gateway reports refunded of this payment in total, "
        "including refunds made in the gateway's own dashboard."
    )
    def gateway_refunded(self, info: Info) -> Money | None:
        if not info.context.principal.is_staff:
            return None
        return Money.of(self.gateway_refunded_minor, self.currency)

    @strawberry.field(description="Staff only (empty for others): chargebacks opened on this payment.")
    async def disputes(self, info: Info) -> list[PaymentDispute]:
        if not info.context.principal.is_staff:
            return []
        rows = await info.context.loaders.payment_disputes.load(uuid.UUID(self.payment_id))
        return [PaymentDispute.from_row(row) for row in rows]

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
            gateway_refunded_minor=row.gateway_refunded,
            currency=row.currency,
        )


@strawberry.type(
    description="A saved card or bank account (SEPA Direct Debit): the gateway holds it, we keep what you "
    "recognise it by."
)
class PaymentMethod:
    id: strawberry.ID
    kind: PaymentMethodKind
    brand: str
    last4: str = strawberry.field(description="The last 4 digits of the card number, or of the IBAN.")
    country: str | None = strawberry.field(description="The issuing bank's country (ISO 3166), where known.")
    exp_month: int = strawberry.field(description="0 for methods that do not expire (bank accounts).")
    exp_year: int = strawberry.field(description="0 for methods that do not expire (bank accounts).")
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
            kind=row.kind,
            brand=row.brand,
            last4=row.last4,
            country=row.country,
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
    gateway_token: str = strawberry.field(
        description="What the gateway's form returned: the sandbox's test token, or for Stripe the id of the "
        "SetupIntent confirmed with beginPaymentMethodSetup's client secret (or a PaymentMethod id)."
    )
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
    return_url: str | None = strawberry.field(
        default=None,
        description="Where the customer comes back to after authenticating the payment (3-D Secure): an "
        "address on this shop's public URL or storefront. Then call confirmPayment.",
    )


@strawberry.input(description="Pay with a saved card (paymentMethodId) or on store credit (useStoreCredit).")
class PayInvoiceInput:
    invoice_id: strawberry.ID
    payment_method_id: strawberry.ID | None = None
    use_store_credit: bool = False
    idempotency_key: str = strawberry.field(description="Your key for this payment: send it again to retry safely.")
    return_url: str | None = strawberry.field(
        default=None,
        description="Where the customer comes back to after authenticating the payment (3-D Secure): an "
        "address on this shop's public URL or storefront. Then call confirmPayment.",
    )


@strawberry.input(
    description="Pay all or part of what your account owes in one currency (a negative store-credit balance: "
    "purchase on account) with a saved card or bank account."
)
class PayAccountBalanceInput:
    currency_code: CurrencyCode  # type: ignore[valid-type]
    amount: Decimal = strawberry.field(
        description="Positive, in the currency's units (e.g. 80.90); at most what the account owes."
    )
    payment_method_id: strawberry.ID = strawberry.field(description="A saved card or bank account of yours.")
    idempotency_key: str = strawberry.field(description="Your key for this payment: send it again to retry safely.")
    return_url: str | None = strawberry.field(
        default=None,
        description="Where the customer comes back to after authenticating the payment (3-D Secure): an "
        "address on this shop's public URL or storefront. Then call confirmPayment.",
    )


@strawberry.type
class PaymentPayload:
    payment: Payment | None = None
    invoice: Invoice | None = strawberry.field(
        default=None, description="The invoice paid; null for a payment of the account balance (payAccountBalance)."
    )
    next_action: PaymentAction | None = strawberry.field(
        default=None,
        description="Set while the payment's status is REQUIRES_ACTION: the customer must authenticate it.",
    )
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
    awaiting_authentication: int = strawberry.field(description="Waiting for the customer's 3-D Secure.")
    processing: int = strawberry.field(description="Accepted, settling later (direct debits).")
    refunded: int
    success_rate: float | None = strawberry.field(
        description="Charged attempts (including later refunds) out of those that got an answer; null without any."
    )


@strawberry.input
class ConfirmPaymentInput:
    payment_id: strawberry.ID


@strawberry.input
class BeginPaymentMethodSetupInput:
    kinds: list[PaymentMethodKind] = strawberry.field(
        default_factory=lambda: [PaymentMethodKind.CARD], description="What the customer may save."
    )


@strawberry.type(
    description="A started save of a payment method: confirm it with the gateway's JavaScript and the client "
    "secret, then send the setup's id to addPaymentMethod as gatewayToken."
)
class PaymentMethodSetup:
    setup_id: str
    client_secret: str


@strawberry.type
class BeginPaymentMethodSetupPayload:
    setup: PaymentMethodSetup | None = None
    user_errors: list[PaymentMethodUserError] = strawberry.field(default_factory=list)
