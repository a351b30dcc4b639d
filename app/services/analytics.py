"""Staff analytics: the figures of README "Analytics", per day, week or month, customer group and channel,
read from the rollup counters only (app.services.analytics_rollup keeps them), as a report or as CSV.

A report touches at most (periods x metrics x groups x 2 channels) counter rows, whatever the number of
events behind them: a year of days for every figure is a few tens of thousands of rows at most.
"""

import csv
import enum
import io
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlmodel import col

from app.principal import Principal
from app.runtime import Runtime
from app.security.signed_links import LinkError
from app.services import invoices
from app.services.analytics_counters import BY_CHANNEL, Metric, period_end, period_start
from app.services.analytics_rollup import counted_until
from app.services.customer_queries import roles_of
from app.services.errors import DomainError, ErrorDetail, NotAuthenticatedError, PermissionDeniedError
from models.analytics import ALL_CHANNELS, AnalyticsRollup
from models.base import utcnow
from models.customer import Customer, CustomerGroup, CustomerStatus
from models.order import OrderChannel

CSV_LINK = "analytics"
# The longest range a report covers, by granularity (a year of days; ten years of weeks or months).
MAX_DAYS = {"DAY": 366, "WEEK": 3660, "MONTH": 3660}
# The days a report may cover: whole periods around them, and the day after the last, must exist as dates
# (the week or month of 9999-12-31 ends past date.max: an OverflowError, a 500, before this bound).
EARLIEST_DAY = date(1970, 1, 1)  # as accountStatement
LATEST_DAY = date(9998, 12, 31)


class Granularity(enum.Enum):
    DAY = "DAY"
    WEEK = "WEEK"
    MONTH = "MONTH"


class Unit(enum.Enum):
    COUNT = "COUNT"  # value = numerator
    RATIO = "RATIO"  # value = numerator / denominator (0 to 1), null without a denominator
    PER_THOUSAND = "PER_THOUSAND"  # value = 1000 x numerator / denominator
    SECONDS = "SECONDS"  # value = numerator / denominator: a mean duration
    LIFT = "LIFT"  # value = numerator / denominator - 1, both rates themselves


class Figure(enum.Enum):
    REGISTRATIONS_STARTED = "REGISTRATIONS_STARTED"
    REGISTRATION_COMPLETION = "REGISTRATION_COMPLETION"
    REGISTRATION_ACTIVATION = "REGISTRATION_ACTIVATION"
    REGISTRATION_CONVERSION = "REGISTRATION_CONVERSION"
    TIME_TO_ACTIVATE = "TIME_TO_ACTIVATE"
    SELF_SERVICE_RATE = "SELF_SERVICE_RATE"
    ORDERS = "ORDERS"
    TICKETS = "TICKETS"
    TICKETS_PER_1000_ORDERS = "TICKETS_PER_1000_ORDERS"
    HELP_SEARCHES = "HELP_SEARCHES"
    HELP_ARTICLE_VIEWS = "HELP_ARTICLE_VIEWS"
    HELP_SEARCHES_WITHOUT_TICKET = "HELP_SEARCHES_WITHOUT_TICKET"
    HELP_VIEWS_WITHOUT_TICKET = "HELP_VIEWS_WITHOUT_TICKET"
    PAYMENT_SUCCESS_RATE = "PAYMENT_SUCCESS_RATE"
    SIGN_INS = "SIGN_INS"
    ACTIVE_ACCOUNTS = "ACTIVE_ACCOUNTS"
    TWO_FACTOR_ADOPTION = "TWO_FACTOR_ADOPTION"
    REPEAT_PURCHASE_SELF_SERVICE = "REPEAT_PURCHASE_SELF_SERVICE"
    REPEAT_PURCHASE_NO_SELF_SERVICE = "REPEAT_PURCHASE_NO_SELF_SERVICE"
    REPEAT_PURCHASE_LIFT = "REPEAT_PURCHASE_LIFT"


@dataclass(frozen=True)
class FigureDef:
    unit: Unit
    numerator: tuple[Metric, ...]  # added up
    denominator: tuple[Metric, ...] = ()  # added up; empty for a count
    description: str = ""


M = Metric
FIGURES: dict[Figure, FigureDef] = {
    Figure.REGISTRATIONS_STARTED: FigureDef(
        Unit.COUNT, (M.REG_STARTED,), description="Addresses whose first `register` call fell in the period."
    ),
    Figure.REGISTRATION_COMPLETION: FigureDef(
        Unit.RATIO,
        (M.REG_COMPLETED,),
        (M.REG_STARTED,),
        "Of the registrations started in the period, those that created an account.",
    ),
    Figure.REGISTRATION_ACTIVATION: FigureDef(
        Unit.RATIO,
        (M.REG_ACTIVATED,),
        (M.REG_COMPLETED,),
        "Of the accounts created from registrations started in the period, those activated (so far).",
    ),
    Figure.REGISTRATION_CONVERSION: FigureDef(
        Unit.RATIO,
        (M.REG_ACTIVATED,),
        (M.REG_STARTED,),
        "Of the registrations started in the period, those that ended in an activated account (so far).",
    ),
    Figure.TIME_TO_ACTIVATE: FigureDef(
        Unit.SECONDS,
        (M.REG_ACTIVATION_SECONDS,),
        (M.REG_ACTIVATED,),
        "Mean seconds from account creation to activation, of the registrations started in the period.",
    ),
    Figure.SELF_SERVICE_RATE: FigureDef(
        Unit.RATIO,
        (M.CHANGES_BY_CUSTOMER,),
        (M.CHANGES_BY_CUSTOMER, M.CHANGES_BY_STAFF),
        "Account changes the customers made themselves, out of all account changes.",
    ),
    Figure.ORDERS: FigureDef(Unit.COUNT, (M.ORDERS_PLACED,), description="Orders placed in the period."),
    Figure.TICKETS: FigureDef(Unit.COUNT, (M.TICKETS_OPENED,), description="Support tickets opened in the period."),
    Figure.TICKETS_PER_1000_ORDERS: FigureDef(
        Unit.PER_THOUSAND,
        (M.TICKETS_OPENED,),
        (M.ORDERS_PLACED,),
        "Tickets opened per 1,000 orders placed (by channel: tickets about an order of that channel).",
    ),
    Figure.HELP_SEARCHES: FigureDef(Unit.COUNT, (M.HELP_SEARCHES,), description="Help-centre searches."),
    Figure.HELP_ARTICLE_VIEWS: FigureDef(Unit.COUNT, (M.HELP_VIEWS,), description="Help articles opened."),
    Figure.HELP_SEARCHES_WITHOUT_TICKET: FigureDef(
        Unit.RATIO,
        (M.HELP_SEARCHES_WITHOUT_TICKET,),
        (M.HELP_SEARCHES_SETTLED,),
        "Signed-in customers' searches not followed by a ticket of theirs within the window.",
    ),
    Figure.HELP_VIEWS_WITHOUT_TICKET: FigureDef(
        Unit.RATIO,
        (M.HELP_VIEWS_WITHOUT_TICKET,),
        (M.HELP_VIEWS_SETTLED,),
        "Signed-in customers' article views not followed by a ticket of theirs within the window.",
    ),
    Figure.PAYMENT_SUCCESS_RATE: FigureDef(
        Unit.RATIO,
        (M.PAYMENTS_CHARGED,),
        (M.PAYMENTS_DECIDED,),
        "Payment attempts that charged the customer, out of those with an outcome.",
    ),
    Figure.SIGN_INS: FigureDef(Unit.COUNT, (M.SIGN_INS,), description="Successful sign-ins."),
    Figure.ACTIVE_ACCOUNTS: FigureDef(
        Unit.COUNT, (M.ACTIVE_ACCOUNTS,), description="Accounts that signed in during the period (DAU/WAU/MAU)."
    ),
    Figure.TWO_FACTOR_ADOPTION: FigureDef(
        Unit.RATIO,
        (M.ACTIVE_WITH_2FA,),
        (M.ACTIVE_ACCOUNTS,),
        "Active accounts that had two-factor authentication on at their first sign-in of the period.",
    ),
    Figure.REPEAT_PURCHASE_SELF_SERVICE: FigureDef(
        Unit.RATIO,
        (M.REPEAT_BUYERS_SELF_SERVICE,),
        (M.BUYERS_SELF_SERVICE,),
        "Self-service users who bought in the period: the share whose order was not their first.",
    ),
    Figure.REPEAT_PURCHASE_NO_SELF_SERVICE: FigureDef(
        Unit.RATIO,
        (M.REPEAT_BUYERS_NO_SELF_SERVICE,),
        (M.BUYERS_NO_SELF_SERVICE,),
        "Other customers who bought in the period: the share whose order was not their first.",
    ),
    Figure.REPEAT_PURCHASE_LIFT: FigureDef(
        Unit.LIFT,
        (M.REPEAT_BUYERS_SELF_SERVICE, M.BUYERS_SELF_SERVICE),
        (M.REPEAT_BUYERS_NO_SELF_SERVICE, M.BUYERS_NO_SELF_SERVICE),
        "How much higher the self-service users' repeat purchase rate is (0.15: 15 % higher).",
    ),
}


def by_channel(figure: Figure) -> bool:
    """Whether the figure is split by order channel (the others answer for every channel)."""
    definition = FIGURES[figure]
    return all(metric in BY_CHANNEL for metric in (*definition.numerator, *definition.denominator))


class AnalyticsErrorCode(enum.Enum):
    INVALID_RANGE = "INVALID_RANGE"
    RANGE_TOO_LONG = "RANGE_TOO_LONG"
    GROUP_NOT_FOUND = "GROUP_NOT_FOUND"


class AnalyticsError(DomainError):
    @classmethod
    def one(cls, code: AnalyticsErrorCode, message: str, *field: str) -> "AnalyticsError":
        return cls(ErrorDetail(code, message, field or None))


@dataclass(frozen=True)
class ReportQuery:
    first: date
    last: date
    granularity: Granularity
    group_id: uuid.UUID | None = None
    channel: OrderChannel | None = None
    figures: tuple[Figure, ...] | None = None  # None: every figure

    @property
    def chosen(self) -> tuple[Figure, ...]:
        return self.figures if self.figures else tuple(Figure)


@dataclass(frozen=True)
class Point:
    start: date
    end: date
    numerator: float | None  # null only for a lift without self-service buyers
    denominator: float | None
    value: float | None


@dataclass(frozen=True)
class Series:
    figure: Figure
    unit: Unit
    by_channel: bool
    points: list[Point]


@dataclass(frozen=True)
class Report:
    query: ReportQuery
    group: CustomerGroup | None
    periods: list[tuple[date, date]]
    series: list[Series]
    counted_until: datetime | None


def require_staff(principal: Principal) -> uuid.UUID:
    if principal.customer_id is None:
        raise NotAuthenticatedError()
    if not principal.is_staff:
        raise PermissionDeniedError()
    return principal.customer_id


def periods_of(query: ReportQuery) -> list[tuple[date, date]]:
    """Every period of the granularity that holds a day of the range, whole (the first and last may reach
    beyond it)."""
    kind = query.granularity.value
    found = []
    start = period_start(kind, query.first)
    while start <= query.last:
        end = period_end(kind, start)
        found.append((start, end))
        start = end + timedelta(days=1)
    return found


async def _check(rt: Runtime, query: ReportQuery) -> CustomerGroup | None:
    if query.first > query.last:
        raise AnalyticsError.one(AnalyticsErrorCode.INVALID_RANGE, "`from` must not be after `to`.", "from")
    for day, name in ((query.first, "from"), (query.last, "to")):
        if not EARLIEST_DAY <= day <= LATEST_DAY:
            raise AnalyticsError.one(
                AnalyticsErrorCode.INVALID_RANGE, f"Choose days from {EARLIEST_DAY} to {LATEST_DAY}.", name
            )
    limit = MAX_DAYS[query.granularity.value]
    if (query.last - query.first).days + 1 > limit:
        raise AnalyticsError.one(
            AnalyticsErrorCode.RANGE_TOO_LONG,
            f"A {query.granularity.value.lower()} series covers at most {limit} days: choose a shorter range or "
            "a coarser granularity.",
            "to",
        )
    if query.group_id is None:
        return None
    async with rt.db.read() as session:
        group = await session.get(CustomerGroup, query.group_id)
    if group is None:
        raise AnalyticsError.one(AnalyticsErrorCode.GROUP_NOT_FOUND, "There is no such customer group.", "groupId")
    return group


def _point(definition: FigureDef, start: date, end: date, sums: dict[Metric, int]) -> Point:
    def total(metrics: tuple[Metric, ...]) -> int:
        return sum(sums.get(metric, 0) for metric in metrics)

    if definition.unit is Unit.COUNT:
        count = float(total(definition.numerator))
        return Point(start, end, count, None, count)
    if definition.unit is Unit.LIFT:
        repeat_self, buyers_self = (sums.get(m, 0) for m in definition.numerator)
        repeat_other, buyers_other = (sums.get(m, 0) for m in definition.denominator)
        rate_self = repeat_self / buyers_self if buyers_self else None
        rate_other = repeat_other / buyers_other if buyers_other else None
        lift = rate_self / rate_other - 1 if rate_self is not None and rate_other else None
        return Point(start, end, rate_self, rate_other, lift)
    numerator, denominator = total(definition.numerator), total(definition.denominator)
    value: float | None = None
    if denominator:
        value = numerator / denominator
        if definition.unit is Unit.PER_THOUSAND:
            value = 1000 * numerator / denominator
    return Point(start, end, float(numerator), float(denominator), value)


async def report(rt: Runtime, principal: Principal, query: ReportQuery) -> Report:
    require_staff(principal)
    group = await _check(rt, query)
    periods = periods_of(query)
    figures = query.chosen
    metrics = sorted({m for f in figures for m in (*FIGURES[f].numerator, *FIGURES[f].denominator)})
    channels = [ALL_CHANNELS] if query.channel is None else [ALL_CHANNELS, query.channel.value]
    statement = (
        select(
            col(AnalyticsRollup.metric),
            col(AnalyticsRollup.period_start),
            col(AnalyticsRollup.channel),
            func.sum(col(AnalyticsRollup.value)),
        )
        .where(
            col(AnalyticsRollup.period_kind) == query.granularity.value,
            col(AnalyticsRollup.period_start) >= periods[0][0],
            col(AnalyticsRollup.period_start) <= periods[-1][0],
            col(AnalyticsRollup.metric).in_([m.value for m in metrics]),
            col(AnalyticsRollup.channel).in_(channels),
        )
        .group_by(col(AnalyticsRollup.metric), col(AnalyticsRollup.period_start), col(AnalyticsRollup.channel))
    )
    if query.group_id is not None:
        statement = statement.where(col(AnalyticsRollup.group_id) == query.group_id)
    async with rt.db.read() as session:
        rows = (await session.execute(statement)).all()
    until = await counted_until(rt)
    # Per figure: its channel's counters when it is split by channel and a channel was asked for, else all.
    sums: dict[tuple[str, date, str], int] = {(m, p, c): int(v) for m, p, c, v in rows}
    series = []
    for figure in figures:
        definition = FIGURES[figure]
        split = by_channel(figure)
        channel = query.channel.value if split and query.channel is not None else ALL_CHANNELS
        needed = (*definition.numerator, *definition.denominator)
        points = [
            _point(definition, start, end, {m: sums.get((m.value, start, channel), 0) for m in needed})
            for start, end in periods
        ]
        series.append(Series(figure, definition.unit, split, points))
    return Report(query, group, periods, series, until)


# --- CSV behind a signed link ----------------------------------------------------------------------------

_GRANULARITY_LETTER = {Granularity.DAY: "D", Granularity.WEEK: "W", Granularity.MONTH: "M"}
_FIGURE_BITS = {figure: 1 << index for index, figure in enumerate(Figure)}


def _object_id(staff_id: uuid.UUID, query: ReportQuery) -> str:
    """What the link says: who may open it and the report it shows, in URL-safe characters."""
    mask = sum(_FIGURE_BITS[f] for f in query.chosen)
    return "~".join(
        (
            staff_id.hex,
            query.first.strftime("%Y%m%d"),
            query.last.strftime("%Y%m%d"),
            _GRANULARITY_LETTER[query.granularity],
            query.group_id.hex if query.group_id else "-",
            query.channel.value if query.channel else "-",
            format(mask, "x"),
        )
    )


def _parse_object_id(object_id: str) -> tuple[uuid.UUID, ReportQuery]:
    try:
        staff, first, last, letter, group, channel, mask = object_id.split("~")
        granularity = next(g for g, letter_of in _GRANULARITY_LETTER.items() if letter_of == letter)
        bits = int(mask, 16)
        return uuid.UUID(staff), ReportQuery(
            first=datetime.strptime(first, "%Y%m%d").date(),
            last=datetime.strptime(last, "%Y%m%d").date(),
            granularity=granularity,
            group_id=None if group == "-" else uuid.UUID(group),
            channel=None if channel == "-" else OrderChannel(channel),
            figures=tuple(f for f, bit in _FIGURE_BITS.items() if bits & bit),
        )
    except (ValueError, StopIteration) as exc:  # a signed id is always ours: only a forged one gets here
        raise LinkError("malformed") from exc


def csv_url(rt: Runtime, principal: Principal, query: ReportQuery) -> str:
    """A short-lived signed link to the report as CSV, for the staff member asking (DOCUMENT_LINK_MINUTES)."""
    staff_id = require_staff(principal)
    signed = invoices.links(rt)
    return signed.url(CSV_LINK, _object_id(staff_id, query), signed.expiry(rt.settings.document_link_minutes))


class CsvRefusedError(Exception):
    """The link is genuine, but whoever it was made for is no longer staff."""


async def open_csv(rt: Runtime, object_id: str, expires: str | None, signature: str | None) -> tuple[str, str]:
    """Check a CSV link and answer (file name, CSV text). Raises LinkError, CsvRefusedError or AnalyticsError."""
    invoices.links(rt).verify(CSV_LINK, object_id, expires, signature, utcnow())
    staff_id, query = _parse_object_id(object_id)
    async with rt.db.read() as session:
        staff = await session.get(Customer, staff_id)
        roles = await roles_of(session, staff_id) if staff is not None else frozenset()
    if staff is None or staff.status is not CustomerStatus.ACTIVE:
        raise CsvRefusedError()
    principal = Principal(customer_id=staff_id, roles=roles)
    if not principal.is_staff:
        raise CsvRefusedError()
    found = await report(rt, principal, query)
    name = f"analytics-{query.granularity.value.lower()}-{query.first.isoformat()}-{query.last.isoformat()}.csv"
    return name, csv_text(found)


CSV_COLUMNS = (
    "figure",
    "unit",
    "period_start",
    "period_end",
    "numerator",
    "denominator",
    "value",
    "granularity",
    "group_code",
    "group_name",
    "channel",
)
# A cell a spreadsheet would read as a formula (OWASP "CSV injection").
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")


def safe_cell(text: str) -> str:
    """Text that no spreadsheet runs as a formula: a leading apostrophe before =, +, -, @, tab or line break."""
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def _number(value: float | None) -> str:
    """Numbers as numbers (never escaped: a number is not a formula); whole ones without a fraction."""
    if value is None:
        return ""
    return str(int(value)) if value.is_integer() else repr(value)


def csv_text(found: Report) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    query, group = found.query, found.group
    context = [
        safe_cell(query.granularity.value),
        safe_cell(group.code if group else ""),
        safe_cell(group.name if group else ""),
        safe_cell(query.channel.value if query.channel else ""),
    ]
    for series in found.series:
        for point in series.points:
            writer.writerow(
                [
                    safe_cell(series.figure.value),
                    safe_cell(series.unit.value),
                    point.start.isoformat(),
                    point.end.isoformat(),
                    _number(point.numerator),
                    _number(point.denominator),
                    _number(point.value),
                    *context,
                ]
            )
    return out.getvalue()
