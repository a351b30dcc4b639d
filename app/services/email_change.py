"""Changing the sign-in email address.

requestEmailChange passes the risk check, then mails a confirmation link to the new address (or, when
held, first an approval link to the current one). On confirmation the address changes, other sessions
end, and the old address gets a link to undo the change for EMAIL_CHANGE_UNDO_DAYS.
"""

import uuid
from datetime import timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.links import Route, storefront_link
from app.principal import Principal
from app.runtime import RequestMeta, Runtime
from app.security.tokens import keyed_hash, new_link_token
from app.services import abuse, audit, cool_down, event_data, messages, risk
from app.services.customer_queries import customer_by_email, display_name, lock_customer
from app.services.errors import AccountError, AccountErrorCode, ErrorDetail
from app.services.sessions import require_customer, revoke_all_sessions
from app.services.validation import clean_email, email_key
from app.templates import MessageValue, Minutes
from models.auth import AuthSession, VerificationToken
from models.base import utcnow
from models.customer import Customer
from models.email_change import EmailChange, EmailChangeStatus
from models.security import SecurityEventOutcome, SecurityEventType

OPEN = (EmailChangeStatus.AWAITING_OLD_ADDRESS, EmailChangeStatus.AWAITING_NEW_ADDRESS)


def _hash(rt: Runtime, token: str) -> str:
    return keyed_hash(rt.settings.secret_key_bytes, "email-change", token)


async def request_email_change(
    rt: Runtime, principal: Principal, meta: RequestMeta, auth_session: AuthSession | None, new_email: str
) -> EmailChangeStatus:
    """Start a change; returns whether it now waits for the new address or for the current one."""
    customer_id = require_customer(principal)
    errors: list[ErrorDetail] = []
    clean = clean_email(new_email, ("newEmail",), errors)
    if errors or clean is None:
        raise AccountError(*errors)
    async with rt.db.read() as session:
        customer = await session.get(Customer, customer_id)
    assert customer is not None
    if email_key(clean) == customer.email_key:
        raise AccountError.one(AccountErrorCode.SAME_EMAIL, "This is already your email address.", ("newEmail",))
    if (until := await cool_down.ends_at(rt, customer_id)) is not None:
        raise AccountError.one(AccountErrorCode.COOL_DOWN, cool_down.message(until), ("newEmail",))
    await abuse.guard_messages(rt, meta, f"customer:{customer_id}")
    decision = await risk.assess(rt, meta, customer_id, auth_session, "EMAIL_CHANGE", new_email=clean)
    if decision.outcome is risk.RiskOutcome.REFUSE:
        await audit.record_alone(
            rt,
            meta,
            SecurityEventType.EMAIL_CHANGE_REQUESTED,
            SecurityEventOutcome.BLOCKED,
            customer_id=customer_id,
            reason=decision.outcome.value,
        )
        raise AccountError.one(
            AccountErrorCode.CHANGE_REFUSED,
            "This change cannot be made from here right now; contact support.",
            None,
        )
    if decision.outcome is risk.RiskOutcome.STEP_UP:
        raise AccountError.one(
            AccountErrorCode.STEP_UP_REQUIRED,
            "Confirm it is you first: call stepUp with your password or a two-factor code.",
            None,
        )
    held = decision.outcome is risk.RiskOutcome.HOLD
    token = new_link_token()
    ttl = rt.settings.email_change_ttl_minutes
    change = EmailChange(
        customer_id=customer_id,
        status=EmailChangeStatus.AWAITING_OLD_ADDRESS if held else EmailChangeStatus.AWAITING_NEW_ADDRESS,
        old_email=customer.email,
        new_email=clean,
        approve_token_hash=_hash(rt, token) if held else None,
        confirm_token_hash=None if held else _hash(rt, token),
        expires_at=utcnow() + timedelta(minutes=ttl),
    )
    async with rt.db.unit_of_work() as session:
        await lock_customer(session, customer_id)  # at most one open change, also when two start at once
        await _cancel_open(session, customer_id)
        session.add(change)
        audit.record(
            session,
            meta,
            SecurityEventType.EMAIL_CHANGE_REQUESTED,
            customer_id=customer_id,
            reason=decision.outcome.value,
        )
        values: dict[str, MessageValue] = {
            "name": display_name(customer),
            "new_email": clean,
            "valid_for": Minutes(ttl),
        }
        if held:
            values["link"] = storefront_link(rt.settings, Route.APPROVE_EMAIL_CHANGE, token=token)
            await messages.email(session, rt, "email_change_approve", customer.email, values, customer_id=customer.id)
        else:
            values["link"] = storefront_link(rt.settings, Route.CONFIRM_EMAIL, token=token)
            await messages.email(session, rt, "email_change_confirm", clean, values, customer_id=customer.id)
    return change.status


async def _cancel_open(session: AsyncSession, customer_id: uuid.UUID) -> None:
    await session.execute(
        update(EmailChange)
        .where(col(EmailChange.customer_id) == customer_id, col(EmailChange.status).in_(OPEN))
        .values(status=EmailChangeStatus.CANCELLED)
    )


async def _revoke_open_links(session: AsyncSession, customer_id: uuid.UUID) -> None:
    await session.execute(
        update(VerificationToken)
        .where(
            col(VerificationToken.customer_id) == customer_id,
            col(VerificationToken.used_at).is_(None),
            col(VerificationToken.revoked_at).is_(None),
        )
        .values(revoked_at=utcnow())
    )


def _invalid() -> AccountError:
    return AccountError.one(AccountErrorCode.INVALID_TOKEN, "This link is invalid or was already used.", ("token",))


async def confirm_email_change(rt: Runtime, meta: RequestMeta, token: str) -> EmailChangeStatus:
    """Follow a link: the current address approving a held change, or the new address confirming it."""
    token = (token or "").strip()
    if not token:
        raise AccountError.one(AccountErrorCode.REQUIRED, "Send the token from the email.", ("token",))
    hashed = _hash(rt, token)
    async with rt.db.unit_of_work() as session:
        found = await session.execute(
            select(EmailChange)
            .where(or_(col(EmailChange.approve_token_hash) == hashed, col(EmailChange.confirm_token_hash) == hashed))
            .with_for_update()
        )
        change = found.scalars().first()
        if change is None or change.status not in OPEN:
            raise _invalid()
        if change.expires_at <= utcnow():
            raise AccountError.one(AccountErrorCode.TOKEN_EXPIRED, "This link has expired; start again.", ("token",))
        customer = await session.get(Customer, change.customer_id)
        assert customer is not None
        if change.status is EmailChangeStatus.AWAITING_OLD_ADDRESS:
            if change.approve_token_hash != hashed:
                raise _invalid()
            new_token = new_link_token()
            change.status = EmailChangeStatus.AWAITING_NEW_ADDRESS
            change.approve_token_hash = None
            change.confirm_token_hash = _hash(rt, new_token)
            session.add(change)
            audit.record(session, meta, SecurityEventType.EMAIL_CHANGE_APPROVED, customer_id=customer.id)
            values: dict[str, MessageValue] = {
                "name": display_name(customer),
                "new_email": change.new_email,
                "valid_for": Minutes(rt.settings.email_change_ttl_minutes),
                "link": storefront_link(rt.settings, Route.CONFIRM_EMAIL, token=new_token),
            }
            await messages.email(session, rt, "email_change_confirm", change.new_email, values, customer_id=customer.id)
            return change.status
        if change.confirm_token_hash != hashed:
            raise _invalid()
        await _apply(session, rt, meta, change, customer)
    return EmailChangeStatus.COMPLETED


async def _apply(
    session: AsyncSession, rt: Runtime, meta: RequestMeta, change: EmailChange, customer: Customer
) -> None:
    now = utcnow()
    undo_token = new_link_token()
    old_email = customer.email
    try:
        async with session.begin_nested():
            await session.execute(
                update(Customer)
                .where(col(Customer.id) == customer.id)
                .values(
                    email=change.new_email, email_key=email_key(change.new_email), email_verified_at=now, updated_at=now
                )
            )
    except IntegrityError:
        raise AccountError.one(
            AccountErrorCode.EMAIL_TAKEN, "Another account uses this email address now.", ("token",)
        ) from None
    change.status = EmailChangeStatus.COMPLETED
    change.confirm_token_hash = None
    change.completed_at = now
    change.undo_token_hash = _hash(rt, undo_token)
    change.undo_expires_at = now + timedelta(days=rt.settings.email_change_undo_days)
    session.add(change)
    await revoke_all_sessions(session, customer.id, "EMAIL_CHANGED")
    await _revoke_open_links(session, customer.id)
    audit.record(session, meta, SecurityEventType.EMAIL_CHANGED, customer_id=customer.id)
    await event_data.customer_updated(session, customer.id, ["email"])
    values: dict[str, MessageValue] = {
        "name": display_name(customer),
        "new_email": change.new_email,
        "valid_for": Minutes(rt.settings.email_change_undo_days * 24 * 60),
        "link": storefront_link(rt.settings, Route.UNDO_EMAIL_CHANGE, token=undo_token),
    }
    await messages.email(session, rt, "email_changed_undo", old_email, values, customer_id=customer.id)


async def undo_email_change(rt: Runtime, meta: RequestMeta, token: str) -> None:
    """From the old address: put the old email back and sign every session out."""
    token = (token or "").strip()
    if not token:
        raise AccountError.one(AccountErrorCode.REQUIRED, "Send the token from the email.", ("token",))
    async with rt.db.unit_of_work() as session:
        found = await session.execute(
            select(EmailChange).where(col(EmailChange.undo_token_hash) == _hash(rt, token)).with_for_update()
        )
        change = found.scalars().first()
        if change is None or change.status is not EmailChangeStatus.COMPLETED:
            raise _invalid()
        if change.undo_expires_at is None or change.undo_expires_at <= utcnow():
            raise AccountError.one(
                AccountErrorCode.TOKEN_EXPIRED,
                "It is too late to undo this change online; contact support.",
                ("token",),
            )
        taken = await customer_by_email(session, change.old_email)
        if taken is not None and taken.id != change.customer_id:
            raise AccountError.one(
                AccountErrorCode.EMAIL_TAKEN,
                "The old address belongs to another account now; contact support.",
                ("token",),
            )
        now = utcnow()
        await session.execute(
            update(Customer)
            .where(col(Customer.id) == change.customer_id)
            .values(email=change.old_email, email_key=email_key(change.old_email), updated_at=now)
        )
        change.status = EmailChangeStatus.UNDONE
        change.undo_token_hash = None
        session.add(change)
        await revoke_all_sessions(session, change.customer_id, "EMAIL_CHANGE_UNDONE")
        # A reset link the other address asked for meanwhile must die with the change.
        await _revoke_open_links(session, change.customer_id)
        audit.record(session, meta, SecurityEventType.EMAIL_CHANGE_UNDONE, customer_id=change.customer_id)
        await event_data.customer_updated(session, change.customer_id, ["email"])
        await messages.email(
            session,
            rt,
            "email_change_undone",
            change.old_email,
            {"name": "", "link": storefront_link(rt.settings, Route.FORGOT_PASSWORD)},
            customer_id=change.customer_id,
        )
