"""Input rules shared by services: each returns a clean value or appends an ErrorDetail."""

import unicodedata
from typing import overload

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
    PasswordProblem.TOO_PREDICTABLE: (
        AccountErrorCode.PASSWORD_TOO_PREDICTABLE,
        "This password is mostly repeated or sequential characters (like aaaa, abab, 1234 or qwerty); choose another.",
    ),
}


# Bidi embeddings, overrides and isolates reorder the text after them: a name holding U+202E turns the
# rest of the line around in a mail or a staff view. The marks (U+200E, U+200F, U+061C) only nudge
# neutral characters and stay allowed: right-to-left text needs them.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def is_noncharacter(char: str) -> bool:
    """U+FDD0..U+FDEF and the last two code points of every plane: reserved, never text."""
    code = ord(char)
    return 0xFDD0 <= code <= 0xFDEF or (code & 0xFFFE) == 0xFFFE


def _unsafe(char: str) -> bool:
    return char in BIDI_CONTROLS or is_noncharacter(char)


def has_unsafe_characters(value: str) -> bool:
    return any(_unsafe(char) for char in value)


@overload
def neutralize_text(value: str) -> str: ...
@overload
def neutralize_text(value: None) -> None: ...
def neutralize_text(value: str | None) -> str | None:
    """Free text as stored: bidi controls and noncharacters removed (names refuse them instead).

    Every service that takes free text (messages, notes, reasons, descriptions, item names) passes it
    through here before its own trimming and length checks.
    """
    if value is None or not has_unsafe_characters(value):
        return value
    return "".join(char for char in value if not _unsafe(char))


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
    """Trimmed text without control characters; empty becomes None.

    For names and other short identity text (address lines, company): bidi controls and noncharacters
    are refused too. Free text is passed through neutralize_text first, which removes them.
    """
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
    if has_unsafe_characters(value):
        errors.append(
            ErrorDetail(
                AccountErrorCode.INVALID,
                f"{label} contains invisible characters that reverse the text or are not text at all.",
                field,
            )
        )
        return None
    return value


def check_new_password(password: str, email: str | None, field: tuple[str, ...], errors: list[ErrorDetail]) -> None:
    for problem in password_problems(password, email):
        code, message = PASSWORD_MESSAGES[problem]
        errors.append(ErrorDetail(code, message, field))
