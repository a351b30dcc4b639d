"""Inputs and payloads of account administration and affiliate requests."""

import strawberry

from models.customer import CustomerStatus, Role
from schema.types.account_errors import AccountUserError
from schema.types.customer import AffiliateRequest, Customer


@strawberry.input
class CustomerFilterInput:
    status: CustomerStatus | None = None
    query: str | None = strawberry.field(default=None, description="Part of the email, a name or the phone number.")


@strawberry.input
class ApproveCustomerInput:
    customer_id: strawberry.ID


@strawberry.type
class ApproveCustomerPayload:
    customer: Customer | None = None
    user_errors: list[AccountUserError] = strawberry.field(default_factory=list)


@strawberry.input
class SuspendCustomerInput:
    customer_id: strawberry.ID
    reason: str


@strawberry.type(description="A suspended account's sessions are all signed out.")
class SuspendCustomerPayload:
    customer: Customer | None = None
    user_errors: list[AccountUserError] = strawberry.field(default_factory=list)


@strawberry.input
class ReactivateCustomerInput:
    customer_id: strawberry.ID
    reason: str | None = None


@strawberry.type
class ReactivateCustomerPayload:
    customer: Customer | None = None
    user_errors: list[AccountUserError] = strawberry.field(default_factory=list)


@strawberry.input
class GrantRoleInput:
    customer_id: strawberry.ID
    role: Role
    reason: str


@strawberry.type
class GrantRolePayload:
    customer: Customer | None = None
    user_errors: list[AccountUserError] = strawberry.field(default_factory=list)


@strawberry.input
class RevokeRoleInput:
    customer_id: strawberry.ID
    role: Role
    reason: str


@strawberry.type
class RevokeRolePayload:
    customer: Customer | None = None
    user_errors: list[AccountUserError] = strawberry.field(default_factory=list)


@strawberry.input
class RequestAffiliateStatusInput:
    message: str | None = strawberry.field(default=None, description="Tell the shop about your site or audience.")


@strawberry.type
class RequestAffiliateStatusPayload:
    affiliate_request: AffiliateRequest | None = None
    user_errors: list[AccountUserError] = strawberry.field(default_factory=list)


@strawberry.input
class RejectAffiliateRequestInput:
    request_id: strawberry.ID
    reason: str


@strawberry.type
class RejectAffiliateRequestPayload:
    affiliate_request: AffiliateRequest | None = None
    user_errors: list[AccountUserError] = strawberry.field(default_factory=list)
