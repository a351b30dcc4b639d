"""Registration and activation. The customer's group decides how an account is activated."""

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.links import Route, storefront_link
from app.runtime import RequestMeta, Runtime
from app.services import abuse, account_messages, analytics_events, audit, event_data, messages, staff_accounts
from app.services.customer_queries import (
    customer_by_email,
    customer_by_phone,
    display_name,
    group_by_code,
    group_of,
    identifier_text,
    parse_identifier,
    unproven_greeting_name,
)
from app.services.errors import AccountError, AccountErrorCode, ErrorDetail
from app.services.validation import (
    MAX_NAME_LENGTH,
    check_new_password,
    clean_email,
    clean_phone,
    clean_text,
    email_key,
)
from app.services.verification import consume_code, consume_link, issue_code, issue_link, recently_issued
from app.templates import MessageValue, Minutes
from models.auth import VerificationPurpose
from models.base import utcnow
from models.customer import ActivationMode, Customer, CustomerGroup, CustomerRole, CustomerStatus, Role
from models.security import SecurityEventOutcome, SecurityEventType

INITIAL_STATUS = {
    ActivationMode.EMAIL_LINK: CustomerStatus.PENDING_ACTIVATION,
    ActivationMode.SMS_CODE: CustomerStatus.PENDING_ACTIVATION,
    ActivationMode.ADMIN_APPROVAL: CustomerStatus.PENDING_APPROVAL,
    ActivationMode.NONE: CustomerStatus.ACTIVE,
}


@dataclass(frozen=True)
class RegistrationInput:
    email: str
    password: str
    first_name: str | None = None
    last_name: str | None = None
    phone: str | None = None
    customer_group: str | None = None


@dataclass(frozen=True)
class ActivationInput:
    token: str | None = None
    email: str | None = None
    phone: str | None = None
    code: str | None = None


async def _registration_group(rt: Runtime, code: str | None, errors: list[ErrorDetail]) -> CustomerGroup | None:
    async with rt.db.read() as session:
        if code is None or not code.strip():
            group = await group_by_code(session, rt.settings.default_customer_group)
            if group is None:
                raise RuntimeError(f"default customer group {rt.settings.default_customer_group!r} does not exist")
            return group
        group = await group_by_code(session, code.strip())
    if group is None or not group.self_registration:
        errors.append(
            ErrorDetail(AccountErrorCode.GROUP_NOT_FOUND, "There is no such customer group.", ("customerGroup",))
        )
        return None
    return group


def _activation_link(rt: Runtime, token: str) -> str:
    return storefront_link(rt.settings, Route.ACTIVATE, token=token)


async def send_activation(
    session: AsyncSession, rt: Runtime, customer: Customer, mode: ActivationMode, meta: RequestMeta | None = None
) -> None:
    """Issue and send a fresh activation link or code (revoking earlier ones), in the language of the account's
    settings or else of the request (`meta`): a new account has no settings yet."""
    settings = rt.settings
    if mode is ActivationMode.EMAIL_LINK:
        token = await issue_link(
            session, rt, customer.id, VerificationPurpose.ACTIVATION, settings.activation_link_ttl_minutes
        )
        values: dict[str, MessageValue] = {
            # The address is not proven yet: the registrant's first name only when it is evidently a name.
            "name": unproven_greeting_name(customer),
            "link": _activation_link(rt, token),
            "valid_for": Minutes(settings.activation_link_ttl_minutes),
        }
        await messages.email(session, rt, "activation", customer.email, values, customer_id=customer.id, meta=meta)
    elif mode is ActivationMode.SMS_CODE and customer.phone_encrypted:
        phone = rt.fields.open_phone(customer.id, customer.phone_encrypted)
        assert phone is not None
        code = await issue_code(session, rt, customer.id, VerificationPurpose.ACTIVATION, settings.sms_code_ttl_minutes)
        values = {"code": code, "valid_for": Minutes(settings.sms_code_ttl_minutes)}
        await messages.sms(session, rt, "activation_code", phone, values, customer_id=customer.id, meta=meta)


async def register(rt: Runtime, meta: RequestMeta, data: RegistrationInput) -> ActivationMode:
    """Create an account in its group; returns how it will be activated.

    The answer is the same whether or not the address is taken (the existing owner is emailed
    instead), so registration cannot probe for accounts.
    """
    await analytics_events.registration_attempted(rt, data.email, data.customer_group)  # even if it fails
    errors: list[ErrorDetail] = []
    email = clean_email(data.email, ("email",), errors)
    first_name = clean_text(data.first_name, ("firstName",), errors, max_length=MAX_NAME_LENGTH, label="First name")
    last_name = clean_text(data.last_name, ("lastName",), errors, max_length=MAX_NAME_LENGTH, label="Last name")
    phone = clean_phone(data.phone, ("phone",), errors)
    check_new_password(data.password, email, ("password",), errors)
    group = await _registration_group(rt, data.customer_group, errors)
    if group is not None and group.activation_mode is ActivationMode.SMS_CODE and phone is None and not errors:
        errors.append(
            ErrorDetail(
                AccountErrorCode.PHONE_REQUIRED, "This account is activated by SMS: enter a phone number.", ("phone",)
            )
        )
    if errors or email is None or group is None:
        raise AccountError(*errors)
    # Registration sends mail (to the new address, or to the owner of a taken one): limit it like resends.
    await abuse.guard_messages(rt, meta, audit.identifier_hash(rt, email))

    password_hash = await rt.hasher.hash(data.password)
    mode = group.activation_mode
    status = INITIAL_STATUS[mode]
    now = utcnow()
    customer_id = uuid.uuid4()
    phone_encrypted, phone_index = rt.fields.seal_phone(customer_id, phone)
    customer = Customer(
        id=customer_id,
        email=email,
        email_key=email_key(email),
        password_hash=password_hash,
        first_name=first_name,
        last_name=last_name,
        phone_encrypted=phone_encrypted,
        phone_index=phone_index,
        status=status,
        group_id=group.id,
        activated_at=now if status is CustomerStatus.ACTIVE else None,
        password_changed_at=now,
    )
    async with rt.db.unit_of_work() as session:
        conflict = await insert_customer(session, customer)
        if conflict == "email":
            # Whatever the group, a taken address answers like a new one: its owner is emailed instead.
            await _notify_existing_owner(session, rt, email)
            return mode
        if conflict == "phone":
            raise AccountError.one(
                AccountErrorCode.PHONE_TAKEN, "An account with this phone number already exists.", ("phone",)
            )
        audit.record(session, meta, SecurityEventType.ACCOUNT_REGISTERED, customer_id=customer.id, detail=group.code)
        if status is CustomerStatus.ACTIVE:
            audit.record(session, meta, SecurityEventType.ACCOUNT_ACTIVATED, customer_id=customer.id, reason=mode.value)
        await event_data.customer_created(session, customer, origin="REGISTRATION")
        if mode is ActivationMode.ADMIN_APPROVAL:
            await messages.email(
                session,
                rt,
                "registration_received",
                customer.email,
                {"name": unproven_greeting_name(customer)},
                customer_id=customer.id,
                meta=meta,
            )
            await staff_accounts.notify_approvers(session, rt, customer, group)
        else:
            await send_activation(session, rt, customer, mode, meta)
    return mode


async def insert_customer(session: AsyncSession, customer: Customer) -> str | None:
    """Insert the customer and its CUSTOMER role; on a uniqueness conflict return which field clashed."""
    try:
        async with session.begin_nested():
            session.add(customer)
            await session.flush()
            session.add(CustomerRole(customer_id=customer.id, role=Role.CUSTOMER))
            await session.flush()
    except IntegrityError as exc:
        text = str(exc.orig)
        if "email_key" in text:
            return "email"
        if "phone" in text:
            return "phone"
        raise
    return None


async def _notify_existing_owner(session: AsyncSession, rt: Runtime, email: str) -> None:
    existing = await customer_by_email(session, email)
    if existing is None:
        return
    if await recently_issued(session, existing.id, VerificationPurpose.ACTIVATION, rt.settings.resend_cooldown_seconds):
        return
    group = await group_of(session, existing)
    if existing.status is CustomerStatus.PENDING_ACTIVATION and group.activation_mode is ActivationMode.EMAIL_LINK:
        await send_activation(session, rt, existing, ActivationMode.EMAIL_LINK)
        return
    values = {"name": display_name(existing), "link": storefront_link(rt.settings, Route.FORGOT_PASSWORD)}
    await messages.email(session, rt, "already_registered", existing.email, values, customer_id=existing.id)


def _activate(customer: Customer, *, email_proven: bool, phone_proven: bool) -> None:
    now = utcnow()
    customer.status = CustomerStatus.ACTIVE
    customer.activated_at = now
    customer.updated_at = now
    if email_proven:
        customer.email_verified_at = now
    if phone_proven:
        customer.phone_verified_at = now


async def activate_account(rt: Runtime, meta: RequestMeta, data: ActivationInput) -> Customer:
    token = (data.token or "").strip()
    code = (data.code or "").strip()
    if token and (code or data.email or data.phone):
        raise AccountError.one(
            AccountErrorCode.INVALID, "Send either a token, or an email or phone with a code.", ("token",)
        )
    if not token and not code:
        raise AccountError.one(
            AccountErrorCode.REQUIRED, "Send the token from the email, or the code you received.", ("token",)
        )

    if code and (data.email or data.phone):
        # Keyed on the normalised identifier: "+1 415…" and "+1-415…" are the same account.
        email, phone = parse_identifier(data.email, data.phone)
        await abuse.guard_codes(rt, meta, audit.identifier_hash(rt, identifier_text(email, phone)))
    failure: ErrorDetail | None = None
    async with rt.db.unit_of_work() as session:
        if token:
            outcome = await consume_link(session, rt, VerificationPurpose.ACTIVATION, token, ("token",))
            if isinstance(outcome, ErrorDetail):
                raise AccountError(outcome)
            customer = await session.get(Customer, outcome)
            assert customer is not None
            email_proven, phone_proven = True, False
        else:
            found = await _customer_for_code(session, rt, data)
            failure = await consume_code(
                session, rt, VerificationPurpose.ACTIVATION, found.id if found else None, code, ("code",)
            )
            customer = found
            email_proven, phone_proven = False, True
        if failure is None:
            assert customer is not None  # a right code implies the account exists
            if customer.status is not CustomerStatus.PENDING_ACTIVATION:
                raise AccountError.one(AccountErrorCode.ALREADY_ACTIVE, "This account is already activated.", None)
            _activate(customer, email_proven=email_proven, phone_proven=phone_proven)
            session.add(customer)
            audit.record(session, meta, SecurityEventType.ACCOUNT_ACTIVATED, customer_id=customer.id)
            await event_data.customer_activated(session, customer, method="EMAIL_LINK" if token else "SMS_CODE")
        else:
            audit.record(
                session,
                meta,
                SecurityEventType.ACTIVATION_CODE_FAILED,
                SecurityEventOutcome.FAILURE,
                customer_id=customer.id if customer else None,
                reason=failure.code.name,
            )
    if failure is not None:
        raise AccountError(failure)  # raised after commit: the wrong try is counted
    assert customer is not None
    return customer


async def _customer_for_code(session: AsyncSession, rt: Runtime, data: ActivationInput) -> Customer | None:
    errors: list[ErrorDetail] = []
    if data.phone:
        phone = clean_phone(data.phone, ("phone",), errors)
        if errors or phone is None:
            raise AccountError(*errors)
        return await customer_by_phone(session, rt.fields, phone, verified_only=False)
    if data.email:
        email = clean_email(data.email, ("email",), errors)
        if errors or email is None:
            raise AccountError(*errors)
        return await customer_by_email(session, email)
    raise AccountError.one(
        AccountErrorCode.REQUIRED, "Send the email or phone number the code was sent for.", ("email",)
    )


async def resend_activation(rt: Runtime, meta: RequestMeta, *, email: str | None, phone: str | None) -> None:
    """Send a fresh activation link or code. Always answers the same, whether or not the account exists,
    with the same work: the request queues a job and the worker sends (send_activation_again)."""
    await account_messages.request(rt, meta, account_messages.ACTIVATION_RESEND, email=email, phone=phone)


async def send_activation_again(rt: Runtime, payload: dict[str, Any]) -> None:
    """The worker's half of resendActivation: a new link or code for an account waiting for activation,
    unless one went out within the resend cool-down."""
    async with rt.db.unit_of_work() as session:
        customer, _ = await account_messages.account_of(session, rt, payload, verified_phone_only=False)
        if customer is None or customer.status is not CustomerStatus.PENDING_ACTIVATION:
            return
        if await recently_issued(
            session, customer.id, VerificationPurpose.ACTIVATION, rt.settings.resend_cooldown_seconds
        ):
            return
        group = await group_of(session, customer)
        await send_activation(session, rt, customer, group.activation_mode, account_messages.request_meta(payload))
