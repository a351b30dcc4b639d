"""Administration of accounts: listing, approval, suspension, roles and affiliate requests."""

import uuid
from dataclasses import dataclass

from sqlalchemy import ColumnElement, delete, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.db import mark_sessions_changed
from app.i18n import N_
from app.links import Route, storefront_link
from app.pagination import Page, build_page, newest_first, page_size
from app.principal import Principal
from app.runtime import RequestMeta, Runtime
from app.services import audit, event_data, messages
from app.services.customer_queries import display_name
from app.services.errors import (
    AccountError,
    AccountErrorCode,
    ErrorDetail,
    NotAuthenticatedError,
    PermissionDeniedError,
)
from app.services.sessions import revoke_all_sessions
from app.services.validation import MAX_TEXT_LENGTH, clean_phone, clean_text, neutralize_text
from app.templates import Text
from models.base import utcnow
from models.customer import (
    AffiliateRequest,
    AffiliateRequestStatus,
    Customer,
    CustomerGroup,
    CustomerRole,
    CustomerStatus,
    Role,
    RoleChange,
    RoleChangeAction,
)
from models.order import Order
from models.security import SecurityEventType

MAX_QUERY_LENGTH = 200
# How the role mail names a role (English msgids, written in the recipient's language).
ROLE_WORDS = {
    Role.CUSTOMER: N_("customer"),
    Role.AFFILIATE: N_("affiliate"),
    Role.SUPPORT: N_("support"),
    Role.ADMIN: N_("administrator"),
}


def require_staff(principal: Principal) -> None:
    if not principal.is_authenticated:
        raise NotAuthenticatedError()
    if not principal.is_staff:
        raise PermissionDeniedError()


def require_admin(principal: Principal) -> uuid.UUID:
    if principal.customer_id is None:
        raise NotAuthenticatedError()
    if not principal.is_admin:
        raise PermissionDeniedError()
    return principal.customer_id


@dataclass(frozen=True)
class CustomerFilter:
    status: CustomerStatus | None = None
    query: str | None = None
    roles: tuple[Role, ...] = ()  # holding any of these (the staff console lists SUPPORT and ADMIN accounts)


def _order_numbers(query: str | None) -> list[str]:
    """The spellings of an order number a search may mean (exact matches on the unique index)."""
    typed = (query or "").strip()[:MAX_QUERY_LENGTH].removeprefix("#")
    spellings = {typed, typed.upper(), typed.lower()}
    return sorted(spellings | {"#" + spelling for spelling in spellings})


async def list_customers(
    rt: Runtime, principal: Principal, *, first: int | None, after: str | None, filter: CustomerFilter
) -> Page[Customer]:
    require_staff(principal)
    limit = page_size(first)
    statement = select(Customer)
    if filter.status is not None:
        statement = statement.where(col(Customer.status) == filter.status)
    if filter.roles:
        holders = select(col(CustomerRole.customer_id)).where(col(CustomerRole.role).in_(filter.roles))
        statement = statement.where(col(Customer.id).in_(holders))
    text = (filter.query or "").strip()[:MAX_QUERY_LENGTH].lower()
    if text:
        pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        matches: list[ColumnElement[bool]] = [
            col(Customer.email_key).like(pattern, escape="\\"),
            func.lower(col(Customer.first_name)).like(pattern, escape="\\"),
            func.lower(col(Customer.last_name)).like(pattern, escape="\\"),
        ]
        # Phone numbers are encrypted: they are found by the whole number, through the blind index.
        phone = clean_phone(text, ("query",), [])
        if phone is not None:
            matches.append(col(Customer.phone_index) == rt.fields.index("phone", phone))
        # An order number, whole, as staff read it off a mail or the phone: with or without its "#", any case.
        matches.append(
            col(Customer.id).in_(
                select(col(Order.customer_id)).where(col(Order.number).in_(_order_numbers(filter.query)))
            )
        )
        statement = statement.where(or_(*matches))
    statement = newest_first(statement, col(Customer.created_at), col(Customer.id), after, limit)
    async with rt.db.read() as session:
        rows = list((await session.execute(statement)).scalars())
    return build_page(rows, limit, lambda c: (c.created_at, c.id), after)


async def _keep_an_active_admin(session: AsyncSession, leaving: uuid.UUID) -> None:
    """Refuse a change that would leave no active administrator. The ADMIN role rows are locked, so
    two administrators acting on each other at once are serialised and the second sees the first."""
    admins = await session.execute(select(CustomerRole).where(col(CustomerRole.role) == Role.ADMIN).with_for_update())
    admin_ids = [row.customer_id for row in admins.scalars()]
    if leaving not in admin_ids:
        return
    active = await session.execute(
        select(func.count())
        .select_from(Customer)
        .where(
            col(Customer.id).in_(admin_ids),
            col(Customer.id) != leaving,
            col(Customer.status) == CustomerStatus.ACTIVE,
        )
    )
    if active.scalar_one() == 0:
        raise AccountError.one(AccountErrorCode.LAST_ADMIN, "The last active administrator must stay.", ("customerId",))


def _not_found(field: str = "customerId") -> AccountError:
    return AccountError.one(AccountErrorCode.NOT_FOUND, "No such customer.", (field,))


async def _load_target(session: AsyncSession, customer_id: uuid.UUID | None) -> Customer:
    """The account an administrator changes, locked until the change commits: the status checked here is still
    the status when it is changed (two identical suspensions at once: one suspends, one is INVALID_STATUS, not two
    mails and two security events)."""
    customer = await session.get(Customer, customer_id, with_for_update=True) if customer_id else None
    if customer is None:
        raise _not_found()
    return customer


def _reason(reason: str | None, *, required: bool) -> str | None:
    errors: list[ErrorDetail] = []
    value = clean_text(
        neutralize_text(reason), ("reason",), errors, max_length=MAX_TEXT_LENGTH, required=required, label="Reason"
    )
    if errors:
        raise AccountError(*errors)
    return value


async def approve_customer(
    rt: Runtime, principal: Principal, meta: RequestMeta, customer_id: uuid.UUID | None, reason: str | None = None
) -> Customer:
    require_admin(principal)
    why = _reason(reason, required=False)
    async with rt.db.unit_of_work() as session:
        customer = await _load_target(session, customer_id)
        if customer.status is not CustomerStatus.PENDING_APPROVAL:
            raise AccountError.one(
                AccountErrorCode.INVALID_STATUS, "Only accounts waiting for approval can be approved.", ("customerId",)
            )
        now = utcnow()
        customer.status = CustomerStatus.ACTIVE
        customer.activated_at = now
        customer.updated_at = now
        customer.status_reason = None
        session.add(customer)
        audit.record(
            session,
            meta,
            SecurityEventType.ACCOUNT_APPROVED,
            customer_id=customer.id,
            actor_id=principal.customer_id,
            detail=why,
        )
        await event_data.customer_activated(session, customer, method="ADMIN_APPROVAL")
        await messages.email(
            session,
            rt,
            "account_approved",
            customer.email,
            {"name": display_name(customer), "link": storefront_link(rt.settings, Route.SIGN_IN)},
            customer_id=customer.id,
        )
    return customer


async def suspend_customer(
    rt: Runtime, principal: Principal, meta: RequestMeta, customer_id: uuid.UUID | None, reason: str | None
) -> Customer:
    actor_id = require_admin(principal)
    why = _reason(reason, required=True)
    async with rt.db.unit_of_work() as session:
        customer = await _load_target(session, customer_id)
        if customer.id == actor_id:
            raise AccountError.one(
                AccountErrorCode.CANNOT_CHANGE_OWN_ACCOUNT, "You cannot suspend your own account.", ("customerId",)
            )
        if customer.status is CustomerStatus.SUSPENDED:
            raise AccountError.one(
                AccountErrorCode.INVALID_STATUS, "This account is already suspended.", ("customerId",)
            )
        await _keep_an_active_admin(session, customer.id)
        customer.status = CustomerStatus.SUSPENDED
        customer.status_reason = why
        customer.updated_at = utcnow()
        session.add(customer)
        await revoke_all_sessions(session, customer.id, "SUSPENDED")
        audit.record(
            session, meta, SecurityEventType.ACCOUNT_SUSPENDED, customer_id=customer.id, actor_id=actor_id, detail=why
        )
        await event_data.customer_updated(session, customer.id, ["status"])
        await messages.email(
            session, rt, "account_suspended", customer.email, {"name": display_name(customer)}, customer_id=customer.id
        )
    return customer


async def reactivate_customer(
    rt: Runtime, principal: Principal, meta: RequestMeta, customer_id: uuid.UUID | None, reason: str | None
) -> Customer:
    require_admin(principal)
    why = _reason(reason, required=False)
    async with rt.db.unit_of_work() as session:
        customer = await _load_target(session, customer_id)
        if customer.status is not CustomerStatus.SUSPENDED:
            raise AccountError.one(
                AccountErrorCode.INVALID_STATUS, "Only suspended accounts can be reactivated.", ("customerId",)
            )
        now = utcnow()
        customer.status = CustomerStatus.ACTIVE
        customer.status_reason = why
        customer.activated_at = customer.activated_at or now
        customer.updated_at = now
        session.add(customer)
        audit.record(
            session,
            meta,
            SecurityEventType.ACCOUNT_REACTIVATED,
            customer_id=customer.id,
            actor_id=principal.customer_id,
            detail=why,
        )
        await event_data.customer_updated(session, customer.id, ["status"])
        await messages.email(
            session,
            rt,
            "account_reactivated",
            customer.email,
            {"name": display_name(customer), "link": storefront_link(rt.settings, Route.SIGN_IN)},
            customer_id=customer.id,
        )
    return customer


async def grant_role(
    rt: Runtime, principal: Principal, meta: RequestMeta, customer_id: uuid.UUID | None, role: Role, reason: str | None
) -> Customer:
    actor_id = require_admin(principal)
    why = _reason(reason, required=True)
    assert why is not None
    async with rt.db.unit_of_work() as session:
        customer = await _load_target(session, customer_id)
        try:
            async with session.begin_nested():
                session.add(CustomerRole(customer_id=customer.id, role=role))
                await session.flush()
            mark_sessions_changed(session, customer.id)
        except IntegrityError:
            raise AccountError.one(
                AccountErrorCode.ROLE_ALREADY_GRANTED, "The account already has this role.", ("role",)
            ) from None
        session.add(
            RoleChange(
                customer_id=customer.id, role=role, action=RoleChangeAction.GRANTED, actor_id=actor_id, reason=why
            )
        )
        audit.record(
            session, meta, SecurityEventType.ROLE_GRANTED, customer_id=customer.id, actor_id=actor_id, detail=role.value
        )
        if role is Role.AFFILIATE:
            await _close_affiliate_request(session, customer.id, AffiliateRequestStatus.APPROVED, actor_id, why)
        await messages.email(
            session,
            rt,
            "role_granted",
            customer.email,
            {"name": display_name(customer), "role": Text(ROLE_WORDS[role])},
            customer_id=customer.id,
        )
    return customer


async def revoke_role(
    rt: Runtime, principal: Principal, meta: RequestMeta, customer_id: uuid.UUID | None, role: Role, reason: str | None
) -> Customer:
    actor_id = require_admin(principal)
    why = _reason(reason, required=True)
    assert why is not None
    async with rt.db.unit_of_work() as session:
        customer = await _load_target(session, customer_id)
        if role is Role.ADMIN:
            if customer.id == actor_id:
                raise AccountError.one(
                    AccountErrorCode.CANNOT_CHANGE_OWN_ACCOUNT,
                    "You cannot revoke your own administrator role.",
                    ("customerId",),
                )
            # Lock every ADMIN role row: two administrators revoking each other at once are serialised,
            # and the second sees the first's change.
            admins = await session.execute(
                select(CustomerRole).where(col(CustomerRole.role) == Role.ADMIN).with_for_update()
            )
            if len(admins.scalars().all()) <= 1:
                raise AccountError.one(
                    AccountErrorCode.LAST_ADMIN, "The last administrator cannot lose the role.", ("role",)
                )
        result = await session.execute(
            delete(CustomerRole).where(col(CustomerRole.customer_id) == customer.id, col(CustomerRole.role) == role)
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            raise AccountError.one(AccountErrorCode.ROLE_NOT_GRANTED, "The account does not have this role.", ("role",))
        mark_sessions_changed(session, customer.id)
        session.add(
            RoleChange(
                customer_id=customer.id, role=role, action=RoleChangeAction.REVOKED, actor_id=actor_id, reason=why
            )
        )
        audit.record(
            session, meta, SecurityEventType.ROLE_REVOKED, customer_id=customer.id, actor_id=actor_id, detail=role.value
        )
    return customer


async def request_affiliate_status(rt: Runtime, principal: Principal, message: str | None) -> AffiliateRequest:
    if principal.customer_id is None:
        raise NotAuthenticatedError()
    errors: list[ErrorDetail] = []
    text = clean_text(neutralize_text(message), ("message",), errors, max_length=2000, label="Message")
    if errors:
        raise AccountError(*errors)
    if Role.AFFILIATE in principal.roles:
        raise AccountError.one(AccountErrorCode.ALREADY_AFFILIATE, "You already have affiliate status.", None)
    request = AffiliateRequest(customer_id=principal.customer_id, status=AffiliateRequestStatus.PENDING, message=text)
    async with rt.db.unit_of_work() as session:
        try:
            async with session.begin_nested():
                session.add(request)
                await session.flush()
        except IntegrityError:
            raise AccountError.one(
                AccountErrorCode.REQUEST_ALREADY_PENDING, "Your earlier request is still waiting for a decision.", None
            ) from None
    return request


async def _close_affiliate_request(
    session: AsyncSession, customer_id: uuid.UUID, status: AffiliateRequestStatus, actor_id: uuid.UUID, reason: str
) -> None:
    found = await session.execute(
        select(AffiliateRequest).where(
            col(AffiliateRequest.customer_id) == customer_id,
            col(AffiliateRequest.status) == AffiliateRequestStatus.PENDING,
        )
    )
    for request in found.scalars():
        request.status = status
        request.decided_by_id = actor_id
        request.decided_at = utcnow()
        request.decision_reason = reason
        session.add(request)


async def reject_affiliate_request(
    rt: Runtime, principal: Principal, request_id: uuid.UUID | None, reason: str | None
) -> AffiliateRequest:
    actor_id = require_admin(principal)
    why = _reason(reason, required=True)
    assert why is not None
    async with rt.db.unit_of_work() as session:
        request = await session.get(AffiliateRequest, request_id) if request_id else None
        if request is None:
            raise AccountError.one(AccountErrorCode.NOT_FOUND, "No such affiliate request.", ("requestId",))
        if request.status is not AffiliateRequestStatus.PENDING:
            raise AccountError.one(AccountErrorCode.INVALID_STATUS, "This request was already decided.", ("requestId",))
        await _close_affiliate_request(session, request.customer_id, AffiliateRequestStatus.REJECTED, actor_id, why)
        customer = await session.get(Customer, request.customer_id)
        assert customer is not None
        await messages.email(
            session,
            rt,
            "affiliate_request_rejected",
            customer.email,
            {"name": display_name(customer), "reason": why},
            customer_id=customer.id,
        )
    request.status = AffiliateRequestStatus.REJECTED
    return request


async def list_affiliate_requests(
    rt: Runtime, principal: Principal, *, first: int | None, after: str | None, status: AffiliateRequestStatus | None
) -> Page[AffiliateRequest]:
    require_staff(principal)
    limit = page_size(first)
    statement = select(AffiliateRequest)
    if status is not None:
        statement = statement.where(col(AffiliateRequest.status) == status)
    statement = newest_first(statement, col(AffiliateRequest.created_at), col(AffiliateRequest.id), after, limit)
    async with rt.db.read() as session:
        rows = list((await session.execute(statement)).scalars())
    return build_page(rows, limit, lambda r: (r.created_at, r.id), after)


async def list_groups(rt: Runtime, principal: Principal) -> list[CustomerGroup]:
    """Groups open to self-registration; staff see every group."""
    statement = select(CustomerGroup).order_by(col(CustomerGroup.code))
    if not principal.is_staff:
        statement = statement.where(col(CustomerGroup.self_registration).is_(True))
    async with rt.db.read() as session:
        return list((await session.execute(statement)).scalars())
