"""Business events are written in the transaction of their change: committed with it, or not at all."""

import json
import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from app.integration.catalogue import CATALOGUE
from app.integration.events import UnknownEventTypeError, payload, record_event
from app.runtime import Runtime
from models.integration_event import IntegrationEvent


async def test_an_event_commits_with_its_change_and_not_without_it(setup_rt: Runtime) -> None:
    customer_id = uuid.uuid4()
    async with setup_rt.db.unit_of_work() as session:
        record_event(session, "customer.created", {"customerId": customer_id, "at": datetime(2026, 1, 2, tzinfo=UTC)})
    with pytest.raises(RuntimeError):  # noqa: PT012 (the unit of work is what is under test)
        async with setup_rt.db.unit_of_work() as session:
            record_event(session, "customer.deleted", {"customerId": customer_id})
            raise RuntimeError("the change failed")
    async with setup_rt.db.read() as session:
        events = list((await session.execute(select(IntegrationEvent))).scalars())
    assert [event.type for event in events] == ["customer.created"]
    body = payload(events[0])
    assert body["type"] == "customer.created"
    assert body["version"] == CATALOGUE["customer.created"].version
    assert body["data"] == {"customerId": str(customer_id), "at": "2026-01-02T00:00:00Z"}
    assert body["timestamp"].endswith("Z")
    assert events[0].fanned_out_at is None
    assert json.loads(events[0].data)["customerId"] == str(customer_id)


async def test_a_type_outside_the_catalogue_is_a_programming_error(setup_rt: Runtime) -> None:
    async with setup_rt.db.unit_of_work() as session:
        with pytest.raises(UnknownEventTypeError):
            record_event(session, "customer.renamed", {})
