"""Enums stored in rows and shown in the API keep one definition: the model's."""

import strawberry

from app.services.errors import AccountErrorCode
from models.customer import ActivationMode, AffiliateRequestStatus, CustomerStatus, Role, RoleChangeAction

ActivationModeEnum = strawberry.enum(
    ActivationMode, name="ActivationMode", description="How new accounts of a customer group are activated."
)
CustomerStatusEnum = strawberry.enum(CustomerStatus, name="CustomerStatus")
RoleEnum = strawberry.enum(Role, name="Role")
RoleChangeActionEnum = strawberry.enum(RoleChangeAction, name="RoleChangeAction")
AffiliateRequestStatusEnum = strawberry.enum(AffiliateRequestStatus, name="AffiliateRequestStatus")
AccountErrorCodeEnum = strawberry.enum(AccountErrorCode, name="AccountErrorCode")
