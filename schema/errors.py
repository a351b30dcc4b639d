"""Error shaping: every error a client sees has `extensions.code`; unexpected ones are masked.

Expected failures of mutations are userErrors in payloads; what reaches here is either a GraphQL
request error (syntax, validation: shown as is, except that production hides what validation would tell
about the schema), an authorization or bad-argument error raised on purpose (shown with its code), or a
bug (masked to INTERNAL_SERVER_ERROR with the request id, and logged in full once).

Each request logs one line that counts its errors by code, however many there are: a client sending
thousands of bad selections must not be able to grow the log with them.
"""

import logging
from collections import Counter
from typing import Any

from graphql import GraphQLError, GraphQLSyntaxError
from starlette.responses import Response
from strawberry.extensions import MaskErrors
from strawberry.types import ExecutionContext

from app.outages import ServiceUnavailableError
from app.services.errors import InvalidInputError, NotAuthenticatedError, NotFoundError, PermissionDeniedError

logger = logging.getLogger("app.graphql")

KNOWN_ERRORS: dict[type[Exception], tuple[str, str | None]] = {
    NotAuthenticatedError: ("UNAUTHENTICATED", "Sign in to do this."),
    PermissionDeniedError: ("FORBIDDEN", "You are not allowed to do this."),
    InvalidInputError: ("BAD_USER_INPUT", None),
    NotFoundError: ("NOT_FOUND", None),
    # The database or Redis is down or out of connections: retryable, with retryAfter and Retry-After.
    ServiceUnavailableError: ("SERVICE_UNAVAILABLE", None),
}


def _known(error: GraphQLError) -> tuple[str, str | None] | None:
    original = error.original_error
    if original is None:
        # Raised by graphql-core itself: parse and validation errors, variable coercion.
        return ("GRAPHQL_VALIDATION_FAILED", None)
    for exc_type, answer in KNOWN_ERRORS.items():
        if isinstance(original, exc_type):
            return answer
    if isinstance(original, GraphQLError):
        # Strawberry's own input coercion errors (e.g. a malformed GlobalID argument).
        return ("BAD_USER_INPUT", None)
    return None


def _request_id(execution_context: ExecutionContext | None) -> str | None:
    context = getattr(execution_context, "context", None)
    meta = getattr(context, "meta", None)
    return getattr(meta, "request_id", None)


# In production, what validation and variable errors say instead of naming fields, types and arguments.
HIDDEN_VALIDATION_MESSAGE = "The document is not valid for this API."
HIDDEN_VARIABLES_MESSAGE = "A variable's value does not fit its type."


def _code(error: GraphQLError) -> str:
    given = (error.extensions or {}).get("code")
    if isinstance(given, str):
        return given
    known = _known(error)
    return "INTERNAL_SERVER_ERROR" if known is None else known[0]


def _hidden_message(error: GraphQLError) -> str | None:
    """What production answers instead of graphql-core's validation and variable coercion messages, which
    quote field, type and argument names (and suggest others). None: the message may be shown as it is."""
    if "code" in (error.extensions or {}) or isinstance(error, GraphQLSyntaxError):
        return None  # ours (limits, input guards) or the syntax: they tell nothing about the schema
    if error.original_error is None:
        return HIDDEN_VALIDATION_MESSAGE
    if error.path is None and isinstance(error.original_error, GraphQLError):
        return HIDDEN_VARIABLES_MESSAGE
    return None


def log_errors(errors: list[GraphQLError], execution_context: ExecutionContext | None) -> None:
    """One line for the request with its errors counted by code; a traceback for each distinct bug."""
    if not errors:
        return
    request_id = _request_id(execution_context)
    bugs_logged: set[tuple[type[BaseException], tuple[str, ...]]] = set()
    for error in errors:
        if _known(error) is not None or error.original_error is None:
            continue
        # The same bug on every item of a list is one bug: its path without the list indices.
        where = tuple(str(p) for p in error.path or () if isinstance(p, str))
        key = (type(error.original_error), where)
        if key in bugs_logged:
            continue
        bugs_logged.add(key)
        logger.error(
            "unexpected error while resolving %s",
            ".".join(where) or "the operation",
            exc_info=error.original_error,
            extra={"request_id": request_id},
        )
    counts = Counter(_code(error) for error in errors)
    summary = ", ".join(f"{code} x{count}" for code, count in sorted(counts.items()))
    logger.info("graphql errors: %s", summary, extra={"error_codes": summary, "request_id": request_id})


def _ask_to_retry(error: ServiceUnavailableError, extensions: dict[str, Any], execution_context: Any) -> None:
    extensions["retryAfter"] = error.retry_after
    request_id = _request_id(execution_context)
    if request_id:
        extensions["requestId"] = request_id
    response = getattr(getattr(execution_context, "context", None), "response", None)
    if isinstance(response, Response):  # HTTP (not a WebSocket): the header proxies and clients honour
        response.headers["Retry-After"] = str(error.retry_after)


class ShapeErrors(MaskErrors):
    def __init__(self, production: bool = False) -> None:
        super().__init__(should_mask_error=lambda error: _known(error) is None, error_message="Internal server error")
        self.production = production

    def _shape(self, error: GraphQLError) -> GraphQLError:
        known = _known(error)
        extensions: dict[str, Any] = dict(error.extensions or {})
        message = error.message
        if known is None:
            extensions = {"code": "INTERNAL_SERVER_ERROR"}
            request_id = _request_id(self.execution_context)
            if request_id:
                extensions["requestId"] = request_id
            message = self.error_message
        else:
            code, fixed_message = known
            if self.production:
                fixed_message = _hidden_message(error) or fixed_message
            extensions.setdefault("code", code)
            message = fixed_message or message
            if isinstance(error.original_error, ServiceUnavailableError):
                _ask_to_retry(error.original_error, extensions, self.execution_context)
        return GraphQLError(
            message=message,
            nodes=error.nodes,
            source=error.source,
            positions=error.positions,
            path=error.path,
            original_error=None,
            extensions=extensions,
        )

    def _process_errors(self, errors: list[GraphQLError]) -> list[GraphQLError]:
        return [self._shape(error) for error in errors]

    def _process_stream_result(self, result: Any) -> None:
        # Every subscription event passes here; most carry no errors, and strawberry's own check (an
        # isinstance against a runtime-checkable Protocol) costs more than the rest of this hook.
        if (
            getattr(result, "errors", None)
            or getattr(result, "incremental", None)
            or getattr(result, "completed", None)
        ):
            super()._process_stream_result(result)
