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
from models.product import Product, ProductView, WishlistItem
from models.profile import ConsentEvent, ConsentPurpose, CustomerSettings
from models.security import (
    SecurityAlert,
    SecurityAlertKind,
    SecurityEvent,
    SecurityEventOutcome,
    SecurityEventType,
    ThrottleCounter,
)
from models.service_account import ServiceAccount
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
    "Invoice",
    "InvoiceSequence",
    "InvoiceStatus",
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
    "Product",
    "ProductView",
    "RecoveryCode",
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
    "ThrottleCounter",
    "TotpCredential",
    "TrackingEvent",
    "TrustedDevice",
    "TwoFactorChallenge",
    "VerificationChannel",
    "VerificationPurpose",
    "VerificationToken",
    "WishlistItem",
]
