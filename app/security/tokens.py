"""Opaque random tokens and their stored forms.

High-entropy tokens (sessions, links) are stored as SHA-256; short codes, which could be brute-forced
offline from a plain hash, are stored as an HMAC keyed with the server secret and bound to their purpose.
"""

import hashlib
import hmac
import secrets

SESSION_TOKEN_PREFIX = "cas_"  # makes leaked tokens easy to find for secret scanners
DEVICE_TOKEN_PREFIX = "cad_"
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: read off paper without mistakes
CODE_DIGITS = 6


def new_session_token() -> str:
    return SESSION_TOKEN_PREFIX + secrets.token_urlsafe(32)


def new_device_token() -> str:
    return DEVICE_TOKEN_PREFIX + secrets.token_urlsafe(32)


def new_recovery_code() -> str:
    """Ten random characters as xxxxx-xxxxx (about 49 bits)."""
    chars = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(10))
    return f"{chars[:5]}-{chars[5:]}"


def normalize_recovery_code(code: str) -> str:
    return "".join(char for char in code.lower() if char.isalnum())


def new_link_token() -> str:
    return secrets.token_urlsafe(32)


def new_numeric_code(digits: int = CODE_DIGITS) -> str:
    return f"{secrets.randbelow(10**digits):0{digits}d}"


def sha256_hex(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def keyed_hash(key: bytes, *parts: str) -> str:
    message = "\x1f".join(parts).encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def constant_time_equal(left: str, right: str) -> bool:
    return hmac.compare_digest(left.encode(), right.encode())
