"""Offers (quotes): the offer with its lines, the order it became, and the inputs and payloads of its mutations."""

import json
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from types import SimpleNamespace
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry import relay

from app.pagination import Page
from app.services import offers
from app.services.offers import OfferErrorCode
from models.offer import Offer as OfferRow
from models.offer import OfferState
from schema.types.base import (
    DisplayableError,
    Info,
    connection_from_page,
    load_nodes,
    selected_names,
    visible_customer,
)
from schema.types.money import CurrencyCode, Money
from schema.types.order import Order, build_orders
from schema.types.payment import PaymentPayload

if TYPE_CHECKING:
    from schema.types.customer import Customer

OfferStateEnum = strawberry.enum(OfferState, name="OfferState")
OfferErrorCodeEnum = strawberry.enum(OfferErrorCode, name="OfferErrorCode")


@strawberry.type(description="An error from writing, accepting or rejecting an offer.")
class OfferUserError(DisplayableError):
    code: OfferErrorCode


@strawberry.type(description="A line of an offer: net prices, tax from the line's rate.")
class OfferLine:
    sku: str
    name: str
    quantity: int
    unit_price: Money
    tax_rate_bp: int = strawberry.field(description="Basis points: 1900 is 19 %.")
    tax_rate: Decimal = strawberry.field(description="Percent, e.g. 19.00.")
    tax_amount: Money
    total: Money = strawberry.field(description="Quantity times unit price, before tax.")

    @classmethod
    def from_row(cls, row: Any, currency: str) -> "OfferLine":
        return cls(
            sku=row.sku,
            name=row.name,
            quantity=row.quantity,
            unit_price=Money.of(row.unit_price, currency),
            tax_rate_bp=row.tax_rate_bp,
            tax_rate=Decimal(row.tax_rate_bp).scaleb(-2),
            tax_amount=Money.of(row.tax_amount, currency),
            total=Money.of(row.total, currency),
        )


@strawberry.type(description='A version of an offer that a revision replaced, as it was then ("revised on …").')
class OfferRevision:
    number: int = strawberry.field(description="1 for the offer as first written, then 2, 3 …")
    created_at: datetime = strawberry.field(description="When this version was written.")
    revised_at: datetime = strawberry.field(description="When a revision replaced it.")
    valid_until: datetime
    note: str | None
    subtotal: Money
    tax_total: Money
    total: Money
    lines: list[OfferLine]

    @classmethod
    def from_row(cls, row: Any, currency: str) -> "OfferRevision":
        return cls(
            number=row.number,
            created_at=row.created_at,
            revised_at=row.revised_at,
            valid_until=row.valid_until,
            note=row.note,
            subtotal=Money.of(row.subtotal, currency),
            tax_total=Money.of(row.tax_total, currency),
            total=Money.of(row.total, currency),
            lines=[OfferLine.from_row(SimpleNamespace(**line), currency) for line in json.loads(row.lines)],
        )


@strawberry.type(description="An offer (quote) written by staff: accept it to turn it into an order, then pay it.")
class Offer(relay.Node):
    id: relay.NodeID[str]
    number: str = strawberry.field(description="Q-…, as printed on the PDF.")
    state: OfferState
    currency_code: str
    subtotal: Money = strawberry.field(description="The lines' net total.")
    tax_total: Money
    total: Money
    valid_until: datetime = strawberry.field(description="It can be accepted up to and including this moment.")
    note: str | None
    created_at: datetime
    updated_at: datetime
    accepted_at: datetime | None
    rejected_at: datetime | None
    rejection_reason: str | None
    expired_at: datetime | None
    paid_at: datetime | None
    withdrawn_at: datetime | None = strawberry.field(description="When staff withdrew it (WITHDRAWN).")
    revision: int = strawberry.field(description="1 as first written; each revision adds one.")
    revised_at: datetime | None = strawberry.field(description="When it was last revised.")
    row: strawberry.Private[OfferRow]

    @classmethod
    def from_row(cls, row: OfferRow) -> "Offer":
        currency = row.currency
        return cls(
            id=str(row.id),
            number=row.number,
            state=row.state,
            currency_code=currency,
            subtotal=Money.of(row.subtotal, currency),
            tax_total=Money.of(row.tax_total, currency),
            total=Money.of(row.total, currency),
            valid_until=row.valid_until,
            note=row.note,
            created_at=row.created_at,
            updated_at=row.updated_at,
            accepted_at=row.accepted_at,
            rejected_at=row.rejected_at,
            rejection_reason=row.rejection_reason,
            expired_at=row.expired_at,
            paid_at=row.paid_at,
            withdrawn_at=row.withdrawn_at,
            revision=row.revision,
            revised_at=row.revised_at,
            row=row,
        )

    @strawberry.field
    async def lines(self, info: Info) -> list[OfferLine]:
        rows = await info.context.loaders.offer_lines.load(self.row.id)
        return [OfferLine.from_row(row, self.row.currency) for row in rows]

    @strawberry.field(description="The versions revisions replaced, oldest first (empty until it is revised).")
    async def revisions(self, info: Info) -> list[OfferRevision]:
        rows = await info.context.loaders.offer_revisions.load(self.row.id)
        return [OfferRevision.from_row(row, self.row.currency) for row in rows]

    @strawberry.field(description="The order this offer became once accepted.")
    async def order(self, info: Info) -> Order | None:
        if self.row.order_id is None:
            return None
        row = await info.context.loaders.order.load(self.row.order_id)
        if row is None:
            return None
        built = await build_orders(info, [row], selected_names(info))
        return built[0]

    @strawberry.field(description="Whom the offer is for.")
    async def customer(self, info: Info) -> Annotated["Customer", strawberry.lazy("schema.types.customer")] | None:
        return await visible_customer(info, self.row.customer_id)  # type: ignore[no-any-return]

    @strawberry.field(description="The offer as PDF: a signed link valid for a few minutes.")
    def pdf_url(self, info: Info) -> str:
        return offers.offer_url(info.context.rt, self.row.id)

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list["Offer | None"]:
        rows = await load_nodes(info.context.loaders.offer, node_ids)
        return [cls.from_row(row) if row else None for row in rows]


def offers_connection(page: Page[OfferRow]) -> Any:
    return connection_from_page(page, Offer.from_row)


@strawberry.input(description="Net price per unit (a decimal in the offer's currency); tax from the rate.")
class OfferLineInput:
    sku: str
    name: str
    quantity: int
    unit_price: Decimal
    tax_rate_bp: int = strawberry.field(default=0, description="Basis points: 1900 is 19 %.")


@strawberry.input
class CreateOfferInput:
    customer_id: strawberry.ID
    currency: CurrencyCode  # type: ignore[valid-type]
    lines: list[OfferLineInput]
    valid_until: datetime
    note: str | None = None


@strawberry.input(description="The offer's new content, in its currency; the previous version is kept.")
class ReviseOfferInput:
    offer_id: strawberry.ID
    lines: list[OfferLineInput]
    valid_until: datetime
    note: str | None = strawberry.field(default=None, description="For the customer; null leaves no note.")
    reason: str = strawberry.field(
        description=f"Why, for the audit log, which the customer reads too (at most {offers.MAX_REASON} characters)."
    )


@strawberry.input
class WithdrawOfferInput:
    offer_id: strawberry.ID
    reason: str = strawberry.field(
        description=f"Why, for the audit log, which the customer reads too (at most {offers.MAX_REASON} characters)."
    )


@strawberry.type
class OfferPayload:
    offer: Offer | None = None
    user_errors: list[OfferUserError] = strawberry.field(default_factory=list)


@strawberry.input
class AcceptOfferInput:
    offer_id: strawberry.ID
    revision: int | None = strawberry.field(
        default=None,
        description="The offer's revision the customer read: if staff revised it since, OFFER_REVISED "
        "and nothing is accepted. Without it, whatever version the offer has now is accepted.",
    )


@strawberry.input
class RejectOfferInput:
    offer_id: strawberry.ID
    reason: str = strawberry.field(description=f"Why (at most {offers.MAX_REASON} characters).")


@strawberry.input(description="Pay an accepted offer's order with a saved card (paymentMethodId) or on store credit.")
class PayOfferInput:
    offer_id: strawberry.ID
    payment_method_id: strawberry.ID | None = None
    use_store_credit: bool = False
    idempotency_key: str = strawberry.field(description="Your key for this payment: send it again to retry safely.")
    return_url: str | None = strawberry.field(
        default=None,
        description="Where the customer comes back to after authenticating the payment (3-D Secure): an "
        "address on this shop's public URL or storefront. Then call confirmPayment.",
    )


@strawberry.type
class PayOfferPayload(PaymentPayload):
    offer: Offer | None = None


@strawberry.input
class OfferFilter:
    state: OfferState | None = None
    customer_id: strawberry.ID | None = None


@strawberry.input
class CustomerOfferFilter:
    state: OfferState | None = None
