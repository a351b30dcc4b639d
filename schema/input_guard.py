"""Refuse text that can never be stored, before any resolver runs: NUL characters, unpaired surrogates
and card numbers.

PostgreSQL cannot store U+0000 in text, and no legitimate input needs it; a lone surrogate (JSON allows
"\\ud800" on its own) cannot even be encoded as UTF-8. Without this guard either would surface as a
database error deep inside a service.
"""

import re
from collections.abc import Iterator
from typing import Any

from graphql import (
    ArgumentNode,
    ExecutionResult,
    GraphQLError,
    ListValueNode,
    ObjectValueNode,
    StringValueNode,
    ValueNode,
    VariableDefinitionNode,
    VariableNode,
    visit,
)
from graphql.language import Visitor
from strawberry.extensions import SchemaExtension

from app.security.card_numbers import looks_like_card_number

MESSAGE = "Text must not contain NUL (U+0000) characters."
SURROGATE_MESSAGE = "Text must not contain unpaired surrogates (U+D800-U+DFFF): send well-formed UTF-8."


def _text_problem(text: str) -> str | None:
    if "\x00" in text:
        return MESSAGE
    try:
        text.encode("utf-8")  # in C: fails exactly on a surrogate without its pair
    except UnicodeEncodeError:
        return SURROGATE_MESSAGE
    return None


def _value_problem(value: Any) -> str | None:
    if isinstance(value, str):
        return _text_problem(value)
    if isinstance(value, dict):
        items = (_value_problem(key) or _value_problem(item) for key, item in value.items())
        return next((problem for problem in items if problem), None)
    if isinstance(value, list):
        return next((problem for problem in map(_value_problem, value) if problem), None)
    return None


class _LiteralScan(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.problem: str | None = None

    def enter_string_value(self, node: StringValueNode, *_: Any) -> None:
        self.problem = self.problem or _text_problem(node.value)


class RejectNulCharacters(SchemaExtension):
    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        scan = _LiteralScan()
        if context.graphql_document is not None:
            visit(context.graphql_document, scan)
        problem = scan.problem or _value_problem(context.variables)
        if problem is not None:
            context.result = ExecutionResult(
                data=None, errors=[GraphQLError(problem, extensions={"code": "BAD_USER_INPUT"})]
            )
        yield


CARD_MESSAGE = (
    "Text must not contain a card number: cards are entered in the payment provider's form, "
    "which gives you a token to send instead."
)
# Fields that hold other systems' identifiers, where long digit runs are normal (FedEx tracking numbers,
# EAN barcodes as SKUs, numeric order numbers and keys, phone numbers written 0049…): ~10 % of random
# 13-19 digit strings pass Luhn, so checking them would refuse real orders. Nobody types a card there.
CARD_CHECK_EXEMPT = frozenset({"trackingNumber", "externalId", "number", "sku", "idempotencyKey", "phone"})
UUID_TEXT = re.compile(r"^[0-9a-fA-F]{8}(-?[0-9a-fA-F]{4}){3}-?[0-9a-fA-F]{12}$")


def _card_in_text(text: str) -> bool:
    return not UUID_TEXT.match(text) and looks_like_card_number(text)


def _has_card_number(value: Any, name: str | None = None) -> bool:
    if name in CARD_CHECK_EXEMPT:
        return False
    if isinstance(value, str):
        return _card_in_text(value)
    if isinstance(value, dict):
        return any(_has_card_number(item, str(key)) for key, item in value.items())
    if isinstance(value, list):
        return any(_has_card_number(item, name) for item in value)
    return False


def _literal_has_card_number(node: ValueNode, name: str | None, uses: dict[str, set[str | None]]) -> bool:
    """Whether a literal holds a card number; also notes under which field each variable is used."""
    if isinstance(node, VariableNode):
        uses.setdefault(node.name.value, set()).add(name)
        return False
    if isinstance(node, ObjectValueNode):
        return any(_literal_has_card_number(item.value, item.name.value, uses) for item in node.fields)
    if isinstance(node, ListValueNode):
        return any(_literal_has_card_number(item, name, uses) for item in node.values)
    if name in CARD_CHECK_EXEMPT:
        return False
    return isinstance(node, StringValueNode) and _card_in_text(node.value)


class _CardScan(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.found = False
        # Variable name -> the fields it is passed to: a variable is spared only where every use is an
        # identifier field, whatever the client chose to call it.
        self.uses: dict[str, set[str | None]] = {}
        self.defaults: dict[str, ValueNode] = {}

    def enter_argument(self, node: ArgumentNode, *_: Any) -> None:
        if _literal_has_card_number(node.value, node.name.value, self.uses):
            self.found = True

    def enter_variable_definition(self, node: VariableDefinitionNode, *_: Any) -> None:
        if node.default_value is not None:  # a default value is input too: `($c: String = "4242…")`
            self.defaults[node.variable.name.value] = node.default_value

    def exempt(self, variable: str) -> bool:
        fields = self.uses.get(variable)
        return bool(fields) and all(field in CARD_CHECK_EXEMPT for field in fields or ())


def _variables_have_card_number(scan: _CardScan, variables: dict[str, Any]) -> bool:
    for name, value in variables.items():
        if not scan.exempt(name) and _has_card_number(value):
            return True
    return any(
        not scan.exempt(name) and _literal_has_card_number(default, None, {}) for name, default in scan.defaults.items()
    )


class RejectCardNumbers(SchemaExtension):
    """Nothing that looks like a card number (13-19 digits passing Luhn) is accepted in any text input,
    so none is ever stored or logged; the exemptions are identifier fields (CARD_CHECK_EXEMPT) and UUIDs."""

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        scan = _CardScan()
        if context.graphql_document is not None:
            visit(context.graphql_document, scan)
        if scan.found or _variables_have_card_number(scan, context.variables or {}):
            context.result = ExecutionResult(
                data=None, errors=[GraphQLError(CARD_MESSAGE, extensions={"code": "BAD_USER_INPUT"})]
            )
        yield
