"""The audit log says every staff action in words: each SecurityEventType and SecurityAlertKind of the schema
has a label in the console's catalogues (English and German, test_messages checks the pair), and the audit
filter offers every type. A type added later shows by its name until it gets a label (the page falls back)."""

import re

from graphql import GraphQLEnumType

from tests.portal.test_messages import catalogues
from tests.portal.test_operations import SCHEMA, SOURCES


def _values(name: str) -> set[str]:
    enum = SCHEMA.get_type(name)
    assert isinstance(enum, GraphQLEnumType)
    return set(enum.values)


def test_every_event_type_and_alert_kind_has_a_label() -> None:
    english = catalogues()["en"]
    labelled_types = {key.removeprefix("staff.audit.type.") for key in english if key.startswith("staff.audit.type.")}
    labelled_kinds = {key.removeprefix("staff.alerts.kind.") for key in english if key.startswith("staff.alerts.kind.")}
    assert sorted(_values("SecurityEventType") - labelled_types) == []
    assert sorted(_values("SecurityAlertKind") - labelled_kinds) == []


def test_the_audit_filter_offers_every_labelled_type() -> None:
    parts = (SOURCES / "staff" / "help-audit-parts.js").read_text(encoding="utf-8")
    listed = re.search(r"export const EVENT_TYPES = \[(.*?)\];", parts, re.DOTALL)
    assert listed is not None
    offered = set(re.findall(r'"([A-Z_]+)"', listed.group(1)))
    labelled = {
        key.removeprefix("staff.audit.type.") for key in catalogues()["en"] if key.startswith("staff.audit.type.")
    }
    assert offered == labelled
