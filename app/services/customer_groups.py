"""Administration of customer groups: create, update, move a customer to another group (with the reason).

Administrators do this through the API; the operator through the command line (`COMMAND_LINE`, no actor).
A group's default credit limit applies to store credit accounts its members open afterwards: moving a
customer never changes the limit of an account they already have (an approved limit changes only through
decideCreditLimitRequest). A group's activation mode only decides how future registrations are activated:
changing it, or moving a customer, leaves existing accounts, their sessions and roles as they are.
"""

import re
import uuid
from dataclasses import dataclass
from typing import Final

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.money import is_currency
from app.principal import Principal
from app.runtime import RequestMeta, Runtime
from app.services import audit, event_data
from app.services.errors import (
    AccountError,
    AccountErrorCode,
    ErrorDetail,
    NotAuthenticatedError,
    PermissionDeniedError,
)
from app.services.validation import MAX_TEXT_LENGTH, clean_text, email_key, neutralize_text
from models.base import utcnow
from models.customer import ActivationMode, Customer, CustomerGroup, CustomerGroupMove
from models.security import SecurityEventType

CODE_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{1,63}$")
MAX_NAME = 200
MAX_TERMS_DAYS = 365


class _CommandLine:
    """The operator at the command line: trusted, recorded without an actor."""


COMMAND_LINE: Final = _CommandLine()
Actor = Principal | _CommandLine

UNSET: Final = object()


@dataclass(frozen=True)
class CreditDefault:
    amount: int  # minor units
    currency: str


@dataclass(frozen=True)
class GroupChanges:
    """What an update changes; a field left at UNSET keeps its value. `default_credit_limit=None` and
    `payment_terms_days=None` clear them."""

    name: object = UNSET
    activation_mode: object = UNSET
    self_registration: object = UNSET
    default_credit_limit: object = UNSET
    payment_terms_days: object = UNSET


def _actor_id(actor: Actor) -> uuid.UUID | None:
    if isinstance(actor, _CommandLine):
        return None
    if actor.customer_id is None:
        raise NotAuthenticatedError()
    if not actor.is_admin:
        raise PermissionDeniedError()
    return actor.customer_id


def _code(value: str | None, errors: list[ErrorDetail]) -> str:
    code = (value or "").strip()
    if not code:
        errors.append(ErrorDetail(AccountErrorCode.REQUIRED, "Code is required.", ("code",)))
    elif not CODE_PATTERN.match(code):
        errors.append(
            ErrorDetail(
                AccountErrorCode.INVALID,
                "Use 2 to 64 lower-case letters, digits, '-' or '_', starting with a letter or digit.",
                ("code",),
            )
        )
    return code


def _name(value: str | None, errors: list[ErrorDetail]) -> str:
    return clean_text(value, ("name",), errors, max_length=MAX_NAME, required=True, label="Name") or ""


def _credit(value: CreditDefault | None, errors: list[ErrorDetail]) -> CreditDefault | None:
    if value is None:
        return None
    if value.amount < 0:
        errors.append(
            ErrorDetail(AccountErrorCode.INVALID, "The credit limit cannot be negative.", ("defaultCreditLimit",))
        )
    if not is_currency(value.currency):
        errors.append(ErrorDetail(AccountErrorCode.INVALID, "Use an ISO 4217 currency code.", ("defaultCreditLimit",)))
    return value


def _terms(value: int | None, errors: list[ErrorDetail]) -> int | None:
    if value is not None and not 0 <= value <= MAX_TERMS_DAYS:
        errors.append(
            ErrorDetail(
                AccountErrorCode.INVALID,
                f"Payment terms are 0 to {MAX_TERMS_DAYS} days.",
                ("paymentTermsDays",),
            )
        )
    return value


def _code_taken() -> AccountError:
    return AccountError.one(AccountErrorCode.CODE_TAKEN, "Another group has this code.", ("code",))


async def list_groups(rt: Runtime) -> list[CustomerGroup]:
    """Every group, by code (the command line; the API's customerGroups filters for non-staff)."""
    async with rt.db.read() as session:
        return list((await session.execute(select(CustomerGroup).order_by(col(CustomerGroup.code)))).scalars())


async def group_id_by_code(rt: Runtime, code: str) -> uuid.UUID | None:
    async with rt.db.read() as session:
        found = await session.execute(select(col(CustomerGroup.id)).where(col(CustomerGroup.code) == code.strip()))
        return found.scalar_one_or_none()


async def customer_id_by_email(rt: Runtime, email: str) -> uuid.UUID | None:
    async with rt.db.read() as session:
        found = await session.execute(select(col(Customer.id)).where(col(Customer.email_key) == email_key(email)))
        return found.scalar_one_or_none()


async def create_group(
    rt: Runtime,
    actor: Actor,
    *,
    code: str | None,
    name: str | None,
    activation_mode: ActivationMode,
    self_registration: bool,
    default_credit_limit: CreditDefault | None = None,
    payment_terms_days: int | None = None,
) -> CustomerGroup:
    _actor_id(actor)
    errors: list[ErrorDetail] = []
    clean_code = _code(code, errors)
    clean_name = _name(name, errors)
    credit = _credit(default_credit_limit, errors)
    terms = _terms(payment_terms_days, errors)
    if errors:
        raise AccountError(*errors)
    group = CustomerGroup(
        code=clean_code,
        name=clean_name,
        activation_mode=activation_mode,
        self_registration=self_registration,
        default_credit_limit=credit.amount if credit else None,
        default_credit_currency=credit.currency if credit else None,
        payment_terms_days=terms,
    )
    async with rt.db.unit_of_work() as session:
        # The unique index decides between two creates at once: the second gets CODE_TAKEN.
        try:
            async with session.begin_nested():
                session.add(group)
                await session.flush()
        except IntegrityError:
            raise _code_taken() from None
    return group


async def _load_group(session: AsyncSession, group_id: uuid.UUID | None, field: str) -> CustomerGroup:
    group = await session.get(CustomerGroup, group_id) if group_id else None
    if group is None:
        raise AccountError.one(AccountErrorCode.NOT_FOUND, "No such customer group.", (field,))
    return group


async def update_group(rt: Runtime, actor: Actor, group_id: uuid.UUID | None, changes: GroupChanges) -> CustomerGroup:
    """The code is immutable: storefronts and registration links name groups by it."""
    _actor_id(actor)
    errors: list[ErrorDetail] = []
    name: object = UNSET
    if changes.name is not UNSET:
        name = _name(changes.name if isinstance(changes.name, str) else None, errors)
    credit = changes.default_credit_limit
    if credit is not UNSET:
        _credit(credit, errors)  # type: ignore[arg-type]
    terms = changes.payment_terms_days
    if terms is not UNSET:
        _terms(terms, errors)  # type: ignore[arg-type]
    if errors:
        raise AccountError(*errors)
    async with rt.db.unit_of_work() as session:
        group = await _load_group(session, group_id, "groupId")
        if name is not UNSET:
            group.name = name  # type: ignore[assignment]
        if changes.activation_mode is not UNSET:
            group.activation_mode = changes.activation_mode  # type: ignore[assignment]
        if changes.self_registration is not UNSET:
            group.self_registration = bool(changes.self_registration)
        if credit is not UNSET:
            assert credit is None or isinstance(credit, CreditDefault)
            group.default_credit_limit = credit.amount if credit else None
            group.default_credit_currency = credit.currency if credit else None
        if terms is not UNSET:
            group.payment_terms_days = terms  # type: ignore[assignment]
        group.updated_at = utcnow()
        session.add(group)
    return group


async def move_customer(
    rt: Runtime,
    actor: Actor,
    meta: RequestMeta,
    customer_id: uuid.UUID | None,
    group_id: uuid.UUID | None,
    reason: str | None,
) -> tuple[Customer, CustomerGroupMove]:
    actor_id = _actor_id(actor)
    errors: list[ErrorDetail] = []
    why = clean_text(
        neutralize_text(reason), ("reason",), errors, max_length=MAX_TEXT_LENGTH, required=True, label="Reason"
    )
    if errors:
        raise AccountError(*errors)
    assert why is not None
    async with rt.db.unit_of_work() as session:
        # Locked: two moves of one customer at once are serialised, and the second records the right origin.
        customer = (
            (await session.execute(select(Customer).where(col(Customer.id) == customer_id).with_for_update()))
            .scalars()
            .first()
            if customer_id
            else None
        )
        if customer is None:
            raise AccountError.one(AccountErrorCode.NOT_FOUND, "No such customer.", ("customerId",))
        target = await _load_group(session, group_id, "groupId")
        if target.id == customer.group_id:
            raise AccountError.one(AccountErrorCode.SAME_GROUP, "The customer is already in this group.", ("groupId",))
        source = await _load_group(session, customer.group_id, "customerId")
        move = CustomerGroupMove(
            customer_id=customer.id, from_group_id=source.id, to_group_id=target.id, reason=why, actor_id=actor_id
        )
        customer.group_id = target.id
        customer.updated_at = utcnow()
        session.add(customer)
        session.add(move)
        audit.record(
            session,
            meta,
            SecurityEventType.CUSTOMER_GROUP_CHANGED,
            customer_id=customer.id,
            actor_id=actor_id,
            detail=f"{source.code} -> {target.code}",
        )
        await event_data.customer_updated(session, customer.id, ["groupCode"])
    return customer, move
