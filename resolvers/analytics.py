"""Staff analytics (SUPPORT or ADMIN): the figures of README "Analytics" as series, and as CSV by a signed link."""

import strawberry

from app.services import analytics
from app.services.analytics import AnalyticsError, ReportQuery
from models.analytics import NO_GROUP
from resolvers.permissions import IsStaff, requires
from schema.types.analytics import AnalyticsInput, AnalyticsPayload, AnalyticsReport, AnalyticsUserError
from schema.types.base import Info, decode_global_id, user_errors


@strawberry.type
class AnalyticsQueries:
    @strawberry.field(
        description="Registration conversion, self-service, tickets, help centre, payments, sign-in activity and "
        "repeat purchases, per day, week or month (staff).",
        extensions=requires(IsStaff),
    )
    async def analytics(self, info: Info, input: AnalyticsInput) -> AnalyticsPayload:
        group_id = None
        if input.group_id is not None:
            # An id that is no CustomerGroup's names no group: GROUP_NOT_FOUND like an unknown one.
            group_id = decode_global_id(input.group_id, "CustomerGroup") or NO_GROUP
        query = ReportQuery(
            first=input.from_,
            last=input.to,
            granularity=input.granularity,
            group_id=group_id,
            channel=input.channel,
            figures=tuple(dict.fromkeys(input.figures)) if input.figures else None,
        )
        rt, principal = info.context.rt, info.context.principal
        try:
            found = await analytics.report(rt, principal, query)
        except AnalyticsError as error:
            return AnalyticsPayload(user_errors=user_errors(error, AnalyticsUserError))
        return AnalyticsPayload(report=AnalyticsReport.of(found, analytics.csv_url(rt, principal, query)))
