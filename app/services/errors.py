"""Typed domain errors: every expected failure carries a code, a message and the input field at fault."""

import enum
from dataclasses import dataclass

from app.errors import InvalidInputError, NotAuthenticatedError, NotFoundError, PermissionDeniedError

__all__ = [
    "AccountError",
    "AccountErrorCode",
    "DomainError",
    "ErrorDetail",
    "InvalidInputError",
    "NotAuthenticatedError",
    "NotFoundError",
    "PermissionDeniedError",
]


@dataclass(frozen=True)
class ErrorDetail:
    code: enum.Enum
    message: str
    field: tuple[str, ...] | None = None


class DomainError(Exception):
    """An expected failure; the API layer turns it into `userErrors` entries."""

    def __init__(self, *details: ErrorDetail) -> None:
        super().__init__("; ".join(detail.message for detail in details))
        self.details = details


class AccountErrorCode(enum.Enum):
    """Codes of account errors: registration, activation, sign-in, passwords, sessions and roles."""

    REQUIRED = "REQUIRED"
    INVALID = "INVALID"
    TOO_LONG = "TOO_LONG"
    INVALID_EMAIL = "INVALID_EMAIL"
    INVALID_PHONE = "INVALID_PHONE"
    EMAIL_TAKEN = "EMAIL_TAKEN"
    PHONE_TAKEN = "PHONE_TAKEN"
    PHONE_REQUIRED = "PHONE_REQUIRED"
    PASSWORD_TOO_SHORT = "PASSWORD_TOO_SHORT"
    PASSWORD_TOO_LONG = "PASSWORD_TOO_LONG"
    PASSWORD_TOO_COMMON = "PASSWORD_TOO_COMMON"
    PASSWORD_CONTAINS_EMAIL = "PASSWORD_CONTAINS_EMAIL"
    PASSWORD_TOO_PREDICTABLE = "PASSWORD_TOO_PREDICTABLE"
    PASSWORD_UNCHANGED = "PASSWORD_UNCHANGED"
    GROUP_NOT_FOUND = "GROUP_NOT_FOUND"
    INVALID_CREDENTIALS = "INVALID_CREDENTIALS"
    INCORRECT_PASSWORD = "INCORRECT_PASSWORD"
    ACCOUNT_PENDING_ACTIVATION = "ACCOUNT_PENDING_ACTIVATION"
    ACCOUNT_PENDING_APPROVAL = "ACCOUNT_PENDING_APPROVAL"
    ACCOUNT_SUSPENDED = "ACCOUNT_SUSPENDED"
    ALREADY_ACTIVE = "ALREADY_ACTIVE"
    INVALID_TOKEN = "INVALID_TOKEN"
    TOKEN_EXPIRED = "TOKEN_EXPIRED"
    INVALID_CODE = "INVALID_CODE"
    TOO_MANY_ATTEMPTS = "TOO_MANY_ATTEMPTS"
    THROTTLED = "THROTTLED"
    TWO_FACTOR_ALREADY_ENABLED = "TWO_FACTOR_ALREADY_ENABLED"
    TWO_FACTOR_NOT_ENABLED = "TWO_FACTOR_NOT_ENABLED"
    TWO_FACTOR_SETUP_NOT_STARTED = "TWO_FACTOR_SETUP_NOT_STARTED"
    CHALLENGE_NOT_FOUND = "CHALLENGE_NOT_FOUND"
    CHALLENGE_EXPIRED = "CHALLENGE_EXPIRED"
    METHOD_NOT_AVAILABLE = "METHOD_NOT_AVAILABLE"
    STEP_UP_REQUIRED = "STEP_UP_REQUIRED"
    CHANGE_REFUSED = "CHANGE_REFUSED"
    SAME_EMAIL = "SAME_EMAIL"
    ACCOUNT_DELETED = "ACCOUNT_DELETED"
    NOT_FOUND = "NOT_FOUND"
    INVALID_STATUS = "INVALID_STATUS"
    ROLE_ALREADY_GRANTED = "ROLE_ALREADY_GRANTED"
    ROLE_NOT_GRANTED = "ROLE_NOT_GRANTED"
    CANNOT_CHANGE_OWN_ACCOUNT = "CANNOT_CHANGE_OWN_ACCOUNT"
    LAST_ADMIN = "LAST_ADMIN"
    REQUEST_ALREADY_PENDING = "REQUEST_ALREADY_PENDING"
    ALREADY_AFFILIATE = "ALREADY_AFFILIATE"
    CODE_TAKEN = "CODE_TAKEN"
    SAME_GROUP = "SAME_GROUP"
    COOL_DOWN = "COOL_DOWN"


class AccountError(DomainError):
    @classmethod
    def one(cls, code: AccountErrorCode, message: str, field: tuple[str, ...] | None = None) -> "AccountError":
        return cls(ErrorDetail(code=code, message=message, field=field))
