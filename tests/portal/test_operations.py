"""Every GraphQL operation the portal sends is valid against schema.graphql and within production limits.

A schema change that breaks a portal page fails here, in Python, without a browser."""

import re
from pathlib import Path

import pytest
from graphql import GraphQLError, build_schema, parse, validate

from app.config import Settings
from schema.query_cost import Limits, check_document

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ROOT / "portal" / "src"
OPERATIONS_MODULE = SOURCES / "operations.js"
STAFF_OPERATIONS_MODULE = SOURCES / "staff" / "operations.js"  # the staff console's
OPERATIONS_MODULES = (OPERATIONS_MODULE, STAFF_OPERATIONS_MODULE)
OPERATION = re.compile(r"^export const (\w+) = /\* GraphQL \*/ `([^`]*)`;", re.MULTILINE)
REQUEST_CALL = re.compile(r"\brequest\(")
REQUEST_OF_CONSTANT = re.compile(r"\brequest\(([A-Z][A-Z0-9_]*)\b")


def _operations(module: Path) -> dict[str, str]:
    return dict(OPERATION.findall(module.read_text(encoding="utf-8")))


CUSTOMER_OPERATIONS = _operations(OPERATIONS_MODULE)
STAFF_OPERATIONS = _operations(STAFF_OPERATIONS_MODULE)
OPERATIONS = CUSTOMER_OPERATIONS | STAFF_OPERATIONS
SCHEMA = build_schema((ROOT / "schema.graphql").read_text(encoding="utf-8"))
SETTINGS = Settings()  # the defaults: what production runs unless an operator raised them
LIMITS = Limits(
    max_cost=SETTINGS.max_query_cost,
    max_depth=SETTINGS.max_query_depth,
    max_aliases=SETTINGS.max_aliases,
    max_directives=SETTINGS.max_directives,
)


@pytest.mark.parametrize("module", OPERATIONS_MODULES, ids=lambda module: module.name)
def test_the_operations_modules_hold_only_plain_operations(module: Path) -> None:
    text = module.read_text(encoding="utf-8")
    found = _operations(module)
    assert found, f"no operation found in {module}"
    # Every export is one the test reads: nothing built at run time, nothing the test would miss.
    assert len(re.findall(r"^export ", text, re.MULTILINE)) == len(found)
    assert "${" not in text
    assert len(CUSTOMER_OPERATIONS) + len(STAFF_OPERATIONS) == len(OPERATIONS), "a name in both modules"


@pytest.mark.parametrize("name", sorted(OPERATIONS))
def test_operation_is_valid_and_within_the_production_limits(name: str) -> None:
    try:
        document = parse(OPERATIONS[name], max_tokens=SETTINGS.max_tokens)
    except GraphQLError as error:  # pragma: no cover - the assertion message is the point
        pytest.fail(f"{name}: {error.message}")
    assert [error.message for error in validate(SCHEMA, document)] == []
    assert len(document.definitions) == 1, f"{name}: one operation per constant"
    refused = check_document(document, None, LIMITS, SCHEMA)
    assert refused is None, f"{name}: {refused.message if refused else ''}"


def test_every_request_sends_an_operation_from_the_module() -> None:
    for path in SOURCES.rglob("*.js"):
        text = path.read_text(encoding="utf-8")
        if path.name == "graphql.js":
            continue
        calls = REQUEST_CALL.findall(text)
        named = REQUEST_OF_CONSTANT.findall(text)
        assert len(calls) == len(named), f"{path.name}: a request whose operation is not a module constant"
        assert set(named) <= set(OPERATIONS), f"{path.name}: {set(named) - set(OPERATIONS)}"
        if path not in OPERATIONS_MODULES:
            assert "/* GraphQL */" not in text, f"{path.name}: operations belong in operations.js"


def test_operation_names_are_unique() -> None:
    names = [parse(text).definitions[0].name for text in OPERATIONS.values()]  # type: ignore[attr-defined]
    values = [name.value for name in names if name is not None]
    assert len(values) == len(OPERATIONS) == len(set(values))
