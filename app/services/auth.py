"""Sign-in, sessions and passwords."""

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.outbox import enqueue_email, enqueue_sms
from app.principal import Principal
from app.runtime import RequestMeta, Runtime
from app.security.tokens import new_session_token, sha256_hex
from app.services.customer_queries import customer_by_email, customer_by_phone, display_name, group_of, roles_of
from app.services.errors import AccountError, AccountErrorCode, ErrorDetail, NotAuthenticatedError
from app.services.validation import check_new_password, clean_email, clean_phone
from app.services.verification import consume_code, consume_link, issue_code, issue_link, recently_issued
from app.templates import describe_minutes
from models.auth import AuthSession, VerificationPurpose
from models.base import utcnow
from models.customer import ActivationMode, Customer, CustomerStatus

LAST_SEEN_RESOLUTION = timedelta(seconds=60)
MAX_PASSWORD_INPUT = 1024  # longer input is refused before it reaches argon2

STATUS_ERRORS = {
    CustomerStatus.PENDING_ACTIVATION: (
        AccountErrorCode.ACCOUNT_PENDING_ACTIVATION,
        "Activate your account first: follow the link or enter the code we sent you.",
    ),
    CustomerStatus.PENDING_APPROVAL: (
        AccountErrorCode.ACCOUNT_PENDING_APPROVAL,
        "Your account is waiting for approval by an administrator.",
    ),
    CustomerStatus.SUSPENDED: (AccountErrorCode.ACCOUNT_SUSPENDED, "This account is suspended; contact support."),
}


@dataclass(frozen=True)
class SignedIn:
    token: str
    session: AuthSession
    customer: Customer


@dataclass(frozen=True)
class Authenticated:
    principal: Principal
    session: AuthSession


def _invalid_credentials() -> AccountError:
    return AccountError.one(AccountErrorCode.INVALID_CREDENTIALS, "The sign-in details are not correct.", None)


def _identifier(email: str | None, phone: str | None) -> tuple[str | None, str | None]:
    """(normalised email, normalised phone); exactly one must be given. Malformed ones match no account."""
    if bool(email and email.strip()) == bool(phone and phone.strip()):
        raise AccountError.one(AccountErrorCode.REQUIRED, "Send either an email address or a phone number.", ("email",))
    ignored: list[ErrorDetail] = []
    if email:
        return clean_email(email, ("email",), ignored) or "", None
    return None, clean_phone(phone, ("phone",), ignored) or ""


async def _find(session: AsyncSession, email: str | None, phone: str | None) -> Customer | None:
    if email:
        return await customer_by_email(session, email)
    if phone:
        return await customer_by_phone(session, phone)
    return None


async def login(rt: Runtime, meta: RequestMeta, *, email: str | None, phone: str | None, password: str) -> SignedIn:
    email, phone = _identifier(email, phone)
    if not password:
        raise AccountError.one(AccountErrorCode.REQUIRED, "Enter your password.", ("password",))
    if len(password) > MAX_PASSWORD_INPUT:
        raise _invalid_credentials()
    async with rt.db.read() as session:
        customer = await _find(session, email, phone)
    if customer is None or customer.password_hash is None:
        await rt.hasher.verify_dummy(password)  # unknown accounts take as long as wrong passwords
        raise _invalid_credentials()
    if not await rt.hasher.verify(customer.password_hash, password):
        raise _invalid_credentials()
    if customer.status in STATUS_ERRORS:
        code, message = STATUS_ERRORS[customer.status]
        raise AccountError.one(code, message, None)

    new_hash = await rt.hasher.hash(password) if rt.hasher.needs_rehash(customer.password_hash) else None
    token = new_session_token()
    now = utcnow()
    auth_session = AuthSession(
        customer_id=customer.id,
        token_hash=sha256_hex(token),
        created_at=now,
        last_seen_at=now,
        expires_at=now + timedelta(minutes=rt.settings.session_absolute_timeout_minutes),
        ip_address=meta.ip_address,
        user_agent=(meta.user_agent or "")[:512] or None,
    )
    async with rt.db.unit_of_work() as session:
        session.add(auth_session)
        if new_hash is not None:
            await session.execute(
                update(Customer).where(col(Customer.id) == customer.id).values(password_hash=new_hash)
            )
    return SignedIn(token=token, session=auth_session, customer=customer)


def session_expiry(rt: Runtime, auth_session: AuthSession) -> datetime:
    return auth_session.ends_at(timedelta(minutes=rt.settings.session_idle_timeout_minutes))


def _is_live(rt: Runtime, auth_session: AuthSession) -> bool:
    return auth_session.revoked_at is None and session_expiry(rt, auth_session) > utcnow()


async def authenticate(rt: Runtime, token: str) -> Authenticated | None:
    """The principal behind a bearer token, or None when it is unknown, expired or revoked."""
    if not token or len(token) > 200:
        return None
    async with rt.db.read() as session:
        found = await session.execute(
            select(AuthSession, Customer)
            .join(Customer, col(Customer.id) == col(AuthSession.customer_id))
            .where(col(AuthSession.token_hash) == sha256_hex(token))
        )
        row = found.first()
        if row is None:
            return None
        auth_session, customer = row
        if not _is_live(rt, auth_session) or customer.status is not CustomerStatus.ACTIVE:
            return None
        roles = await roles_of(session, customer.id)
    now = utcnow()
    if now - auth_session.last_seen_at > LAST_SEEN_RESOLUTION:
        async with rt.db.unit_of_work() as session:
            await session.execute(
                update(AuthSession).where(col(AuthSession.id) == auth_session.id).values(last_seen_at=now)
            )
        auth_session.last_seen_at = now
    principal = Principal(customer_id=customer.id, session_id=auth_session.id, roles=roles)
    return Authenticated(principal=principal, session=auth_session)


def _require_customer(principal: Principal) -> uuid.UUID:
    if principal.customer_id is None:
        raise NotAuthenticatedError()
    return principal.customer_id


async def _revoke_sessions(
    session: AsyncSession, customer_id: uuid.UUID, reason: str, *, keep: uuid.UUID | None = None
) -> None:
    statement = update(AuthSession).where(
        col(AuthSession.customer_id) == customer_id, col(AuthSession.revoked_at).is_(None)
    )
    if keep is not None:
        statement = statement.where(col(AuthSession.id) != keep)
    await session.execute(statement.values(revoked_at=utcnow(), revoked_reason=reason))


revoke_all_sessions = _revoke_sessions


async def logout(rt: Runtime, principal: Principal) -> None:
    _require_customer(principal)
    async with rt.db.unit_of_work() as session:
        await session.execute(
            update(AuthSession)
            .where(col(AuthSession.id) == principal.session_id, col(AuthSession.revoked_at).is_(None))
            .values(revoked_at=utcnow(), revoked_reason="LOGOUT")
        )


async def list_sessions(rt: Runtime, principal: Principal) -> list[AuthSession]:
    customer_id = _require_customer(principal)
    async with rt.db.read() as session:
        found = await session.execute(
            select(AuthSession)
            .where(col(AuthSession.customer_id) == customer_id, col(AuthSession.revoked_at).is_(None))
            .order_by(col(AuthSession.last_seen_at).desc(), col(AuthSession.id).desc())
        )
        return [row for row in found.scalars() if _is_live(rt, row)]


async def revoke_session(rt: Runtime, principal: Principal, session_id: uuid.UUID | None) -> uuid.UUID:
    customer_id = _require_customer(principal)
    not_found = AccountError.one(AccountErrorCode.NOT_FOUND, "No such session.", ("sessionId",))
    if session_id is None:
        raise not_found
    async with rt.db.unit_of_work() as session:
        result = await session.execute(
            update(AuthSession)
            .where(
                col(AuthSession.id) == session_id,
                col(AuthSession.customer_id) == customer_id,  # another customer's session reads as not found
                col(AuthSession.revoked_at).is_(None),
            )
            .values(revoked_at=utcnow(), revoked_reason="REVOKED_BY_OWNER")
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            raise not_found
    return session_id


async def change_password(rt: Runtime, principal: Principal, *, current_password: str, new_password: str) -> None:
    customer_id = _require_customer(principal)
    async with rt.db.read() as session:
        customer = await session.get(Customer, customer_id)
    assert customer is not None
    if (
        not current_password
        or customer.password_hash is None
        or len(current_password) > MAX_PASSWORD_INPUT
        or not await rt.hasher.verify(customer.password_hash, current_password)
    ):
        raise AccountError.one(
            AccountErrorCode.INCORRECT_PASSWORD, "The current password is not correct.", ("currentPassword",)
        )
    errors: list[ErrorDetail] = []
    check_new_password(new_password, customer.email, ("newPassword",), errors)
    if errors:
        raise AccountError(*errors)
    if new_password == current_password:
        raise AccountError.one(
            AccountErrorCode.PASSWORD_UNCHANGED, "Choose a password different from the current one.", ("newPassword",)
        )
    new_hash = await rt.hasher.hash(new_password)
    async with rt.db.unit_of_work() as session:
        now = utcnow()
        await session.execute(
            update(Customer)
            .where(col(Customer.id) == customer_id)
            .values(password_hash=new_hash, password_changed_at=now, updated_at=now)
        )
        await _revoke_sessions(session, customer_id, "PASSWORD_CHANGED", keep=principal.session_id)
        _notify_password_changed(session, rt, customer)


def _notify_password_changed(session: AsyncSession, rt: Runtime, customer: Customer) -> None:
    values = {"name": display_name(customer), "link": f"{rt.settings.storefront_url}/forgot-password"}
    enqueue_email(session, rt.keyring, "password_changed", customer.email, values)


async def request_password_reset(rt: Runtime, *, email: str | None, phone: str | None) -> None:
    """Send a reset link (email) or code (SMS). The answer is the same whether or not the account exists."""
    errors: list[ErrorDetail] = []
    if bool(email and email.strip()) == bool(phone and phone.strip()):
        raise AccountError.one(AccountErrorCode.REQUIRED, "Send either an email address or a phone number.", ("email",))
    clean = clean_email(email, ("email",), errors) if email else clean_phone(phone, ("phone",), errors)
    if errors or clean is None:
        raise AccountError(*errors)
    settings = rt.settings
    async with rt.db.unit_of_work() as session:
        customer = await (customer_by_email(session, clean) if email else customer_by_phone(session, clean))
        if customer is None:
            return
        if await recently_issued(
            session, customer.id, VerificationPurpose.PASSWORD_RESET, settings.resend_cooldown_seconds
        ):
            return
        if email:
            token = await issue_link(
                session, rt, customer.id, VerificationPurpose.PASSWORD_RESET, settings.password_reset_ttl_minutes
            )
            values = {
                "name": display_name(customer),
                "link": f"{settings.storefront_url}/reset-password?token={token}",
                "valid_for": describe_minutes(settings.password_reset_ttl_minutes),
            }
            enqueue_email(session, rt.keyring, "password_reset", customer.email, values)
        else:
            code = await issue_code(
                session, rt, customer.id, VerificationPurpose.PASSWORD_RESET, settings.sms_code_ttl_minutes
            )
            values = {"code": code, "valid_for": describe_minutes(settings.sms_code_ttl_minutes)}
            enqueue_sms(session, rt.keyring, "password_reset_code", clean, values)


@dataclass(frozen=True)
class ResetInput:
    new_password: str
    token: str | None = None
    email: str | None = None
    phone: str | None = None
    code: str | None = None


async def reset_password(rt: Runtime, data: ResetInput) -> None:
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
    new_hash = await rt.hasher.hash(data.new_password)
    failure: ErrorDetail | None = None
    async with rt.db.unit_of_work() as session:
        if token:
            outcome = await consume_link(session, rt, VerificationPurpose.PASSWORD_RESET, token, ("token",))
            if isinstance(outcome, ErrorDetail):
                raise AccountError(outcome)
            customer = await session.get(Customer, outcome)
            proof = ActivationMode.EMAIL_LINK
        else:
            email, phone = _identifier(data.email, data.phone)
            customer = await _find(session, email, phone)
            failure = await consume_code(
                session, rt, VerificationPurpose.PASSWORD_RESET, customer.id if customer else None, code, ("code",)
            )
            proof = ActivationMode.SMS_CODE
        if failure is None:
            assert customer is not None
            check_new_password(data.new_password, customer.email, ("newPassword",), errors)
            if errors:
                raise AccountError(*errors)  # rolls back: the link or code stays usable
            await _apply_reset(session, rt, customer, new_hash, proof)
    if failure is not None:
        raise AccountError(failure)


async def _apply_reset(
    session: AsyncSession, rt: Runtime, customer: Customer, new_hash: str, proof: ActivationMode
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
    session.add(customer)
    await _revoke_sessions(session, customer.id, "PASSWORD_RESET")
    _notify_password_changed(session, rt, customer)
