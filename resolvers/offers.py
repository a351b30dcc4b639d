"""Offers: staff write, list, revise and withdraw them; the customer accepts, rejects or pays (exactly as payOrder)."""

from decimal import Decimal

import strawberry
from strawberry import relay

from app.money import to_minor
from app.pagination import empty_page
from app.services import offers
from app.services.errors import ErrorDetail
from app.services.offers import OfferData, OfferError, OfferErrorCode, OfferFilter, OfferLineData, RevisionData
from app.services.payments import PaymentError, PaymentErrorCode
from resolvers.payments import _pay
from resolvers.permissions import IsAuthenticated, IsStaff, requires
from schema.types.base import Info, decode_global_id, user_errors
from schema.types.offer import (
    AcceptOfferInput,
    CreateOfferInput,
    Offer,
    OfferPayload,
    OfferUserError,
    PayOfferInput,
    PayOfferPayload,
    RejectOfferInput,
    ReviseOfferInput,
    WithdrawOfferInput,
    offers_connection,
)
from schema.types.offer import OfferFilter as OfferFilterInput
from schema.types.payment import PaymentUserError

# A refusal to pay an offer, in the payment's own error codes (payOffer answers exactly like payOrder).
_PAY_CODES = {
    OfferErrorCode.NOT_FOUND: PaymentErrorCode.NOT_FOUND,
    OfferErrorCode.OFFER_EXPIRED: PaymentErrorCode.OFFER_EXPIRED,
    OfferErrorCode.OFFER_NOT_ACCEPTED: PaymentErrorCode.OFFER_NOT_ACCEPTED,
}


def _errors(error: OfferError) -> list[OfferUserError]:
    return user_errors(error, OfferUserError)


def _minor(value: Decimal, currency: str, path: tuple[str, ...], errors: list[ErrorDetail]) -> int:
    try:
        return to_minor(value, currency)
    except (ValueError, ArithmeticError):
        errors.append(ErrorDetail(OfferErrorCode.INVALID_AMOUNT, f"Not an amount of {currency}.", path))
        return 0


def _line_data(
    input: CreateOfferInput | ReviseOfferInput, currency: str, errors: list[ErrorDetail]
) -> list[OfferLineData]:
    return [
        OfferLineData(
            sku=line.sku,
            name=line.name,
            quantity=line.quantity,
            unit_price=_minor(line.unit_price, currency, ("lines", str(index), "unitPrice"), errors),
            tax_rate_bp=line.tax_rate_bp,
        )
        for index, line in enumerate(input.lines[: offers.MAX_LINES + 1])
    ]


def _offer_data(input: CreateOfferInput) -> OfferData:
    currency = str(input.currency.value)  # type: ignore[attr-defined]
    errors: list[ErrorDetail] = []
    lines = _line_data(input, currency, errors)
    return OfferData(
        customer_id=decode_global_id(input.customer_id, "Customer"),
        currency=currency,
        valid_until=input.valid_until,
        lines=lines,
        note=input.note,
        errors=errors,
    )


@strawberry.type
class OfferQueries:
    @strawberry.field(
        description="Every offer, newest first; filter by state or customer (staff).", extensions=requires(IsStaff)
    )
    async def offers(
        self, info: Info, first: int | None = 20, after: str | None = None, filter: OfferFilterInput | None = None
    ) -> relay.Connection[Offer] | None:
        wanted = filter or OfferFilterInput()
        customer_id = decode_global_id(wanted.customer_id, "Customer") if wanted.customer_id else None
        if wanted.customer_id and customer_id is None:
            page = empty_page(first, after)
        else:
            page = await offers.list_offers(
                info.context.rt,
                info.context.principal,
                first=first,
                after=after,
                filter=OfferFilter(state=wanted.state, customer_id=customer_id),
            )
        return offers_connection(page)  # type: ignore[no-any-return]

    @strawberry.field(
        description=(
            "Your offer by its number (Q-…, as our mails name it; surrounding spaces and case do not matter), "
            "or any offer for staff; null when there is none or it is not yours."
        ),
        extensions=requires(IsAuthenticated),
    )
    async def offer(self, info: Info, number: str) -> Offer | None:
        row = await offers.offer_by_number(info.context.rt, info.context.principal, number)
        return Offer.from_row(row) if row else None


@strawberry.type
class OfferMutations:
    @strawberry.mutation(
        description="Write an offer for a customer and email it to them (staff).", extensions=requires(IsStaff)
    )
    async def create_offer(self, info: Info, input: CreateOfferInput) -> OfferPayload:
        try:
            row = await offers.create_offer(
                info.context.rt, info.context.principal, _offer_data(input), info.context.meta
            )
        except OfferError as error:
            return OfferPayload(user_errors=_errors(error))
        return OfferPayload(offer=Offer.from_row(row))

    @strawberry.mutation(
        description=(
            "Revise a NEW offer (staff): new lines, validity and note, tax per line as on creation; the previous "
            "version stays readable in Offer.revisions and the customer is mailed."
        ),
        extensions=requires(IsStaff),
    )
    async def revise_offer(self, info: Info, input: ReviseOfferInput) -> OfferPayload:
        offer_id = decode_global_id(input.offer_id, "Offer")
        row = await info.context.loaders.offer.load(offer_id) if offer_id else None
        errors: list[ErrorDetail] = []
        data = RevisionData(
            offer_id=offer_id,
            valid_until=input.valid_until,
            lines=_line_data(input, row.currency if row else "EUR", errors),
            note=input.note,
            reason=input.reason,
            errors=errors,
        )
        try:
            revised = await offers.revise_offer(info.context.rt, info.context.principal, info.context.meta, data)
        except OfferError as error:
            return OfferPayload(user_errors=_errors(error))
        return OfferPayload(offer=Offer.from_row(revised))

    @strawberry.mutation(
        description="Withdraw a NEW offer (staff): it becomes WITHDRAWN, can no longer be accepted, and the customer is mailed.",
        extensions=requires(IsStaff),
    )
    async def withdraw_offer(self, info: Info, input: WithdrawOfferInput) -> OfferPayload:
        try:
            row = await offers.withdraw_offer(
                info.context.rt,
                info.context.principal,
                info.context.meta,
                decode_global_id(input.offer_id, "Offer"),
                input.reason,
            )
        except OfferError as error:
            return OfferPayload(user_errors=_errors(error))
        return OfferPayload(offer=Offer.from_row(row))

    @strawberry.mutation(
        description="Accept a NEW offer within its validity: it becomes an order waiting for payment.",
        extensions=requires(IsAuthenticated),
    )
    async def accept_offer(self, info: Info, input: AcceptOfferInput) -> OfferPayload:
        try:
            row = await offers.accept_offer(
                info.context.rt, info.context.principal, decode_global_id(input.offer_id, "Offer"), input.revision
            )
        except OfferError as error:
            return OfferPayload(user_errors=_errors(error))
        return OfferPayload(offer=Offer.from_row(row))

    @strawberry.mutation(description="Decline a NEW offer, saying why.", extensions=requires(IsAuthenticated))
    async def reject_offer(self, info: Info, input: RejectOfferInput) -> OfferPayload:
        try:
            row = await offers.reject_offer(
                info.context.rt, info.context.principal, decode_global_id(input.offer_id, "Offer"), input.reason
            )
        except OfferError as error:
            return OfferPayload(user_errors=_errors(error))
        return OfferPayload(offer=Offer.from_row(row))

    @strawberry.mutation(
        description="Pay an accepted offer's order, exactly as payOrder; safe to retry with the same idempotencyKey.",
        extensions=requires(IsAuthenticated),
    )
    async def pay_offer(self, info: Info, input: PayOfferInput) -> PayOfferPayload:
        offer_id = decode_global_id(input.offer_id, "Offer")
        try:
            order_id = await offers.order_to_pay(info.context.rt, info.context.principal, offer_id)
        except OfferError as error:
            refusal = PaymentError(
                *(ErrorDetail(_PAY_CODES[OfferErrorCode(d.code.value)], d.message, d.field) for d in error.details)
            )
            return PayOfferPayload(user_errors=user_errors(refusal, PaymentUserError))
        paid = await _pay(info, input, "offerId", order_id=order_id)
        assert offer_id is not None
        row = await info.context.loaders.offer.load(offer_id)
        return PayOfferPayload(
            payment=paid.payment,
            invoice=paid.invoice,
            replayed=paid.replayed,
            user_errors=paid.user_errors,
            offer=Offer.from_row(row) if row else None,
        )
