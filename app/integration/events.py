"""`record_event`: add a business event to the caller's unit of work, so it commits with its change."""

import json
import uuid
from collections.abc import Mapping
from datetime import UTC, date, datetime
from enum import Enum
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.db import OUTBOX_WAKE_KEY
from app.integration.catalogue import CATALOGUE
from models.base import utcnow
from models.integration_event import IntegrationEvent


class UnknownEventTypeError(ValueError):
    """A programming error: every event type is in the catalogue, with its version and documentation."""


def _plain(value: object) -> Any:
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    raise TypeError(f"not JSON: {type(value).__name__}")


def encode(data: Mapping[str, object]) -> str:
    return json.dumps(data, default=_plain, separators=(",", ":"), sort_keys=True)


def record_event(
    session: AsyncSession, event_type: str, data: Mapping[str, object], *, occurred_at: datetime | None = None
) -> IntegrationEvent:
    """Record `event_type` with its `data` (UUIDs, aware datetimes, dates and enums are written as strings)."""
    spec = CATALOGUE.get(event_type)
    if spec is None:
        raise UnknownEventTypeError(event_type)
    now = utcnow()
    event = IntegrationEvent(
        type=event_type, version=spec.version, data=encode(data), occurred_at=occurred_at or now, created_at=now
    )
    session.add(event)
    session.info[OUTBOX_WAKE_KEY] = True  # the dispatchers wake on it, as for any outbox message
    return event


def payload(event: IntegrationEvent) -> dict[str, Any]:
    """The body sent for an event, as the Standard Webhooks specification shapes it (type, timestamp, data),
    with the payload version of the type."""
    return {
        "type": event.type,
        "version": event.version,
        "timestamp": _plain(event.occurred_at),
        "data": json.loads(event.data),
    }
