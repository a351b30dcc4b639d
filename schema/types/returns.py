"""Returns (RMA): the request with its lines and refunds, the refund preview, and the mutations' inputs."""

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry import relay

from app.pagination import Page
from app.services import returns
from app.services.return_quotes import Quote, ReturnErrorCode
from models.returns import (
    ReturnDecisionReason,
    ReturnReason,
    ReturnRefundDestination,
    ReturnRefundStatus,
    ReturnResolution,
    ReturnStatus,
)
from schema.types.base import (
    DisplayableError,
    Info,
    connection_from_page,
    encode_global_id,
    load_nodes,
    selected_names,
    visible_customer,
)
from schema.types.money import Money
from schema.types.order import Order, build_orders

if TYPE_CHECKING:
    from schema.types.customer import Customer

ReturnStatusEnum = strawberry.enum(ReturnStatus, name="ReturnStatus")
ReturnResolutionEnum = strawberry.enum(ReturnResolution, name="ReturnResolution")
ReturnReasonEnum = strawberry.enum(ReturnReason, name="ReturnReason")
ReturnDecisionReasonEnum = strawberry.enum(ReturnDecisionReason, name="ReturnDecisionReason")
ReturnRefundDestinationEnum = strawberry.enum(ReturnRefundDestination, name="ReturnRefundDestination")
ReturnRefundStatusEnum = strawberry.enum(ReturnRefundStatus, name="ReturnRefundStatus")
ReturnErrorCodeEnum = strawberry.enum(ReturnErrorCode, name="ReturnErrorCode")


@strawberry.type(description="An error from requesting, deciding or receiving a return.")
class ReturnUserError(DisplayableError):
    code: ReturnErrorCode


@strawberry.type(description="A reason a customer can give; deductions apply to their own reasons only.")
class ReturnReasonInfo:
    code: ReturnReason
    label: str
    deductions_apply: bool = strawberry.field(description="True: restocking fee and return shipping are deducted.")


@strawberry.type(description="A returned quantity of one order line and what it is worth.")
class ReturnLine:
    order_line_id: strawberry.ID
    sku: str
    name: str
    quantity: int
    reason: ReturnReason
    amount: Money = strawberry.field(description="Its share of the line's total with tax, less its discount share.")
    tax_amount: Money

    @classmethod
    def from_row(cls, row: Any, currency: str) -> "ReturnLine":
        return cls(
            order_line_id=encode_global_id("OrderLine", row.order_line_id),
            sku=row.sku,
            name=row.name,
            quantity=row.quantity,
            reason=row.reason,
            amount=Money.of(row.amount, currency),
            tax_amount=Money.of(row.tax_amount, currency),
        )


@strawberry.type(description="One movement of the return's money: part of a payment given back, or store credit.")
class ReturnRefund:
    destination: ReturnRefundDestination
    status: ReturnRefundStatus
    amount: Money
    method: str = strawberry.field(description='"Visa •••• 4242" or "Store credit".')
    failure_code: str | None
    created_at: datetime
    completed_at: datetime | None

    @classmethod
    def from_row(cls, row: Any) -> "ReturnRefund":
        return cls(
            destination=row.destination,
            status=row.status,
            amount=Money.of(row.amount, row.currency),
            method=row.method_label,
            failure_code=row.failure_code,
            created_at=row.created_at,
            completed_at=row.completed_at,
        )


@strawberry.type(description="Why the last refund attempt failed (it is retried).")
class ReturnRefundFailure:
    code: str
    message: str | None


@strawberry.type(description="A return (RMA): lines of a delivered order sent back for a refund, credit or exchange.")
class Return(relay.Node):
    id: relay.NodeID[str]
    number: str = strawberry.field(description="R-…, as printed on the return slip.")
    status: ReturnStatus
    resolution: ReturnResolution
    refund_destination: ReturnRefundDestination
    currency_code: str
    subtotal: Money = strawberry.field(description="What the returned lines are worth, tax included.")
    tax_total: Money = strawberry.field(description="The tax in the subtotal.")
    restocking_fee: Money
    shipping_deduction: Money
    refund_total: Money = strawberry.field(description="What is paid back: the subtotal less the deductions.")
    refunded_amount: Money = strawberry.field(description="What has been paid back so far.")
    rejection_reason: str | None
    created_at: datetime
    updated_at: datetime
    approved_at: datetime | None
    rejected_at: datetime | None
    received_at: datetime | None
    refunded_at: datetime | None
    closed_at: datetime | None
    row: strawberry.Private[Any]

    @classmethod
    def from_row(cls, row: Any) -> "Return":
        currency = row.currency
        return cls(
            id=str(row.id),
            number=row.number,
            status=row.status,
            resolution=row.resolution,
            refund_destination=row.refund_destination,
            currency_code=currency,
            subtotal=Money.of(row.subtotal, currency),
            tax_total=Money.of(row.tax_total, currency),
            restocking_fee=Money.of(row.restocking_fee, currency),
            shipping_deduction=Money.of(row.shipping_deduction, currency),
            refund_total=Money.of(row.refund_total, currency),
            refunded_amount=Money.of(row.refunded_amount, currency),
            rejection_reason=row.rejection_reason,
            created_at=row.created_at,
            updated_at=row.updated_at,
            approved_at=row.approved_at,
            rejected_at=row.rejected_at,
            received_at=row.received_at,
            refunded_at=row.refunded_at,
            closed_at=row.closed_at,
            row=row,
        )

    @strawberry.field
    async def lines(self, info: Info) -> list[ReturnLine]:
        rows = await info.context.loaders.return_lines.load(self.row.id)
        return [ReturnLine.from_row(row, self.row.currency) for row in rows]

    @strawberry.field(description="Where the money went (or is going), oldest first.")
    async def refunds(self, info: Info) -> list[ReturnRefund]:
        rows = await info.context.loaders.return_refunds.load(self.row.id)
        return [ReturnRefund.from_row(row) for row in rows]

    @strawberry.field(description="The last refund failure, while the refund is retried.")
    def refund_failure(self) -> ReturnRefundFailure | None:
        code = self.row.refund_failure_code
        return ReturnRefundFailure(code=code, message=self.row.refund_failure_message) if code else None

    @strawberry.field(description="The rule or person that decided it (staff only; null for customers).")
    def decision_reason(self, info: Info) -> ReturnDecisionReason | None:
        return self.row.decision_reason if info.context.principal.is_staff else None

    @strawberry.field(description="Staff's note (staff only).")
    def staff_note(self, info: Info) -> str | None:
        return self.row.staff_note if info.context.principal.is_staff else None

    @strawberry.field(description="The order the goods came from.")
    async def order(self, info: Info) -> Order | None:
        row = await info.context.loaders.order.load(self.row.order_id)
        if row is None:
            return None
        built = await build_orders(info, [row], selected_names(info))
        return built[0]

    @strawberry.field(description="Who returns the goods.")
    async def customer(self, info: Info) -> Annotated["Customer", strawberry.lazy("schema.types.customer")] | None:
        return await visible_customer(info, self.row.customer_id)  # type: ignore[no-any-return]

    @strawberry.field(description="The customer's note (the customer and staff only).")
    def note(self, info: Info) -> str | None:
        return self.row.note if info.context.principal.can_see_customer(self.row.customer_id) else None

    @strawberry.field(
        description="The return slip PDF (a signed link valid for a few minutes), once approved (the customer "
        "and staff only: it carries the customer's address)."
    )
    def slip_url(self, info: Info) -> str | None:
        if not info.context.principal.can_see_customer(self.row.customer_id):
            return None
        return returns.slip_url(info.context.rt, self.row)

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list["Return | None"]:
        rows = await load_nodes(info.context.loaders.return_request, node_ids)
        return [cls.from_row(row) if row else None for row in rows]


def returns_connection(page: Page[Any]) -> Any:
    return connection_from_page(page, Return.from_row)


@strawberry.type(description="A line of the preview: what returning this quantity pays back.")
class ReturnCalculationLine:
    order_line_id: strawberry.ID
    sku: str
    name: str
    quantity: int
    reason: ReturnReason
    amount: Money
    tax_amount: Money
    returnable_quantity: int = strawberry.field(description="How many of the line could be returned (before this).")


@strawberry.type(description="What a return would pay back, before the customer commits to it.")
class ReturnCalculation:
    currency_code: str
    lines: list[ReturnCalculationLine]
    subtotal: Money
    tax_total: Money
    restocking_fee: Money
    shipping_deduction: Money
    refund_total: Money
    refund_destination: ReturnRefundDestination
    returnable_until: datetime = strawberry.field(description="The end of the order's return window.")

    @classmethod
    def of(cls, found: Quote) -> "ReturnCalculation":
        currency = found.currency
        return cls(
            currency_code=currency,
            lines=[
                ReturnCalculationLine(
                    order_line_id=encode_global_id("OrderLine", line.order_line.id),
                    sku=line.order_line.sku,
                    name=line.order_line.name,
                    quantity=line.quantity,
                    reason=line.reason,
                    amount=Money.of(line.amount, currency),
                    tax_amount=Money.of(line.tax_amount, currency),
                    returnable_quantity=line.still_returnable,
                )
                for line in found.lines
            ],
            subtotal=Money.of(found.subtotal, currency),
            tax_total=Money.of(found.tax_total, currency),
            restocking_fee=Money.of(found.restocking_fee, currency),
            shipping_deduction=Money.of(found.shipping_deduction, currency),
            refund_total=Money.of(found.refund_total, currency),
            refund_destination=found.destination,
            returnable_until=found.returnable_until,
        )


@strawberry.input
class ReturnLineInput:
    order_line_id: strawberry.ID = strawberry.field(description="An order line's id (Order.lines.id).")
    quantity: int
    reason: ReturnReason


@strawberry.input(description="What to send back from a delivered order, and what the customer wants for it.")
class RequestReturnInput:
    order_id: strawberry.ID
    lines: list[ReturnLineInput]
    resolution: ReturnResolution
    note: str | None = None


@strawberry.type
class ReturnPayload:
    return_: Return | None = strawberry.field(name="return", default=None)
    user_errors: list[ReturnUserError] = strawberry.field(default_factory=list)


@strawberry.type
class ReturnCalculationPayload:
    calculation: ReturnCalculation | None = None
    user_errors: list[ReturnUserError] = strawberry.field(default_factory=list)


@strawberry.input
class ApproveReturnInput:
    return_id: strawberry.ID
    note: str | None = strawberry.field(default=None, description="For staff only.")


@strawberry.input
class RejectReturnInput:
    return_id: strawberry.ID
    reason: str = strawberry.field(description="Told to the customer.")


@strawberry.input
class MarkReturnReceivedInput:
    return_id: strawberry.ID
    note: str | None = strawberry.field(default=None, description="For staff only (the goods' condition).")
    restock: bool = strawberry.field(
        default=True,
        description="The goods can be sold again: they go back to stock (an inventory.moved event per line). "
        "false for damaged goods.",
    )


@strawberry.input
class ReturnIdInput:
    return_id: strawberry.ID


@strawberry.input
class RetryReturnRefundInput:
    return_id: strawberry.ID
    to_store_credit: bool = strawberry.field(
        default=False,
        description="Pay refused card refunds as store credit instead (only when the gateway certainly refunded "
        "nothing: REFUND_OUTCOME_UNKNOWN otherwise).",
    )


@strawberry.input
class ReturnFilter:
    status: ReturnStatus | None = None
    customer_id: strawberry.ID | None = None
    order_id: strawberry.ID | None = None


@strawberry.input
class CustomerReturnFilter:
    status: ReturnStatus | None = None
