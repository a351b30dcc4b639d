"""Store credit: the account, its ledger, credit-limit requests."""

import uuid
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry import relay

from app.services.store_credit import Balance, CreditErrorCode
from models.credit import CreditLimitRequest as CreditLimitRequestRow
from models.credit import CreditLimitRequestStatus, CreditTransactionReason
from models.credit import CreditTransaction as CreditTransactionRow
from schema.types.base import DisplayableError, Info, load_nodes, visible_customer
from schema.types.money import CurrencyCode, Money

if TYPE_CHECKING:
    from schema.types.customer import Customer

CreditErrorCodeEnum = strawberry.enum(CreditErrorCode, name="CreditErrorCode")
CreditLimitRequestStatusEnum = strawberry.enum(CreditLimitRequestStatus, name="CreditLimitRequestStatus")
CreditTransactionReasonEnum = strawberry.enum(CreditTransactionReason, name="CreditTransactionReason")


@strawberry.type(description="An error from store credit or credit-limit requests.")
class CreditUserError(DisplayableError):
    code: CreditErrorCode


@strawberry.type(description="Store credit in one currency. balance may be negative down to -creditLimit.")
class StoreCredit:
    balance: Money
    credit_limit: Money
    available: Money = strawberry.field(description="What can still be spent: balance plus credit limit.")

    @classmethod
    def of(cls, found: Balance) -> "StoreCredit":
        return cls(
            balance=Money.of(found.balance, found.currency),
            credit_limit=Money.of(found.credit_limit, found.currency),
            available=Money.of(found.available, found.currency),
        )


@strawberry.type(description="One ledger entry: positive adds credit, negative spends it.")
class CreditTransaction(relay.Node):
    id: relay.NodeID[str]
    amount: Money
    balance_after: Money
    reason: CreditTransactionReason
    reference: str | None
    note: str | None
    created_at: datetime

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list["CreditTransaction | None"]:
        rows = await load_nodes(info.context.loaders.credit_transaction, node_ids)
        return [cls.from_row(row) if row else None for row in rows]

    @classmethod
    def from_row(cls, row: CreditTransactionRow) -> "CreditTransaction":
        return cls(
            id=str(row.id),
            amount=Money.of(row.amount, row.currency),
            balance_after=Money.of(row.balance_after, row.currency),
            reason=row.reason,
            reference=row.reference,
            note=row.note,
            created_at=row.created_at,
        )


@strawberry.type(description="A customer's request for a credit limit (purchase on account), and its decision.")
class CreditLimitRequest(relay.Node):
    id: relay.NodeID[str]
    amount: Money
    reason: str
    status: CreditLimitRequestStatus
    approved_amount: Money | None
    decision_reason: str | None
    created_at: datetime
    decided_at: datetime | None
    customer_id: strawberry.Private[uuid.UUID]

    @strawberry.field(description="Who asked (staff see any; a customer sees themselves).")
    async def customer(self, info: Info) -> Annotated["Customer", strawberry.lazy("schema.types.customer")] | None:
        return await visible_customer(info, self.customer_id)  # type: ignore[no-any-return]

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list["CreditLimitRequest | None"]:
        rows = await load_nodes(info.context.loaders.credit_limit_request, node_ids)
        return [cls.from_row(row) if row else None for row in rows]

    @classmethod
    def from_row(cls, row: CreditLimitRequestRow) -> "CreditLimitRequest":
        return cls(
            id=str(row.id),
            amount=Money.of(row.amount, row.currency),
            reason=row.reason,
            status=row.status,
            approved_amount=Money.of(row.approved_amount, row.currency) if row.approved_amount is not None else None,
            decision_reason=row.decision_reason,
            created_at=row.created_at,
            decided_at=row.decided_at,
            customer_id=row.customer_id,
        )


@strawberry.input
class RequestCreditLimitInput:
    amount: Decimal
    currency_code: CurrencyCode | None = strawberry.field(  # type: ignore[valid-type]
        default=None, description="Default: your settings.currency, else DEFAULT_CURRENCY."
    )
    reason: str


@strawberry.type
class RequestCreditLimitPayload:
    request: CreditLimitRequest | None = None
    user_errors: list[CreditUserError] = strawberry.field(default_factory=list)


@strawberry.input(description="Approve (the amount asked for, unless another is given) or decline with a reason.")
class DecideCreditLimitRequestInput:
    request_id: strawberry.ID
    approve: bool
    amount: Decimal | None = None
    reason: str | None = None


@strawberry.type
class DecideCreditLimitRequestPayload:
    request: CreditLimitRequest | None = None
    user_errors: list[CreditUserError] = strawberry.field(default_factory=list)


@strawberry.input(description="Credit (positive) or debit (negative) a customer's store credit, with a note.")
class AdjustStoreCreditInput:
    customer_id: strawberry.ID
    amount: Decimal
    currency_code: CurrencyCode | None = None  # type: ignore[valid-type]
    note: str


@strawberry.type
class AdjustStoreCreditPayload:
    store_credit: StoreCredit | None = None
    user_errors: list[CreditUserError] = strawberry.field(default_factory=list)


@strawberry.input(
    description=(
        "Money received for a customer's account outside the gateway (e.g. a bank transfer), under the payer's "
        "reference: recorded once per reference and account."
    )
)
class RecordAccountPaymentInput:
    customer_id: strawberry.ID
    amount: Decimal = strawberry.field(description="Positive, in the currency's units, e.g. 80.90.")
    currency_code: CurrencyCode | None = None  # type: ignore[valid-type]
    reference: str = strawberry.field(description="The payer's reference, e.g. the bank transfer's; at most 128.")
    note: str | None = None


@strawberry.type
class RecordAccountPaymentPayload:
    store_credit: StoreCredit | None = None
    user_errors: list[CreditUserError] = strawberry.field(default_factory=list)
