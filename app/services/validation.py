"""Input rules shared by services: each returns a clean value or appends an ErrorDetail."""

import unicodedata

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from app.security.passwords import PasswordProblem, password_problems
from app.services.errors import AccountErrorCode, ErrorDetail

MAX_EMAIL_LENGTH = 254
MAX_NAME_LENGTH = 100
MAX_TEXT_LENGTH = 500

PASSWORD_MESSAGES = {
    PasswordProblem.TOO_SHORT: (AccountErrorCode.PASSWORD_TOO_SHORT, "Use at least 10 characters."),
    PasswordProblem.TOO_LONG: (AccountErrorCode.PASSWORD_TOO_LONG, "Use at most 128 characters."),
    PasswordProblem.TOO_COMMON: (
        AccountErrorCode.PASSWORD_TOO_COMMON,
        "This password is one of the most common ones; choose another.",
    ),
    PasswordProblem.CONTAINS_EMAIL: (
        AccountErrorCode.PASSWORD_CONTAINS_EMAIL,
        "The password must not contain your email address.",
    ),
}


def email_key(email: str) -> str:
    return email.lower()


def clean_email(value: str | None, field: tuple[str, ...], errors: list[ErrorDetail]) -> str | None:
    """The normalised address (domain lower-cased, Unicode normalised), or None with an error added."""
    value = (value or "").strip()
    if not value:
        errors.append(ErrorDetail(AccountErrorCode.REQUIRED, "Enter an email address.", field))
        return None
    if len(value) > MAX_EMAIL_LENGTH:
        errors.append(ErrorDetail(AccountErrorCode.TOO_LONG, f"Use at most {MAX_EMAIL_LENGTH} characters.", field))
        return None
    try:
        result = validate_email(value, check_deliverability=False)
    except EmailNotValidError as exc:
        errors.append(ErrorDetail(AccountErrorCode.INVALID_EMAIL, f"Enter a valid email address ({exc}).", field))
        return None
    return str(result.normalized)


def clean_phone(value: str | None, field: tuple[str, ...], errors: list[ErrorDetail]) -> str | None:
    """An E.164 number such as +14155550123; None when absent or invalid (with an error added)."""
    value = (value or "").strip()
    if not value:
        return None
    if len(value) > 32 or not value.startswith("+"):
        errors.append(
            ErrorDetail(
                AccountErrorCode.INVALID_PHONE, "Enter the number in international format, e.g. +14155550123.", field
            )
        )
        return None
    try:
        parsed = phonenumbers.parse(value, None)
    except phonenumbers.NumberParseException:
        parsed = None
    if parsed is None or not phonenumbers.is_valid_number(parsed):
        errors.append(ErrorDetail(AccountErrorCode.INVALID_PHONE, "This is not a valid phone number.", field))
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def clean_text(
    value: str | None,
    field: tuple[str, ...],
    errors: list[ErrorDetail],
    *,
    max_length: int = MAX_NAME_LENGTH,
    required: bool = False,
    label: str = "This field",
) -> str | None:
    """Trimmed text without control characters; empty becomes None."""
    value = unicodedata.normalize("NFC", (value or "").strip())
    if not value:
        if required:
            errors.append(ErrorDetail(AccountErrorCode.REQUIRED, f"{label} is required.", field))
        return None
    if len(value) > max_length:
        errors.append(
            ErrorDetail(AccountErrorCode.TOO_LONG, f"{label} must be at most {max_length} characters.", field)
        )
        return None
    if any(unicodedata.category(char) == "Cc" for char in value):
        errors.append(ErrorDetail(AccountErrorCode.INVALID, f"{label} contains control characters.", field))
        return None
    return value


def check_new_password(password: str, email: str | None, field: tuple[str, ...], errors: list[ErrorDetail]) -> None:
    for problem in password_problems(password, email):
        code, message = PASSWORD_MESSAGES[problem]
        errors.append(ErrorDetail(code, message, field))
