"""Returns (RMA): customers preview and request them; staff decide, receive, close and list them."""

from collections.abc import Awaitable, Callable

import strawberry
from strawberry import relay

from app.pagination import empty_page
from app.services import returns
from app.services.return_quotes import MAX_LINES, ReturnError, ReturnLineData, ReturnRequestData
from app.services.returns import RETURNS_SCOPE, ReturnFilter
from models.returns import ReturnRequest
from resolvers.permissions import IsAuthenticated, IsStaff, requires, requires_staff_or_scope
from schema.types.base import Info, decode_global_id, user_errors
from schema.types.returns import (
    ApproveReturnInput,
    MarkReturnReceivedInput,
    RejectReturnInput,
    RequestReturnInput,
    RetryReturnRefundInput,
    Return,
    ReturnCalculation,
    ReturnCalculationPayload,
    ReturnIdInput,
    ReturnPayload,
    ReturnReasonInfo,
    ReturnUserError,
    returns_connection,
)
from schema.types.returns import ReturnFilter as ReturnFilterInput


def _data(input: RequestReturnInput) -> ReturnRequestData:
    return ReturnRequestData(
        order_id=decode_global_id(input.order_id, "Order"),
        lines=[
            ReturnLineData(decode_global_id(line.order_line_id, "OrderLine"), line.quantity, line.reason)
            for line in input.lines[: MAX_LINES + 1]
        ],
        resolution=input.resolution,
        note=input.note,
    )


async def _answer(call: Callable[[], Awaitable[ReturnRequest]]) -> ReturnPayload:
    try:
        row = await call()
    except ReturnError as error:
        return ReturnPayload(user_errors=user_errors(error, ReturnUserError))
    return ReturnPayload(return_=Return.from_row(row))


@strawberry.type
class ReturnQueries:
    @strawberry.field(description="The reasons a customer can give for a return.")
    def return_reasons(self) -> list[ReturnReasonInfo]:
        return [
            ReturnReasonInfo(code=code, label=label, deductions_apply=deducted)
            for code, label, deducted in returns.reasons()
        ]

    @strawberry.field(
        description="Preview a return: what it pays back and where, checked like requestReturn (nothing is saved).",
        extensions=requires(IsAuthenticated),
    )
    async def return_calculate(self, info: Info, input: RequestReturnInput) -> ReturnCalculationPayload:
        try:
            found = await returns.calculate(info.context.rt, info.context.principal, _data(input))
        except ReturnError as error:
            return ReturnCalculationPayload(user_errors=user_errors(error, ReturnUserError))
        return ReturnCalculationPayload(calculation=ReturnCalculation.of(found))

    @strawberry.field(
        description="Every return, newest first; filter by status, customer or order (staff).",
        extensions=requires(IsStaff),
    )
    async def returns(
        self, info: Info, first: int | None = 20, after: str | None = None, filter: ReturnFilterInput | None = None
    ) -> relay.Connection[Return] | None:
        wanted = filter or ReturnFilterInput()
        customer_id = decode_global_id(wanted.customer_id, "Customer") if wanted.customer_id else None
        order_id = decode_global_id(wanted.order_id, "Order") if wanted.order_id else None
        if (wanted.customer_id and customer_id is None) or (wanted.order_id and order_id is None):
            page = empty_page(first, after)
        else:
            page = await returns.list_returns(
                info.context.rt,
                info.context.principal,
                first=first,
                after=after,
                filter=ReturnFilter(status=wanted.status, customer_id=customer_id, order_id=order_id),
            )
        return returns_connection(page)  # type: ignore[no-any-return]

    @strawberry.field(
        name="return",
        description=(
            "Your return by its number (as our mails name it; surrounding spaces and case do not matter), "
            "or any return for staff; null when there is none or it is not yours."
        ),
        extensions=requires(IsAuthenticated),
    )
    async def return_(self, info: Info, number: str) -> Return | None:
        row = await returns.return_by_number(info.context.rt, info.context.principal, number)
        return Return.from_row(row) if row else None


@strawberry.type
class ReturnMutations:
    @strawberry.mutation(
        description="Ask to return lines of a delivered order within the return window; approved at once when "
        "the automated rules allow, otherwise reviewed by staff.",
        extensions=requires(IsAuthenticated),
    )
    async def request_return(self, info: Info, input: RequestReturnInput) -> ReturnPayload:
        return await _answer(lambda: returns.request_return(info.context.rt, info.context.principal, _data(input)))

    @strawberry.mutation(description="Approve a requested return (staff).", extensions=requires(IsStaff))
    async def approve_return(self, info: Info, input: ApproveReturnInput) -> ReturnPayload:
        return_id = decode_global_id(input.return_id, "Return")
        return await _answer(
            lambda: returns.approve_return(
                info.context.rt, info.context.principal, return_id, input.note, info.context.meta
            )
        )

    @strawberry.mutation(description="Decline a requested return, saying why (staff).", extensions=requires(IsStaff))
    async def reject_return(self, info: Info, input: RejectReturnInput) -> ReturnPayload:
        return_id = decode_global_id(input.return_id, "Return")
        return await _answer(
            lambda: returns.reject_return(
                info.context.rt, info.context.principal, return_id, input.reason, info.context.meta
            )
        )

    @strawberry.mutation(
        description=f"The goods of an approved return arrived: the refund follows at once (staff, or an "
        f"integration with the {RETURNS_SCOPE} scope).",
        extensions=requires_staff_or_scope(RETURNS_SCOPE),
    )
    async def mark_return_received(self, info: Info, input: MarkReturnReceivedInput) -> ReturnPayload:
        return_id = decode_global_id(input.return_id, "Return")
        return await _answer(
            lambda: returns.mark_received(
                info.context.rt,
                info.context.principal,
                return_id,
                input.note,
                restock=input.restock,
                meta=info.context.meta,
            )
        )

    @strawberry.mutation(
        description="Send a received return's failed card refunds again, never refunding twice; or pay refused "
        "ones as store credit (staff).",
        extensions=requires(IsStaff),
    )
    async def retry_return_refund(self, info: Info, input: RetryReturnRefundInput) -> ReturnPayload:
        return_id = decode_global_id(input.return_id, "Return")
        if input.to_store_credit:
            return await _answer(
                lambda: returns.credit_instead(info.context.rt, info.context.principal, return_id, info.context.meta)
            )
        return await _answer(
            lambda: returns.retry_refund(info.context.rt, info.context.principal, return_id, info.context.meta)
        )

    @strawberry.mutation(
        description="Close a refunded return, or a received exchange (staff).", extensions=requires(IsStaff)
    )
    async def close_return(self, info: Info, input: ReturnIdInput) -> ReturnPayload:
        return_id = decode_global_id(input.return_id, "Return")
        return await _answer(
            lambda: returns.close_return(info.context.rt, info.context.principal, return_id, info.context.meta)
        )
