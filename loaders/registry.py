"""The set of loaders of one request (or of one subscription event)."""

from functools import partial
from uuid import UUID

from aiodataloader import DataLoader

from app.db import Database
from app.principal import Principal
from loaders.addresses import load_addresses, load_addresses_by_customer
from loaders.batching import PageKey, make_loader, owned_rows_by_id
from loaders.customers import (
    load_affiliate_requests,
    load_affiliate_requests_by_customer,
    load_customers,
    load_group_moves,
    load_groups,
    load_role_changes,
    load_roles,
)
from loaders.data_export import load_data_exports, load_data_exports_by_customer
from loaders.help import load_help_articles
from loaders.offers import load_offer_lines, load_offer_revisions, load_offers
from loaders.orders import (
    load_invoices,
    load_order_invoices,
    load_order_lines,
    load_order_payments,
    load_order_shipments,
    load_order_timelines,
    load_order_tracking_events,
    load_orders,
    load_payment_disputes,
)
from loaders.privacy import load_current_policy
from loaders.products import load_products, load_recent_views, load_wishlist_items, load_wishlist_pages
from loaders.profile import load_consent_events, load_settings
from loaders.returns import load_order_returns, load_return_lines, load_return_refunds, load_returns
from loaders.security import (
    load_account_event_pages,
    load_event_pages,
    load_security_alerts,
    load_security_events,
    load_service_account_names,
)
from loaders.sessions import load_sessions
from loaders.tickets import load_ticket_messages, load_tickets
from loaders.webhooks import load_webhook_attempts, load_webhook_deliveries, load_webhook_endpoints
from models.address import Address
from models.auth import AuthSession
from models.credit import CreditLimitRequest, CreditTransaction
from models.customer import AffiliateRequest, Customer, CustomerGroup, CustomerGroupMove, Role, RoleChange
from models.data_export import DataExport
from models.help import HelpArticle
from models.offer import Offer, OfferLine, OfferRevision
from models.order import Order, OrderLine, OrderStatusChange, Shipment, TrackingEvent
from models.payment import Invoice, Payment, PaymentDispute
from models.privacy import PrivacyPolicy
from models.product import Product, ProductView, WishlistItem
from models.profile import ConsentEvent, CustomerSettings
from models.returns import ReturnLine, ReturnRefund, ReturnRequest
from models.security import SecurityAlert, SecurityEvent
from models.support import SupportTicket, TicketMessage
from models.webhook import WebhookAttempt, WebhookDelivery, WebhookEndpoint


class Loaders:
    """Built in get_context (aiodataloader binds the running event loop at construction)."""

    def __init__(self, db: Database, principal: Principal) -> None:
        self.customer: DataLoader[UUID, Customer | None] = make_loader(partial(load_customers, db, principal))
        self.group: DataLoader[UUID, CustomerGroup | None] = make_loader(partial(load_groups, db))
        self.roles: DataLoader[UUID, list[Role]] = make_loader(partial(load_roles, db))
        self.role_changes: DataLoader[UUID, list[RoleChange]] = make_loader(partial(load_role_changes, db, principal))
        self.group_moves: DataLoader[UUID, list[CustomerGroupMove]] = make_loader(partial(load_group_moves, db))
        self.affiliate_request: DataLoader[UUID, AffiliateRequest | None] = make_loader(
            partial(load_affiliate_requests, db, principal)
        )
        self.affiliate_requests_by_customer: DataLoader[UUID, list[AffiliateRequest]] = make_loader(
            partial(load_affiliate_requests_by_customer, db, principal)
        )
        self.session: DataLoader[UUID, AuthSession | None] = make_loader(partial(load_sessions, db, principal))
        self.security_event: DataLoader[UUID, SecurityEvent | None] = make_loader(
            partial(load_security_events, db, principal)
        )
        self.security_event_page: DataLoader[PageKey, list[SecurityEvent]] = make_loader(
            partial(load_event_pages, db, principal)
        )
        self.account_event_page: DataLoader[PageKey, list[SecurityEvent]] = make_loader(
            partial(load_account_event_pages, db, principal)
        )
        self.service_account_name: DataLoader[UUID, str | None] = make_loader(
            partial(load_service_account_names, db, principal)
        )
        self.security_alert: DataLoader[UUID, SecurityAlert | None] = make_loader(
            partial(load_security_alerts, db, principal)
        )
        self.address: DataLoader[UUID, Address | None] = make_loader(partial(load_addresses, db, principal))
        self.addresses_by_customer: DataLoader[UUID, list[Address]] = make_loader(
            partial(load_addresses_by_customer, db, principal)
        )
        self.settings: DataLoader[UUID, CustomerSettings | None] = make_loader(partial(load_settings, db, principal))
        self.consent_events: DataLoader[UUID, list[ConsentEvent]] = make_loader(
            partial(load_consent_events, db, principal)
        )
        self.privacy_policy: DataLoader[str, PrivacyPolicy | None] = make_loader(partial(load_current_policy, db))
        self.product: DataLoader[UUID, Product | None] = make_loader(partial(load_products, db))
        self.wishlist_item: DataLoader[UUID, WishlistItem | None] = make_loader(
            partial(load_wishlist_items, db, principal)
        )
        self.wishlist_page: DataLoader[PageKey, list[WishlistItem]] = make_loader(
            partial(load_wishlist_pages, db, principal)
        )
        self.recent_views: DataLoader[UUID, list[ProductView]] = make_loader(partial(load_recent_views, db, principal))
        self.data_export: DataLoader[UUID, DataExport | None] = make_loader(partial(load_data_exports, db, principal))
        self.data_exports_by_customer: DataLoader[UUID, list[DataExport]] = make_loader(
            partial(load_data_exports_by_customer, db, principal)
        )
        self.order: DataLoader[UUID, Order | None] = make_loader(partial(load_orders, db, principal))
        self.order_lines: DataLoader[UUID, list[OrderLine]] = make_loader(partial(load_order_lines, db))
        self.order_timeline: DataLoader[UUID, list[OrderStatusChange]] = make_loader(partial(load_order_timelines, db))
        self.order_shipments: DataLoader[UUID, list[Shipment]] = make_loader(partial(load_order_shipments, db))
        self.order_tracking_events: DataLoader[UUID, list[TrackingEvent]] = make_loader(
            partial(load_order_tracking_events, db)
        )
        self.credit_transaction: DataLoader[UUID, CreditTransaction | None] = make_loader(
            partial(owned_rows_by_id, db, principal, CreditTransaction)
        )
        self.credit_limit_request: DataLoader[UUID, CreditLimitRequest | None] = make_loader(
            partial(owned_rows_by_id, db, principal, CreditLimitRequest)
        )
        self.invoice: DataLoader[UUID, Invoice | None] = make_loader(partial(load_invoices, db, principal))
        self.order_invoice: DataLoader[UUID, Invoice | None] = make_loader(partial(load_order_invoices, db))
        self.order_payments: DataLoader[UUID, list[Payment]] = make_loader(partial(load_order_payments, db))
        self.payment_disputes: DataLoader[UUID, list[PaymentDispute]] = make_loader(partial(load_payment_disputes, db))
        self.offer: DataLoader[UUID, Offer | None] = make_loader(partial(load_offers, db, principal))
        self.offer_lines: DataLoader[UUID, list[OfferLine]] = make_loader(partial(load_offer_lines, db))
        self.offer_revisions: DataLoader[UUID, list[OfferRevision]] = make_loader(partial(load_offer_revisions, db))
        self.ticket: DataLoader[UUID, SupportTicket | None] = make_loader(partial(load_tickets, db, principal))
        self.ticket_messages: DataLoader[UUID, list[TicketMessage]] = make_loader(partial(load_ticket_messages, db))
        self.return_request: DataLoader[UUID, ReturnRequest | None] = make_loader(partial(load_returns, db, principal))
        self.return_lines: DataLoader[UUID, list[ReturnLine]] = make_loader(partial(load_return_lines, db))
        self.return_refunds: DataLoader[UUID, list[ReturnRefund]] = make_loader(partial(load_return_refunds, db))
        self.order_returns: DataLoader[UUID, list[ReturnRequest]] = make_loader(partial(load_order_returns, db))
        self.help_article: DataLoader[UUID, HelpArticle | None] = make_loader(
            partial(load_help_articles, db, principal)
        )
        self.webhook_endpoint: DataLoader[UUID, WebhookEndpoint | None] = make_loader(
            partial(load_webhook_endpoints, db, principal)
        )
        self.webhook_delivery: DataLoader[UUID, WebhookDelivery | None] = make_loader(
            partial(load_webhook_deliveries, db, principal)
        )
        self.webhook_attempt: DataLoader[UUID, WebhookAttempt | None] = make_loader(
            partial(load_webhook_attempts, db, principal)
        )
