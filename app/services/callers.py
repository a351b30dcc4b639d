"""Who is calling: the checks every service runs first (anonymous → UNAUTHENTICATED, others → FORBIDDEN)."""

import uuid

from app.principal import Principal
from app.services.errors import NotAuthenticatedError, PermissionDeniedError


def require_person(principal: Principal) -> uuid.UUID:
    """A signed-in account (customer or staff), not an integration: its id."""
    if principal.customer_id is None:
        raise NotAuthenticatedError()
    return principal.customer_id


def require_staff_member(principal: Principal) -> uuid.UUID:
    """A signed-in SUPPORT or ADMIN account: its id."""
    caller = require_person(principal)
    if not principal.is_staff:
        raise PermissionDeniedError()
    return caller
