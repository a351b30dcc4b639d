"""SQLModel tables. Importing this package registers every table on SQLModel.metadata."""

from models.address import Address
from models.auth import AuthSession, VerificationChannel, VerificationPurpose, VerificationToken
from models.credit import (
    CreditLimitRequest,
    CreditLimitRequestStatus,
    CreditTransaction,
    CreditTransactionReason,
    StoreCreditAccount,
)
from models.customer import (
    ActivationMode,
    AffiliateRequest,
    AffiliateRequestStatus,
    Customer,
    CustomerGroup,
    CustomerRole,
    CustomerStatus,
    Role,
    RoleChange,
    RoleChangeAction,
)
from models.data_export import DataExport
from models.email_change import EmailChange, EmailChangeStatus
from models.help import HelpArticle
from models.offer import Offer, OfferLine, OfferState
from models.order import (
    Order,
    OrderChannel,
    OrderLine,
    OrderStatus,
    OrderStatusChange,
    Shipment,
    ShipmentStatus,
    TrackingEvent,
)
from models.outbox import OutboxChannel, OutboxMessage, OutboxStatus
from models.payment import (
    Invoice,
    InvoiceSequence,
    InvoiceStatus,
    Payment,
    PaymentMethod,
    PaymentSource,
    PaymentStatus,
)
from models.privacy import PrivacyPolicy
from models.product import Product, ProductView, WishlistItem
from models.profile import ConsentEvent, ConsentPurpose, CustomerSettings
from models.returns import (
    ReturnDecisionReason,
    ReturnLine,
    ReturnReason,
    ReturnRefund,
    ReturnRefundDestination,
    ReturnRefundStatus,
    ReturnRequest,
    ReturnResolution,
    ReturnStatus,
)
from models.security import (
    SecurityAlert,
    SecurityAlertKind,
    SecurityEvent,
    SecurityEventOutcome,
    SecurityEventType,
    ThrottleCounter,
)
from models.service_account import ServiceAccount
from models.support import SupportTicket, TicketAuthorKind, TicketCategory, TicketMessage, TicketState
from models.two_factor import ChallengeMethod, RecoveryCode, TotpCredential, TrustedDevice, TwoFactorChallenge

__all__ = [
    "ActivationMode",
    "Address",
    "AffiliateRequest",
    "AffiliateRequestStatus",
    "AuthSession",
    "ChallengeMethod",
    "ConsentEvent",
    "ConsentPurpose",
    "CreditLimitRequest",
    "CreditLimitRequestStatus",
    "CreditTransaction",
    "CreditTransactionReason",
    "Customer",
    "CustomerGroup",
    "CustomerRole",
    "CustomerSettings",
    "CustomerStatus",
    "DataExport",
    "EmailChange",
    "EmailChangeStatus",
    "HelpArticle",
    "Invoice",
    "InvoiceSequence",
    "InvoiceStatus",
    "Offer",
    "OfferLine",
    "OfferState",
    "Order",
    "OrderChannel",
    "OrderLine",
    "OrderStatus",
    "OrderStatusChange",
    "OutboxChannel",
    "OutboxMessage",
    "OutboxStatus",
    "Payment",
    "PaymentMethod",
    "PaymentSource",
    "PaymentStatus",
    "PrivacyPolicy",
    "Product",
    "ProductView",
    "RecoveryCode",
    "ReturnDecisionReason",
    "ReturnLine",
    "ReturnReason",
    "ReturnRefund",
    "ReturnRefundDestination",
    "ReturnRefundStatus",
    "ReturnRequest",
    "ReturnResolution",
    "ReturnStatus",
    "Role",
    "RoleChange",
    "RoleChangeAction",
    "SecurityAlert",
    "SecurityAlertKind",
    "SecurityEvent",
    "SecurityEventOutcome",
    "SecurityEventType",
    "ServiceAccount",
    "Shipment",
    "ShipmentStatus",
    "StoreCreditAccount",
    "SupportTicket",
    "ThrottleCounter",
    "TicketAuthorKind",
    "TicketCategory",
    "TicketMessage",
    "TicketState",
    "TotpCredential",
    "TrackingEvent",
    "TrustedDevice",
    "TwoFactorChallenge",
    "VerificationChannel",
    "VerificationPurpose",
    "VerificationToken",
    "WishlistItem",
]
