"""Validation in two steps: our linear limits first, then graphql-core's rules (cached) on what passed.

Strawberry validates in the `on_validate` hook of an extension (or after the hooks, when none has set
`pre_execution_errors`). This extension takes that hook over: a document over a limit is refused with
one error before any graphql-core rule walks it, so no rule ever sees a fan-out of fragments, thousands
of directives or an explosive cost.
"""

from collections.abc import Callable, Iterator
from typing import Any

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension
from strawberry.extensions.validation_cache import _get_validate_cache

from schema.query_cost import Limits, check_document

# Clients send the same few operations over and over, and the parser cache hands back the same document
# object: strawberry's ValidationCache keeps the answers (its LRU, shared by every schema, as before).
_validate: Callable[..., list[GraphQLError]] = _get_validate_cache(512)


def checked_validation(limits: Limits) -> Callable[[], SchemaExtension]:
    class CheckedValidation(SchemaExtension):
        def on_validate(self) -> Iterator[None]:
            context = self.execution_context
            document = context.graphql_document
            if document is not None and context.pre_execution_errors is None:
                refusal = check_document(document, _variables(context.variables), limits)
                if refusal is not None:
                    context.pre_execution_errors = [refusal]
                elif context.validation_rules:
                    context.pre_execution_errors = list(
                        _validate(context.schema._schema, document, context.validation_rules)
                    )
            yield

    return CheckedValidation


def _variables(variables: Any) -> dict[str, Any] | None:
    return variables if isinstance(variables, dict) else None
