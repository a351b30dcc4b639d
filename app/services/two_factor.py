"""Two-factor authentication: TOTP enrolment, recovery codes, sign-in challenges, trusted devices, step-up."""

import base64
import io
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import pyotp
import qrcode
import qrcode.image.svg
from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.principal import Principal
from app.runtime import RequestMeta, Runtime
from app.security.tokens import (
    constant_time_equal,
    keyed_hash,
    new_device_token,
    new_numeric_code,
    new_recovery_code,
    normalize_recovery_code,
    sha256_hex,
)
from app.services import abuse, audit, messages, risk
from app.services.customer_queries import lock_customer
from app.services.errors import AccountError, AccountErrorCode, NotAuthenticatedError
from app.templates import MessageValue, Minutes
from models.auth import AuthSession
from models.base import utcnow
from models.customer import Customer
from models.security import SecurityEventOutcome, SecurityEventType
from models.two_factor import ChallengeMethod, RecoveryCode, TotpCredential, TrustedDevice, TwoFactorChallenge

RECOVERY_CODE_COUNT = 10
MAX_PASSWORD_INPUT = 1024
TOTP_WINDOW = 1  # accept the previous and the next 30-second code as well, for clock drift


@dataclass(frozen=True)
class TotpSetup:
    secret: str
    otpauth_uri: str
    qr_code_svg: str


@dataclass(frozen=True)
class Challenge:
    id: uuid.UUID
    methods: list[ChallengeMethod]
    expires_at: datetime


def _secret_context(customer_id: uuid.UUID) -> str:
    return f"totp:{customer_id}"


def _code_hash(rt: Runtime, challenge_id: uuid.UUID, code: str) -> str:
    return keyed_hash(rt.settings.secret_key_bytes, "2fa-code", str(challenge_id), code)


def _recovery_hash(rt: Runtime, customer_id: uuid.UUID, code: str) -> str:
    return keyed_hash(rt.settings.secret_key_bytes, "recovery", str(customer_id), normalize_recovery_code(code))


def _require(principal: Principal) -> uuid.UUID:
    if principal.customer_id is None:
        raise NotAuthenticatedError()
    return principal.customer_id


def _wrong_code(field: str = "code") -> AccountError:
    return AccountError.one(AccountErrorCode.INVALID_CODE, "The code is not correct.", (field,))


def matching_step(secret: str, code: str, now: datetime) -> int | None:
    """The 30-second step whose TOTP code this is (within the drift window), or None."""
    code = code.strip().replace(" ", "")
    if not code.isdigit() or len(code) != 6:
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(now)
    for step in range(current - TOTP_WINDOW, current + TOTP_WINDOW + 1):
        if constant_time_equal(totp.generate_otp(step), code):
            return step
    return None


async def _credential(session: AsyncSession, customer_id: uuid.UUID) -> TotpCredential | None:
    return await session.get(TotpCredential, customer_id)


async def is_enabled(session: AsyncSession, customer_id: uuid.UUID) -> bool:
    credential = await _credential(session, customer_id)
    return credential is not None and credential.confirmed_at is not None


async def recovery_codes_left(session: AsyncSession, customer_id: uuid.UUID) -> int:
    found = await session.execute(
        select(col(RecoveryCode.id)).where(
            col(RecoveryCode.customer_id) == customer_id, col(RecoveryCode.used_at).is_(None)
        )
    )
    return len(found.all())


def _qr_svg(uri: str) -> str:
    image = qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=2)
    buffer = io.BytesIO()
    image.save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()


async def enable_totp(rt: Runtime, principal: Principal, meta: RequestMeta) -> TotpSetup:
    """Start enrolment: a new secret, not active until confirmed with a code from the authenticator."""
    customer_id = _require(principal)
    secret = pyotp.random_base32()
    async with rt.db.unit_of_work() as session:
        await lock_customer(session, customer_id)  # one credential row and one set of recovery codes
        credential = await _credential(session, customer_id)
        if credential is not None and credential.confirmed_at is not None:
            raise AccountError.one(
                AccountErrorCode.TWO_FACTOR_ALREADY_ENABLED, "Two-factor authentication is already on.", None
            )
        customer = await session.get(Customer, customer_id)
        assert customer is not None
        sealed = rt.keyring.encrypt(secret, context=_secret_context(customer_id))
        if credential is None:
            session.add(TotpCredential(customer_id=customer_id, secret_encrypted=sealed))
        else:
            credential.secret_encrypted = sealed
            credential.created_at = utcnow()
            session.add(credential)
    uri = pyotp.TOTP(secret).provisioning_uri(name=customer.email, issuer_name=rt.settings.totp_issuer)
    return TotpSetup(secret=secret, otpauth_uri=uri, qr_code_svg=_qr_svg(uri))


async def _new_recovery_codes(session: AsyncSession, rt: Runtime, customer_id: uuid.UUID) -> list[str]:
    await session.execute(delete(RecoveryCode).where(col(RecoveryCode.customer_id) == customer_id))
    codes = [new_recovery_code() for _ in range(RECOVERY_CODE_COUNT)]
    for code in codes:
        session.add(RecoveryCode(customer_id=customer_id, code_hash=_recovery_hash(rt, customer_id, code)))
    return codes


async def guard_codes(rt: Runtime, meta: RequestMeta, customer_id: uuid.UUID) -> None:
    await abuse.guard_codes(rt, meta, f"customer:{customer_id}")


async def confirm_totp(rt: Runtime, principal: Principal, meta: RequestMeta, code: str) -> list[str]:
    """Switch TOTP on with a first code; returns the recovery codes, shown this once."""
    customer_id = _require(principal)
    await guard_codes(rt, meta, customer_id)
    async with rt.db.unit_of_work() as session:
        await lock_customer(session, customer_id)
        credential = await _credential(session, customer_id)
        if credential is None:
            raise AccountError.one(AccountErrorCode.TWO_FACTOR_SETUP_NOT_STARTED, "Start with enableTotp first.", None)
        if credential.confirmed_at is not None:
            raise AccountError.one(
                AccountErrorCode.TWO_FACTOR_ALREADY_ENABLED, "Two-factor authentication is already on.", None
            )
        secret = rt.keyring.decrypt(credential.secret_encrypted, context=_secret_context(customer_id))
        step = matching_step(secret, code, utcnow())
        if step is None:
            raise _wrong_code()
        credential.confirmed_at = utcnow()
        credential.last_used_step = step
        session.add(credential)
        codes = await _new_recovery_codes(session, rt, customer_id)
        await _mark_session_verified(session, principal, second_factor=True)
        audit.record(session, meta, SecurityEventType.TWO_FACTOR_ENABLED, customer_id=customer_id)
    return codes


async def _mark_session_verified(session: AsyncSession, principal: Principal, *, second_factor: bool) -> None:
    if principal.session_id is None:
        return
    now = utcnow()
    values: dict[str, datetime] = {"verified_at": now}
    if second_factor:
        values["second_factor_at"] = now
    await session.execute(update(AuthSession).where(col(AuthSession.id) == principal.session_id).values(**values))


async def verify_totp(session: AsyncSession, rt: Runtime, customer_id: uuid.UUID, code: str) -> bool:
    """Check a code of an enabled credential and consume its step (a replayed code is refused)."""
    credential = await _credential(session, customer_id)
    if credential is None or credential.confirmed_at is None:
        return False
    secret = rt.keyring.decrypt(credential.secret_encrypted, context=_secret_context(customer_id))
    step = matching_step(secret, code, utcnow())
    if step is None:
        return False
    # Conditional update: of two concurrent uses of one code, only one wins.
    result = await session.execute(
        update(TotpCredential)
        .where(col(TotpCredential.customer_id) == customer_id, col(TotpCredential.last_used_step) < step)
        .values(last_used_step=step)
    )
    return bool(getattr(result, "rowcount", 0) == 1)


async def use_recovery_code(session: AsyncSession, rt: Runtime, customer_id: uuid.UUID, code: str) -> bool:
    result = await session.execute(
        update(RecoveryCode)
        .where(
            col(RecoveryCode.customer_id) == customer_id,
            col(RecoveryCode.code_hash) == _recovery_hash(rt, customer_id, code),
            col(RecoveryCode.used_at).is_(None),
        )
        .values(used_at=utcnow())
    )
    return bool(getattr(result, "rowcount", 0) == 1)


async def password_matches(rt: Runtime, customer_id: uuid.UUID, password: str | None) -> bool:
    if not password or len(password) > MAX_PASSWORD_INPUT:
        return False
    async with rt.db.read() as session:
        customer = await session.get(Customer, customer_id)
    return bool(customer and customer.password_hash and await rt.hasher.verify(customer.password_hash, password))


def require_recent_verification(rt: Runtime, auth_session: AuthSession | None) -> None:
    """Sensitive changes need the password or a second factor proven recently in this session."""
    proven = auth_session.verified_at if auth_session is not None else None
    if proven is None or utcnow() - proven > timedelta(minutes=rt.settings.step_up_minutes):
        raise AccountError.one(
            AccountErrorCode.STEP_UP_REQUIRED,
            "Confirm it is you first: call stepUp with your password or a two-factor code.",
            None,
        )


async def regenerate_recovery_codes(
    rt: Runtime, principal: Principal, meta: RequestMeta, auth_session: AuthSession | None
) -> list[str]:
    customer_id = _require(principal)
    require_recent_verification(rt, auth_session)
    async with rt.db.unit_of_work() as session:
        await lock_customer(session, customer_id)
        if not await is_enabled(session, customer_id):
            raise AccountError.one(AccountErrorCode.TWO_FACTOR_NOT_ENABLED, "Two-factor authentication is off.", None)
        codes = await _new_recovery_codes(session, rt, customer_id)
        audit.record(session, meta, SecurityEventType.RECOVERY_CODES_REGENERATED, customer_id=customer_id)
    return codes


async def switch_off(session: AsyncSession, customer_id: uuid.UUID) -> None:
    """What "two-factor authentication off" means: no TOTP credential, no recovery codes, no trusted device."""
    await session.execute(delete(TotpCredential).where(col(TotpCredential.customer_id) == customer_id))
    await session.execute(delete(RecoveryCode).where(col(RecoveryCode.customer_id) == customer_id))
    await session.execute(
        update(TrustedDevice)
        .where(col(TrustedDevice.customer_id) == customer_id, col(TrustedDevice.revoked_at).is_(None))
        .values(revoked_at=utcnow())
    )


async def disable_totp(
    rt: Runtime,
    principal: Principal,
    meta: RequestMeta,
    *,
    code: str | None,
    password: str | None,
    auth_session: AuthSession | None = None,
) -> None:
    """Switch 2FA off: needs a current code or the password, given here."""
    customer_id = _require(principal)
    if not code and not password:
        raise AccountError.one(AccountErrorCode.REQUIRED, "Send a current two-factor code or your password.", ("code",))
    await guard_codes(rt, meta, customer_id)
    password_ok = await password_matches(rt, customer_id, password)
    decision = await risk.assess(rt, meta, customer_id, auth_session, "TWO_FACTOR_DISABLE")
    if decision.outcome in (risk.RiskOutcome.HOLD, risk.RiskOutcome.REFUSE):
        await audit.record_alone(
            rt,
            meta,
            SecurityEventType.TWO_FACTOR_DISABLED,
            SecurityEventOutcome.BLOCKED,
            customer_id=customer_id,
            reason=decision.outcome.value,
        )
        raise AccountError.one(
            AccountErrorCode.CHANGE_REFUSED,
            "Two-factor authentication cannot be switched off from here right now; contact support.",
            None,
        )
    failed = False
    async with rt.db.unit_of_work() as session:
        if not await is_enabled(session, customer_id):
            raise AccountError.one(AccountErrorCode.TWO_FACTOR_NOT_ENABLED, "Two-factor authentication is off.", None)
        if not password_ok and not (code and await verify_totp(session, rt, customer_id, code)):
            audit.record(
                session,
                meta,
                SecurityEventType.TWO_FACTOR_DISABLED,
                SecurityEventOutcome.FAILURE,
                customer_id=customer_id,
                reason="NOT_VERIFIED",
            )
            failed = True
        else:
            await switch_off(session, customer_id)
            audit.record(session, meta, SecurityEventType.TWO_FACTOR_DISABLED, customer_id=customer_id)
    if failed:
        raise AccountError.one(
            AccountErrorCode.INVALID_CODE, "The code or password is not correct.", ("code" if code else "password",)
        )


async def step_up(
    rt: Runtime, principal: Principal, meta: RequestMeta, *, password: str | None, code: str | None
) -> datetime:
    """Prove it is you again (password, TOTP or recovery code); returns until when that counts."""
    customer_id = _require(principal)
    if not password and not code:
        raise AccountError.one(AccountErrorCode.REQUIRED, "Send your password or a two-factor code.", ("password",))
    await guard_codes(rt, meta, customer_id)
    password_ok = await password_matches(rt, customer_id, password)
    ok = password_ok
    async with rt.db.unit_of_work() as session:
        second_factor = False
        if not ok and code:
            second_factor = await verify_totp(session, rt, customer_id, code) or await use_recovery_code(
                session, rt, customer_id, code
            )
            ok = second_factor
        audit.record(
            session,
            meta,
            SecurityEventType.STEP_UP,
            SecurityEventOutcome.SUCCESS if ok else SecurityEventOutcome.FAILURE,
            customer_id=customer_id,
        )
        if ok:
            await _mark_session_verified(session, principal, second_factor=second_factor)
    if not ok:
        raise AccountError.one(
            AccountErrorCode.INVALID_CREDENTIALS, "The password or code is not correct.", ("password",)
        )
    return utcnow() + timedelta(minutes=rt.settings.step_up_minutes)


# --- Sign-in challenges ------------------------------------------------------------------------------


async def trusted_device(session: AsyncSession, customer_id: uuid.UUID, token: str | None) -> TrustedDevice | None:
    if not token or len(token) > 200:
        return None
    found = await session.execute(
        select(TrustedDevice).where(
            col(TrustedDevice.token_hash) == sha256_hex(token),
            col(TrustedDevice.customer_id) == customer_id,
            col(TrustedDevice.revoked_at).is_(None),
            col(TrustedDevice.expires_at) > utcnow(),
        )
    )
    return found.scalars().first()


def available_methods(customer: Customer) -> list[ChallengeMethod]:
    methods = [ChallengeMethod.TOTP, ChallengeMethod.RECOVERY_CODE, ChallengeMethod.EMAIL_CODE]
    if customer.phone_encrypted and customer.phone_verified_at is not None:
        methods.append(ChallengeMethod.SMS_CODE)
    return methods


async def open_challenge(rt: Runtime, meta: RequestMeta, customer: Customer) -> Challenge:
    expires_at = utcnow() + timedelta(minutes=rt.settings.two_factor_challenge_minutes)
    challenge = TwoFactorChallenge(
        customer_id=customer.id,
        expires_at=expires_at,
        ip_address=meta.ip_address,
        user_agent=(meta.user_agent or "")[:512] or None,
    )
    async with rt.db.unit_of_work() as session:
        session.add(challenge)
        audit.record(session, meta, SecurityEventType.TWO_FACTOR_CHALLENGE, customer_id=customer.id)
    return Challenge(id=challenge.id, methods=available_methods(customer), expires_at=expires_at)


async def close_challenges(session: AsyncSession, customer_id: uuid.UUID) -> None:
    """End open sign-in challenges: they were opened with a password that is no longer the account's."""
    await session.execute(
        update(TwoFactorChallenge)
        .where(
            col(TwoFactorChallenge.customer_id) == customer_id,
            col(TwoFactorChallenge.completed_at).is_(None),
            col(TwoFactorChallenge.failed_at).is_(None),
        )
        .values(failed_at=utcnow())
    )


async def _live_challenge(session: AsyncSession, challenge_id: uuid.UUID | None) -> TwoFactorChallenge:
    challenge = await session.get(TwoFactorChallenge, challenge_id) if challenge_id else None
    if challenge is None or challenge.completed_at is not None or challenge.failed_at is not None:
        raise AccountError.one(
            AccountErrorCode.CHALLENGE_NOT_FOUND, "This sign-in is no longer valid; sign in again.", ("challengeId",)
        )
    if challenge.expires_at <= utcnow():
        raise AccountError.one(
            AccountErrorCode.CHALLENGE_EXPIRED, "This sign-in took too long; sign in again.", ("challengeId",)
        )
    return challenge


async def send_challenge_code(
    rt: Runtime, meta: RequestMeta, challenge_id: uuid.UUID | None, method: ChallengeMethod
) -> None:
    """Send a one-time code by email or SMS for a pending sign-in, instead of the authenticator app."""
    async with rt.db.read() as session:
        challenge = await _live_challenge(session, challenge_id)
        customer = await session.get(Customer, challenge.customer_id)
    assert customer is not None
    if method not in (ChallengeMethod.EMAIL_CODE, ChallengeMethod.SMS_CODE) or method not in available_methods(
        customer
    ):
        raise AccountError.one(
            AccountErrorCode.METHOD_NOT_AVAILABLE, "This method cannot be used for this account.", ("method",)
        )
    await abuse.guard_messages(rt, meta, f"customer:{customer.id}")
    code = new_numeric_code()
    minutes = rt.settings.two_factor_challenge_minutes
    async with rt.db.unit_of_work() as session:
        await session.execute(
            update(TwoFactorChallenge)
            .where(col(TwoFactorChallenge.id) == challenge.id)
            .values(sent_code_hash=_code_hash(rt, challenge.id, code), sent_code_method=method)
        )
        if method is ChallengeMethod.EMAIL_CODE:
            values: dict[str, MessageValue] = {
                "name": customer.first_name or "",
                "code": code,
                "valid_for": Minutes(minutes),
            }
            await messages.email(session, rt, "sign_in_code", customer.email, values, customer_id=customer.id)
        else:
            phone = rt.fields.open_phone(customer.id, customer.phone_encrypted)
            assert phone is not None
            await messages.sms(
                session,
                rt,
                "sign_in_code",
                phone,
                {"code": code, "valid_for": Minutes(minutes)},
                customer_id=customer.id,
            )


@dataclass(frozen=True)
class PassedChallenge:
    customer: Customer
    device_token: str | None


async def pass_challenge(
    rt: Runtime,
    meta: RequestMeta,
    challenge_id: uuid.UUID | None,
    *,
    code: str | None,
    recovery_code: str | None,
    trust_device: bool,
) -> PassedChallenge:
    """Check the second factor of a pending sign-in. Wrong codes count; the challenge dies at the limit."""
    if bool(code and code.strip()) == bool(recovery_code and recovery_code.strip()):
        raise AccountError.one(AccountErrorCode.REQUIRED, "Send either a code or a recovery code.", ("code",))
    async with rt.db.read() as session:
        pending = await _live_challenge(session, challenge_id)
    # Each challenge allows a few tries, and the account as a whole a few per hour: new challenges
    # (the attacker knows the password) do not buy more guesses at the second factor.
    await guard_codes(rt, meta, pending.customer_id)
    failure: AccountError | None = None
    async with rt.db.unit_of_work() as session:
        # Concurrent tries at one challenge would each count from the same number of attempts.
        await lock_customer(session, pending.customer_id)
        challenge = await _live_challenge(session, challenge_id)
        customer_id = challenge.customer_id
        ok = False
        via = "TOTP"
        if recovery_code:
            ok = await use_recovery_code(session, rt, customer_id, recovery_code)
            via = "RECOVERY_CODE"
        elif (
            code
            and challenge.sent_code_hash
            and constant_time_equal(challenge.sent_code_hash, _code_hash(rt, challenge.id, code.strip()))
        ):
            ok, via = True, (challenge.sent_code_method or ChallengeMethod.EMAIL_CODE).value
        elif code:
            ok = await verify_totp(session, rt, customer_id, code)
        now = utcnow()
        if ok:
            challenge.completed_at = now
            session.add(challenge)
            if via == "RECOVERY_CODE":
                audit.record(session, meta, SecurityEventType.RECOVERY_CODE_USED, customer_id=customer_id)
        else:
            challenge.attempts += 1
            exhausted = challenge.attempts >= rt.settings.two_factor_max_attempts
            if exhausted:
                challenge.failed_at = now
            session.add(challenge)
            audit.record(
                session,
                meta,
                SecurityEventType.TWO_FACTOR_CHALLENGE,
                SecurityEventOutcome.FAILURE,
                customer_id=customer_id,
                reason="TOO_MANY_ATTEMPTS" if exhausted else "WRONG_CODE",
            )
            failure = (
                AccountError.one(
                    AccountErrorCode.TOO_MANY_ATTEMPTS, "Too many wrong codes; sign in again.", ("challengeId",)
                )
                if exhausted
                else _wrong_code("recoveryCode" if recovery_code else "code")
            )
        customer = await session.get(Customer, customer_id)
        device_token = None
        if ok and trust_device:
            device_token = new_device_token()
            session.add(
                TrustedDevice(
                    customer_id=customer_id,
                    token_hash=sha256_hex(device_token),
                    user_agent=(meta.user_agent or "")[:512] or None,
                    ip_address=meta.ip_address,
                    expires_at=now + timedelta(days=rt.settings.trusted_device_days),
                )
            )
            audit.record(session, meta, SecurityEventType.DEVICE_TRUSTED, customer_id=customer_id)
    if failure is not None:
        raise failure  # after commit: the wrong try is counted
    assert customer is not None
    await rt.throttle.reset(rt.throttle.policies.codes_per_account, f"customer:{customer_id}")
    return PassedChallenge(customer=customer, device_token=device_token)


async def list_trusted_devices(rt: Runtime, principal: Principal) -> list[TrustedDevice]:
    customer_id = _require(principal)
    async with rt.db.read() as session:
        found = await session.execute(
            select(TrustedDevice)
            .where(
                col(TrustedDevice.customer_id) == customer_id,
                col(TrustedDevice.revoked_at).is_(None),
                col(TrustedDevice.expires_at) > utcnow(),
            )
            .order_by(col(TrustedDevice.last_used_at).desc())
        )
        return list(found.scalars())


async def revoke_trusted_device(
    rt: Runtime, principal: Principal, meta: RequestMeta, device_id: uuid.UUID | None
) -> None:
    customer_id = _require(principal)
    async with rt.db.unit_of_work() as session:
        result = await session.execute(
            update(TrustedDevice)
            .where(
                col(TrustedDevice.id) == device_id,
                col(TrustedDevice.customer_id) == customer_id,
                col(TrustedDevice.revoked_at).is_(None),
            )
            .values(revoked_at=utcnow())
        )
        if device_id is None or getattr(result, "rowcount", 0) != 1:
            raise AccountError.one(AccountErrorCode.NOT_FOUND, "No such device.", ("deviceId",))
        audit.record(session, meta, SecurityEventType.DEVICE_REVOKED, customer_id=customer_id)
