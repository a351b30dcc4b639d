"""SQLModel tables. Importing this package registers every table on SQLModel.metadata."""

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
from models.outbox import OutboxChannel, OutboxMessage, OutboxStatus
from models.security import SecurityEvent, SecurityEventOutcome, SecurityEventType, ThrottleCounter

__all__ = [
    "ActivationMode",
    "AffiliateRequest",
    "AffiliateRequestStatus",
    "AuthSession",
    "Customer",
    "CustomerGroup",
    "CustomerRole",
    "CustomerStatus",
    "OutboxChannel",
    "OutboxMessage",
    "OutboxStatus",
    "Role",
    "RoleChange",
    "RoleChangeAction",
    "SecurityEvent",
    "SecurityEventOutcome",
    "SecurityEventType",
    "ThrottleCounter",
    "VerificationChannel",
    "VerificationPurpose",
    "VerificationToken",
]
