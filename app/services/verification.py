"""Single-use secrets that prove control of an email address or phone: links and numeric codes.

Issuing a new one of a purpose revokes the customer's earlier ones. Checking runs inside the caller's
unit of work so the state change it unlocks commits together with "used"; a wrong code still counts
(callers commit, then raise the returned error).
"""

import uuid
from datetime import timedelta

from sqlalchemy import case, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.runtime import Runtime
from app.security.tokens import constant_time_equal, keyed_hash, new_link_token, new_numeric_code
from app.services.errors import AccountErrorCode, ErrorDetail
from models.auth import VerificationChannel, VerificationPurpose, VerificationToken
from models.base import utcnow


def _link_hash(rt: Runtime, purpose: VerificationPurpose, token: str) -> str:
    return keyed_hash(rt.settings.secret_key_bytes, "link", purpose.value, token)


def _code_hash(rt: Runtime, purpose: VerificationPurpose, customer_id: uuid.UUID, code: str) -> str:
    return keyed_hash(rt.settings.secret_key_bytes, "code", purpose.value, str(customer_id), code)


async def _revoke_active(session: AsyncSession, customer_id: uuid.UUID, purpose: VerificationPurpose) -> None:
    await session.execute(
        update(VerificationToken)
        .where(
            col(VerificationToken.customer_id) == customer_id,
            col(VerificationToken.purpose) == purpose,
            col(VerificationToken.used_at).is_(None),
            col(VerificationToken.revoked_at).is_(None),
        )
        .values(revoked_at=utcnow())
    )


async def recently_issued(
    session: AsyncSession, customer_id: uuid.UUID, purpose: VerificationPurpose, within_seconds: int
) -> bool:
    """Whether a secret of this purpose went out within the cool-down (resend spam protection)."""
    if within_seconds <= 0:
        return False
    since = utcnow() - timedelta(seconds=within_seconds)
    found = await session.execute(
        select(col(VerificationToken.id))
        .where(
            col(VerificationToken.customer_id) == customer_id,
            col(VerificationToken.purpose) == purpose,
            col(VerificationToken.created_at) > since,
        )
        .limit(1)
    )
    return found.first() is not None


async def issue_link(
    session: AsyncSession, rt: Runtime, customer_id: uuid.UUID, purpose: VerificationPurpose, ttl_minutes: int
) -> str:
    await _revoke_active(session, customer_id, purpose)
    token = new_link_token()
    session.add(
        VerificationToken(
            customer_id=customer_id,
            purpose=purpose,
            channel=VerificationChannel.EMAIL_LINK,
            secret_hash=_link_hash(rt, purpose, token),
            expires_at=utcnow() + timedelta(minutes=ttl_minutes),
        )
    )
    return token


async def issue_code(
    session: AsyncSession, rt: Runtime, customer_id: uuid.UUID, purpose: VerificationPurpose, ttl_minutes: int
) -> str:
    await _revoke_active(session, customer_id, purpose)
    code = new_numeric_code()
    session.add(
        VerificationToken(
            customer_id=customer_id,
            purpose=purpose,
            channel=VerificationChannel.SMS_CODE,
            secret_hash=_code_hash(rt, purpose, customer_id, code),
            expires_at=utcnow() + timedelta(minutes=ttl_minutes),
        )
    )
    return code


async def _mark_used(session: AsyncSession, token_id: uuid.UUID) -> bool:
    result = await session.execute(
        update(VerificationToken)
        .where(
            col(VerificationToken.id) == token_id,
            col(VerificationToken.used_at).is_(None),
            col(VerificationToken.revoked_at).is_(None),
        )
        .values(used_at=utcnow())
    )
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


async def consume_link(
    session: AsyncSession, rt: Runtime, purpose: VerificationPurpose, token: str, field: tuple[str, ...]
) -> uuid.UUID | ErrorDetail:
    """The customer the link belongs to, marked used; or why it cannot be used."""
    found = await session.execute(
        select(VerificationToken).where(
            col(VerificationToken.secret_hash) == _link_hash(rt, purpose, token),
            col(VerificationToken.purpose) == purpose,
            col(VerificationToken.channel) == VerificationChannel.EMAIL_LINK,
        )
    )
    row = found.scalars().first()
    if row is None or row.used_at is not None or row.revoked_at is not None:
        return ErrorDetail(AccountErrorCode.INVALID_TOKEN, "This link is invalid or was already used.", field)
    if row.expires_at <= utcnow():
        return ErrorDetail(AccountErrorCode.TOKEN_EXPIRED, "This link has expired; ask for a new one.", field)
    if not await _mark_used(session, row.id):
        return ErrorDetail(AccountErrorCode.INVALID_TOKEN, "This link is invalid or was already used.", field)
    return row.customer_id


async def consume_code(
    session: AsyncSession,
    rt: Runtime,
    purpose: VerificationPurpose,
    customer_id: uuid.UUID | None,
    code: str,
    field: tuple[str, ...],
) -> ErrorDetail | None:
    """None when the code is right (and now used); otherwise the error, with the wrong try counted.

    An unknown account, or one without a live code, does what a wrong code does (one select, one hash,
    one update that matches nothing): the answer is the same, so the work must be too, or its timing
    would tell who has an account. Expiry is only told to whoever has the right code, for the same reason.
    """
    invalid = ErrorDetail(AccountErrorCode.INVALID_CODE, "The code is not correct.", field)
    owner = customer_id or uuid.uuid4()
    found = await session.execute(
        select(VerificationToken)
        .where(
            col(VerificationToken.customer_id) == owner,
            col(VerificationToken.purpose) == purpose,
            col(VerificationToken.channel) == VerificationChannel.SMS_CODE,
            col(VerificationToken.used_at).is_(None),
            col(VerificationToken.revoked_at).is_(None),
        )
        .order_by(col(VerificationToken.created_at).desc())
        .limit(1)
    )
    row = found.scalars().first()
    tried = _code_hash(rt, purpose, owner, code.strip())
    if row is not None and constant_time_equal(row.secret_hash, tried):
        if row.expires_at <= utcnow():
            return ErrorDetail(AccountErrorCode.TOKEN_EXPIRED, "The code has expired; ask for a new one.", field)
        if await _mark_used(session, row.id):
            return None
        return invalid
    # One atomic update counts the try and revokes at the limit: concurrent wrong codes cannot slip
    # past it, and a code already revoked (exhausted or superseded) stays revoked.
    limit = rt.settings.code_max_attempts
    counted = await session.execute(
        update(VerificationToken)
        .where(
            col(VerificationToken.id) == (row.id if row is not None else uuid.uuid4()),
            col(VerificationToken.revoked_at).is_(None),
        )
        .values(
            attempts=col(VerificationToken.attempts) + 1,
            revoked_at=case((col(VerificationToken.attempts) + 1 >= limit, utcnow()), else_=None),
        )
        .returning(col(VerificationToken.attempts))
    )
    attempts = counted.scalar_one_or_none()
    if row is None:
        return invalid
    exhausted = attempts is None or attempts >= limit
    if exhausted:
        return ErrorDetail(AccountErrorCode.TOO_MANY_ATTEMPTS, "Too many wrong codes; ask for a new code.", field)
    return invalid
