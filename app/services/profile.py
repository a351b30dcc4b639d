"""Self-service profile: names, phone, date of birth and company; settings; privacy consents."""

import enum
import re
import uuid
import zoneinfo
from dataclasses import dataclass, field
from datetime import date

import pycountry
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlmodel import col

from app.money import is_currency
from app.pagination import Page, build_page, newest_first, page_size
from app.principal import Principal
from app.runtime import RequestMeta, Runtime
from app.services import audit, cool_down, event_data, risk
from app.services.customer_queries import lock_customer
from app.services.errors import DomainError, ErrorDetail, NotAuthenticatedError
from app.services.privacy import POLICY_VERSION, current_in
from app.services.validation import clean_phone, clean_text
from models.base import utcnow
from models.customer import Customer
from models.profile import ConsentEvent, ConsentPurpose, CustomerSettings
from models.security import SecurityEventOutcome, SecurityEventType

BCP47 = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z]{4})?(-([A-Za-z]{2}|\d{3}))?(-[A-Za-z\d]{5,8})*$")
MIN_AGE_YEARS = 13
MAX_AGE_YEARS = 130


class ProfileErrorCode(enum.Enum):
    REQUIRED = "REQUIRED"
    INVALID = "INVALID"
    TOO_LONG = "TOO_LONG"
    INVALID_PHONE = "INVALID_PHONE"
    PHONE_TAKEN = "PHONE_TAKEN"
    INVALID_DATE_OF_BIRTH = "INVALID_DATE_OF_BIRTH"
    INVALID_LANGUAGE = "INVALID_LANGUAGE"
    INVALID_CURRENCY = "INVALID_CURRENCY"
    INVALID_TIMEZONE = "INVALID_TIMEZONE"
    STEP_UP_REQUIRED = "STEP_UP_REQUIRED"
    POLICY_OUTDATED = "POLICY_OUTDATED"
    CHANGE_REFUSED = "CHANGE_REFUSED"
    COOL_DOWN = "COOL_DOWN"


class ProfileError(DomainError):
    @classmethod
    def one(cls, code: ProfileErrorCode, message: str, field_name: str | None = None) -> "ProfileError":
        return cls(ErrorDetail(code, message, (field_name,) if field_name else None))


def _require(principal: Principal) -> uuid.UUID:
    if principal.customer_id is None:
        raise NotAuthenticatedError()
    return principal.customer_id


def _restate(errors: list[ErrorDetail]) -> list[ErrorDetail]:
    """Validation helpers speak the account domain's codes; restate them in this domain's."""
    return [ErrorDetail(ProfileErrorCode[e.code.name], e.message, e.field) for e in errors]


@dataclass
class ProfileChanges:
    first_name: str | None = None
    last_name: str | None = None
    company: str | None = None
    phone: str | None = None
    date_of_birth: date | None = None
    sent: set[str] = field(default_factory=set)


async def update_profile(
    rt: Runtime, principal: Principal, meta: RequestMeta, auth_session: object, changes: ProfileChanges
) -> Customer:
    """Change only the fields sent. A new phone number passes the risk check and starts unverified."""
    customer_id = _require(principal)
    errors: list[ErrorDetail] = []
    values: dict[str, object] = {}
    for name, limit in (("first_name", 100), ("last_name", 100), ("company", 200)):
        if name in changes.sent:
            values[name] = clean_text(
                getattr(changes, name), (_camel(name),), errors, max_length=limit, label=_camel(name)
            )
    phone: str | None = None
    if "phone" in changes.sent:
        phone_errors: list[ErrorDetail] = []
        phone = clean_phone(changes.phone, ("phone",), phone_errors)
        errors += phone_errors
    if "date_of_birth" in changes.sent and changes.date_of_birth is not None:
        today = utcnow().date()
        born = changes.date_of_birth
        age = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
        if born > today or age < MIN_AGE_YEARS or age > MAX_AGE_YEARS:
            errors.append(
                ErrorDetail(
                    ProfileErrorCode.INVALID_DATE_OF_BIRTH,
                    f"Enter a real date of birth; you must be at least {MIN_AGE_YEARS}.",
                    ("dateOfBirth",),
                )
            )
    if errors:
        raise ProfileError(*_restate(errors))
    async with rt.db.read() as session:
        customer = await session.get(Customer, customer_id)
    assert customer is not None
    new_phone = "phone" in changes.sent and phone != rt.fields.open_phone(customer.id, customer.phone_encrypted)
    if new_phone:
        if (until := await cool_down.ends_at(rt, customer_id)) is not None:
            raise ProfileError.one(ProfileErrorCode.COOL_DOWN, cool_down.message(until), "phone")
        decision = await risk.assess(rt, meta, customer_id, auth_session, "PHONE_CHANGE")  # type: ignore[arg-type]
        if decision.outcome is risk.RiskOutcome.STEP_UP:
            raise ProfileError.one(
                ProfileErrorCode.STEP_UP_REQUIRED,
                "Confirm it is you first: call stepUp with your password or a two-factor code.",
            )
        if decision.outcome in (risk.RiskOutcome.HOLD, risk.RiskOutcome.REFUSE):
            await audit.record_alone(
                rt,
                meta,
                SecurityEventType.PHONE_CHANGED,
                SecurityEventOutcome.BLOCKED,
                customer_id=customer_id,
                reason=decision.outcome.value,
            )
            raise ProfileError.one(
                ProfileErrorCode.CHANGE_REFUSED, "The phone number cannot be changed from here right now.", "phone"
            )
    try:
        async with rt.db.unit_of_work() as session:
            row = await session.get(Customer, customer_id)
            assert row is not None
            changed = {_camel(name) for name, value in values.items() if getattr(row, name) != value}
            for name, value in values.items():
                setattr(row, name, value)
            if "date_of_birth" in changes.sent:
                if changes.date_of_birth != date_of_birth(rt, row):
                    changed.add("dateOfBirth")
                born_text = changes.date_of_birth.isoformat() if changes.date_of_birth else None
                row.date_of_birth_encrypted = rt.fields.encrypt("customer", "date_of_birth", row.id, born_text)
            if new_phone:
                row.phone_encrypted, row.phone_index = rt.fields.seal_phone(row.id, phone)
                row.phone_verified_at = None
                audit.record(session, meta, SecurityEventType.PHONE_CHANGED, customer_id=row.id)
                changed.add("phone")
            row.updated_at = utcnow()
            session.add(row)
            await event_data.customer_updated(session, row.id, changed)
    except IntegrityError:
        raise ProfileError.one(
            ProfileErrorCode.PHONE_TAKEN, "Another account uses this phone number.", "phone"
        ) from None
    return row


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def date_of_birth(rt: Runtime, customer: Customer) -> date | None:
    text = rt.fields.decrypt("customer", "date_of_birth", customer.id, customer.date_of_birth_encrypted)
    return date.fromisoformat(text) if text else None


# --- Settings ----------------------------------------------------------------------------------------


@dataclass
class SettingsChanges:
    language: str | None = None
    currency: str | None = None
    timezone: str | None = None
    email_notifications: bool | None = None
    sms_notifications: bool | None = None
    sent: set[str] = field(default_factory=set)


def valid_language(tag: str) -> bool:
    if not BCP47.match(tag):
        return False
    primary = tag.split("-")[0].lower()
    found = pycountry.languages.get(alpha_2=primary) if len(primary) == 2 else pycountry.languages.get(alpha_3=primary)
    return found is not None


def valid_timezone(name: str) -> bool:
    if not name or len(name) > 64 or name.startswith(("/", ".")) or ".." in name:
        return False
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return False
    return True


async def get_settings(rt: Runtime, customer_id: uuid.UUID) -> CustomerSettings:
    async with rt.db.read() as session:
        row = await session.get(CustomerSettings, customer_id)
    return row or CustomerSettings(customer_id=customer_id)


async def update_settings(rt: Runtime, principal: Principal, changes: SettingsChanges) -> CustomerSettings:
    customer_id = _require(principal)
    errors: list[ErrorDetail] = []
    if "language" in changes.sent and changes.language is not None and not valid_language(changes.language.strip()):
        errors.append(
            ErrorDetail(ProfileErrorCode.INVALID_LANGUAGE, "Use a BCP 47 language tag, e.g. en-GB.", ("language",))
        )
    if (
        "currency" in changes.sent
        and changes.currency is not None
        and not is_currency(changes.currency.strip().upper())
    ):
        errors.append(
            ErrorDetail(ProfileErrorCode.INVALID_CURRENCY, "Use an ISO 4217 currency code, e.g. EUR.", ("currency",))
        )
    if "timezone" in changes.sent and changes.timezone is not None and not valid_timezone(changes.timezone.strip()):
        errors.append(
            ErrorDetail(ProfileErrorCode.INVALID_TIMEZONE, "Use an IANA time zone, e.g. Europe/Berlin.", ("timezone",))
        )
    for flag in ("email_notifications", "sms_notifications"):
        if flag in changes.sent and getattr(changes, flag) is None:
            errors.append(ErrorDetail(ProfileErrorCode.REQUIRED, "Send true or false.", (_camel(flag),)))
    if errors:
        raise ProfileError(*errors)
    async with rt.db.unit_of_work() as session:
        # two first changes at once would both insert the row
        customer = await lock_customer(session, customer_id)
        row = await session.get(CustomerSettings, customer_id) or CustomerSettings(customer_id=customer_id)
        wanted: dict[str, object] = {}
        if "language" in changes.sent:
            wanted["language"] = changes.language.strip() if changes.language else None
        if "currency" in changes.sent:
            wanted["currency"] = changes.currency.strip().upper() if changes.currency else None
        if "timezone" in changes.sent:
            wanted["timezone"] = changes.timezone.strip() if changes.timezone else None
        for flag in ("email_notifications", "sms_notifications"):
            if flag in changes.sent:
                wanted[flag] = getattr(changes, flag)
        changed = {_camel(name) for name, value in wanted.items() if getattr(row, name) != value}
        for name, value in wanted.items():
            setattr(row, name, value)
        row.updated_at = utcnow()
        session.add(row)
        if customer is not None:
            customer.updated_at = row.updated_at  # integrations sync customers by updated_at
            await event_data.customer_updated(session, customer_id, changed)
    return row


# --- Consents ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ConsentState:
    purpose: ConsentPurpose
    granted: bool
    policy_version: str | None
    source: str | None
    updated_at: object


async def current_consents(rt: Runtime, customer_id: uuid.UUID) -> list[ConsentState]:
    async with rt.db.read() as session:
        rows = list(
            (
                await session.execute(
                    select(ConsentEvent)
                    .where(col(ConsentEvent.customer_id) == customer_id)
                    .order_by(col(ConsentEvent.created_at).desc(), col(ConsentEvent.id).desc())
                )
            ).scalars()
        )
    latest: dict[ConsentPurpose, ConsentEvent] = {}
    for row in rows:
        latest.setdefault(row.purpose, row)
    return [
        ConsentState(
            purpose,
            latest[purpose].granted,
            latest[purpose].policy_version,
            latest[purpose].source,
            latest[purpose].created_at,
        )
        if purpose in latest
        else ConsentState(purpose, False, None, None, None)
        for purpose in ConsentPurpose
    ]


async def may_contact(rt: Runtime, customer_id: uuid.UUID, purpose: ConsentPurpose) -> bool:
    """Whether marketing of this kind may go to the customer: only with a granted, not withdrawn, consent."""
    return any(state.purpose is purpose and state.granted for state in await current_consents(rt, customer_id))


async def set_consent(
    rt: Runtime,
    principal: Principal,
    meta: RequestMeta,
    *,
    purpose: ConsentPurpose,
    granted: bool,
    policy_version: str | None,
    source: str | None,
) -> ConsentEvent:
    """Record a grant or withdrawal under the policy version the customer was shown. Once a policy is
    published the version is the server's: left out, the current one is recorded; another one is refused
    (the customer was shown an outdated text). Before any is published, the client names the version."""
    customer_id = _require(principal)
    errors: list[ErrorDetail] = []
    version = (policy_version or "").strip()
    if version and not POLICY_VERSION.match(version):
        errors.append(
            ErrorDetail(
                ProfileErrorCode.INVALID, "Send the version of the policy shown, e.g. 2026-11.", ("policyVersion",)
            )
        )
    where = clean_text(source, ("source",), errors, max_length=64, label="source") or "api"
    if errors:
        raise ProfileError(*_restate(errors))
    async with rt.db.unit_of_work() as session:
        # The current state is the newest event: stamp it under the lock, so the newest is also the last.
        customer = await lock_customer(session, customer_id)
        policy = await current_in(session)
        if policy is not None and version and version != policy.version:
            raise ProfileError.one(
                ProfileErrorCode.POLICY_OUTDATED,
                f"Version {policy.version} of the privacy policy is now in force; show it and send that version.",
                "policyVersion",
            )
        if policy is None and not version:
            raise ProfileError.one(
                ProfileErrorCode.REQUIRED,
                "No privacy policy is published here: send the version the customer was shown.",
                "policyVersion",
            )
        version = version or (policy.version if policy else "")
        event = ConsentEvent(
            customer_id=customer_id,
            purpose=purpose,
            granted=granted,
            policy_version=version,
            source=where,
            created_at=utcnow(),
        )
        session.add(event)
        if customer is not None:
            customer.updated_at = event.created_at  # integrations sync customers by updated_at
            await event_data.consent_changed(session, event)
        audit.record(
            session,
            meta,
            SecurityEventType.CONSENT_CHANGED,
            SecurityEventOutcome.SUCCESS,
            customer_id=customer_id,
            detail=f"{purpose.value} {'granted' if granted else 'withdrawn'} (policy {version})",
        )
    return event


async def consent_history(
    rt: Runtime, principal: Principal, *, first: int | None, after: str | None
) -> Page[ConsentEvent]:
    customer_id = _require(principal)
    limit = page_size(first)
    statement = newest_first(
        select(ConsentEvent).where(col(ConsentEvent.customer_id) == customer_id),
        col(ConsentEvent.created_at),
        col(ConsentEvent.id),
        after,
        limit,
    )
    async with rt.db.read() as session:
        rows = list((await session.execute(statement)).scalars())
    return build_page(rows, limit, lambda row: (row.created_at, row.id), after)
