"""One answer per subscription event for every subscriber who would get the same one.

graphql-core executes a subscription's selection once per event per subscriber. When ten thousand staff
watch all orders, that is ten thousand identical executions of the same selection on the same order,
each resolving nested fields through its own loaders (database round trips). A root value marked with
`share_results` carries a table of answers: the first subscriber with a given operation document,
variables and audience executes it, everyone else with the same three awaits that execution's result.

The audience (`Principal.audience`) is what the answer may depend on: inside event payloads, fields look
at the caller only through `is_staff`, the roles and `can_see_customer`. A field under an event type that
depended on who exactly the caller is (their session, their own id) would have to be added to it.
"""

import asyncio
import json
from collections.abc import Hashable
from typing import Any, TypeVar

from graphql import ExecutionResult

T = TypeVar("T")
_ANSWERS = "_shared_answers"


def share_results(root: T) -> T:
    """Mark a subscription event's root value (the same object for all subscribers of the event)."""
    object.__setattr__(root, _ANSWERS, {})
    return root


def shared_answers(root: Any) -> dict[Hashable, tuple[Any, "asyncio.Future[ExecutionResult]"]] | None:
    answers: dict[Hashable, tuple[Any, asyncio.Future[ExecutionResult]]] | None = getattr(root, _ANSWERS, None)
    return answers


def answer_key(operation: Any, variables: dict[str, Any] | None, context: Any) -> Hashable:
    principal = getattr(context, "principal", None)
    audience = principal.audience() if principal is not None else None
    frozen = json.dumps(variables, sort_keys=True, default=str) if variables else ""
    # The operation node itself is kept beside the answer, so its id cannot be reused while the table lives.
    return (id(operation), frozen, audience)
