"""A shortcut through graphql-core for plain data: attributes of plain objects, all the way down.

An order-history page resolves about 1,900 fields, and most are plain attributes of plain objects
(`number`, `lines { sku quantity unitPrice { amount } }`…). graphql-core builds a resolve-info object,
checks for awaitables and walks its completion machinery for each one. For a field strawberry itself
resolves by reading an attribute (no resolver, no arguments, no extensions), whose whole selection is
made of such fields, the answer follows from the objects alone: `schema/plain_trees.py` builds a plan
once per document node and completes the subtree directly. Anything unusual (a null where one is not
allowed, a value of another class, a value that does not serialise, a middleware) goes the normal way,
so answers and errors are exactly graphql-core's.
"""

import asyncio
from typing import Any, cast

from graphql import ExecutionResult, GraphQLObjectType
from graphql.execution.collect_fields import FieldDetailsList
from graphql.pyutils import Path
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.base import StrawberryObjectDefinition

from schema.plain_trees import PLAIN_ATTRIBUTE, PLAIN_CLASS, Bail, PlanCache, complete
from schema.shared_results import answer_key, shared_answers

PLANS = PlanCache()


def mark_plain_fields(schema: Any) -> int:
    """Mark the fields strawberry resolves by reading an attribute, and the classes of object types
    (done once, when the schema is built); returns how many fields were marked."""
    marked = 0
    for graphql_type in schema._schema.type_map.values():
        if not isinstance(graphql_type, GraphQLObjectType) or graphql_type.name.startswith("__"):
            continue
        definition = schema.get_type_by_name(graphql_type.name)
        if not isinstance(definition, StrawberryObjectDefinition):
            continue
        if isinstance(definition.origin, type) and not definition.is_graphql_generic and definition.is_type_of is None:
            setattr(graphql_type, PLAIN_CLASS, definition.origin)
        for graphql_field in graphql_type.fields.values():
            # The strawberry field that built this GraphQL field (not one found by name: names can clash).
            field = (graphql_field.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
            if field is None or graphql_field.args or field.extensions or field.base_resolver is not None:
                continue  # a resolver, arguments or extensions (permissions!) take the normal path
            if getattr(graphql_field.resolve, "_is_default", False):
                setattr(graphql_field, PLAIN_ATTRIBUTE, field.python_name)
                marked += 1
    return marked


class _Answered:
    """The per-event executor of a subscriber whose answer another subscriber has already computed."""

    __slots__ = ("_answer",)

    def __init__(self, answer: "asyncio.Future[ExecutionResult]") -> None:
        self._answer = answer

    def execute_operation(self, serially: bool | None = None) -> Any:
        return _result_or_awaitable(self._answer)


class FastLeafExecutionContext(StrawberryGraphQLCoreExecutionContext):
    def build_per_event_executor(self, payload: Any) -> Any:
        answers = shared_answers(payload)
        if answers is not None:
            found = answers.get(answer_key(self.operation, self.variable_values.coerced, self.context_value))
            if found is not None:
                return _Answered(found[1])  # no copy of this executor for an answer that exists
        return super().build_per_event_executor(payload)

    def execute_operation(self, serially: bool | None = None) -> Any:
        answers = shared_answers(self.root_value)
        if answers is None:
            return super().execute_operation(serially)
        key = answer_key(self.operation, self.variable_values.coerced, self.context_value)
        found = answers.get(key)
        if found is None:
            result = super().execute_operation(serially)
            future: asyncio.Future[ExecutionResult] = (
                asyncio.ensure_future(result) if self.is_awaitable(result) else _done(cast(ExecutionResult, result))
            )
            found = answers[key] = (self.operation, future)
        return _result_or_awaitable(found[1])

    def execute_field(
        self,
        parent_type: GraphQLObjectType,
        source: Any,
        field_details_list: FieldDetailsList,
        path: Path,
        position_context: Any,
    ) -> Any:
        middleware = self.middleware_manager
        if len(field_details_list) == 1 and not (middleware and middleware.middlewares):
            plan = PLANS.get(parent_type, field_details_list[0].node)
            if plan is not None:
                try:
                    return complete(plan, source)
                except Bail:
                    pass  # the normal path below completes it, raising any error with its path
        return super().execute_field(parent_type, source, field_details_list, path, position_context)


def _done(result: ExecutionResult) -> "asyncio.Future[ExecutionResult]":
    future: asyncio.Future[ExecutionResult] = asyncio.get_running_loop().create_future()
    future.set_result(result)
    return future


def _result_or_awaitable(answer: "asyncio.Future[ExecutionResult]") -> Any:
    if answer.done():
        return answer.result()
    # Shielded: a subscriber that goes away while waiting does not cancel the answer for the others.
    return asyncio.shield(answer)
