"""Reads of customer rows shared by the account services."""

import unicodedata
import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.security.fields import FieldCipher
from app.services.errors import AccountError, AccountErrorCode, ErrorDetail
from app.services.validation import clean_email, clean_phone, email_key
from models.customer import Customer, CustomerGroup, CustomerRole, Role


async def customer_by_email(session: AsyncSession, email: str) -> Customer | None:
    found = await session.execute(select(Customer).where(col(Customer.email_key) == email_key(email)))
    return found.scalars().first()


async def customer_by_phone(
    session: AsyncSession, fields: FieldCipher, phone: str, *, verified_only: bool = True
) -> Customer | None:
    """By E.164 number, through its blind index (the number itself is stored encrypted).

    Sign-in and password reset only trust a number the customer proved: an unverified (possibly
    mistyped) number must never let its real owner into someone else's account.
    """
    statement = select(Customer).where(col(Customer.phone_index) == fields.index("phone", phone))
    if verified_only:
        statement = statement.where(col(Customer.phone_verified_at).is_not(None))
    found = await session.execute(statement)
    return found.scalars().first()


async def group_of(session: AsyncSession, customer: Customer) -> CustomerGroup:
    group = await session.get(CustomerGroup, customer.group_id)
    assert group is not None  # a foreign key guarantees it
    return group


async def group_by_code(session: AsyncSession, code: str) -> CustomerGroup | None:
    found = await session.execute(select(CustomerGroup).where(col(CustomerGroup.code) == code))
    return found.scalars().first()


async def roles_of(session: AsyncSession, customer_id: uuid.UUID) -> frozenset[Role]:
    found = await session.execute(select(col(CustomerRole.role)).where(col(CustomerRole.customer_id) == customer_id))
    return frozenset(found.scalars())


def parse_identifier(email: str | None, phone: str | None) -> tuple[str | None, str | None]:
    """(normalised email, normalised phone) when exactly one is given; malformed ones become "" (match nothing)."""
    if bool(email and email.strip()) == bool(phone and phone.strip()):
        raise AccountError.one(AccountErrorCode.REQUIRED, "Send either an email address or a phone number.", ("email",))
    ignored: list[ErrorDetail] = []
    if email:
        return clean_email(email, ("email",), ignored) or "", None
    return None, clean_phone(phone, ("phone",), ignored) or ""


def identifier_text(email: str | None, phone: str | None) -> str:
    """The identifier a caller tried, for throttling and audit keys (unknown and malformed ones included)."""
    return (email or phone or "").strip().lower()


async def customer_by_identifier(
    session: AsyncSession, fields: FieldCipher, email: str | None, phone: str | None
) -> Customer | None:
    if email:
        return await customer_by_email(session, email)
    if phone:
        return await customer_by_phone(session, fields, phone)
    return None


def display_name(customer: Customer) -> str:
    return customer.first_name or ""


# A name as people write names: letters of any script with their marks, and single spaces, hyphens, apostrophes
# or a period ending an initial ("Zoë", "Jean-Luc", "O'Brien", "Mary Ann", "J."); at most two words and GREETING_NAME_MAX
# characters.
GREETING_NAME_MAX = 30
_NAME_PUNCTUATION = frozenset(" -'\u2019.")


def unproven_greeting_name(customer: Customer) -> str:
    """The first name for a mail to an address nobody has proven yet (activation, registration received), or ""
    for the neutral greeting.

    Anyone can register with someone else's address, so whatever they type as a name reaches that person under our
    brand. We greet by name only when it is evidently a name: short, letters only (no digits, no '@', ':' or '/',
    so no link, address or phone number), at most two words. It is rendered escaped like every value; nothing
    else a registrant typed goes into the mail."""
    name = (customer.first_name or "").strip()
    if not name or len(name) > GREETING_NAME_MAX or len(name.split()) > 2 or "  " in name:
        return ""
    if not unicodedata.category(name[0]).startswith("L"):
        return ""
    for char in name:
        if not (unicodedata.category(char)[0] in "LM" or char in _NAME_PUNCTUATION):
            return ""
    # A period only ends an initial ("J."), never joins words the way a host name does ("evil.example").
    if any("." in word[:-1] for word in name.split()):
        return ""
    return name


async def lock_customer(session: AsyncSession, customer_id: uuid.UUID) -> Customer | None:
    """Serialise this customer's money decisions. FOR NO KEY UPDATE, not FOR UPDATE: rows that merely
    reference the customer (a ledger entry, a status change naming its actor) take KEY SHARE locks on
    it, which FOR UPDATE would block, deadlocking against transactions that lock orders first."""
    return await session.get(Customer, customer_id, with_for_update={"key_share": True})
