"""Reads of customer rows shared by the account services."""

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


async def lock_customer(session: AsyncSession, customer_id: uuid.UUID) -> Customer | None:
    """Serialise this customer's money decisions. FOR NO KEY UPDATE, not FOR UPDATE: rows that merely
    reference the customer (a ledger entry, a status change naming its actor) take KEY SHARE locks on
    it, which FOR UPDATE would block, deadlocking against transactions that lock orders first."""
    return await session.get(Customer, customer_id, with_for_update={"key_share": True})
