"""Account statements: one currency of the on-account ledger over a period (app.services.statements)."""

from datetime import date
from typing import Annotated

import strawberry
from strawberry import relay

from app.services import statements
from app.services.statements import Statement
from schema.types.base import Info, connection_from_page
from schema.types.credit import CreditTransaction, CreditUserError
from schema.types.money import CurrencyCode, CurrencyCodeValues, Money


@strawberry.type(
    description=(
        "The on-account ledger in one currency over a period of calendar days: the balance before it, its entries "
        "oldest first, their credits and debits, the balance after it, and the PDF."
    )
)
class AccountStatement:
    found: strawberry.Private[Statement]
    currency_code: CurrencyCode  # type: ignore[valid-type]
    from_: date = strawberry.field(name="from", description="The first day of the period (included).")
    to: date = strawberry.field(description="The last day of the period (included).")
    timezone: str = strawberry.field(
        description="The clock the days run on: your settings.timezone, else UTC (midnight to midnight)."
    )
    opening_balance: Money = strawberry.field(description="The balance before the first day: every earlier entry.")
    total_credits: Money = strawberry.field(description="The sum of the period's entries that added to the balance.")
    total_debits: Money = strawberry.field(description="The sum of the period's entries that took from it (<= 0).")
    closing_balance: Money = strawberry.field(description="The balance at the end of the last day.")
    entry_count: int = strawberry.field(description="How many entries the period holds.")

    @classmethod
    def of(cls, found: Statement) -> "AccountStatement":
        def money(amount: int) -> Money:
            return Money.of(amount, found.currency)

        return cls(
            found=found,
            currency_code=CurrencyCodeValues[found.currency],
            from_=found.period.first_day,
            to=found.period.last_day,
            timezone=found.period.timezone,
            opening_balance=money(found.opening_balance),
            total_credits=money(found.total_credits),
            total_debits=money(found.total_debits),
            closing_balance=money(found.closing_balance),
            entry_count=found.entry_count,
        )

    @strawberry.field(description="The period's ledger entries, oldest first (the order they were posted in).")
    async def entries(
        self, info: Info, first: int | None = 20, after: str | None = None
    ) -> relay.Connection[CreditTransaction] | None:
        page = await statements.entries(info.context.rt, self.found, first=first, after=after)
        return connection_from_page(page, CreditTransaction.from_row)  # type: ignore[no-any-return]

    @strawberry.field(
        description=(
            "A signed link to the statement as a PDF (in your language), valid DOCUMENT_LINK_MINUTES like an "
            f"invoice's; null when the period holds more than {statements.PDF_MAX_ENTRIES} entries: choose a "
            "shorter period."
        )
    )
    def download_url(self, info: Info) -> str | None:
        return statements.download_url(info.context.rt, self.found)


@strawberry.type
class AccountStatementPayload:
    statement: AccountStatement | None = None
    user_errors: list[CreditUserError] = strawberry.field(default_factory=list)


StatementFrom = Annotated[
    date | None,
    strawberry.argument(name="from", description="The first day (included); default: the first of `to`'s month."),
]
StatementTo = Annotated[
    date | None, strawberry.argument(description="The last day (included); default: today on your clock.")
]
