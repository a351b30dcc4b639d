"""Addresses of the signed-in customer, and the per-country rules storefront forms use."""

import strawberry

from app.services import addresses
from app.services.addresses import AddressData, AddressError
from resolvers.permissions import IsAuthenticated, requires
from schema.types.address import (
    Address,
    AddressUserError,
    AddressValidationRules,
    CreateAddressInput,
    CreateAddressPayload,
    DeleteAddressInput,
    DeleteAddressPayload,
    Region,
    SetDefaultAddressInput,
    SetDefaultAddressPayload,
    UpdateAddressInput,
    UpdateAddressPayload,
)
from schema.types.base import Info, decode_global_id, encode_global_id, user_errors

FIELDS = [
    "country_code",
    "line1",
    "first_name",
    "last_name",
    "company",
    "line2",
    "city",
    "region",
    "postal_code",
    "phone",
    "is_billing",
    "is_shipping",
]


def _errors(error: AddressError) -> list[AddressUserError]:
    return user_errors(error, AddressUserError)


def _data(input: object) -> AddressData:
    sent = {name for name in FIELDS if getattr(input, name, strawberry.UNSET) is not strawberry.UNSET}
    return AddressData(**{name: getattr(input, name) for name in sent}, sent=sent)


def _address_id(value: strawberry.ID) -> object:
    return decode_global_id(value, "Address")


@strawberry.type
class AddressQueries:
    @strawberry.field(description="Required fields, regions and postal-code format of a country's addresses.")
    def address_validation_rules(self, country_code: str) -> AddressValidationRules | None:
        rules = addresses.country_rules(country_code)
        if rules is None:
            return None
        return AddressValidationRules(
            country_code=rules.country_code,
            country_name=rules.country_name,
            required_fields=rules.required_fields,
            allowed_fields=rules.allowed_fields,
            regions=[Region(code=code, name=name) for code, name in rules.regions],
            region_type=rules.region_type,
            postal_code_type=rules.postal_code_type,
            postal_code_examples=rules.postal_code_examples,
        )


@strawberry.type
class AddressMutations:
    @strawberry.mutation(extensions=requires(IsAuthenticated))
    async def create_address(self, info: Info, input: CreateAddressInput) -> CreateAddressPayload:
        try:
            row = await addresses.create_address(
                info.context.rt,
                info.context.principal,
                _data(input),
                default_billing=input.set_as_default_billing,
                default_shipping=input.set_as_default_shipping,
            )
        except AddressError as error:
            return CreateAddressPayload(user_errors=_errors(error))
        return CreateAddressPayload(address=Address.from_row(row))

    @strawberry.mutation(extensions=requires(IsAuthenticated))
    async def update_address(self, info: Info, input: UpdateAddressInput) -> UpdateAddressPayload:
        try:
            row = await addresses.update_address(
                info.context.rt, info.context.principal, decode_global_id(input.address_id, "Address"), _data(input)
            )
        except AddressError as error:
            return UpdateAddressPayload(user_errors=_errors(error))
        return UpdateAddressPayload(address=Address.from_row(row))

    @strawberry.mutation(
        description="Delete an address; a deleted default passes to your most recent other address.",
        extensions=requires(IsAuthenticated),
    )
    async def delete_address(self, info: Info, input: DeleteAddressInput) -> DeleteAddressPayload:
        try:
            deleted = await addresses.delete_address(
                info.context.rt, info.context.principal, decode_global_id(input.address_id, "Address")
            )
        except AddressError as error:
            return DeleteAddressPayload(user_errors=_errors(error))
        return DeleteAddressPayload(deleted_address_id=encode_global_id("Address", deleted))

    @strawberry.mutation(extensions=requires(IsAuthenticated))
    async def set_default_address(self, info: Info, input: SetDefaultAddressInput) -> SetDefaultAddressPayload:
        try:
            row = await addresses.set_default_address(
                info.context.rt, info.context.principal, decode_global_id(input.address_id, "Address"), input.kind
            )
        except AddressError as error:
            return SetDefaultAddressPayload(user_errors=_errors(error))
        return SetDefaultAddressPayload(address=Address.from_row(row))
