"""The integration API for customers: customers:read (a mailing system) and customers:write (a POS)."""

from datetime import datetime

import strawberry
from strawberry import relay

from app.services import integration_customers
from app.services.errors import AccountError
from app.services.integration_customers import CustomerUpsert
from resolvers.permissions import requires_scope
from schema.types.account_errors import AccountUserError
from schema.types.base import Info, connection_from_page, decode_global_id, user_errors
from schema.types.integration_customer import CustomerRecord, UpsertCustomerInput, UpsertCustomerPayload

_OPTIONAL = ("first_name", "last_name", "phone", "company", "language", "currency")


@strawberry.type
class CustomerIntegrationQueries:
    @strawberry.field(
        description=(
            "One customer by exactly one of customerId (the Customer's global id), email (case-insensitive) or "
            "externalReference; null when there is none (scope customers:read)."
        ),
        extensions=requires_scope("customers:read"),
    )
    async def customer_record(
        self,
        info: Info,
        customer_id: strawberry.ID | None = None,
        email: str | None = None,
        external_reference: str | None = None,
    ) -> CustomerRecord | None:
        found = await integration_customers.record_by(
            info.context.rt,
            info.context.principal,
            customer_id=decode_global_id(customer_id, "Customer"),
            id_sent=customer_id is not None,
            email=email,
            external_reference=external_reference,
        )
        return CustomerRecord.of(found) if found else None

    @strawberry.field(
        description=(
            "Customers changed at or after updatedSince (every customer without it), oldest change first by "
            "(updatedAt, id); keep the endCursor to sync on (scope customers:read)."
        ),
        extensions=requires_scope("customers:read"),
    )
    async def customer_records(
        self, info: Info, updated_since: datetime | None = None, first: int | None = 20, after: str | None = None
    ) -> relay.Connection[CustomerRecord] | None:
        page = await integration_customers.records_updated_since(
            info.context.rt, info.context.principal, updated_since=updated_since, first=first, after=after
        )
        return connection_from_page(page, CustomerRecord.of)  # type: ignore[no-any-return]


@strawberry.type
class CustomerIntegrationMutations:
    @strawberry.mutation(
        description=(
            "Create or update a customer, idempotent on externalReference (scope customers:write). A new account "
            "has no password: the customer sets one with requestPasswordReset. userErrors: REQUIRED, INVALID, "
            "TOO_LONG, INVALID_EMAIL, INVALID_PHONE, EMAIL_TAKEN, PHONE_TAKEN, ACCOUNT_DELETED."
        ),
        extensions=requires_scope("customers:write"),
    )
    async def upsert_customer(self, info: Info, input: UpsertCustomerInput) -> UpsertCustomerPayload:
        sent = frozenset(name for name in _OPTIONAL if getattr(input, name) is not strawberry.UNSET)
        data = CustomerUpsert(
            external_reference=input.external_reference,
            email=input.email,
            sent=sent,
            **{name: getattr(input, name) for name in sent},
        )
        rt, principal = info.context.rt, info.context.principal
        try:
            row, created = await integration_customers.upsert_customer(rt, principal, data)
        except AccountError as error:
            return UpsertCustomerPayload(user_errors=user_errors(error, AccountUserError))
        record = await integration_customers.record_of(rt, row)
        return UpsertCustomerPayload(customer=CustomerRecord.of(record), created=created)
