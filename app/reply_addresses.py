"""Signed per-ticket reply addresses (README "Tickets by mail").

`<local>+t.<ticket>.<party>.<signature>@<MAIL_IN_DOMAIN>`: the ticket's id in base32 (26 characters), the party
the mail went to ("c": the ticket's customer; "s": the staff side) and an HMAC-SHA256 of both keyed with
SECRET_KEY, truncated to 80 bits (16 base32 characters). Everything is lower case and read case-insensitively
(some mail systems change the case of local parts); with a local part of at most 16 characters the address
stays within SMTP's 64-octet limit for local parts.
"""

import base64
import binascii
import enum
import hmac
import uuid
from dataclasses import dataclass

from app.config import Settings
from app.security.tokens import keyed_hash

SIGNATURE_BYTES = 10  # 80 bits


class ReplyParty(enum.Enum):
    CUSTOMER = "c"
    STAFF = "s"


@dataclass(frozen=True)
class ReplyTarget:
    ticket_id: uuid.UUID
    party: ReplyParty


def _b32(raw: bytes) -> str:
    return base64.b32encode(raw).decode().rstrip("=").lower()


def _signature(key: bytes, ticket_id: uuid.UUID, party: ReplyParty) -> str:
    digest = bytes.fromhex(keyed_hash(key, "ticket-reply", str(ticket_id), party.value))
    return _b32(digest[:SIGNATURE_BYTES])


def reply_address(settings: Settings, ticket_id: uuid.UUID, party: ReplyParty) -> str | None:
    """The address a reply to this ticket's mail goes to, or None when MAIL_IN_DOMAIN is not set."""
    if not settings.mail_in_domain:
        return None
    signature = _signature(settings.secret_key_bytes, ticket_id, party)
    local = f"{settings.mail_in_local_part}+t.{_b32(ticket_id.bytes)}.{party.value}.{signature}"
    return f"{local}@{settings.mail_in_domain}"


def is_our_domain(settings: Settings, address: str) -> bool:
    domain = address.rpartition("@")[2].strip().lower().rstrip(".")
    return bool(settings.mail_in_domain) and domain == settings.mail_in_domain


def parse_reply_address(settings: Settings, address: str) -> ReplyTarget | None:
    """The ticket and party of one of our reply addresses with a valid signature; None for anything else."""
    if not is_our_domain(settings, address):
        return None
    local = address.rpartition("@")[0].strip().lower()
    prefix = f"{settings.mail_in_local_part}+t."
    if not local.startswith(prefix):
        return None
    parts = local[len(prefix) :].split(".")
    if len(parts) != 3:
        return None
    ticket_part, party_part, signature = parts
    try:
        ticket_id = uuid.UUID(bytes=base64.b32decode(ticket_part.upper() + "======"))
        party = ReplyParty(party_part)
    except (binascii.Error, ValueError):
        return None
    expected = _signature(settings.secret_key_bytes, ticket_id, party)
    if not hmac.compare_digest(expected.encode(), signature.encode()):
        return None
    return ReplyTarget(ticket_id, party)
