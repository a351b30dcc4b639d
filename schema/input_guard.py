"""Refuse text containing NUL characters before any resolver runs.

PostgreSQL cannot store U+0000 in text, and no legitimate input needs it; without this guard a NUL in
any string argument would surface as a database error deep inside a service.
"""

from collections.abc import Iterator
from typing import Any

from graphql import ExecutionResult, GraphQLError, StringValueNode, visit
from graphql.language import Visitor
from strawberry.extensions import SchemaExtension

MESSAGE = "Text must not contain NUL (U+0000) characters."


def _contains_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_contains_nul(key) or _contains_nul(item) for key, item in value.items())
    if isinstance(value, list):
        return any(_contains_nul(item) for item in value)
    return False


class _LiteralScan(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.found = False

    def enter_string_value(self, node: StringValueNode, *_: Any) -> None:
        if "\x00" in node.value:
            self.found = True


class RejectNulCharacters(SchemaExtension):
    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        scan = _LiteralScan()
        if context.graphql_document is not None:
            visit(context.graphql_document, scan)
        if scan.found or _contains_nul(context.variables):
            context.result = ExecutionResult(
                data=None, errors=[GraphQLError(MESSAGE, extensions={"code": "BAD_USER_INPUT"})]
            )
        yield
