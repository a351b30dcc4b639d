"""The audit log for administrators, and the staff console's log of staff actions (staffActions)."""

import strawberry
from strawberry import relay

from app.services import anomalies, security_events
from app.services.errors import AccountError
from resolvers.permissions import IsAdmin, IsStaff, requires
from schema.types.account_errors import AccountUserError
from schema.types.base import Info, connection_from_page, decode_global_id, user_errors
from schema.types.security import (
    AcknowledgeSecurityAlertInput,
    AcknowledgeSecurityAlertPayload,
    SecurityAlert,
    SecurityEvent,
    SecurityEventFilterInput,
    StaffActionFilterInput,
)


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
    ) -> relay.Connection[SecurityEvent] | None:
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

    @strawberry.field(
        description=(
            "What staff did to customers' accounts (audit events with an actor, or an integration through its "
            "API key): who (actor or integration), when, to whom (customer), what (type) and why (detail), "
            "newest first. Administrators see every staff member's and integration's actions; SUPPORT accounts "
            "see their own."
        ),
        extensions=requires(IsStaff),
    )
    async def staff_actions(
        self,
        info: Info,
        first: int | None = 20,
        after: str | None = None,
        filter: StaffActionFilterInput | None = None,
    ) -> relay.Connection[SecurityEvent] | None:
        wanted = filter or StaffActionFilterInput()
        actor_id = decode_global_id(wanted.actor_id, "Customer") if wanted.actor_id else None
        customer_id = decode_global_id(wanted.customer_id, "Customer") if wanted.customer_id else None
        if (wanted.actor_id and actor_id is None) or (wanted.customer_id and customer_id is None):
            return connection_from_page(security_events.empty_page(), SecurityEvent.from_row)  # type: ignore[no-any-return]
        page = await security_events.staff_actions(
            info.context.rt,
            info.context.principal,
            first=first,
            after=after,
            filter=security_events.SecurityEventFilter(
                customer_id=customer_id, type=wanted.type, since=wanted.since, until=wanted.until, actor_id=actor_id
            ),
        )
        return connection_from_page(page, SecurityEvent.from_row)  # type: ignore[no-any-return]

    @strawberry.field(
        description="Alerts raised by the audit job, newest first (administrators).", extensions=requires(IsAdmin)
    )
    async def security_alerts(
        self, info: Info, first: int | None = 20, after: str | None = None, acknowledged: bool | None = None
    ) -> relay.Connection[SecurityAlert] | None:
        page = await anomalies.list_alerts(
            info.context.rt, info.context.principal, first=first, after=after, acknowledged=acknowledged
        )
        return connection_from_page(page, SecurityAlert.from_row)  # type: ignore[no-any-return]


@strawberry.type
class SecurityMutations:
    @strawberry.mutation(description="Mark an alert as handled (administrators).", extensions=requires(IsAdmin))
    async def acknowledge_security_alert(
        self, info: Info, input: AcknowledgeSecurityAlertInput
    ) -> AcknowledgeSecurityAlertPayload:
        try:
            row = await anomalies.acknowledge(
                info.context.rt, info.context.principal, decode_global_id(input.alert_id, "SecurityAlert")
            )
        except AccountError as error:
            return AcknowledgeSecurityAlertPayload(user_errors=user_errors(error, AccountUserError))
        return AcknowledgeSecurityAlertPayload(alert=SecurityAlert.from_row(row))
