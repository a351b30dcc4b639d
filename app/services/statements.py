"""Account statements: one currency of a customer's on-account ledger over a period of calendar days.

A statement says what the account stood at before the period (the opening balance: the sum of every entry
before its first day), the entries in the period oldest first, the credits and debits they add up to, and
the closing balance (opening plus the period's entries). The days are the customer's own: midnight to
midnight in their settings.timezone, UTC when they set none, the same clock their PDFs print dates on. A
currency the customer has no account in reads as an empty statement with zero balances (an account only
exists once something was posted, so "no account" and "nothing yet" are the same fact).

The totals come from one aggregate query; the entries are never loaded all at once: the API pages them
(keyset, oldest first) and the PDF reads them in chunks, up to PDF_MAX_ENTRIES (a longer period gets no PDF:
choose a shorter one).
"""

import uuid
import zoneinfo
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import anyio
from sqlalchemy import and_, case, func, or_, select
from sqlmodel import col

from app.documents.model import Party
from app.documents.statement import StatementDocument, StatementEntry, render_statement
from app.money import is_currency
from app.pagination import Page, build_page, decode_cursor, page_size
from app.principal import Principal
from app.runtime import Runtime
from app.security.signed_links import LinkError
from app.services import invoices, messages, offers, store_credit
from app.services.errors import PermissionDeniedError
from app.services.store_credit import CreditError, CreditErrorCode
from models.base import utcnow
from models.credit import CreditTransaction
from models.customer import Customer, CustomerStatus

STATEMENT_LINK = "statement"
MAX_DAYS = 366  # a statement covers at most a year, a leap year's included
PDF_MAX_ENTRIES = 1000  # entries one PDF prints (drawing takes about 3 ms an entry)
_CHUNK = 250  # entries read from the database at a time while the PDF is drawn
_EARLIEST = date(1970, 1, 1)
_LATEST = date(9998, 12, 31)


@dataclass(frozen=True)
class Period:
    """Calendar days first_day..last_day (both included) on `timezone`'s clock, and the moments they span:
    start (included) to end (excluded), in UTC."""

    first_day: date
    last_day: date
    timezone: str

    @property
    def start(self) -> datetime:
        return _midnight(self.first_day, self.timezone)

    @property
    def end(self) -> datetime:
        return _midnight(self.last_day + timedelta(days=1), self.timezone)


def _midnight(day: date, timezone: str) -> datetime:
    return datetime.combine(day, time.min, tzinfo=zoneinfo.ZoneInfo(timezone)).astimezone(UTC)


@dataclass(frozen=True)
class Statement:
    customer_id: uuid.UUID
    currency: str
    period: Period
    opening_balance: int
    total_credits: int  # the period's positive entries
    total_debits: int  # the period's negative entries (zero or below)
    entry_count: int

    @property
    def closing_balance(self) -> int:
        return self.opening_balance + self.total_credits + self.total_debits


def _error(code: CreditErrorCode, message: str, *field: str) -> CreditError:
    return CreditError.one(code, message, *field)


def check_period(first_day: date, last_day: date, timezone: str) -> Period:
    """The period asked for, or a typed error: days out of range, from after to, longer than MAX_DAYS."""
    for value, field in ((first_day, "from"), (last_day, "to")):
        if not _EARLIEST <= value <= _LATEST:
            raise _error(CreditErrorCode.INVALID_PERIOD, "Choose a day between 1970 and 9998.", field)
    if first_day > last_day:
        raise _error(CreditErrorCode.INVALID_PERIOD, "The period must not end before it starts.", "to")
    if (last_day - first_day).days + 1 > MAX_DAYS:
        raise _error(CreditErrorCode.PERIOD_TOO_LONG, f"A statement covers at most {MAX_DAYS} days.", "to")
    return Period(first_day, last_day, timezone)


def _check_currency(currency: str) -> str:
    code = currency.strip().upper()
    if not is_currency(code):
        raise _error(CreditErrorCode.INVALID_CURRENCY, "Use an ISO 4217 currency code.", "currencyCode")
    return code


async def customer_timezone(rt: Runtime, customer_id: uuid.UUID) -> str:
    """The clock a customer's statement days run on: their settings.timezone, else UTC (what their PDFs use)."""
    async with rt.db.read() as session:
        return (await messages.document_locale(session, customer_id)).timezone


def _ledger(customer_id: uuid.UUID, currency: str) -> list[Any]:
    return [col(CreditTransaction.customer_id) == customer_id, col(CreditTransaction.currency) == currency]


async def _summary(rt: Runtime, customer_id: uuid.UUID, currency: str, period: Period) -> Statement:
    created, amount = col(CreditTransaction.created_at), col(CreditTransaction.amount)
    inside = and_(created >= period.start, created < period.end)
    statement = select(
        func.coalesce(func.sum(case((created < period.start, amount), else_=0)), 0),
        func.coalesce(func.sum(case((and_(inside, amount > 0), amount), else_=0)), 0),
        func.coalesce(func.sum(case((and_(inside, amount < 0), amount), else_=0)), 0),
        func.count().filter(inside),
    ).where(*_ledger(customer_id, currency), created < period.end)
    async with rt.db.read() as session:
        opening, credits, debits, count = (await session.execute(statement)).one()
    return Statement(customer_id, currency, period, int(opening), int(credits), int(debits), int(count))


async def statement(
    rt: Runtime,
    principal: Principal,
    customer_id: uuid.UUID,
    currency: str | None,
    first_day: date | None,
    last_day: date | None,
) -> Statement:
    """The statement of `customer_id`'s ledger in `currency`: the customer's own, or any for staff.

    Without a currency: the customer's settings.currency, else DEFAULT_CURRENCY (as store credit reads). Without
    `last_day`: today on the customer's clock; without `first_day`: the first of `last_day`'s month."""
    if not principal.can_see_customer(customer_id):
        raise PermissionDeniedError()
    code = _check_currency(currency or await store_credit.default_currency(rt, customer_id))
    timezone = await customer_timezone(rt, customer_id)
    last = last_day or datetime.now(zoneinfo.ZoneInfo(timezone)).date()
    period = check_period(first_day or last.replace(day=1), last, timezone)
    return await _summary(rt, customer_id, code, period)


def _oldest_first_after(after: str | None) -> list[Any]:
    if not after:
        return []
    moment, row_id = decode_cursor(after)
    created, key = col(CreditTransaction.created_at), col(CreditTransaction.id)
    return [or_(created > moment, and_(created == moment, key > row_id))]


def _entries(found: Statement, limit: int, after: str | None) -> Any:
    created = col(CreditTransaction.created_at)
    return (
        select(CreditTransaction)
        .where(
            *_ledger(found.customer_id, found.currency),
            created >= found.period.start,
            created < found.period.end,
            *_oldest_first_after(after),
        )
        .order_by(created, col(CreditTransaction.id))
        .limit(limit + 1)
    )


async def entries(rt: Runtime, found: Statement, *, first: int | None, after: str | None) -> Page[CreditTransaction]:
    """A page of the statement's entries, oldest first (the order they were posted in)."""
    limit = page_size(first)
    async with rt.db.read() as session:
        rows = list((await session.execute(_entries(found, limit, after))).scalars())
    return build_page(rows, limit, lambda row: (row.created_at, row.id), after)


def currencies_query(customer_id: uuid.UUID) -> Any:
    return (
        select(col(CreditTransaction.currency))
        .where(col(CreditTransaction.customer_id) == customer_id)
        .group_by(col(CreditTransaction.currency))
        .order_by(col(CreditTransaction.currency))
    )


async def currencies(rt: Runtime, principal: Principal, customer_id: uuid.UUID) -> list[str]:
    """The currencies the customer's ledger has entries in (their accounts), alphabetically."""
    if not principal.can_see_customer(customer_id):
        return []
    async with rt.db.read() as session:
        return [code for code in (await session.execute(currencies_query(customer_id))).scalars() if is_currency(code)]


# --- the PDF behind a signed link -------------------------------------------------------------------------


def _object_id(customer_id: uuid.UUID, currency: str, period: Period) -> str:
    return f"{customer_id}.{currency}.{period.first_day:%Y%m%d}.{period.last_day:%Y%m%d}"


def download_url(rt: Runtime, found: Statement) -> str | None:
    """A signed link to the statement's PDF, valid DOCUMENT_LINK_MINUTES like an invoice's; None when the
    period holds more entries than one PDF prints (PDF_MAX_ENTRIES)."""
    if found.entry_count > PDF_MAX_ENTRIES:
        return None
    signed = invoices.links(rt)
    object_id = _object_id(found.customer_id, found.currency, found.period)
    return signed.url(STATEMENT_LINK, object_id, signed.expiry(rt.settings.document_link_minutes))


def _parse_object_id(object_id: str) -> tuple[uuid.UUID, str, date, date]:
    try:
        customer, currency, first, last = object_id.split(".")
        return (
            uuid.UUID(customer),
            currency,
            datetime.strptime(first, "%Y%m%d").date(),
            datetime.strptime(last, "%Y%m%d").date(),
        )
    except ValueError as exc:
        raise LinkError("malformed") from exc


async def _holder(rt: Runtime, customer: Customer) -> Party:
    """The account holder as an offer names its buyer: the name and default billing address."""
    async with rt.db.read() as session:
        return await offers.buyer_party(session, customer)


async def _read_entries(rt: Runtime, found: Statement) -> list[StatementEntry]:
    """The period's entries in chunks of _CHUNK rows (never one unbounded result), as the few facts a PDF row
    prints."""
    entries: list[StatementEntry] = []
    after: str | None = None
    while True:
        page = await _page_of(rt, found, after)
        entries.extend(
            StatementEntry(row.created_at, row.reason.value, row.reference, row.note, row.amount, row.balance_after)
            for row in page.items
        )
        if not page.has_next_page or len(entries) >= PDF_MAX_ENTRIES:
            return entries[:PDF_MAX_ENTRIES]
        after = page.cursors[-1]


async def _page_of(rt: Runtime, found: Statement, after: str | None) -> Page[CreditTransaction]:
    async with rt.db.read() as session:
        rows = list((await session.execute(_entries(found, _CHUNK, after))).scalars())
    return build_page(rows, _CHUNK, lambda row: (row.created_at, row.id), after)


async def statement_pdf(rt: Runtime, object_id: str, expires: str | None, signature: str | None) -> invoices.Pdf:
    """The PDF a genuine, unexpired link names, drawn now in the customer's language, on their clock."""
    invoices.links(rt).verify(STATEMENT_LINK, object_id, expires, signature, utcnow())
    customer_id, currency, first_day, last_day = _parse_object_id(object_id)
    async with rt.db.read() as session:
        customer = await session.get(Customer, customer_id)
        if customer is None or customer.status is CustomerStatus.DELETED or not is_currency(currency):
            raise invoices.DocumentUnavailableError()
        locale = await messages.document_locale(session, customer_id)
    try:
        period = check_period(first_day, last_day, locale.timezone)
    except CreditError as exc:  # we never sign such a link
        raise LinkError("malformed") from exc
    found = await _summary(rt, customer_id, currency, period)
    if found.entry_count > PDF_MAX_ENTRIES:
        raise invoices.DocumentUnavailableError()
    rows = await _read_entries(rt, found)
    document = StatementDocument(
        currency=currency,
        first_day=first_day,
        last_day=last_day,
        issued_at=utcnow(),
        seller=invoices.party(invoices.seller_details(rt)),
        customer=await _holder(rt, customer),
        opening_balance=found.opening_balance,
        total_credits=found.total_credits,
        total_debits=found.total_debits,
        closing_balance=found.closing_balance,
        entries=tuple(rows),
    )
    content = await anyio.to_thread.run_sync(render_statement, document, locale)
    return invoices.Pdf(f"statement-{currency}-{first_day:%Y%m%d}-{last_day:%Y%m%d}.pdf", content)
