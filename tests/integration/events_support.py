"""Reading the business events a scenario recorded, and the registry of which test proves which type.

`@covers("order.placed", …)` on a scenario test declares the types it records, and checks when the test's body
has run that each one really was recorded (in the test's own database: the test takes the `rt` fixture), and
that every event recorded has exactly the fields the catalogue documents for its type. The
catalogue test imports every tests/integration/test_events_*.py module and checks that the declarations cover
every catalogue type.
"""

import functools
import json
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import select
from sqlmodel import col

from app.integration.catalogue import CATALOGUE
from app.integration.events import payload
from app.runtime import Runtime
from models.integration_event import IntegrationEvent

COVERED: dict[str, set[str]] = {}
Test = Callable[..., Awaitable[None]]


def covers(*types: str) -> Callable[[Test], Test]:
    def mark(test: Test) -> Test:
        for event_type in types:
            COVERED.setdefault(event_type, set()).add(f"{test.__module__}.{test.__name__}")

        @functools.wraps(test)
        async def checked(*args: Any, **kwargs: Any) -> None:
            await test(*args, **kwargs)
            everything = await Events(kwargs["rt"]).all()
            recorded = {event["type"] for event in everything}
            assert set(types) <= recorded, f"declared but not recorded: {sorted(set(types) - recorded)}"
            for event in everything:  # what was sent is what the catalogue documents, field for field
                documented = set(CATALOGUE[event["type"]].fields)
                assert set(event["data"]) == documented, (event["type"], set(event["data"]) ^ documented)

        return checked

    return mark


class Events:
    """The events of one test's database, read through the API's envelope (type, version, timestamp, data)."""

    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        self.seen: set[str] = set()  # ids already handed out by `new()`

    async def all(self) -> list[dict[str, Any]]:
        async with self.rt.db.read() as session:
            rows = list(
                (
                    await session.execute(
                        select(IntegrationEvent).order_by(col(IntegrationEvent.created_at), col(IntegrationEvent.id))
                    )
                ).scalars()
            )
        found = []
        for row in rows:
            body = payload(row)
            body["id"] = str(row.id)
            body["raw"] = row.data
            found.append(body)
        return found

    async def new(self) -> list[dict[str, Any]]:
        """The events recorded since the last call (the first call: since the test began)."""
        fresh = [event for event in await self.all() if event["id"] not in self.seen]
        self.seen.update(event["id"] for event in fresh)
        return fresh

    async def skip(self) -> None:
        """Forget what was recorded so far (the arrangement of a scenario)."""
        await self.new()


def of(events: list[dict[str, Any]], event_type: str) -> list[dict[str, Any]]:
    """The data of the events of one type, in the order recorded."""
    return [event["data"] for event in events if event["type"] == event_type]


def one(events: list[dict[str, Any]], event_type: str) -> dict[str, Any]:
    found = of(events, event_type)
    assert len(found) == 1, (event_type, [event["type"] for event in events])
    return found[0]


def types(events: list[dict[str, Any]]) -> list[str]:
    return [event["type"] for event in events]


def money(amount: int, currency: str = "EUR") -> dict[str, Any]:
    return {"amount": amount, "currencyCode": currency}


def no_secrets(events: list[dict[str, Any]], *secrets: str) -> None:
    """None of the strings appears in any event's stored data."""
    for event in events:
        for secret in secrets:
            assert secret not in event["raw"], (event["type"], secret)
        json.loads(event["raw"])
