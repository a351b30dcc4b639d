"""SQLModel tables. Importing this package registers every table on SQLModel.metadata."""

from models.address import Address
from models.auth import AuthSession, VerificationChannel, VerificationPurpose, VerificationToken
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
    "Customer",
    "CustomerGroup",
    "CustomerRole",
    "CustomerSettings",
    "CustomerStatus",
    "DataExport",
    "EmailChange",
    "EmailChangeStatus",
    "Order",
    "OrderChannel",
    "OrderLine",
    "OrderStatus",
    "OrderStatusChange",
    "OutboxChannel",
    "OutboxMessage",
    "OutboxStatus",
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
