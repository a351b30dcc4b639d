"""Security events: the audit log as customers and administrators see it."""

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry import relay

from models.security import SecurityAlert as SecurityAlertRow
from models.security import SecurityAlertKind, SecurityEventOutcome, SecurityEventType
from models.security import SecurityEvent as SecurityEventRow
from schema.types.base import Info, load_nodes, visible_customer

if TYPE_CHECKING:
    from schema.types.account_errors import AccountUserError
    from schema.types.customer import Customer

SecurityEventTypeEnum = strawberry.enum(SecurityEventType, name="SecurityEventType")
SecurityEventOutcomeEnum = strawberry.enum(SecurityEventOutcome, name="SecurityEventOutcome")
SecurityAlertKindEnum = strawberry.enum(SecurityAlertKind, name="SecurityAlertKind")

CustomerRef = Annotated["Customer", strawberry.lazy("schema.types.customer")]


@strawberry.type(description="Something that happened to the security of an account: who, what, from where, outcome.")
class SecurityEvent(relay.Node):
    id: relay.NodeID[str]
    type: SecurityEventType
    outcome: SecurityEventOutcome
    created_at: datetime
    ip_address: str | None
    user_agent: str | None
    reason: str | None = strawberry.field(description="Why it failed or was blocked, e.g. WRONG_PASSWORD, THROTTLED.")
    detail: str | None
    row: strawberry.Private[SecurityEventRow]

    @classmethod
    def from_row(cls, row: SecurityEventRow) -> "SecurityEvent":
        return cls(
            id=str(row.id),
            type=row.type,
            outcome=row.outcome,
            created_at=row.created_at,
            ip_address=row.ip_address,
            user_agent=row.user_agent,
            reason=row.reason,
            detail=row.detail,
            row=row,
        )

    @strawberry.field(description="The account the event is about, if you may see it.")
    async def customer(self, info: Info) -> CustomerRef | None:
        return await visible_customer(info, self.row.customer_id)  # type: ignore[no-any-return]

    @strawberry.field(description="The staff member who acted, if any and if you may see them.")
    async def actor(self, info: Info) -> CustomerRef | None:
        return await visible_customer(info, self.row.actor_id)  # type: ignore[no-any-return]

    @strawberry.field(
        description=(
            "The integration (its service account's name) that acted through an API key when no person did, "
            "e.g. a warehouse system marking a return received; staff only."
        )
    )
    async def integration(self, info: Info) -> str | None:
        if self.row.service_account_id is None:
            return None
        return await info.context.loaders.service_account_name.load(self.row.service_account_id)

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list["SecurityEvent | None"]:
        rows = await load_nodes(info.context.loaders.security_event, node_ids)
        return [cls.from_row(row) if row else None for row in rows]


@strawberry.input
class SecurityEventFilterInput:
    customer_id: strawberry.ID | None = None
    type: SecurityEventType | None = None
    outcome: SecurityEventOutcome | None = None
    ip_address: str | None = None
    since: datetime | None = None
    until: datetime | None = None


@strawberry.input(description="Filters of the staff-actions log; all are optional and combine.")
class StaffActionFilterInput:
    actor_id: strawberry.ID | None = strawberry.field(default=None, description="The staff member who acted.")
    customer_id: strawberry.ID | None = strawberry.field(default=None, description="The account they acted on.")
    type: SecurityEventType | None = None
    since: datetime | None = strawberry.field(default=None, description="From this moment on (inclusive).")
    until: datetime | None = strawberry.field(default=None, description="Before this moment.")


@strawberry.type(description="An attack pattern the audit job found in the security events.")
class SecurityAlert(relay.Node):
    id: relay.NodeID[str]
    kind: SecurityAlertKind
    detail: str
    event_count: int
    ip_address: str | None
    window_start: datetime
    window_end: datetime
    created_at: datetime
    acknowledged_at: datetime | None
    row: strawberry.Private[SecurityAlertRow]

    @classmethod
    def from_row(cls, row: SecurityAlertRow) -> "SecurityAlert":
        return cls(
            id=str(row.id),
            kind=row.kind,
            detail=row.detail,
            event_count=row.event_count,
            ip_address=row.ip_address,
            window_start=row.window_start,
            window_end=row.window_end,
            created_at=row.created_at,
            acknowledged_at=row.acknowledged_at,
            row=row,
        )

    @strawberry.field(description="The account the alert is about, if any.")
    async def customer(self, info: Info) -> CustomerRef | None:
        return await visible_customer(info, self.row.customer_id)  # type: ignore[no-any-return]

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list["SecurityAlert | None"]:
        rows = await load_nodes(info.context.loaders.security_alert, node_ids)
        return [cls.from_row(row) if row else None for row in rows]


@strawberry.input
class AcknowledgeSecurityAlertInput:
    alert_id: strawberry.ID


@strawberry.type
class AcknowledgeSecurityAlertPayload:
    alert: SecurityAlert | None = None
    user_errors: list[Annotated["AccountUserError", strawberry.lazy("schema.types.account_errors")]] = strawberry.field(
        default_factory=list
    )
