"""The privacy policy: administrators publish versions, customers confirm their consents under the current one.

The current policy is the latest published version whose `effective_from` has come, so a version can be
published ahead of its date. A consent is recorded with the version it was given under; a customer with
a consent granted under an earlier version than the current one is asked to review it
(`privacyReviewRequired`) until they confirm it (or change it) under the current version.
"""

import enum
import re
import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.principal import Principal
from app.runtime import RequestMeta, Runtime
from app.services import audit, event_data
from app.services.customer_queries import lock_customer
from app.services.customers import require_admin
from app.services.errors import DomainError, ErrorDetail, NotAuthenticatedError
from app.services.validation import has_unsafe_characters
from models.base import utcnow
from models.privacy import PrivacyPolicy
from models.profile import ConsentEvent, ConsentPurpose
from models.security import SecurityEventOutcome, SecurityEventType

# A version names the policy for consents too (their policyVersion): 1-32 of letters, digits, ".", "_", "-".
POLICY_VERSION = re.compile(r"^[A-Za-z0-9._-]{1,32}$")
MAX_POLICY_TEXT = 100_000
# A publication "from now" sent by a client whose clock is a little behind is not "in the past".
CLOCK_TOLERANCE = timedelta(minutes=5)
REVIEW_SOURCE = "privacy-review"


class PrivacyErrorCode(enum.Enum):
    REQUIRED = "REQUIRED"
    INVALID_VERSION = "INVALID_VERSION"
    VERSION_TAKEN = "VERSION_TAKEN"
    TOO_LONG = "TOO_LONG"
    INVALID = "INVALID"
    EFFECTIVE_IN_PAST = "EFFECTIVE_IN_PAST"
    NO_POLICY = "NO_POLICY"
    POLICY_OUTDATED = "POLICY_OUTDATED"


class PrivacyError(DomainError):
    @classmethod
    def one(cls, code: PrivacyErrorCode, message: str, field_name: str | None = None) -> "PrivacyError":
        return cls(ErrorDetail(code, message, (field_name,) if field_name else None))


def valid_version(version: str) -> bool:
    return bool(POLICY_VERSION.match(version))


async def current_in(session: AsyncSession, now: datetime | None = None) -> PrivacyPolicy | None:
    """The policy in force at `now` (default: now): the latest version whose date has come."""
    statement = (
        select(PrivacyPolicy)
        .where(col(PrivacyPolicy.effective_from) <= (now or utcnow()))
        .order_by(col(PrivacyPolicy.effective_from).desc(), col(PrivacyPolicy.created_at).desc())
        .limit(1)
    )
    return (await session.execute(statement)).scalar_one_or_none()


async def current_policy(rt: Runtime) -> PrivacyPolicy | None:
    async with rt.db.read() as session:
        return await current_in(session)


async def publish(
    rt: Runtime,
    principal: Principal,
    meta: RequestMeta,
    *,
    version: str | None,
    text: str | None,
    effective_from: datetime | None,
) -> PrivacyPolicy:
    """Publish a new version (administrators). Versions are never edited: a change is a new version."""
    actor_id = require_admin(principal)
    now = utcnow()
    errors: list[ErrorDetail] = []
    clean_version = (version or "").strip()
    if not clean_version:
        errors.append(ErrorDetail(PrivacyErrorCode.REQUIRED, "Give the version a name, e.g. 2027-01.", ("version",)))
    elif not valid_version(clean_version):
        errors.append(
            ErrorDetail(
                PrivacyErrorCode.INVALID_VERSION,
                "Use 1 to 32 letters, digits, dots, dashes or underscores, e.g. 2027-01.",
                ("version",),
            )
        )
    body = (text or "").strip()
    if not body:
        errors.append(ErrorDetail(PrivacyErrorCode.REQUIRED, "The policy needs its text.", ("text",)))
    elif len(body) > MAX_POLICY_TEXT:
        errors.append(ErrorDetail(PrivacyErrorCode.TOO_LONG, f"At most {MAX_POLICY_TEXT} characters.", ("text",)))
    elif has_unsafe_characters(body) or "\x00" in body:
        errors.append(ErrorDetail(PrivacyErrorCode.INVALID, "The text holds characters we cannot show.", ("text",)))
    start = effective_from or now
    if start < now - CLOCK_TOLERANCE:
        # A version back-dated would make consents given meanwhile look older than they are.
        errors.append(
            ErrorDetail(
                PrivacyErrorCode.EFFECTIVE_IN_PAST,
                "A policy takes effect now or later, never in the past.",
                ("effectiveFrom",),
            )
        )
    if errors:
        raise PrivacyError(*errors)
    policy = PrivacyPolicy(version=clean_version, text=body, effective_from=max(start, now), created_at=now)
    try:
        async with rt.db.unit_of_work() as session:
            session.add(policy)
            await session.flush()
            audit.record(
                session,
                meta,
                SecurityEventType.PRIVACY_POLICY_PUBLISHED,
                SecurityEventOutcome.SUCCESS,
                actor_id=actor_id,
                detail=f"version {clean_version}, effective {policy.effective_from.isoformat()}",
            )
    except IntegrityError:
        raise PrivacyError.one(
            PrivacyErrorCode.VERSION_TAKEN, "This version was published already; name the new one.", "version"
        ) from None
    return policy


def latest_per_purpose(events: Iterable[ConsentEvent]) -> dict[ConsentPurpose, ConsentEvent]:
    """The newest event per purpose from events sorted newest first."""
    latest: dict[ConsentPurpose, ConsentEvent] = {}
    for event in events:
        latest.setdefault(event.purpose, event)
    return latest


def needs_review(latest: dict[ConsentPurpose, ConsentEvent], policy: PrivacyPolicy | None) -> list[ConsentPurpose]:
    """The purposes granted under another version than the current policy's: to be asked again.
    A withdrawn consent is not asked again (it allows nothing, under any version)."""
    if policy is None:
        return []
    return [purpose for purpose, event in latest.items() if event.granted and event.policy_version != policy.version]


async def _events(session: AsyncSession, customer_id: uuid.UUID) -> list[ConsentEvent]:
    statement = (
        select(ConsentEvent)
        .where(col(ConsentEvent.customer_id) == customer_id)
        .order_by(col(ConsentEvent.created_at).desc(), col(ConsentEvent.id).desc())
    )
    return list((await session.execute(statement)).scalars())


async def confirm_consents(
    rt: Runtime, principal: Principal, meta: RequestMeta, *, policy_version: str | None
) -> list[ConsentPurpose]:
    """The customer read the current policy (`policy_version`, as shown) and keeps their consents under it:
    each consent granted under an earlier version is recorded again, granted, under the current one.
    Returns the purposes confirmed (none when nothing was waiting)."""
    if principal.customer_id is None:
        raise NotAuthenticatedError()
    customer_id = principal.customer_id
    shown = (policy_version or "").strip()
    async with rt.db.unit_of_work() as session:
        customer = await lock_customer(session, customer_id)
        policy = await current_in(session)
        if policy is None:
            raise PrivacyError.one(PrivacyErrorCode.NO_POLICY, "No privacy policy has been published yet.")
        if shown != policy.version:
            raise PrivacyError.one(
                PrivacyErrorCode.POLICY_OUTDATED,
                f"Version {policy.version} of the privacy policy is now in force; read it and confirm that one.",
                "policyVersion",
            )
        purposes = needs_review(latest_per_purpose(await _events(session, customer_id)), policy)
        now = utcnow()
        for purpose in purposes:
            confirmed = ConsentEvent(
                customer_id=customer_id,
                purpose=purpose,
                granted=True,
                policy_version=policy.version,
                source=REVIEW_SOURCE,
                created_at=now,
            )
            session.add(confirmed)
            await event_data.consent_changed(session, confirmed)
        if purposes and customer is not None:
            customer.updated_at = now  # integrations sync customers by updated_at
        if purposes:
            audit.record(
                session,
                meta,
                SecurityEventType.CONSENT_CHANGED,
                SecurityEventOutcome.SUCCESS,
                customer_id=customer_id,
                detail=f"{', '.join(p.value for p in purposes)} confirmed (policy {policy.version})",
            )
    return purposes


async def ensure_demo_policy(rt: Runtime, version: str, text: str) -> None:
    """Publish `version` unless some policy is there already (demo data; idempotent)."""
    async with rt.db.unit_of_work() as session:
        if (await session.execute(select(col(PrivacyPolicy.id)).limit(1))).first() is not None:
            return
        session.add(PrivacyPolicy(version=version, text=text, effective_from=utcnow()))
