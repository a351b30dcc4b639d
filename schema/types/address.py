"""Addresses: the type, the per-country rules, and the inputs and payloads of their mutations."""

from collections.abc import Iterable
from datetime import datetime

import strawberry
from strawberry import relay

from app.services.addresses import AddressErrorCode, AddressKind
from models.address import Address as AddressRow
from schema.types.base import DisplayableError, Info, load_nodes

AddressErrorCodeEnum = strawberry.enum(AddressErrorCode, name="AddressErrorCode")
AddressKindEnum = strawberry.enum(AddressKind, name="AddressKind")


@strawberry.type(description="An error from creating, changing or deleting an address.")
class AddressUserError(DisplayableError):
    code: AddressErrorCode


@strawberry.type(description="A billing and/or shipping address of a customer.")
class Address(relay.Node):
    id: relay.NodeID[str]
    first_name: str | None
    last_name: str | None
    company: str | None
    line1: str
    line2: str | None
    city: str | None
    region: str | None = strawberry.field(description="State, province … as the country's code where it has one.")
    postal_code: str | None
    country_code: str = strawberry.field(description="ISO 3166-1 alpha-2.")
    is_billing: bool
    is_shipping: bool
    is_default_billing: bool
    is_default_shipping: bool
    created_at: datetime
    updated_at: datetime
    row: strawberry.Private[AddressRow]

    @strawberry.field(description="E.164 (stored encrypted).")
    def phone(self, info: Info) -> str | None:
        return info.context.rt.fields.decrypt("address", "phone", self.row.id, self.row.phone_encrypted)

    @classmethod
    def from_row(cls, row: AddressRow) -> "Address":
        return cls(
            id=str(row.id),
            first_name=row.first_name,
            last_name=row.last_name,
            company=row.company,
            line1=row.line1,
            line2=row.line2,
            city=row.city,
            region=row.region,
            postal_code=row.postal_code,
            country_code=row.country_code,
            is_billing=row.is_billing,
            is_shipping=row.is_shipping,
            is_default_billing=row.is_default_billing,
            is_default_shipping=row.is_default_shipping,
            created_at=row.created_at,
            updated_at=row.updated_at,
            row=row,
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list["Address | None"]:
        rows = await load_nodes(info.context.loaders.address, node_ids)
        return [cls.from_row(row) if row else None for row in rows]


@strawberry.type
class Region:
    code: str
    name: str


@strawberry.type(description="What a country's addresses need, so a form can check before it submits.")
class AddressValidationRules:
    country_code: str
    country_name: str
    required_fields: list[str]
    allowed_fields: list[str]
    regions: list[Region]
    region_type: str = strawberry.field(description="What the country calls its regions: state, province …")
    postal_code_type: str = strawberry.field(description="zip or postal.")
    postal_code_examples: list[str]


@strawberry.input
class CreateAddressInput:
    country_code: str
    line1: str
    first_name: str | None = None
    last_name: str | None = None
    company: str | None = None
    line2: str | None = None
    city: str | None = None
    region: str | None = None
    postal_code: str | None = None
    phone: str | None = None
    is_billing: bool = True
    is_shipping: bool = True
    set_as_default_billing: bool = False
    set_as_default_shipping: bool = False


@strawberry.input(description="Only the fields sent change; send null to clear an optional field.")
class UpdateAddressInput:
    address_id: strawberry.ID
    country_code: str | None = strawberry.UNSET
    line1: str | None = strawberry.UNSET
    first_name: str | None = strawberry.UNSET
    last_name: str | None = strawberry.UNSET
    company: str | None = strawberry.UNSET
    line2: str | None = strawberry.UNSET
    city: str | None = strawberry.UNSET
    region: str | None = strawberry.UNSET
    postal_code: str | None = strawberry.UNSET
    phone: str | None = strawberry.UNSET
    is_billing: bool | None = strawberry.UNSET
    is_shipping: bool | None = strawberry.UNSET


@strawberry.input
class DeleteAddressInput:
    address_id: strawberry.ID


@strawberry.input
class SetDefaultAddressInput:
    address_id: strawberry.ID
    kind: AddressKind


@strawberry.type
class CreateAddressPayload:
    address: Address | None = None
    user_errors: list[AddressUserError] = strawberry.field(default_factory=list)


@strawberry.type
class UpdateAddressPayload:
    address: Address | None = None
    user_errors: list[AddressUserError] = strawberry.field(default_factory=list)


@strawberry.type
class DeleteAddressPayload:
    deleted_address_id: strawberry.ID | None = None
    user_errors: list[AddressUserError] = strawberry.field(default_factory=list)


@strawberry.type
class SetDefaultAddressPayload:
    address: Address | None = None
    user_errors: list[AddressUserError] = strawberry.field(default_factory=list)
