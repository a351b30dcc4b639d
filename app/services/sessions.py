"""Sign-in and sessions: login (throttled and audited), bearer-token authentication, sign-out."""

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import load_only
from sqlmodel import col

from app import metrics
from app.db import mark_sessions_changed
from app.links import Route, storefront_link
from app.principal import Principal
from app.runtime import RequestMeta, Runtime
from app.security.tokens import new_session_token, sha256_hex
from app.services import abuse, audit, messages, two_factor
from app.services.customer_queries import customer_by_identifier, display_name, identifier_text, parse_identifier
from app.services.errors import AccountError, AccountErrorCode, NotAuthenticatedError
from app.templates import MessageValue, Minutes
from models.auth import AuthSession
from models.base import utcnow
from models.customer import Customer, CustomerRole, CustomerStatus, Role
from models.security import SecurityEventOutcome, SecurityEventType

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
    device_token: str | None = None


@dataclass(frozen=True)
class Authenticated:
    principal: Principal
    session: AuthSession


def rowcount(result: Any) -> int:
    return int(cast(CursorResult[Any], result).rowcount)


def _invalid_credentials() -> AccountError:
    return AccountError.one(AccountErrorCode.INVALID_CREDENTIALS, "The sign-in details are not correct.", None)


async def login(
    rt: Runtime,
    meta: RequestMeta,
    *,
    email: str | None,
    phone: str | None,
    password: str,
    device_token: str | None = None,
) -> SignedIn | two_factor.Challenge:
    """A session, or, when the account has two-factor authentication on, a challenge to answer first."""
    email, phone = parse_identifier(email, phone)
    if not password:
        raise AccountError.one(AccountErrorCode.REQUIRED, "Enter your password.", ("password",))
    tried = audit.identifier_hash(rt, identifier_text(email, phone))
    policies = rt.throttle.policies
    async with rt.db.read() as session:
        customer = await customer_by_identifier(session, rt.fields, email, phone)
    customer_id = customer.id if customer is not None else None

    # A burst beyond what hashing can queue is answered "busy, retry" before it counts as an attempt.
    rt.hasher.ensure_capacity()
    # Counted before the password is checked: concurrent (aliased) attempts each use one try.
    by_address = await rt.throttle.attempt(policies.sign_in_per_address, abuse.address(meta))
    by_account = await rt.throttle.attempt(policies.sign_in_per_account, tried) if by_address.allowed else by_address
    if not by_account.allowed:
        await audit.record_alone(
            rt,
            meta,
            SecurityEventType.SIGN_IN,
            SecurityEventOutcome.BLOCKED,
            customer_id=customer_id,
            identifier=tried,
            reason="THROTTLED",
        )
        metrics.record_sign_in("blocked")
        raise abuse.throttled(by_account)

    if customer is None or customer.password_hash is None or len(password) > MAX_PASSWORD_INPUT:
        await rt.hasher.verify_dummy(password[:MAX_PASSWORD_INPUT])  # as slow as a wrong password
        await _failed(
            rt,
            meta,
            customer,
            tried,
            "UNKNOWN_ACCOUNT" if customer is None else "WRONG_PASSWORD",
            by_account.locked_now,
        )
        raise _invalid_credentials()
    if not await rt.hasher.verify(customer.password_hash, password):
        await _failed(rt, meta, customer, tried, "WRONG_PASSWORD", by_account.locked_now)
        raise _invalid_credentials()
    await rt.throttle.reset(policies.sign_in_per_account, tried)
    if customer.status in STATUS_ERRORS:
        code, message = STATUS_ERRORS[customer.status]
        await audit.record_alone(
            rt,
            meta,
            SecurityEventType.SIGN_IN,
            SecurityEventOutcome.FAILURE,
            customer_id=customer.id,
            identifier=tried,
            reason=customer.status.value,
        )
        metrics.record_sign_in("account_not_active")
        raise AccountError.one(code, message, None)
    async with rt.db.unit_of_work() as session:
        needs_second_factor = await two_factor.is_enabled(session, customer.id)
        if needs_second_factor:
            device = await two_factor.trusted_device(session, customer.id, device_token)
            if device is not None:
                device.last_used_at = utcnow()
                session.add(device)
                needs_second_factor = False
    if needs_second_factor:
        challenge = await two_factor.open_challenge(rt, meta, customer)
        metrics.record_sign_in("two_factor_required")
        return challenge
    signed_in = await _open_session(rt, meta, customer, tried, password=password)
    metrics.record_sign_in("success")
    return signed_in


async def complete_two_factor_login(
    rt: Runtime,
    meta: RequestMeta,
    challenge_id: uuid.UUID | None,
    *,
    code: str | None,
    recovery_code: str | None,
    trust_device: bool,
) -> SignedIn:
    try:
        passed = await two_factor.pass_challenge(
            rt, meta, challenge_id, code=code, recovery_code=recovery_code, trust_device=trust_device
        )
    except AccountError:
        metrics.record_sign_in("two_factor_failed")
        raise
    if passed.customer.status is not CustomerStatus.ACTIVE:  # suspended while the challenge was open
        raise AccountError.one(AccountErrorCode.ACCOUNT_SUSPENDED, "This account is suspended; contact support.", None)
    signed_in = await _open_session(rt, meta, passed.customer, None, second_factor=True)
    metrics.record_sign_in("two_factor_success")
    return SignedIn(signed_in.token, signed_in.session, signed_in.customer, passed.device_token)


async def _failed(
    rt: Runtime, meta: RequestMeta, customer: Customer | None, tried: str, reason: str, locked: bool
) -> None:
    """Record a failed sign-in; when it locked an existing account, record that and tell the owner."""
    metrics.record_sign_in("unknown_account" if reason == "UNKNOWN_ACCOUNT" else "wrong_password")
    async with rt.db.unit_of_work() as session:
        customer_id = customer.id if customer else None
        audit.record(
            session,
            meta,
            SecurityEventType.SIGN_IN,
            SecurityEventOutcome.FAILURE,
            customer_id=customer_id,
            identifier=tried,
            reason=reason,
        )
        if locked and customer is not None:
            audit.record(session, meta, SecurityEventType.ACCOUNT_LOCKED, customer_id=customer.id, identifier=tried)
            values: dict[str, MessageValue] = {
                "name": display_name(customer),
                "minutes": Minutes(rt.settings.lockout_minutes),
                "link": storefront_link(rt.settings, Route.FORGOT_PASSWORD),
            }
            await messages.email(session, rt, "account_locked", customer.email, values, customer_id=customer.id)


async def _open_session(
    rt: Runtime,
    meta: RequestMeta,
    customer: Customer,
    tried: str | None,
    *,
    password: str | None = None,
    second_factor: bool = False,
) -> SignedIn:
    rehash = (
        password is not None and customer.password_hash is not None and rt.hasher.needs_rehash(customer.password_hash)
    )
    new_hash = await rt.hasher.hash(password) if rehash and password is not None else None
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
        verified_at=now,
        second_factor_at=now if second_factor else None,
    )
    async with rt.db.unit_of_work() as session:
        # The password checked above must still be the account's, and the account still active: a reset,
        # password change or suspension that committed meanwhile would otherwise miss this new session.
        current = await session.execute(
            select(col(Customer.password_hash), col(Customer.status))
            .where(col(Customer.id) == customer.id)
            .with_for_update()
        )
        row = current.first()
        if row is None or row[0] != customer.password_hash or row[1] is not CustomerStatus.ACTIVE:
            raise _invalid_credentials()
        session.add(auth_session)
        if new_hash is not None:
            await session.execute(
                update(Customer)
                .where(col(Customer.id) == customer.id, col(Customer.password_hash) == customer.password_hash)
                .values(password_hash=new_hash)
            )
        audit.record(
            session,
            meta,
            SecurityEventType.SIGN_IN,
            customer_id=customer.id,
            identifier=tried,
            detail="second factor" if second_factor else None,
        )
    return SignedIn(token=token, session=auth_session, customer=customer)


def session_expiry(rt: Runtime, auth_session: AuthSession) -> datetime:
    return auth_session.ends_at(timedelta(minutes=rt.settings.session_idle_timeout_minutes))


def _is_live(rt: Runtime, auth_session: AuthSession) -> bool:
    return auth_session.revoked_at is None and session_expiry(rt, auth_session) > utcnow()


# What authenticate loads of a session: what it checks, and what callers read of Authenticated.session
# (id, created_at, verified_at). Reading any other column of that object raises (it is detached).
_SESSION_FIELDS = (
    "customer_id",
    "token_hash",
    "created_at",
    "last_seen_at",
    "expires_at",
    "revoked_at",
    "verified_at",
)
# A bearer token's session with its customer's status and roles, in one statement (every signed-in request
# runs it): one row per role, or one with role NULL.
_SESSION_STATUS_ROLES = (
    select(AuthSession, col(Customer.status), col(CustomerRole.role))
    .join(Customer, col(Customer.id) == col(AuthSession.customer_id))
    .outerjoin(CustomerRole, col(CustomerRole.customer_id) == col(AuthSession.customer_id))
    .options(load_only(*(getattr(AuthSession, name) for name in _SESSION_FIELDS)))
)


async def authenticate(rt: Runtime, token: str) -> Authenticated | None:
    """The principal behind a bearer token, or None when it is unknown, expired or revoked."""
    if not token or len(token) > 200:
        return None
    return (await _authenticate_hashes(rt, [sha256_hex(token)]))[0]


async def _authenticate_hashes(rt: Runtime, token_hashes: list[str]) -> list[Authenticated | None]:
    """`authenticate` for sessions by token hash, in one statement however many there are."""
    async with rt.db.read() as session:
        statement = _SESSION_STATUS_ROLES.where(
            col(AuthSession.token_hash).in_(token_hashes)
            if len(token_hashes) > 1
            else col(AuthSession.token_hash) == token_hashes[0]
        )
        rows = (await session.execute(statement)).all()
    found: dict[str, tuple[AuthSession, CustomerStatus, set[Role]]] = {}
    for auth_session, status, role in rows:
        _, _, roles = found.setdefault(auth_session.token_hash, (auth_session, status, set()))
        if role is not None:
            roles.add(role)
    now = utcnow()
    answers: list[Authenticated | None] = []
    seen: list[AuthSession] = []
    for token_hash in token_hashes:
        entry = found.get(token_hash)
        if entry is None or not _is_live(rt, entry[0]) or entry[1] is not CustomerStatus.ACTIVE:
            answers.append(None)
            continue
        auth_session, _, roles = entry
        if now - auth_session.last_seen_at > LAST_SEEN_RESOLUTION:
            seen.append(auth_session)
        principal = Principal(customer_id=auth_session.customer_id, session_id=auth_session.id, roles=frozenset(roles))
        answers.append(Authenticated(principal=principal, session=auth_session))
    if seen:
        async with rt.db.unit_of_work() as session:
            await session.execute(
                update(AuthSession).where(col(AuthSession.id).in_([row.id for row in seen])).values(last_seen_at=now)
            )
        for auth_session in seen:
            auth_session.last_seen_at = now
    return answers


async def authenticate_remembered(rt: Runtime, token: str) -> Authenticated | None:
    """`authenticate`, remembered between the events a long-lived connection receives: asked of the
    database again once the session would expire, or at once when its account's sessions change
    (app/security/session_cache.py). Sessions not remembered yet that are asked for at the same moment
    (the first event after the memory was cleared, to ten thousand subscribers) are looked up together.
    Unlike a request, an event delivered does not count as the session being used: a subscription alone
    does not keep an idle session alive."""
    if not token or len(token) > 200:
        return None
    token_hash = sha256_hex(token)
    cache = rt.session_cache
    remembered: Authenticated | None = cache.get(token_hash)
    if remembered is not None:
        return remembered
    return cast("Authenticated | None", await cache.look_up(token_hash, lambda hashes: _remember(rt, hashes)))


async def _remember(rt: Runtime, token_hashes: list[str]) -> list[Authenticated | None]:
    generation = rt.session_cache.generation
    answers = await _authenticate_hashes(rt, token_hashes)
    for token_hash, authenticated in zip(token_hashes, answers, strict=True):
        if authenticated is not None and authenticated.principal.customer_id is not None:
            expires_at = session_expiry(rt, authenticated.session)
            rt.session_cache.put(
                token_hash,
                authenticated,
                authenticated.principal.customer_id,
                authenticated.session.id,
                expires_at,
                generation,
            )
    return answers


def require_customer(principal: Principal) -> uuid.UUID:
    if principal.customer_id is None:
        raise NotAuthenticatedError()
    return principal.customer_id


async def revoke_all_sessions(
    session: AsyncSession, customer_id: uuid.UUID, reason: str, *, keep: uuid.UUID | None = None
) -> None:
    statement = update(AuthSession).where(
        col(AuthSession.customer_id) == customer_id, col(AuthSession.revoked_at).is_(None)
    )
    if keep is not None:
        statement = statement.where(col(AuthSession.id) != keep)
    await session.execute(statement.values(revoked_at=utcnow(), revoked_reason=reason))
    mark_sessions_changed(session, customer_id)


async def logout(rt: Runtime, principal: Principal, meta: RequestMeta) -> None:
    customer_id = require_customer(principal)
    async with rt.db.unit_of_work() as session:
        await session.execute(
            update(AuthSession)
            .where(col(AuthSession.id) == principal.session_id, col(AuthSession.revoked_at).is_(None))
            .values(revoked_at=utcnow(), revoked_reason="LOGOUT")
        )
        mark_sessions_changed(session, customer_id)
        audit.record(session, meta, SecurityEventType.SIGN_OUT, customer_id=customer_id)


async def list_sessions(rt: Runtime, principal: Principal) -> list[AuthSession]:
    customer_id = require_customer(principal)
    async with rt.db.read() as session:
        found = await session.execute(
            select(AuthSession)
            .where(col(AuthSession.customer_id) == customer_id, col(AuthSession.revoked_at).is_(None))
            .order_by(col(AuthSession.last_seen_at).desc(), col(AuthSession.id).desc())
        )
        return [row for row in found.scalars() if _is_live(rt, row)]


async def revoke_session(
    rt: Runtime, principal: Principal, meta: RequestMeta, session_id: uuid.UUID | None
) -> uuid.UUID:
    customer_id = require_customer(principal)
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
        if rowcount(result) != 1:
            raise not_found
        mark_sessions_changed(session, customer_id)
        audit.record(session, meta, SecurityEventType.SESSION_REVOKED, customer_id=customer_id, detail=str(session_id))
    return session_id
