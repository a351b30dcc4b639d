"""Staff analytics: a series per figure (README, "Analytics"), read from the rollups."""

from datetime import date, datetime

import strawberry

from app.services.analytics import AnalyticsErrorCode, Figure, Granularity, Report, Series, Unit
from models.order import OrderChannel
from schema.types.base import DisplayableError
from schema.types.customer import CustomerGroup

GranularityEnum = strawberry.enum(
    Granularity, name="AnalyticsGranularity", description="Days, ISO weeks (from Monday) or months, in UTC."
)
FigureEnum = strawberry.enum(Figure, name="AnalyticsFigure", description="The figures README 'Analytics' defines.")
UnitEnum = strawberry.enum(
    Unit,
    name="AnalyticsUnit",
    description=(
        "COUNT: value = numerator. RATIO: numerator / denominator. PER_THOUSAND: 1000 x numerator / denominator. "
        "SECONDS: a mean, numerator / denominator. LIFT: numerator / denominator - 1 (two rates)."
    ),
)
AnalyticsErrorCodeEnum = strawberry.enum(AnalyticsErrorCode, name="AnalyticsErrorCode")


@strawberry.input(description="Which figures, over which days, how finely, for which group and channel.")
class AnalyticsInput:
    from_: date = strawberry.field(name="from", description="The first day (UTC).")
    to: date = strawberry.field(description="The last day (UTC), included.")
    granularity: Granularity = Granularity.DAY
    group_id: strawberry.ID | None = strawberry.field(default=None, description="One customer group; null: all.")
    channel: OrderChannel | None = strawberry.field(
        default=None, description="One order channel (figures split by channel); null: all."
    )
    figures: list[Figure] | None = strawberry.field(default=None, description="Only these; null: every figure.")


@strawberry.type(description="A figure's value in one period.")
class AnalyticsPoint:
    period_start: date
    period_end: date = strawberry.field(description="The period's last day (a whole period, even past `to`).")
    numerator: float | None
    denominator: float | None = strawberry.field(description="Null for a count.")
    value: float | None = strawberry.field(description="The figure; null when its denominator is zero.")


@strawberry.type(description="One figure over the report's periods.")
class AnalyticsSeries:
    figure: Figure
    unit: Unit
    by_channel: bool = strawberry.field(
        description="Whether the figure is split by order channel; the others answer for every channel."
    )
    points: list[AnalyticsPoint]

    @classmethod
    def of(cls, series: Series) -> "AnalyticsSeries":
        return cls(
            figure=series.figure,
            unit=series.unit,
            by_channel=series.by_channel,
            points=[
                AnalyticsPoint(
                    period_start=p.start,
                    period_end=p.end,
                    numerator=p.numerator,
                    denominator=p.denominator,
                    value=p.value,
                )
                for p in series.points
            ],
        )


@strawberry.type(description="Staff analytics over a range of days.")
class AnalyticsReport:
    from_: date = strawberry.field(name="from")
    to: date
    granularity: Granularity
    group: CustomerGroup | None
    channel: OrderChannel | None
    counted_until: datetime | None = strawberry.field(
        description="Events up to this moment are counted (the help figures' ticket follow-up trails it by the "
        "ticket window); null before the first rollup."
    )
    series: list[AnalyticsSeries]
    csv_url: str = strawberry.field(
        description="The same report as CSV: a signed link for you, valid DOCUMENT_LINK_MINUTES."
    )

    @classmethod
    def of(cls, found: Report, csv_url: str) -> "AnalyticsReport":
        query = found.query
        return cls(
            from_=query.first,
            to=query.last,
            granularity=query.granularity,
            group=CustomerGroup.from_row(found.group) if found.group else None,
            channel=query.channel,
            counted_until=found.counted_until,
            series=[AnalyticsSeries.of(series) for series in found.series],
            csv_url=csv_url,
        )


@strawberry.type(description="An error in an analytics request.")
class AnalyticsUserError(DisplayableError):
    code: AnalyticsErrorCode


@strawberry.type
class AnalyticsPayload:
    report: AnalyticsReport | None = None
    user_errors: list[AnalyticsUserError] = strawberry.field(default_factory=list)
