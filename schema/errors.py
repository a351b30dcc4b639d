"""Error shaping: every error a client sees has `extensions.code`; unexpected ones are masked.

Expected failures of mutations are userErrors in payloads; what reaches here is either a GraphQL
request error (syntax, validation: shown as is), an authorization or bad-argument error raised on
purpose (shown with its code), or a bug (masked to INTERNAL_SERVER_ERROR with the request id, and
logged in full once).
"""

import logging
from typing import Any

from graphql import GraphQLError
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


def log_errors(errors: list[GraphQLError], execution_context: ExecutionContext | None) -> None:
    request_id = _request_id(execution_context)
    for error in errors:
        known = _known(error)
        if known is None:
            logger.error(
                "unexpected error while resolving %s",
                ".".join(str(p) for p in error.path or []) or "the operation",
                exc_info=error.original_error,
                extra={"request_id": request_id},
            )
        else:
            logger.info("graphql error", extra={"code": known[0], "path": error.path, "request_id": request_id})


def _ask_to_retry(error: ServiceUnavailableError, extensions: dict[str, Any], execution_context: Any) -> None:
    extensions["retryAfter"] = error.retry_after
    request_id = _request_id(execution_context)
    if request_id:
        extensions["requestId"] = request_id
    response = getattr(getattr(execution_context, "context", None), "response", None)
    if isinstance(response, Response):  # HTTP (not a WebSocket): the header proxies and clients honour
        response.headers["Retry-After"] = str(error.retry_after)


class ShapeErrors(MaskErrors):
    def __init__(self) -> None:
        super().__init__(should_mask_error=lambda error: _known(error) is None, error_message="Internal server error")

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
