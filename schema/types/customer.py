"""Customer, CustomerGroup, role history and affiliate requests."""

import uuid
from collections.abc import Iterable
from datetime import date, datetime
from typing import Annotated, Any

import strawberry
from strawberry import relay

from app.pagination import build_page, page_size
from app.services import offers, payment_methods, privacy, returns, statements, store_credit
from app.services.orders import OrderFilter as OrderQuery
from app.services.orders import customer_orders
from app.services.statements import MAX_DAYS as MAX_STATEMENT_DAYS
from app.services.store_credit import CreditError
from app.services.tickets import customer_tickets
from loaders.batching import PageKey
from loaders.privacy import CURRENT
from models.customer import (
    ActivationMode,
    AffiliateRequestStatus,
    CustomerStatus,
    Role,
    RoleChangeAction,
)
from models.customer import AffiliateRequest as AffiliateRequestRow
from models.customer import Customer as CustomerRow
from models.customer import CustomerGroup as CustomerGroupRow
from models.customer import CustomerGroupMove as CustomerGroupMoveRow
from models.customer import RoleChange as RoleChangeRow
from models.profile import ConsentEvent as ConsentEventRow
from models.profile import ConsentPurpose
from models.profile import CustomerSettings as CustomerSettingsRow
from schema.types.address import Address
from schema.types.base import Info, connection_from_page, load_nodes, user_errors, visible_customer
from schema.types.credit import CreditLimitRequest, CreditTransaction, CreditUserError, StoreCredit
from schema.types.data_export import DataExport
from schema.types.money import CurrencyCode, CurrencyCodeValues, Money
from schema.types.offer import CustomerOfferFilter, Offer, offers_connection
from schema.types.order import Order, OrderFilter, orders_connection
from schema.types.payment import PaymentMethod
from schema.types.product import RecentlyViewedProduct, WishlistItem
from schema.types.profile import Consent, ConsentChange, CustomerSettings
from schema.types.returns import CustomerReturnFilter, Return, returns_connection
from schema.types.security import SecurityEvent
from schema.types.statement import AccountStatement, AccountStatementPayload, StatementFrom, StatementTo
from schema.types.ticket import CustomerTicketFilter, SupportTicket, tickets_connection


async def _newest_page(loader: Any, customer_id: uuid.UUID, first: int | None, after: str | None, to_node: Any) -> Any:
    """A connection over one page of a customer's rows (newest first by created_at) from a page loader."""
    limit = page_size(first)
    rows = await loader.load(PageKey(customer_id, limit, after))
    return connection_from_page(build_page(rows, limit, lambda row: (row.created_at, row.id), after), to_node)


@strawberry.type(description="A group of customers (e.g. shop, wholesale); it decides how new accounts are activated.")
class CustomerGroup(relay.Node):
    id: relay.NodeID[str]
    code: str
    name: str
    activation_mode: ActivationMode
    self_registration: bool = strawberry.field(
        description="Whether storefronts may register customers into this group."
    )

    payment_terms_days: int | None = strawberry.field(
        description="Net days a member's invoices are payable in (B2B groups); null: payable at once."
    )
    updated_at: datetime
    row: strawberry.Private[CustomerGroupRow]

    @strawberry.field(
        description=(
            "The credit limit store credit accounts of members start with when they are opened (staff; null "
            "for others or when none). Accounts opened before keep their limit."
        )
    )
    def default_credit_limit(self, info: Info) -> Money | None:
        if not info.context.principal.is_staff or self.row.default_credit_currency is None:
            return None
        return Money.of(self.row.default_credit_limit or 0, self.row.default_credit_currency)

    @classmethod
    def from_row(cls, row: CustomerGroupRow) -> "CustomerGroup":
        return cls(
            id=str(row.id),
            code=row.code,
            name=row.name,
            activation_mode=row.activation_mode,
            self_registration=row.self_registration,
            payment_terms_days=row.payment_terms_days,
            updated_at=row.updated_at,
            row=row,
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list["CustomerGroup | None"]:
        rows = await load_nodes(info.context.loaders.group, node_ids)
        return [cls.from_row(row) if row else None for row in rows]


@strawberry.type(description="A role granted to or revoked from an account, by whom and why.")
class RoleChange:
    role: Role
    action: RoleChangeAction
    reason: str
    created_at: datetime
    row: strawberry.Private[RoleChangeRow]

    @strawberry.field(
        description="The administrator who made the change; null for the command line or when not visible to you."
    )
    async def actor(self, info: Info) -> Annotated["Customer", strawberry.lazy("schema.types.customer")] | None:
        return await visible_customer(info, self.row.actor_id)  # type: ignore[no-any-return]

    @classmethod
    def from_row(cls, row: RoleChangeRow) -> "RoleChange":
        return cls(role=row.role, action=row.action, reason=row.reason, created_at=row.created_at, row=row)


@strawberry.type(description="A customer moved to another group by an administrator, and why.")
class CustomerGroupMove:
    reason: str
    created_at: datetime
    row: strawberry.Private[CustomerGroupMoveRow]

    @strawberry.field
    async def from_group(self, info: Info) -> CustomerGroup:
        row = await info.context.loaders.group.load(self.row.from_group_id)
        assert row is not None  # a foreign key guarantees the group
        return CustomerGroup.from_row(row)

    @strawberry.field
    async def to_group(self, info: Info) -> CustomerGroup:
        row = await info.context.loaders.group.load(self.row.to_group_id)
        assert row is not None
        return CustomerGroup.from_row(row)

    @strawberry.field(description="The administrator who moved the customer; null for the command line.")
    async def actor(self, info: Info) -> Annotated["Customer", strawberry.lazy("schema.types.customer")] | None:
        return await visible_customer(info, self.row.actor_id)  # type: ignore[no-any-return]

    @classmethod
    def from_row(cls, row: CustomerGroupMoveRow) -> "CustomerGroupMove":
        return cls(reason=row.reason, created_at=row.created_at, row=row)


@strawberry.type(description="A customer's request to become an affiliate; an administrator decides.")
class AffiliateRequest(relay.Node):
    id: relay.NodeID[str]
    status: AffiliateRequestStatus
    message: str | None
    decision_reason: str | None
    decided_at: datetime | None
    created_at: datetime
    row: strawberry.Private[AffiliateRequestRow]

    @strawberry.field
    async def customer(self, info: Info) -> Annotated["Customer", strawberry.lazy("schema.types.customer")] | None:
        return await visible_customer(info, self.row.customer_id)  # type: ignore[no-any-return]

    @classmethod
    def from_row(cls, row: AffiliateRequestRow) -> "AffiliateRequest":
        return cls(
            id=str(row.id),
            status=row.status,
            message=row.message,
            decision_reason=row.decision_reason,
            decided_at=row.decided_at,
            created_at=row.created_at,
            row=row,
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list["AffiliateRequest | None"]:
        rows = await load_nodes(info.context.loaders.affiliate_request, node_ids)
        return [cls.from_row(row) if row else None for row in rows]


@strawberry.type(description="A customer account. Visible to the customer and to staff.")
class Customer(relay.Node):
    id: relay.NodeID[str]
    email: str
    first_name: str | None
    last_name: str | None
    status: CustomerStatus
    email_verified: bool
    phone_verified: bool
    created_at: datetime
    activated_at: datetime | None
    row: strawberry.Private[CustomerRow]

    @classmethod
    def from_row(cls, row: CustomerRow) -> "Customer":
        return cls(
            id=str(row.id),
            email=row.email,
            first_name=row.first_name,
            last_name=row.last_name,
            status=row.status,
            email_verified=row.email_verified_at is not None,
            phone_verified=row.phone_verified_at is not None,
            created_at=row.created_at,
            activated_at=row.activated_at,
            row=row,
        )

    @strawberry.field(description="E.164, e.g. +14155550123 (stored encrypted).")
    def phone(self, info: Info) -> str | None:
        return info.context.rt.fields.open_phone(self.row.id, self.row.phone_encrypted)

    @strawberry.field
    async def group(self, info: Info) -> CustomerGroup:
        row = await info.context.loaders.group.load(self.row.group_id)
        assert row is not None  # a foreign key guarantees the group
        return CustomerGroup.from_row(row)

    @strawberry.field(description="Moves to another group, newest first (staff; empty for others).")
    async def group_history(self, info: Info) -> list[CustomerGroupMove]:
        if not info.context.principal.is_staff:
            return []  # the reasons are internal notes
        rows = await info.context.loaders.group_moves.load(self.row.id)
        return [CustomerGroupMove.from_row(row) for row in rows]

    @strawberry.field
    async def roles(self, info: Info) -> list[Role]:
        roles: list[Role] = await info.context.loaders.roles.load(self.row.id)
        return roles

    @strawberry.field(description="Every role granted or revoked, newest first.")
    async def role_changes(self, info: Info) -> list[RoleChange]:
        rows = await info.context.loaders.role_changes.load(self.row.id)
        return [RoleChange.from_row(row) for row in rows]

    @strawberry.field(description="Requests for affiliate status, newest first.")
    async def affiliate_requests(self, info: Info) -> list[AffiliateRequest]:
        rows = await info.context.loaders.affiliate_requests_by_customer.load(self.row.id)
        return [AffiliateRequest.from_row(row) for row in rows]

    @strawberry.field
    def company(self) -> str | None:
        return self.row.company

    @strawberry.field(description="Stored encrypted.")
    def date_of_birth(self, info: Info) -> date | None:
        text = info.context.rt.fields.decrypt(
            "customer", "date_of_birth", self.row.id, self.row.date_of_birth_encrypted
        )
        return date.fromisoformat(text) if text else None

    @strawberry.field
    async def settings(self, info: Info) -> CustomerSettings:
        row = await info.context.loaders.settings.load(self.row.id) or CustomerSettingsRow(customer_id=self.row.id)
        return CustomerSettings(
            language=row.language,
            currency=row.currency,
            timezone=row.timezone,
            email_notifications=row.email_notifications,
            sms_notifications=row.sms_notifications,
            updated_at=row.updated_at if row.language or row.currency or row.timezone else None,
        )

    @strawberry.field(description="The current state of every consent.")
    async def consents(self, info: Info) -> list[Consent]:
        events = await info.context.loaders.consent_events.load(self.row.id)
        latest: dict[ConsentPurpose, ConsentEventRow] = {}
        for event in events:
            latest.setdefault(event.purpose, event)
        return [
            Consent(
                purpose=purpose,
                granted=latest[purpose].granted if purpose in latest else False,
                policy_version=latest[purpose].policy_version if purpose in latest else None,
                source=latest[purpose].source if purpose in latest else None,
                updated_at=latest[purpose].created_at if purpose in latest else None,
            )
            for purpose in ConsentPurpose
        ]

    @strawberry.field(description="Every grant and withdrawal, newest first.")
    async def consent_history(self, info: Info) -> list[ConsentChange]:
        events = await info.context.loaders.consent_events.load(self.row.id)
        return [
            ConsentChange(
                purpose=e.purpose,
                granted=e.granted,
                policy_version=e.policy_version,
                source=e.source,
                created_at=e.created_at,
            )
            for e in events
        ]

    @strawberry.field(
        description=(
            "True when a consent was granted under an earlier version of the privacy policy than the one in force "
            "(privacyPolicy): show the policy and ask again. Cleared by confirmConsents, or by setConsent for each."
        )
    )
    async def privacy_review_required(self, info: Info) -> bool:
        events = await info.context.loaders.consent_events.load(self.row.id)
        policy = await info.context.loaders.privacy_policy.load(CURRENT)
        return bool(privacy.needs_review(privacy.latest_per_purpose(events), policy))

    @strawberry.field(description="Billing and shipping addresses, oldest first.")
    async def addresses(self, info: Info) -> list[Address]:
        rows = await info.context.loaders.addresses_by_customer.load(self.row.id)
        return [Address.from_row(row) for row in rows]

    @strawberry.field
    async def default_billing_address(self, info: Info) -> Address | None:
        rows = await info.context.loaders.addresses_by_customer.load(self.row.id)
        return next((Address.from_row(row) for row in rows if row.is_default_billing), None)

    @strawberry.field
    async def default_shipping_address(self, info: Info) -> Address | None:
        rows = await info.context.loaders.addresses_by_customer.load(self.row.id)
        return next((Address.from_row(row) for row in rows if row.is_default_shipping), None)

    @strawberry.field(description="Security activity on this account (sign-ins, password changes …), newest first.")
    async def security_events(
        self,
        info: Info,
        first: int | None = 20,
        after: str | None = None,
        staff_work: Annotated[
            bool,
            strawberry.argument(
                description="Staff see staff work on the account too (tickets, returns, offers written, money, "
                "the help centre): false leaves it out, for what happened to the account itself. Customers never "
                "see that work; what staff changed about the account or an offer to it (a suspension, a role, an "
                "offer revised or withdrawn, with the reason given) is the account's own history and stays in "
                "theirs."
            ),
        ] = True,
    ) -> relay.Connection[SecurityEvent] | None:
        loaders = info.context.loaders
        loader = loaders.security_event_page if staff_work else loaders.account_event_page
        return await _newest_page(loader, self.row.id, first, after, SecurityEvent.from_row)  # type: ignore[no-any-return]

    @strawberry.field(description="Products on the wishlist, most recently added first.")
    async def wishlist(
        self, info: Info, first: int | None = 20, after: str | None = None
    ) -> relay.Connection[WishlistItem] | None:
        return await _newest_page(info.context.loaders.wishlist_page, self.row.id, first, after, WishlistItem.from_row)  # type: ignore[no-any-return]

    @strawberry.field(description="Products looked at lately, newest first (a bounded list).")
    async def recently_viewed(self, info: Info, first: int | None = None) -> list[RecentlyViewedProduct] | None:
        rows = await info.context.loaders.recent_views.load(self.row.id)
        limit = page_size(first) if first is not None else len(rows)
        return [RecentlyViewedProduct(viewed_at=row.viewed_at, row=row) for row in rows[:limit]]

    @strawberry.field(description="Orders, newest first; online and POS alike.")
    async def orders(
        self, info: Info, first: int | None = 20, after: str | None = None, filter: OrderFilter | None = None
    ) -> relay.Connection[Order] | None:
        wanted = filter or OrderFilter()
        page = await customer_orders(
            info.context.rt,
            info.context.principal,
            self.row.id,
            first=first,
            after=after,
            filter=OrderQuery(
                statuses=tuple(wanted.status or ()),
                placed_after=wanted.placed_after,
                placed_before=wanted.placed_before,
                query=wanted.query,
            ),
        )
        return await orders_connection(info, page)  # type: ignore[no-any-return]

    @strawberry.field(description="Offers (quotes) written for this customer, newest first.")
    async def offers(
        self, info: Info, first: int | None = 20, after: str | None = None, filter: CustomerOfferFilter | None = None
    ) -> relay.Connection[Offer] | None:
        page = await offers.customer_offers(
            info.context.rt,
            info.context.principal,
            self.row.id,
            first=first,
            after=after,
            state=filter.state if filter else None,
        )
        return offers_connection(page)  # type: ignore[no-any-return]

    @strawberry.field(description="Returns (RMAs) this customer requested, newest first.")
    async def returns(
        self, info: Info, first: int | None = 20, after: str | None = None, filter: CustomerReturnFilter | None = None
    ) -> relay.Connection[Return] | None:
        page = await returns.customer_returns(
            info.context.rt,
            info.context.principal,
            self.row.id,
            first=first,
            after=after,
            status=filter.status if filter else None,
        )
        return returns_connection(page)  # type: ignore[no-any-return]

    @strawberry.field(description="Support tickets this customer opened, newest first.")
    async def tickets(
        self, info: Info, first: int | None = 20, after: str | None = None, filter: CustomerTicketFilter | None = None
    ) -> relay.Connection[SupportTicket] | None:
        page = await customer_tickets(
            info.context.rt,
            info.context.principal,
            self.row.id,
            first=first,
            after=after,
            state=filter.state if filter else None,
        )
        return tickets_connection(page)  # type: ignore[no-any-return]

    @strawberry.field(description="Saved cards, the default first.")
    async def payment_methods(self, info: Info) -> list[PaymentMethod]:
        rows = await payment_methods.list_methods(info.context.rt, info.context.principal, self.row.id)
        warning_days = info.context.rt.settings.card_expiry_warning_days
        return [PaymentMethod.from_row(row, warning_days) for row in rows]

    @strawberry.field(
        description="Store credit in a currency (default: the customer's settings.currency, else DEFAULT_CURRENCY)."
    )
    async def store_credit(
        self,
        info: Info,
        currency_code: CurrencyCode | None = None,  # type: ignore[valid-type]
    ) -> StoreCredit:
        code = currency_code.value if currency_code is not None else None
        return StoreCredit.of(await store_credit.balance(info.context.rt, info.context.principal, self.row.id, code))

    @strawberry.field(description="Store-credit ledger entries, newest first.")
    async def credit_transactions(
        self,
        info: Info,
        first: int | None = 20,
        after: str | None = None,
        currency_code: CurrencyCode | None = None,  # type: ignore[valid-type]
    ) -> relay.Connection[CreditTransaction] | None:
        page = await store_credit.transactions(
            info.context.rt,
            info.context.principal,
            self.row.id,
            currency=currency_code.value if currency_code is not None else None,
            first=first,
            after=after,
        )
        return connection_from_page(page, CreditTransaction.from_row)  # type: ignore[no-any-return]

    @strawberry.field(description="Credit-limit requests and their decisions, newest first.")
    async def credit_limit_requests(self, info: Info) -> list[CreditLimitRequest]:
        rows = await store_credit.customer_requests(info.context.rt, info.context.principal, self.row.id)
        return [CreditLimitRequest.from_row(row) for row in rows]

    @strawberry.field(description="Data exports asked for (exportMyData), newest first.")
    async def data_exports(self, info: Info) -> list[DataExport]:
        rows = await info.context.loaders.data_exports_by_customer.load(self.row.id)
        return [DataExport.from_row(row) for row in rows]

    # ── statements: the on-account ledger as a statement (app.services.statements) ──

    @strawberry.field(description="Currencies your store-credit ledger has entries in, alphabetically.")
    async def store_credit_currencies(self, info: Info) -> list[CurrencyCode]:  # type: ignore[valid-type]
        found = await statements.currencies(info.context.rt, info.context.principal, self.row.id)
        return [CurrencyCodeValues[code] for code in found]

    @strawberry.field(
        description=(
            "A statement of the store-credit (on-account) ledger in one currency (default: your settings.currency, "
            "else DEFAULT_CURRENCY) from one calendar day to another, both included (default: this month so far). "
            "Days run midnight to midnight on your settings.timezone, else UTC, the clock your documents print "
            "dates on. The opening balance is every entry before `from`; a currency without an "
            "account reads as an empty statement with zero balances. userErrors: INVALID_PERIOD (`to` before "
            f"`from`, or a day outside 1970-9998), PERIOD_TOO_LONG (more than {MAX_STATEMENT_DAYS} days)."
        )
    )
    async def account_statement(
        self,
        info: Info,
        currency_code: CurrencyCode | None = None,  # type: ignore[valid-type]
        from_: StatementFrom = None,
        to: StatementTo = None,
    ) -> AccountStatementPayload:
        code = str(getattr(currency_code, "value", currency_code)) if currency_code is not None else None
        try:
            found = await statements.statement(info.context.rt, info.context.principal, self.row.id, code, from_, to)
        except CreditError as error:
            return AccountStatementPayload(user_errors=user_errors(error, CreditUserError, prefix=()))
        return AccountStatementPayload(statement=AccountStatement.of(found))

    # ── end statements ──

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list["Customer | None"]:
        rows = await load_nodes(info.context.loaders.customer, node_ids)
        return [cls.from_row(row) if row else None for row in rows]


__all__ = [
    "ActivationMode",
    "AffiliateRequest",
    "Customer",
    "CustomerGroup",
    "CustomerGroupMove",
    "CustomerStatus",
    "RoleChange",
]
