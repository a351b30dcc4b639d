"""A signed-in session (a device) of the current customer."""

from collections.abc import Iterable
from datetime import datetime, timedelta

import strawberry
from strawberry import relay

from models.auth import AuthSession
from schema.types.base import Info, load_nodes


@strawberry.type(name="Session", description="A device signed in to your account.")
class SessionType(relay.Node):
    id: relay.NodeID[str]
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime = strawberry.field(description="When the session ends if it is not used again.")
    ip_address: str | None
    user_agent: str | None
    row: strawberry.Private[AuthSession]

    @strawberry.field(description="Whether this is the session making the request.")
    def current(self, info: Info) -> bool:
        return info.context.principal.session_id == self.row.id

    @classmethod
    def from_row(cls, row: AuthSession, expires_at: datetime) -> "SessionType":
        return cls(
            id=str(row.id),
            created_at=row.created_at,
            last_seen_at=row.last_seen_at,
            expires_at=expires_at,
            ip_address=row.ip_address,
            user_agent=row.user_agent,
            row=row,
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list["SessionType | None"]:
        rows = await load_nodes(info.context.loaders.session, node_ids)
        idle = timedelta(minutes=info.context.rt.settings.session_idle_timeout_minutes)
        return [cls.from_row(row, row.ends_at(idle)) if row and row.revoked_at is None else None for row in rows]
