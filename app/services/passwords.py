"""Changing and resetting passwords."""

from dataclasses import dataclass
from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.links import Route, storefront_link
from app.principal import Principal
from app.runtime import RequestMeta, Runtime
from app.services import abuse, account_messages, audit, cool_down, event_data, messages, risk
from app.services.customer_queries import (
    customer_by_identifier,
    display_name,
    group_of,
    identifier_text,
    parse_identifier,
)
from app.services.errors import AccountError, AccountErrorCode, ErrorDetail
from app.services.sessions import MAX_PASSWORD_INPUT, require_customer, revoke_all_sessions
from app.services.two_factor import close_challenges
from app.services.validation import check_new_password
from app.services.verification import consume_code, consume_link, issue_code, issue_link, recently_issued
from app.templates import MessageValue, Minutes
from models.auth import AuthSession, VerificationPurpose
from models.base import utcnow
from models.customer import ActivationMode, Customer, CustomerStatus
from models.security import SecurityEventOutcome, SecurityEventType


@dataclass(frozen=True)
class ResetInput:
    new_password: str
    token: str | None = None
    email: str | None = None
    phone: str | None = None
    code: str | None = None


async def change_password(
    rt: Runtime,
    principal: Principal,
    meta: RequestMeta,
    *,
    current_password: str,
    new_password: str,
    auth_session: AuthSession | None = None,
) -> None:
    customer_id = require_customer(principal)
    if (until := await cool_down.ends_at(rt, customer_id)) is not None:
        raise AccountError.one(AccountErrorCode.COOL_DOWN, cool_down.message(until), ("newPassword",))
    # A stolen session must not be a free password oracle (nor an argon2 work lever).
    await abuse.guard_codes(rt, meta, f"customer:{customer_id}")
    async with rt.db.read() as session:
        customer = await session.get(Customer, customer_id)
    assert customer is not None
    if (
        not current_password
        or customer.password_hash is None
        or len(current_password) > MAX_PASSWORD_INPUT
        or not await rt.hasher.verify(customer.password_hash, current_password)
    ):
        await audit.record_alone(
            rt,
            meta,
            SecurityEventType.PASSWORD_CHANGED,
            SecurityEventOutcome.FAILURE,
            customer_id=customer_id,
            reason="INCORRECT_PASSWORD",
        )
        raise AccountError.one(
            AccountErrorCode.INCORRECT_PASSWORD, "The current password is not correct.", ("currentPassword",)
        )
    await rt.throttle.reset(rt.throttle.policies.codes_per_account, f"customer:{customer_id}")
    errors: list[ErrorDetail] = []
    check_new_password(new_password, customer.email, ("newPassword",), errors)
    if errors:
        raise AccountError(*errors)
    if new_password == current_password:
        raise AccountError.one(
            AccountErrorCode.PASSWORD_UNCHANGED, "Choose a password different from the current one.", ("newPassword",)
        )
    decision = await risk.assess(rt, meta, customer_id, auth_session, "PASSWORD_CHANGE")
    if decision.outcome in (risk.RiskOutcome.HOLD, risk.RiskOutcome.REFUSE):
        await audit.record_alone(
            rt,
            meta,
            SecurityEventType.PASSWORD_CHANGED,
            SecurityEventOutcome.BLOCKED,
            customer_id=customer_id,
            reason=decision.outcome.value,
        )
        raise AccountError.one(
            AccountErrorCode.CHANGE_REFUSED,
            "For your safety, change your password with a reset link sent to your email address.",
            None,
        )
    new_hash = await rt.hasher.hash(new_password)
    async with rt.db.unit_of_work() as session:
        now = utcnow()
        await session.execute(
            update(Customer)
            .where(col(Customer.id) == customer_id)
            .values(password_hash=new_hash, password_changed_at=now, updated_at=now)
        )
        await revoke_all_sessions(session, customer_id, "PASSWORD_CHANGED", keep=principal.session_id)
        await close_challenges(session, customer_id)
        audit.record(session, meta, SecurityEventType.PASSWORD_CHANGED, customer_id=customer_id)
        await _notify_password_changed(session, rt, customer)


async def _notify_password_changed(session: AsyncSession, rt: Runtime, customer: Customer) -> None:
    values = {"name": display_name(customer), "link": storefront_link(rt.settings, Route.FORGOT_PASSWORD)}
    await messages.email(session, rt, "password_changed", customer.email, values, customer_id=customer.id)


async def request_password_reset(rt: Runtime, meta: RequestMeta, *, email: str | None, phone: str | None) -> None:
    """Send a reset link (email) or code (SMS). The answer is the same whether or not the account exists,
    and so is the work: the request queues a job and the worker sends (send_reset)."""
    await account_messages.request(rt, meta, account_messages.PASSWORD_RESET, email=email, phone=phone)


async def send_reset(rt: Runtime, payload: dict[str, Any]) -> None:
    """The worker's half of requestPasswordReset: a link or code for an existing account, unless one went
    out within the resend cool-down; nothing for an unknown one."""
    meta = account_messages.request_meta(payload)
    settings = rt.settings
    async with rt.db.unit_of_work() as session:
        customer, phone = await account_messages.account_of(session, rt, payload)
        if customer is None:
            return
        if await recently_issued(
            session, customer.id, VerificationPurpose.PASSWORD_RESET, settings.resend_cooldown_seconds
        ):
            return
        audit.record(session, meta, SecurityEventType.PASSWORD_RESET_REQUESTED, customer_id=customer.id)
        if phone is None:
            token = await issue_link(
                session, rt, customer.id, VerificationPurpose.PASSWORD_RESET, settings.password_reset_ttl_minutes
            )
            values: dict[str, MessageValue] = {
                "name": display_name(customer),
                "link": storefront_link(settings, Route.RESET_PASSWORD, token=token),
                "valid_for": Minutes(settings.password_reset_ttl_minutes),
            }
            await messages.email(
                session, rt, "password_reset", customer.email, values, customer_id=customer.id, meta=meta
            )
        else:
            code = await issue_code(
                session, rt, customer.id, VerificationPurpose.PASSWORD_RESET, settings.sms_code_ttl_minutes
            )
            values = {"code": code, "valid_for": Minutes(settings.sms_code_ttl_minutes)}
            await messages.sms(session, rt, "password_reset_code", phone, values, customer_id=customer.id, meta=meta)


async def reset_password(rt: Runtime, meta: RequestMeta, data: ResetInput) -> None:
    """Set a new password from a reset link or code; every session of the account is signed out."""
    token = (data.token or "").strip()
    code = (data.code or "").strip()
    if bool(token) == bool(code):
        raise AccountError.one(
            AccountErrorCode.REQUIRED, "Send the token from the email, or the code from the SMS.", ("token",)
        )
    errors: list[ErrorDetail] = []
    check_new_password(data.new_password, None, ("newPassword",), errors)
    if errors:
        raise AccountError(*errors)
    email, phone = parse_identifier(data.email, data.phone) if code else (None, None)
    if code:
        await abuse.guard_codes(rt, meta, audit.identifier_hash(rt, identifier_text(email, phone)))
    new_hash = await rt.hasher.hash(data.new_password)
    failure: ErrorDetail | None = None
    signs_in_with: list[str | None] = []
    async with rt.db.unit_of_work() as session:
        if token:
            outcome = await consume_link(session, rt, VerificationPurpose.PASSWORD_RESET, token, ("token",))
            if isinstance(outcome, ErrorDetail):
                raise AccountError(outcome)
            customer = await session.get(Customer, outcome)
            proof = ActivationMode.EMAIL_LINK
        else:
            customer = await customer_by_identifier(session, rt.fields, email, phone)
            failure = await consume_code(
                session, rt, VerificationPurpose.PASSWORD_RESET, customer.id if customer else None, code, ("code",)
            )
            proof = ActivationMode.SMS_CODE
        if failure is not None:
            audit.record(
                session,
                meta,
                SecurityEventType.PASSWORD_RESET,
                SecurityEventOutcome.FAILURE,
                customer_id=customer.id if customer else None,
                reason=failure.code.name,
            )
        else:
            assert customer is not None
            if (until := await cool_down.ends_at_in(session, rt, customer.id)) is not None:
                # Rolls back: the link or code stays usable once the cool-down is over (if still valid).
                raise AccountError.one(AccountErrorCode.COOL_DOWN, cool_down.message(until), ("newPassword",))
            check_new_password(data.new_password, customer.email, ("newPassword",), errors)
            if errors:
                raise AccountError(*errors)  # rolls back: the link or code stays usable
            await _apply_reset(session, rt, meta, customer, new_hash, proof)
            signs_in_with = [customer.email, rt.fields.open_phone(customer.id, customer.phone_encrypted)]
    if failure is not None:
        raise AccountError(failure)  # raised after commit: the wrong try is counted
    # The reset proved control of the account's address or phone, and whoever was guessing does not know the new
    # password: the count of failed sign-ins starts again, so a sign-in lock ends (the account_locked mail offers
    # the reset as the way back in), for every identifier the account signs in with.
    for identifier in signs_in_with:
        if identifier:
            tried = audit.identifier_hash(rt, identifier_text(identifier, None))
            await rt.throttle.reset(rt.throttle.policies.sign_in_per_account, tried)


async def _apply_reset(
    session: AsyncSession, rt: Runtime, meta: RequestMeta, customer: Customer, new_hash: str, proof: ActivationMode
) -> None:
    now = utcnow()
    customer.password_hash = new_hash
    customer.password_changed_at = now
    customer.updated_at = now
    if proof is ActivationMode.EMAIL_LINK:
        customer.email_verified_at = customer.email_verified_at or now
    else:
        customer.phone_verified_at = customer.phone_verified_at or now
    # The reset proved control of the address the group activates by: the account is activated too.
    if (
        customer.status is CustomerStatus.PENDING_ACTIVATION
        and (await group_of(session, customer)).activation_mode is proof
    ):
        customer.status = CustomerStatus.ACTIVE
        customer.activated_at = now
        audit.record(
            session, meta, SecurityEventType.ACCOUNT_ACTIVATED, customer_id=customer.id, reason="PASSWORD_RESET"
        )
        await event_data.customer_activated(session, customer, method="PASSWORD_RESET")
    session.add(customer)
    await revoke_all_sessions(session, customer.id, "PASSWORD_RESET")
    await close_challenges(session, customer.id)
    audit.record(session, meta, SecurityEventType.PASSWORD_RESET, customer_id=customer.id)
    await _notify_password_changed(session, rt, customer)
