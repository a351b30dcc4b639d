"""Validation in two steps: our linear limits first, then graphql-core's rules (cached) on what passed.

Strawberry validates in the `on_validate` hook of an extension (or after the hooks, when none has set
`pre_execution_errors`). This extension takes that hook over: a document over a limit is refused with
one error before any graphql-core rule walks it, so no rule ever sees a fan-out of fragments, thousands
of directives or an explosive cost.

Of graphql-core's rules only OverlappingFieldsCanBeMerged does more than linear work: it compares fields
that share a response name, and fragments spread side by side, in pairs (2,400 `id`s in one selection, or
350 fragments spread together). It meters that work and aborts past a budget; ours is a tenth of its
default (a wide realistic query spends a few hundred units), and the abort answers QUERY_TOO_EXPENSIVE.
"""

from collections.abc import Callable, Iterator
from typing import Any

from graphql import GraphQLError
from graphql.validation.rules import overlapping_fields_can_be_merged
from graphql.validation.validate import ValidationAbortedError
from strawberry.extensions import SchemaExtension
from strawberry.extensions.validation_cache import _get_validate_cache

from schema.query_cost import Limits, check_document

# Read by the rule each time it starts (a documented module setting of graphql-core).
OVERLAP_BUDGET = 50_000
overlapping_fields_can_be_merged.MAX_COMPLEXITY_BUDGET = OVERLAP_BUDGET

# Clients send the same few operations over and over, and the parser cache hands back the same document
# object: strawberry's ValidationCache keeps the answers (its LRU, shared by every schema, as before).
_validate: Callable[..., list[GraphQLError]] = _get_validate_cache(512)


def checked_validation(limits: Limits) -> Callable[[], SchemaExtension]:
    class CheckedValidation(SchemaExtension):
        def on_validate(self) -> Iterator[None]:
            context = self.execution_context
            document = context.graphql_document
            if document is not None and context.pre_execution_errors is None:
                variables = _variables(context.variables)
                # First without the schema, so a refusal tells nothing of which fields exist; the default
                # page sizes the schema declares count once the document is known to be valid.
                refusal = check_document(document, variables, limits)
                if refusal is None and context.validation_rules:
                    errors = _validate(context.schema._schema, document, context.validation_rules)
                    context.pre_execution_errors = [_too_complex(e) if _aborted(e) else e for e in errors]
                if refusal is None and not context.pre_execution_errors:
                    refusal = check_document(document, variables, limits, context.schema._schema)
                if refusal is not None:
                    context.pre_execution_errors = [refusal]
            yield

    return CheckedValidation


def _aborted(error: GraphQLError) -> bool:
    # The budget (or the recursion limit) ran out; "Too many validation errors" is an abort too, but a
    # document with a hundred mistakes is answered with them.
    return isinstance(error, ValidationAbortedError) and error.message == "Validation aborted."


def _too_complex(error: GraphQLError) -> GraphQLError:
    return GraphQLError(
        "The document is too complex to validate: it repeats the same field or fragments too often.",
        extensions={"code": "QUERY_TOO_EXPENSIVE", "overlapBudget": OVERLAP_BUDGET},
    )


def _variables(variables: Any) -> dict[str, Any] | None:
    return variables if isinstance(variables, dict) else None
