"""The user-error type of the account domain."""

import strawberry

from app.services.errors import AccountErrorCode
from schema.types.base import DisplayableError
from schema.types.enums import AccountErrorCodeEnum  # noqa: F401  (registers the enum)


@strawberry.type(description="An error from registration, activation, sign-in, passwords, sessions or roles.")
class AccountUserError(DisplayableError):
    code: AccountErrorCode
