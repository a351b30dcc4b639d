"""Reads of customer rows shared by the account services."""

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.services.validation import email_key
from models.customer import Customer, CustomerGroup, CustomerRole, Role


async def customer_by_email(session: AsyncSession, email: str) -> Customer | None:
    found = await session.execute(select(Customer).where(col(Customer.email_key) == email_key(email)))
    return found.scalars().first()


async def customer_by_phone(session: AsyncSession, phone: str) -> Customer | None:
    found = await session.execute(select(Customer).where(col(Customer.phone) == phone))
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


def display_name(customer: Customer) -> str:
    return customer.first_name or ""
