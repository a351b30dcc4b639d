"""Errors the API layer turns into GraphQL errors with a code (not userErrors)."""


class NotAuthenticatedError(Exception):
    """The operation needs a signed-in caller: UNAUTHENTICATED."""


class PermissionDeniedError(Exception):
    """The caller is signed in but may not do this: FORBIDDEN."""


class NotFoundError(Exception):
    """The object asked for does not exist or is not the caller's to see: NOT_FOUND."""


class InvalidInputError(Exception):
    """Malformed arguments of a query (a bad cursor, a page size out of range): BAD_USER_INPUT."""
