"""CustomerRecord: a customer as the integration API shows it to a key with customers:read (a mailing system).

Identity, contact, status, settings and the current consents; nothing else. A Node of its own, so node(id:) with
its id answers such a key only (null for everyone else), while Customer stays visible to the customer and staff.
"""

import uuid
from collections.abc import Iterable
from datetime import datetime

import strawberry
from strawberry import relay

from app.services import integration_customers
from app.services.integration_customers import CustomerRecord as Record
from loaders.batching import parse_uuid
from models.customer import CustomerStatus
from schema.types.account_errors import AccountUserError
from schema.types.base import Info
from schema.types.profile import Consent, CustomerSettings


@strawberry.type(
    description=(
        "A customer as an integration sees it (scope customers:read): identity, contact details, status, "
        "settings and current consents. No password, sessions, security events, addresses, orders or payments."
    )
)
class CustomerRecord(relay.Node):
    id: relay.NodeID[str]
    customer_id: strawberry.ID = strawberry.field(
        description="The Customer's global id (as upsertOrder's customerId takes it)."
    )
    external_reference: str | None = strawberry.field(description="The id in the integration's system, if set.")
    email: str
    email_verified: bool
    first_name: str | None
    last_name: str | None
    company: str | None
    status: CustomerStatus
    created_at: datetime
    updated_at: datetime = strawberry.field(
        description="Moves on every change of the customer, its settings or consents (customerRecords' order)."
    )
    settings: CustomerSettings
    consents: list[Consent] = strawberry.field(description="The current state of every consent.")
    record: strawberry.Private[Record]

    @strawberry.field(description="E.164, e.g. +14155550123.")
    def phone(self, info: Info) -> str | None:
        return info.context.rt.fields.open_phone(self.record.customer.id, self.record.customer.phone_encrypted)

    @classmethod
    def of(cls, record: Record) -> "CustomerRecord":
        row, settings = record.customer, record.settings
        return cls(
            id=str(row.id),
            customer_id=strawberry.ID(str(relay.GlobalID("Customer", str(row.id)))),
            external_reference=row.external_reference,
            email=row.email,
            email_verified=row.email_verified_at is not None,
            first_name=row.first_name,
            last_name=row.last_name,
            company=row.company,
            status=row.status,
            created_at=row.created_at,
            updated_at=row.updated_at,
            settings=CustomerSettings(
                language=settings.language,
                currency=settings.currency,
                timezone=settings.timezone,
                email_notifications=settings.email_notifications,
                sms_notifications=settings.sms_notifications,
                updated_at=settings.updated_at if settings.language or settings.currency or settings.timezone else None,
            ),
            consents=[
                Consent(
                    purpose=c.purpose,
                    granted=c.granted,
                    policy_version=c.policy_version,
                    source=c.source,
                    updated_at=c.updated_at,
                )
                for c in record.consents
            ],
            record=record,
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list["CustomerRecord | None"]:
        keys = [parse_uuid(node_id) for node_id in node_ids]
        valid: list[uuid.UUID] = [key for key in keys if key is not None]
        found = await integration_customers.records_by_id(info.context.rt, info.context.principal, valid)
        by_id = {record.customer.id: record for record in found if record is not None}
        return [cls.of(by_id[key]) if key is not None and key in by_id else None for key in keys]


@strawberry.input(
    description=(
        "A customer by the integration's reference. Optional fields left out stay as they are; null clears them."
    )
)
class UpsertCustomerInput:
    external_reference: str = strawberry.field(description="Your id for the customer (at most 100 characters).")
    email: str
    first_name: str | None = strawberry.UNSET
    last_name: str | None = strawberry.UNSET
    phone: str | None = strawberry.field(default=strawberry.UNSET, description="E.164; a new number starts unverified.")
    company: str | None = strawberry.UNSET
    language: str | None = strawberry.field(default=strawberry.UNSET, description="BCP 47, e.g. en-GB.")
    currency: str | None = strawberry.field(default=strawberry.UNSET, description="ISO 4217, e.g. EUR.")


@strawberry.type
class UpsertCustomerPayload:
    customer: CustomerRecord | None = None
    created: bool = strawberry.field(default=False, description="False when the reference was known and updated.")
    user_errors: list[AccountUserError] = strawberry.field(default_factory=list)
