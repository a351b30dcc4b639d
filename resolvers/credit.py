"""Store credit and credit limits: customers request, administrators decide and adjust."""

from decimal import Decimal

import strawberry
from strawberry import relay

from app.money import to_minor
from app.services import store_credit
from app.services.sessions import require_customer
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
    RequestCreditLimitInput,
    RequestCreditLimitPayload,
    StoreCredit,
)


def _minor(amount: Decimal, currency: str, field: str = "amount") -> int:
    try:
        return to_minor(amount, currency)
    except (ValueError, ArithmeticError) as exc:
        raise CreditError.one(CreditErrorCode.INVALID_AMOUNT, f"Not an amount of {currency}.", field) from exc


def _currency(info: Info, code: object | None) -> str:
    return str(getattr(code, "value", code)) if code is not None else info.context.rt.settings.default_currency


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
        try:
            currency = (
                _currency(info, input.currency_code)
                if input.currency_code is not None
                else await store_credit.preferred_currency(ctx.rt, require_customer(ctx.principal))
            )
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
                ctx.rt, ctx.principal, request_id, approve=input.approve, amount=amount, reason=input.reason
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
            currency = (
                _currency(info, input.currency_code)
                if input.currency_code is not None
                else await store_credit.preferred_currency(ctx.rt, require_customer(ctx.principal))
            )
            customer_id = decode_global_id(input.customer_id, "Customer")
            if customer_id is None:
                raise CreditError.one(CreditErrorCode.NOT_FOUND, "No such customer.", "customerId")
            found = await store_credit.adjust(
                ctx.rt, ctx.principal, customer_id, _minor(input.amount, currency), currency, input.note
            )
        except CreditError as error:
            return AdjustStoreCreditPayload(user_errors=_errors(error))
        return AdjustStoreCreditPayload(store_credit=StoreCredit.of(found))


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
