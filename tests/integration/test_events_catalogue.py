"""The catalogue documents every type (fields, a sample with exactly those fields), every type is recorded by a
scenario test, and the README's Events section lists every type with its version and every field."""

import base64
import importlib
import pkgutil
import re
import uuid
from pathlib import Path
from typing import Any

import tests.integration
from app.integration.catalogue import CATALOGUE
from app.integration.events import encode
from tests.integration.events_support import COVERED

README = Path(__file__).resolve().parents[2] / "README.md"
ID_TYPES = {
    "customerId": "Customer",
    "orderId": "Order",
    "lineId": "OrderLine",
    "orderLineId": "OrderLine",
    "invoiceId": "Invoice",
    "paymentId": "Payment",
    "returnId": "Return",
    "transactionId": "CreditTransaction",
    "requestId": "CreditLimitRequest",
    "ticketId": "SupportTicket",
}


def _ids(value: Any) -> list[tuple[str, str]]:
    """Every (key, value) of an …Id field with a value, at any depth."""
    found: list[tuple[str, str]] = []
    if isinstance(value, dict):
        for key, item in value.items():
            if key in ID_TYPES and item is not None:
                found.append((key, item))
            found += _ids(item)
    elif isinstance(value, list):
        for item in value:
            found += _ids(item)
    return found


def test_every_type_documents_its_fields_and_a_sample_with_exactly_them() -> None:
    for event_type, spec in CATALOGUE.items():
        assert re.fullmatch(r"[a-z_]+\.[a-z_]+", event_type), event_type
        assert spec.version == 1, event_type  # nothing is published yet
        assert spec.summary, event_type
        assert spec.fields, event_type
        assert all(isinstance(text, str) and text.strip() for text in spec.fields.values()), event_type
        assert spec.sample, event_type
        assert set(spec.sample) == set(spec.fields), (event_type, set(spec.sample) ^ set(spec.fields))
        text = encode(spec.sample)  # what a dry run sends: plain JSON
        assert not re.search(r"\d{13,19}", text.replace("-", "")), event_type  # nothing like a card number
        for key, value in _ids(spec.sample):  # ids look exactly like the API's global ids
            type_name, _, node_id = base64.b64decode(value).decode().partition(":")
            assert type_name == ID_TYPES[key], (event_type, key)
            uuid.UUID(node_id)


def test_every_type_is_recorded_by_a_scenario_test() -> None:
    for module in pkgutil.iter_modules(tests.integration.__path__):
        if module.name.startswith("test_events_"):
            importlib.import_module(f"tests.integration.{module.name}")
    assert set(COVERED) == set(CATALOGUE), sorted(set(COVERED) ^ set(CATALOGUE))


def test_the_readme_lists_every_type_with_its_version_and_fields() -> None:
    text = README.read_text()
    start = text.index("### Events (for the shop's other systems)")
    section = text[start : text.index("\n### ", start + 1)]
    rows = dict(re.findall(r"^\| `([a-z_]+\.[a-z_]+)` \| (\d+) \|", section, flags=re.MULTILINE))
    assert rows == {event_type: str(spec.version) for event_type, spec in CATALOGUE.items()}
    named = set(re.findall(r"`([A-Za-z0-9]+)`", section))
    for event_type, spec in CATALOGUE.items():
        assert set(spec.fields) <= named, (event_type, sorted(set(spec.fields) - named))
