"""The integration API for customers: a mailing system reads them (scope customers:read), a POS creates or
updates them by its own reference (scope customers:write).

What a key with customers:read sees is a CustomerRecord: identity and contact fields, status, settings and the
current consents. Never a password hash, sessions, security events, addresses, orders or payment methods: the
Customer type stays visible to the customer and staff only (Principal.can_see_customer is not widened).
"""

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, or_, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import col

from app.errors import InvalidInputError
from app.money import is_currency
from app.pagination import Page, decode_cursor, encode_cursor, page_size
from app.principal import Principal
from app.runtime import Runtime
from app.services import event_data, staff_accounts
from app.services.customer_queries import group_by_code
from app.services.errors import AccountError, AccountErrorCode, ErrorDetail, PermissionDeniedError
from app.services.privacy import latest_per_purpose
from app.services.profile import valid_language
from app.services.registration import INITIAL_STATUS
from app.services.validation import MAX_NAME_LENGTH, clean_email, clean_phone, clean_text, email_key
from models.base import utcnow
from models.customer import Customer, CustomerRole, CustomerStatus, Role
from models.profile import ConsentEvent, ConsentPurpose, CustomerSettings

READ_SCOPE = "customers:read"
WRITE_SCOPE = "customers:write"
MAX_REFERENCE_LENGTH = 100
_CAMEL = {"first_name": "firstName", "last_name": "lastName", "company": "company"}


def _require(principal: Principal, scope: str) -> uuid.UUID:
    if principal.service_account_id is None or scope not in principal.scopes:
        raise PermissionDeniedError()
    return principal.service_account_id


@dataclass(frozen=True)
class ConsentNow:
    purpose: ConsentPurpose
    granted: bool
    policy_version: str | None
    source: str | None
    updated_at: datetime | None


@dataclass(frozen=True)
class CustomerRecord:
    customer: Customer
    settings: CustomerSettings
    consents: list[ConsentNow]


async def _records(rt: Runtime, customers: list[Customer]) -> list[CustomerRecord]:
    """Settings and current consents for a batch of customers: two queries, whatever the batch."""
    ids = [c.id for c in customers]
    if not ids:
        return []
    async with rt.db.read() as session:
        settings = {
            row.customer_id: row
            for row in (
                await session.execute(select(CustomerSettings).where(col(CustomerSettings.customer_id).in_(ids)))
            ).scalars()
        }
        events: dict[uuid.UUID, list[ConsentEvent]] = {}
        for event in (
            await session.execute(
                select(ConsentEvent)
                .where(col(ConsentEvent.customer_id).in_(ids))
                .order_by(col(ConsentEvent.created_at).desc(), col(ConsentEvent.id).desc())
            )
        ).scalars():
            events.setdefault(event.customer_id, []).append(event)
    records = []
    for customer in customers:
        latest = latest_per_purpose(events.get(customer.id, []))
        consents = [
            ConsentNow(
                purpose=purpose,
                granted=latest[purpose].granted if purpose in latest else False,
                policy_version=latest[purpose].policy_version if purpose in latest else None,
                source=latest[purpose].source if purpose in latest else None,
                updated_at=latest[purpose].created_at if purpose in latest else None,
            )
            for purpose in ConsentPurpose
        ]
        records.append(
            CustomerRecord(
                customer=customer,
                settings=settings.get(customer.id) or CustomerSettings(customer_id=customer.id),
                consents=consents,
            )
        )
    return records


async def records_by_id(rt: Runtime, principal: Principal, ids: list[uuid.UUID]) -> list[CustomerRecord | None]:
    """Records for node(id:); None for everyone but a key with customers:read (nodes resolve quietly)."""
    if not principal.has_scope(READ_SCOPE) or not ids:
        return [None] * len(ids)
    async with rt.db.read() as session:
        rows = list((await session.execute(select(Customer).where(col(Customer.id).in_(ids)))).scalars())
    found = {record.customer.id: record for record in await _records(rt, rows)}
    return [found.get(i) for i in ids]


async def record_by(
    rt: Runtime,
    principal: Principal,
    *,
    customer_id: uuid.UUID | None = None,
    id_sent: bool = False,
    email: str | None = None,
    external_reference: str | None = None,
) -> CustomerRecord | None:
    """One customer by id, email (case-insensitively, normalised like registration) or external reference."""
    _require(principal, READ_SCOPE)
    if sum((id_sent, email is not None, external_reference is not None)) != 1:
        raise InvalidInputError("Send exactly one of customerId, email and externalReference.")
    if id_sent:
        if customer_id is None:
            return None
        where = col(Customer.id) == customer_id
    elif email is not None:
        errors: list[ErrorDetail] = []
        cleaned = clean_email(email, ("email",), errors)
        if cleaned is None:
            return None
        where = col(Customer.email_key) == email_key(cleaned)
    else:
        where = col(Customer.external_reference) == (external_reference or "").strip()
    async with rt.db.read() as session:
        row = (await session.execute(select(Customer).where(where))).scalar_one_or_none()
    if row is None:
        return None
    return (await _records(rt, [row]))[0]


async def records_updated_since(
    rt: Runtime, principal: Principal, *, updated_since: datetime | None, first: int | None, after: str | None
) -> Page[CustomerRecord]:
    """Customers changed at or after `updated_since`, oldest change first by (updated_at, id): a sync keeps the
    last endCursor (or the last updatedAt) and asks again. A customer changed while paging moves to the end."""
    _require(principal, READ_SCOPE)
    limit = page_size(first)
    statement = select(Customer)
    if updated_since is not None:
        if updated_since.tzinfo is None:
            raise InvalidInputError("updatedSince needs a time zone, e.g. 2026-12-01T00:00:00Z.")
        statement = statement.where(col(Customer.updated_at) >= updated_since)
    if after:
        moment, row_id = decode_cursor(after)
        statement = statement.where(
            or_(
                col(Customer.updated_at) > moment,
                and_(col(Customer.updated_at) == moment, col(Customer.id) > row_id),
            )
        )
    statement = statement.order_by(col(Customer.updated_at), col(Customer.id)).limit(limit + 1)
    async with rt.db.read() as session:
        rows = list((await session.execute(statement)).scalars())
    records = await _records(rt, rows[:limit])
    return Page(
        items=records,
        cursors=[encode_cursor(r.customer.updated_at, r.customer.id) for r in records],
        has_next_page=len(rows) > limit,
        has_previous_page=after is not None,
    )


# --- customers:write -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CustomerUpsert:
    """What a POS sends. Optional fields left out (not in `sent`) stay as they are on an update."""

    external_reference: str
    email: str
    first_name: str | None = None
    last_name: str | None = None
    phone: str | None = None
    company: str | None = None
    language: str | None = None
    currency: str | None = None
    sent: frozenset[str] = frozenset()


@dataclass(frozen=True)
class _Clean:
    reference: str
    email: str
    values: dict[str, str | None]
    phone: str | None
    language: str | None
    currency: str | None


def _clean(data: CustomerUpsert) -> _Clean:
    errors: list[ErrorDetail] = []
    reference = clean_text(
        data.external_reference,
        ("externalReference",),
        errors,
        max_length=MAX_REFERENCE_LENGTH,
        required=True,
        label="externalReference",
    )
    email = clean_email(data.email, ("email",), errors)
    values: dict[str, str | None] = {}
    for name, field, limit, label in (
        ("first_name", "firstName", MAX_NAME_LENGTH, "First name"),
        ("last_name", "lastName", MAX_NAME_LENGTH, "Last name"),
        ("company", "company", 200, "Company"),
    ):
        if name in data.sent:
            values[name] = clean_text(getattr(data, name), (field,), errors, max_length=limit, label=label)
    phone = clean_phone(data.phone, ("phone",), errors) if "phone" in data.sent else None
    language = (data.language or "").strip() or None
    if language is not None and not valid_language(language):
        errors.append(ErrorDetail(AccountErrorCode.INVALID, "Use a BCP 47 language tag, e.g. en-GB.", ("language",)))
    currency = (data.currency or "").strip().upper() or None
    if currency is not None and not is_currency(currency):
        errors.append(ErrorDetail(AccountErrorCode.INVALID, "Use an ISO 4217 currency code, e.g. EUR.", ("currency",)))
    if errors or reference is None or email is None:
        raise AccountError(*errors)
    return _Clean(reference, email, values, phone, language, currency)


def _taken(field: str) -> AccountError:
    if field == "email":
        return AccountError.one(AccountErrorCode.EMAIL_TAKEN, "Another customer has this email address.", ("email",))
    return AccountError.one(AccountErrorCode.PHONE_TAKEN, "Another customer has this phone number.", ("phone",))


async def upsert_customer(rt: Runtime, principal: Principal, data: CustomerUpsert) -> tuple[Customer, bool]:
    """Create the customer with this external reference, or update it; returns (customer, created).

    A new account has no password and starts in the default group's initial status, like a registration, but
    no activation message goes out: the customer gets in through requestPasswordReset, whose link proves the
    address, sets a password and activates an EMAIL_LINK account. An email or phone of another customer is
    refused with EMAIL_TAKEN / PHONE_TAKEN: the key is a trusted integration, not an anonymous caller.
    """
    _require(principal, WRITE_SCOPE)
    clean = _clean(data)
    for attempt in (1, 2):
        try:
            return await _upsert_once(rt, data, clean)
        except IntegrityError as exc:
            if attempt == 1:
                # Perhaps a concurrent upsert created this reference meanwhile (the database may name the email's
                # index rather than the reference's): look again, which updates it or finds the real conflict.
                continue
            text = str(exc.orig)
            if "email_key" in text:
                raise _taken("email") from None
            if "phone" in text:
                raise _taken("phone") from None
            raise
    raise AssertionError("unreachable")


async def _upsert_once(rt: Runtime, data: CustomerUpsert, clean: _Clean) -> tuple[Customer, bool]:
    now = utcnow()
    async with rt.db.unit_of_work() as session:
        customer = (
            await session.execute(
                select(Customer)
                .where(col(Customer.external_reference) == clean.reference)
                .with_for_update(key_share=True)
            )
        ).scalar_one_or_none()
        created = customer is None
        changed: set[str] = set()
        group = None
        if customer is None:
            group = await group_by_code(session, rt.settings.default_customer_group)
            if group is None:
                raise RuntimeError(f"default customer group {rt.settings.default_customer_group!r} does not exist")
            status = INITIAL_STATUS[group.activation_mode]
            customer = Customer(
                id=uuid.uuid4(),
                email=clean.email,
                email_key=email_key(clean.email),
                external_reference=clean.reference,
                status=status,
                group_id=group.id,
                activated_at=now if status is CustomerStatus.ACTIVE else None,
            )
        elif customer.status is CustomerStatus.DELETED:
            raise AccountError.one(
                AccountErrorCode.ACCOUNT_DELETED, "This customer deleted their account.", ("externalReference",)
            )
        elif email_key(clean.email) != customer.email_key:
            customer.email = clean.email
            customer.email_key = email_key(clean.email)
            customer.email_verified_at = None  # the new address is not proven
            changed.add("email")
        elif clean.email != customer.email:
            customer.email = clean.email
            changed.add("email")
        for name, value in clean.values.items():
            if getattr(customer, name) != value:
                changed.add(_CAMEL[name])
            setattr(customer, name, value)
        if "phone" in data.sent and clean.phone != rt.fields.open_phone(customer.id, customer.phone_encrypted):
            customer.phone_encrypted, customer.phone_index = rt.fields.seal_phone(customer.id, clean.phone)
            customer.phone_verified_at = None
            changed.add("phone")
        customer.updated_at = now
        session.add(customer)
        await session.flush()
        if created:
            session.add(CustomerRole(customer_id=customer.id, role=Role.CUSTOMER))
        if "language" in data.sent or "currency" in data.sent:
            settings = await session.get(CustomerSettings, customer.id) or CustomerSettings(customer_id=customer.id)
            if "language" in data.sent and settings.language != clean.language:
                settings.language = clean.language
                changed.add("language")
            if "currency" in data.sent and settings.currency != clean.currency:
                settings.currency = clean.currency
                changed.add("currency")
            settings.updated_at = now
            session.add(settings)
        await session.flush()
        if created:
            await event_data.customer_created(session, customer, origin="INTEGRATION")
            if customer.status is CustomerStatus.PENDING_APPROVAL and group is not None:
                await staff_accounts.notify_approvers(session, rt, customer, group)  # as a registration would
        else:
            await event_data.customer_updated(session, customer.id, changed)
    return customer, created


async def record_of(rt: Runtime, customer: Customer) -> CustomerRecord:
    """The record of a customer just written (upsertCustomer's payload)."""
    return (await _records(rt, [customer]))[0]
