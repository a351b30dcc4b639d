"""A cost limit for queries: list fields multiply the cost of what they select by their page size.

`customers(first: 100) { edges { node { securityEvents(first: 100) { … } } } }` costs about 10,000 and
is refused before it runs, where depth and alias limits alone would let it through.
"""

from collections.abc import Iterator
from typing import Any

from graphql import (
    ExecutionResult,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
)
from strawberry.extensions import SchemaExtension

# Page size assumed for list fields that take `first` but were not given one (our connections default to 20).
DEFAULT_PAGE = 20


def _page_size(field: FieldNode, variables: dict[str, Any]) -> int:
    for argument in field.arguments or ():
        if argument.name.value not in ("first", "last"):
            continue
        value = argument.value
        if isinstance(value, IntValueNode):
            return max(int(value.value), 1)
        if isinstance(value, VariableNode):
            given = variables.get(value.name.value)
            return max(int(given), 1) if isinstance(given, int) else DEFAULT_PAGE
        return DEFAULT_PAGE
    return 1


def selection_cost(
    selection_set: SelectionSetNode | None,
    fragments: dict[str, FragmentDefinitionNode],
    variables: dict[str, Any],
    seen: frozenset[str] = frozenset(),
) -> int:
    if selection_set is None:
        return 0
    total = 0
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            total += 1 + _page_size(selection, variables) * selection_cost(
                selection.selection_set, fragments, variables, seen
            )
        elif isinstance(selection, InlineFragmentNode):
            total += selection_cost(selection.selection_set, fragments, variables, seen)
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            fragment = fragments.get(name)
            if fragment is not None and name not in seen:  # cycles are refused by validation anyway
                total += selection_cost(fragment.selection_set, fragments, variables, seen | {name})
    return total


def query_cost(document: Any, variables: dict[str, Any] | None, operation_name: str | None) -> int:
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    chosen = [o for o in operations if operation_name is None or (o.name and o.name.value == operation_name)]
    return max((selection_cost(o.selection_set, fragments, variables or {}) for o in chosen), default=0)


def cost_limit(max_cost: int) -> type[SchemaExtension]:
    class QueryCostLimit(SchemaExtension):
        def on_execute(self) -> Iterator[None]:
            context = self.execution_context
            if context.graphql_document is not None and context.result is None:
                cost = query_cost(context.graphql_document, context.variables, context.operation_name)
                if cost > max_cost:
                    context.result = ExecutionResult(
                        data=None,
                        errors=[
                            GraphQLError(
                                f"Query is too expensive: cost {cost}, limit {max_cost}. Ask for smaller pages.",
                                extensions={"code": "QUERY_TOO_EXPENSIVE", "cost": cost, "maxCost": max_cost},
                            )
                        ],
                    )
            yield

    return QueryCostLimit
