"""Deleting an account: personal data anonymised, secrets and tokens removed, history kept.

The customer row stays (orders and invoices will point at it, as the law requires them to be kept)
but holds nothing personal: the email becomes deleted-<id>@invalid, so the address can register again.
Security events stay, attached to the anonymised account.
"""

import uuid
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.db import mark_sessions_changed
from app.principal import Principal
from app.runtime import RequestMeta, Runtime
from app.services import analytics_events, audit, event_data, messages, payment_methods, returns, tickets
from app.services.customer_queries import display_name
from app.services.customers import require_admin
from app.services.errors import AccountError, AccountErrorCode, ErrorDetail
from app.services.sessions import require_customer
from app.services.two_factor import guard_codes, is_enabled, password_matches, use_recovery_code, verify_totp
from app.services.validation import MAX_TEXT_LENGTH, clean_text, neutralize_text
from models.address import Address
from models.analytics import HelpEvent, RegistrationAttempt
from models.auth import AuthSession, VerificationToken
from models.base import utcnow
from models.customer import AffiliateRequest, Customer, CustomerRole, CustomerStatus
from models.data_export import DataExport
from models.email_change import EmailChange
from models.order import Order
from models.payment import GatewayCustomer, Invoice, PaymentMethod
from models.product import ProductView, WishlistItem
from models.profile import ConsentEvent, CustomerSettings
from models.security import SecurityEventOutcome, SecurityEventType
from models.two_factor import RecoveryCode, TotpCredential, TrustedDevice, TwoFactorChallenge

# Rows that are nothing but personal data or credentials of the account.
OWNED_ROWS = [
    Address,
    GatewayCustomer,
    CustomerSettings,
    ConsentEvent,
    VerificationToken,
    AuthSession,
    TotpCredential,
    RecoveryCode,
    TrustedDevice,
    TwoFactorChallenge,
    EmailChange,
    AffiliateRequest,
    WishlistItem,
    ProductView,
    DataExport,
]


def _anonymised_address(address: dict[str, Any] | None) -> dict[str, Any] | None:
    """Only what tax records need: the country (and region) the goods went to."""
    if address is None:
        return None
    return {key: address[key] for key in ("countryCode", "region") if key in address}


async def _anonymise(
    session: AsyncSession,
    rt: Runtime,
    customer: Customer,
    meta: RequestMeta,
    actor_id: uuid.UUID | None,
    reason: str | None = None,
) -> list[tuple[uuid.UUID, str]]:
    now = utcnow()
    placeholder = f"deleted-{customer.id.hex}@invalid"
    # Analytics keeps its counts, not the person: help-centre visits name nobody any more, and the keyed hash
    # of the address's registration (which could confirm that this address once registered) goes.
    await session.execute(update(HelpEvent).where(col(HelpEvent.customer_id) == customer.id).values(customer_id=None))
    registered = analytics_events.address_key(customer.email)
    if registered is not None:
        attempt = audit.identifier_hash(rt, registered)
        await session.execute(delete(RegistrationAttempt).where(col(RegistrationAttempt.identifier_hash) == attempt))
    for model in OWNED_ROWS:
        await session.execute(delete(model).where(col(model.customer_id) == customer.id))  # type: ignore[attr-defined]
    await session.execute(delete(CustomerRole).where(col(CustomerRole.customer_id) == customer.id))
    mark_sessions_changed(session, customer.id)
    await tickets.erase_customer_tickets(session, customer.id)
    await returns.erase_customer_notes(session, customer.id)
    # Orders stay (the law keeps them), without the names, streets and phones of their address copies.
    orders = list((await session.execute(select(Order).where(col(Order.customer_id) == customer.id))).scalars())
    order_countries: dict[uuid.UUID, dict[str, Any]] = {}
    for order in orders:
        order_countries[order.id] = _anonymised_address(order.billing_address or order.shipping_address) or {}
        order.billing_address = _anonymised_address(order.billing_address)
        order.shipping_address = _anonymised_address(order.shipping_address)
        session.add(order)
    # Invoices stay too, naming nobody; saved cards lose their gateway tokens (payments keep their labels).
    invoices = (await session.execute(select(Invoice).where(col(Invoice.customer_id) == customer.id))).scalars()
    for invoice in invoices:
        country = (order_countries.get(invoice.order_id) or {}).get("countryCode")
        invoice.buyer = {"name": "Deleted customer", "address_lines": [country] if country else [], "email": None}
        session.add(invoice)
    sealed = [
        (row.id, row.token_encrypted)
        for row in (
            await session.execute(
                select(col(PaymentMethod.id), col(PaymentMethod.token_encrypted)).where(
                    col(PaymentMethod.customer_id) == customer.id, col(PaymentMethod.token_encrypted).is_not(None)
                )
            )
        ).all()
    ]
    await session.execute(
        update(PaymentMethod)
        .where(col(PaymentMethod.customer_id) == customer.id)
        .values(
            token_encrypted=None,
            token_lookup=None,
            billing_address=None,
            is_default=False,
            removed_at=func.coalesce(col(PaymentMethod.removed_at), now),
        )
    )
    await session.execute(
        update(Customer)
        .where(col(Customer.id) == customer.id)
        .values(
            email=placeholder,
            email_key=placeholder,
            password_hash=None,
            first_name=None,
            last_name=None,
            company=None,
            phone_encrypted=None,
            phone_index=None,
            date_of_birth_encrypted=None,
            email_verified_at=None,
            phone_verified_at=None,
            status=CustomerStatus.DELETED,
            status_reason=None,
            updated_at=now,
        )
    )
    audit.record(
        session, meta, SecurityEventType.ACCOUNT_DELETED, customer_id=customer.id, actor_id=actor_id, detail=reason
    )
    event_data.customer_deleted(session, customer, deleted_by="CUSTOMER" if actor_id is None else "ADMINISTRATOR")
    return sealed  # saved cards to remove at the gateway once this commits


async def _farewell(session: AsyncSession, rt: Runtime, customer: Customer) -> None:
    # Sent to the address before it is forgotten; the outbox holds it encrypted until delivered.
    await messages.email(
        session, rt, "account_deleted", customer.email, {"name": display_name(customer)}, customer_id=customer.id
    )


async def delete_own_account(
    rt: Runtime, principal: Principal, meta: RequestMeta, *, password: str | None, code: str | None
) -> None:
    """The customer deletes their account, proving it with the password or a second-factor code."""
    customer_id = require_customer(principal)
    if not password and not code:
        raise AccountError.one(AccountErrorCode.REQUIRED, "Send your password or a two-factor code.", ("password",))
    await guard_codes(rt, meta, customer_id)
    proven = await password_matches(rt, customer_id, password)
    async with rt.db.unit_of_work() as session:
        if not proven and code and await is_enabled(session, customer_id):
            proven = await verify_totp(session, rt, customer_id, code) or await use_recovery_code(
                session, rt, customer_id, code
            )
        if not proven:
            audit.record(
                session,
                meta,
                SecurityEventType.ACCOUNT_DELETED,
                SecurityEventOutcome.FAILURE,
                customer_id=customer_id,
                reason="NOT_VERIFIED",
            )
    if not proven:
        raise AccountError.one(
            AccountErrorCode.INCORRECT_PASSWORD, "The password or code is not correct.", ("password",)
        )
    async with rt.db.unit_of_work() as session:
        customer = await session.get(Customer, customer_id)
        assert customer is not None
        await _farewell(session, rt, customer)
        cards = await _anonymise(session, rt, customer, meta, None)
    await payment_methods.forget_all_at_gateway(rt, cards)


async def delete_customer(
    rt: Runtime, principal: Principal, meta: RequestMeta, customer_id: uuid.UUID | None, reason: str | None
) -> uuid.UUID:
    """An administrator deletes an account on the customer's request (recorded with the reason)."""
    actor_id = require_admin(principal)
    errors: list[ErrorDetail] = []
    why = clean_text(
        neutralize_text(reason), ("reason",), errors, max_length=MAX_TEXT_LENGTH, required=True, label="Reason"
    )
    if errors:
        raise AccountError(*errors)
    async with rt.db.unit_of_work() as session:
        customer = await session.get(Customer, customer_id) if customer_id else None
        if customer is None:
            raise AccountError.one(AccountErrorCode.NOT_FOUND, "No such customer.", ("customerId",))
        if customer.id == actor_id:
            raise AccountError.one(
                AccountErrorCode.CANNOT_CHANGE_OWN_ACCOUNT,
                "Delete your own account with deleteAccount.",
                ("customerId",),
            )
        if customer.status is CustomerStatus.DELETED:
            raise AccountError.one(
                AccountErrorCode.ACCOUNT_DELETED, "This account is already deleted.", ("customerId",)
            )
        await _farewell(session, rt, customer)
        cards = await _anonymise(session, rt, customer, meta, actor_id, why)
    await payment_methods.forget_all_at_gateway(rt, cards)
    return customer.id
