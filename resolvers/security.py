"""The audit log for administrators."""

import strawberry
from strawberry import relay

from app.services import security_events
from resolvers.permissions import IsAdmin, requires
from schema.types.base import Info, connection_from_page, decode_global_id
from schema.types.security import SecurityEvent, SecurityEventFilterInput


@strawberry.type
class SecurityQueries:
    @strawberry.field(
        description="Every security event, newest first, with filters (administrators).", extensions=requires(IsAdmin)
    )
    async def security_events(
        self,
        info: Info,
        first: int | None = 20,
        after: str | None = None,
        filter: SecurityEventFilterInput | None = None,
    ) -> relay.Connection[SecurityEvent]:
        criteria = security_events.SecurityEventFilter()
        if filter is not None:
            customer_id = decode_global_id(filter.customer_id, "Customer") if filter.customer_id else None
            if filter.customer_id and customer_id is None:
                return connection_from_page(security_events.empty_page(), SecurityEvent.from_row)  # type: ignore[no-any-return]
            criteria = security_events.SecurityEventFilter(
                customer_id=customer_id,
                type=filter.type,
                outcome=filter.outcome,
                ip_address=filter.ip_address,
                since=filter.since,
                until=filter.until,
            )
        page = await security_events.search(
            info.context.rt, info.context.principal, first=first, after=after, filter=criteria
        )
        return connection_from_page(page, SecurityEvent.from_row)  # type: ignore[no-any-return]
