"""Store credit and credit limits: customers request, administrators decide and adjust."""

import uuid
from decimal import Decimal

import strawberry
from strawberry import relay

from app.money import to_minor
from app.services import store_credit
from app.services.store_credit import CreditError, CreditErrorCode
from models.credit import CreditLimitRequestStatus
from resolvers.permissions import IsAdmin, IsAuthenticated, requires
from schema.types.base import Info, connection_from_page, decode_global_id, user_errors
from schema.types.credit import (
    AdjustStoreCreditInput,
    AdjustStoreCreditPayload,
    CreditLimitRequest,
    CreditUserError,
    DecideCreditLimitRequestInput,
    DecideCreditLimitRequestPayload,
    RecordAccountPaymentInput,
    RecordAccountPaymentPayload,
    RequestCreditLimitInput,
    RequestCreditLimitPayload,
    StoreCredit,
)


def _minor(amount: Decimal, currency: str, field: str = "amount") -> int:
    try:
        return to_minor(amount, currency)
    except (ValueError, ArithmeticError) as exc:
        raise CreditError.one(CreditErrorCode.INVALID_AMOUNT, f"Not an amount of {currency}.", field) from exc


async def _account(info: Info, customer_gid: str, code: object | None) -> tuple[uuid.UUID, str]:
    """The customer an administrator names, and the currency of their account meant."""
    customer_id = decode_global_id(customer_gid, "Customer")
    if customer_id is None:
        raise CreditError.one(CreditErrorCode.NOT_FOUND, "No such customer.", "customerId")
    return customer_id, await _currency(info, code, customer_id)


async def _currency(info: Info, code: object | None, customer_id: uuid.UUID | None) -> str:
    """The currency named, else the customer's own setting, else DEFAULT_CURRENCY."""
    if code is not None:
        return str(getattr(code, "value", code))
    return await store_credit.default_currency(info.context.rt, customer_id)


def _errors(error: CreditError) -> list[CreditUserError]:
    return user_errors(error, CreditUserError)


@strawberry.type
class CreditMutations:
    @strawberry.mutation(
        description="Ask for a credit limit (purchase on account); administrators decide.",
        extensions=requires(IsAuthenticated),
    )
    async def request_credit_limit(self, info: Info, input: RequestCreditLimitInput) -> RequestCreditLimitPayload:
        ctx = info.context
        currency = await _currency(info, input.currency_code, ctx.principal.customer_id)
        try:
            row = await store_credit.request_limit(
                ctx.rt, ctx.principal, _minor(input.amount, currency), currency, input.reason
            )
        except CreditError as error:
            return RequestCreditLimitPayload(user_errors=_errors(error))
        return RequestCreditLimitPayload(request=CreditLimitRequest.from_row(row))

    @strawberry.mutation(
        description="Approve (with an amount) or decline (with a reason) a credit-limit request; the customer is emailed.",
        extensions=requires(IsAdmin),
    )
    async def decide_credit_limit_request(
        self, info: Info, input: DecideCreditLimitRequestInput
    ) -> DecideCreditLimitRequestPayload:
        ctx = info.context
        try:
            request_id = decode_global_id(input.request_id, "CreditLimitRequest")
            amount = None
            if input.amount is not None:
                found = await store_credit.request_currency(ctx.rt, request_id)
                amount = _minor(input.amount, found) if found else None
            row = await store_credit.decide(
                ctx.rt,
                ctx.principal,
                request_id,
                approve=input.approve,
                amount=amount,
                reason=input.reason,
                meta=ctx.meta,
            )
        except CreditError as error:
            return DecideCreditLimitRequestPayload(user_errors=_errors(error))
        return DecideCreditLimitRequestPayload(request=CreditLimitRequest.from_row(row))

    @strawberry.mutation(
        description="Credit or debit a customer's store credit, with a note (administrators).",
        extensions=requires(IsAdmin),
    )
    async def adjust_store_credit(self, info: Info, input: AdjustStoreCreditInput) -> AdjustStoreCreditPayload:
        ctx = info.context
        try:
            customer_id, currency = await _account(info, input.customer_id, input.currency_code)
            found = await store_credit.adjust(
                ctx.rt, ctx.principal, customer_id, _minor(input.amount, currency), currency, input.note, ctx.meta
            )
        except CreditError as error:
            return AdjustStoreCreditPayload(user_errors=_errors(error))
        return AdjustStoreCreditPayload(store_credit=StoreCredit.of(found))

    @strawberry.mutation(
        description=(
            "Record money received for a customer's account outside the gateway, e.g. a bank transfer settling "
            "a purchase on account (administrators). The ledger gets a PAYMENT_RECEIVED entry."
        ),
        extensions=requires(IsAdmin),
    )
    async def record_account_payment(self, info: Info, input: RecordAccountPaymentInput) -> RecordAccountPaymentPayload:
        ctx = info.context
        try:
            customer_id, currency = await _account(info, input.customer_id, input.currency_code)
            found = await store_credit.record_payment(
                ctx.rt,
                ctx.principal,
                customer_id,
                _minor(input.amount, currency),
                currency,
                input.reference,
                input.note,
                ctx.meta,
            )
        except CreditError as error:
            return RecordAccountPaymentPayload(user_errors=_errors(error))
        return RecordAccountPaymentPayload(store_credit=StoreCredit.of(found))


@strawberry.type
class CreditQueries:
    @strawberry.field(description="Credit-limit requests, newest first (administrators).", extensions=requires(IsAdmin))
    async def credit_limit_requests(
        self,
        info: Info,
        status: CreditLimitRequestStatus | None = None,
        first: int | None = 20,
        after: str | None = None,
    ) -> relay.Connection[CreditLimitRequest] | None:
        page = await store_credit.requests(
            info.context.rt, info.context.principal, status=status, first=first, after=after
        )
        return connection_from_page(page, CreditLimitRequest.from_row)  # type: ignore[no-any-return]
