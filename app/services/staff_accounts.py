"""Staff tools on customer accounts (issue 19): resetting two-factor authentication after identity checks,
creating an account for a customer, the accounts waiting for approval and the mail to approvers when one arrives.

Who may do what (README, permissions): any staff member (SUPPORT or ADMIN) resets a customer's two-factor
authentication; a staff account's (SUPPORT or ADMIN) only an administrator resets, and nobody their own. Any staff
member creates an account for a customer. Only administrators approve, so only they are mailed about arrivals.
"""

import enum
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.i18n import N_
from app.links import Route, storefront_link
from app.principal import STAFF_ROLES, Principal
from app.runtime import RequestMeta, Runtime
from app.services import audit, event_data, messages, registration, two_factor
from app.services.customer_groups import Actor
from app.services.customer_queries import display_name, group_by_code, lock_customer, roles_of
from app.services.customers import require_staff
from app.services.errors import AccountError, AccountErrorCode, ErrorDetail, PermissionDeniedError
from app.services.profile import valid_language
from app.services.sessions import revoke_all_sessions
from app.services.validation import (
    MAX_NAME_LENGTH,
    MAX_TEXT_LENGTH,
    clean_email,
    clean_phone,
    clean_text,
    email_key,
    neutralize_text,
)
from app.services.verification import issue_link
from app.templates import MessageValue, Minutes, Text
from models.auth import VerificationPurpose
from models.base import utcnow
from models.customer import ActivationMode, Customer, CustomerGroup, CustomerRole, CustomerStatus, Role
from models.profile import CustomerSettings
from models.security import SecurityEventType

MAX_LANGUAGE_LENGTH = 35


class IdentityCheck(enum.Enum):
    """How staff made sure the caller is the account's owner; recorded as the reason of the reset."""

    ORDER_DETAILS = "ORDER_DETAILS"  # named a recent order's number, date and amount
    BILLING_ADDRESS = "BILLING_ADDRESS"  # gave the billing address on file
    ID_DOCUMENT = "ID_DOCUMENT"  # showed an identity document matching the account's name
    PHONE_CALLBACK = "PHONE_CALLBACK"  # answered a call back on the verified phone number on file
    # (All of them, comma-separated, fit SecurityEvent.reason's 64 characters: keep new names short.)


@dataclass(frozen=True)
class TwoFactorReset:
    customer: Customer
    cool_down_ends_at: datetime | None


async def reset_two_factor(
    rt: Runtime,
    principal: Principal,
    meta: RequestMeta,
    customer_id: uuid.UUID | None,
    identity_checks: list[IdentityCheck],
    note: str | None,
) -> TwoFactorReset:
    """Switch the customer's two-factor authentication off, sign out every session, tell them by mail (and SMS
    to a verified phone) and start the cool-down of sensitive changes (app/services/cool_down.py)."""
    require_staff(principal)
    actor_id = principal.customer_id
    assert actor_id is not None
    errors: list[ErrorDetail] = []
    checks = sorted(set(identity_checks), key=lambda check: check.value)
    if not checks:
        errors.append(
            ErrorDetail(
                AccountErrorCode.REQUIRED,
                "Record at least one identity check you performed.",
                ("identityChecks",),
            )
        )
    text = clean_text(neutralize_text(note), ("note",), errors, max_length=MAX_TEXT_LENGTH, label="Note")
    if errors:
        raise AccountError(*errors)
    if customer_id == actor_id:
        raise AccountError.one(
            AccountErrorCode.CANNOT_CHANGE_OWN_ACCOUNT,
            "You cannot reset your own two-factor authentication; ask an administrator.",
            ("customerId",),
        )
    async with rt.db.unit_of_work() as session:
        customer = await lock_customer(session, customer_id) if customer_id else None
        if customer is None or customer.status is CustomerStatus.DELETED:
            raise AccountError.one(AccountErrorCode.NOT_FOUND, "No such customer.", ("customerId",))
        if (await roles_of(session, customer.id)) & STAFF_ROLES and Role.ADMIN not in principal.roles:
            raise PermissionDeniedError("Only an administrator can reset a staff account's two-factor authentication.")
        if not await two_factor.is_enabled(session, customer.id):
            raise AccountError.one(
                AccountErrorCode.TWO_FACTOR_NOT_ENABLED,
                "This account has no two-factor authentication to reset.",
                ("customerId",),
            )
        await two_factor.switch_off(session, customer.id)
        await two_factor.close_challenges(session, customer.id)
        await revoke_all_sessions(session, customer.id, "TWO_FACTOR_RESET")
        audit.record(
            session,
            meta,
            SecurityEventType.TWO_FACTOR_RESET,
            customer_id=customer.id,
            actor_id=actor_id,
            reason=",".join(check.value for check in checks),
            detail=text,
        )
        hours = rt.settings.two_factor_reset_cool_down_hours
        ends = utcnow() + timedelta(hours=hours) if hours > 0 else None
        values: dict[str, MessageValue] = {
            "name": display_name(customer),
            "link": storefront_link(rt.settings, Route.SIGN_IN),
            "until": ends or "",
        }
        await messages.email(session, rt, "two_factor_reset", customer.email, values, customer_id=customer.id)
        phone = rt.fields.open_phone(customer.id, customer.phone_encrypted)
        if phone and customer.phone_verified_at is not None:
            await messages.sms(session, rt, "two_factor_reset", phone, {}, customer_id=customer.id)
    return TwoFactorReset(customer=customer, cool_down_ends_at=ends)


@dataclass(frozen=True)
class PendingApprovals:
    count: int
    oldest_waiting_since: datetime | None


async def pending_approvals(rt: Runtime, principal: Principal) -> PendingApprovals:
    """How many accounts wait for an administrator's approval, and since when the longest has (staff)."""
    require_staff(principal)
    async with rt.db.read() as session:
        row = (
            await session.execute(
                select(func.count(), func.min(Customer.created_at)).where(
                    col(Customer.status) == CustomerStatus.PENDING_APPROVAL
                )
            )
        ).one()
    return PendingApprovals(count=row[0], oldest_waiting_since=row[1])


async def notify_approvers(session: AsyncSession, rt: Runtime, customer: Customer, group: CustomerGroup) -> None:
    """Mail every active administrator (who alone may approve) about an account that now waits for approval,
    each in their own language, in the unit of work that created the account."""
    waiting = await session.scalar(
        select(func.count()).select_from(Customer).where(col(Customer.status) == CustomerStatus.PENDING_APPROVAL)
    )
    approvers = await session.execute(
        select(Customer)
        .join(CustomerRole, col(CustomerRole.customer_id) == col(Customer.id))
        .where(col(CustomerRole.role) == Role.ADMIN, col(Customer.status) == CustomerStatus.ACTIVE)
    )
    for approver in approvers.scalars():
        values: dict[str, MessageValue] = {
            "name": approver.first_name or "",
            "customer": " ".join(part for part in (customer.first_name, customer.last_name) if part) or "-",
            "customer_email": customer.email,
            "group": group.name,
            "count": str(waiting or 1),
        }
        await messages.email(session, rt, "approval_waiting", approver.email, values, customer_id=approver.id)


@dataclass(frozen=True)
class NewCustomer:
    email: str | None
    reason: str | None
    first_name: str | None = None
    last_name: str | None = None
    phone: str | None = None
    group_id: uuid.UUID | None = None  # None: the default group, unless group_given (a malformed id)
    group_given: bool = False
    group_code: str | None = None  # the command line names the group by its code
    language: str | None = None


def _actor(actor: Actor) -> uuid.UUID | None:
    if isinstance(actor, Principal):
        require_staff(actor)
        return actor.customer_id
    return None


async def create_customer_account(rt: Runtime, actor: Actor, meta: RequestMeta, data: NewCustomer) -> Customer:
    """An ACTIVE account without a password (PENDING_APPROVAL when support opens it in a group that needs an
    administrator's approval), made by staff (or the operator) for a customer, who gets a mail in
    their language with a link to choose a password (a password-reset token valid for ACCOUNT_SETUP_LINK_DAYS).
    Validated like a registration; a taken address or phone is said plainly (EMAIL_TAKEN), staff may know it."""
    actor_id = _actor(actor)
    may_approve = not isinstance(actor, Principal) or actor.is_admin
    errors: list[ErrorDetail] = []
    email = clean_email(data.email, ("email",), errors)
    first_name = clean_text(data.first_name, ("firstName",), errors, max_length=MAX_NAME_LENGTH, label="First name")
    last_name = clean_text(data.last_name, ("lastName",), errors, max_length=MAX_NAME_LENGTH, label="Last name")
    phone = clean_phone(data.phone, ("phone",), errors)
    language = (data.language or "").strip() or None
    if language is not None and (len(language) > MAX_LANGUAGE_LENGTH or not valid_language(language)):
        errors.append(
            ErrorDetail(AccountErrorCode.INVALID, "Not a language tag (BCP 47), e.g. de or en-GB.", ("language",))
        )
    why = clean_text(
        neutralize_text(data.reason), ("reason",), errors, max_length=MAX_TEXT_LENGTH, required=True, label="Reason"
    )
    async with rt.db.read() as session:
        if data.group_code is not None:
            group = await group_by_code(session, data.group_code.strip())
        elif data.group_given or data.group_id is not None:
            group = await session.get(CustomerGroup, data.group_id) if data.group_id else None
        else:
            group = await group_by_code(session, rt.settings.default_customer_group)
    if group is None:
        errors.append(ErrorDetail(AccountErrorCode.GROUP_NOT_FOUND, "No such customer group.", ("groupId",)))
    if errors or email is None or group is None:
        raise AccountError(*errors)
    now = utcnow()
    # Support cannot approve: an account they open in a group that needs approval waits for an administrator.
    waits = group.activation_mode is ActivationMode.ADMIN_APPROVAL and not may_approve
    customer_id = uuid.uuid4()
    phone_encrypted, phone_index = rt.fields.seal_phone(customer_id, phone)
    customer = Customer(
        id=customer_id,
        email=email,
        email_key=email_key(email),
        first_name=first_name,
        last_name=last_name,
        phone_encrypted=phone_encrypted,
        phone_index=phone_index,
        status=CustomerStatus.PENDING_APPROVAL if waits else CustomerStatus.ACTIVE,
        group_id=group.id,
        activated_at=None if waits else now,
    )
    days = rt.settings.account_setup_link_days
    async with rt.db.unit_of_work() as session:
        conflict = await registration.insert_customer(session, customer)
        if conflict == "email":
            raise AccountError.one(
                AccountErrorCode.EMAIL_TAKEN, "An account with this email already exists.", ("email",)
            )
        if conflict == "phone":
            raise AccountError.one(
                AccountErrorCode.PHONE_TAKEN, "An account with this phone number already exists.", ("phone",)
            )
        if language is not None:
            session.add(CustomerSettings(customer_id=customer.id, language=language))
        audit.record(
            session,
            meta,
            SecurityEventType.ACCOUNT_REGISTERED,
            customer_id=customer.id,
            actor_id=actor_id,
            reason="CREATED_BY_STAFF" if actor_id else "COMMAND_LINE",
            detail=why,
        )
        await event_data.customer_created(session, customer, origin="STAFF" if actor_id else "COMMAND_LINE")
        token = await issue_link(session, rt, customer.id, VerificationPurpose.PASSWORD_RESET, days * 24 * 60)
        values: dict[str, MessageValue] = {
            "name": display_name(customer),
            "link": storefront_link(rt.settings, Route.RESET_PASSWORD, token=token),
            "valid_for": Minutes(days * 24 * 60),
            # An account waiting for approval cannot sign in yet: the mail says what comes first.
            "next_step": Text(
                N_("We check new accounts of this kind first: we will email you once yours is approved, then sign in.")
                if waits
                else N_("Then sign in with your email address and that password.")
            ),
        }
        # The customer's language (or English), never that of the staff member's browser.
        await messages.email(session, rt, "account_created", customer.email, values, customer_id=customer.id)
        if waits:
            await notify_approvers(session, rt, customer, group)
    return customer
