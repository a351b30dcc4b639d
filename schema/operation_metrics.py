"""Metrics of every GraphQL operation: its latency by (bounded) operation name and type, its errors by
code, and the subscriptions running now (see app/metrics.py and the README's "Monitoring").

Listed first among the schema's extensions, so its hooks close last: the errors it counts are the ones the
client gets, after ShapeErrors gave each its code. An operation's name becomes a label only when its
document validated and defines it (app/metrics.py bounds how many names a process admits). Subscriptions count as open from the moment they
execute until they end; the errors of their events are not counted (only a subscription refused before it
started), since counting them would add a hook to every event of every subscriber.
"""

import time
from collections.abc import Iterator

from graphql import DocumentNode, OperationDefinitionNode
from strawberry.extensions import SchemaExtension
from strawberry.types.execution import ExecutionContext, PreExecutionError

from app import metrics


def _defines(document: DocumentNode | None, name: str | None) -> bool:
    if document is None or not name:
        return False
    return any(
        isinstance(definition, OperationDefinitionNode)
        and definition.name is not None
        and definition.name.value == name
        for definition in document.definitions
    )


def _operation_type(context: ExecutionContext) -> str:
    try:
        return str(context.operation_type.value)
    except Exception:  # no document (it did not parse), or it has no such operation
        return "unknown"


class OperationMetrics(SchemaExtension):
    def __init__(self) -> None:
        self._executed = False
        self._subscribed = False

    def on_operation(self) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            self._record(time.perf_counter() - started)

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        self._executed = True  # the document validated: its operation's name may become a label
        if not self._subscribed and _operation_type(context) == "subscription":
            self._subscribed = True
            metrics.subscription_started()
        yield

    def _record(self, seconds: float) -> None:
        context = self.execution_context
        kind = _operation_type(context)
        if self._subscribed:
            metrics.subscription_ended()
        else:
            name = context.operation_name
            defined = self._executed and _defines(context.graphql_document, name)
            operation = metrics.operation_label(name, in_document=defined)
            metrics.record_graphql_operation(operation, kind, seconds)
        result = context.result
        if result is None or (self._subscribed and not isinstance(result, PreExecutionError)):
            return
        codes = [(error.extensions or {}).get("code") for error in result.errors or ()]
        if codes:
            metrics.record_graphql_errors(codes)
