"""Inputs and payloads of account administration and affiliate requests."""

from datetime import datetime

import strawberry

from app.services.staff_accounts import IdentityCheck
from models.customer import ActivationMode, CustomerStatus, Role
from schema.types.account_errors import AccountUserError
from schema.types.customer import AffiliateRequest, Customer, CustomerGroup, CustomerGroupMove
from schema.types.product import MoneyInput


@strawberry.input
class CustomerFilterInput:
    status: CustomerStatus | None = None
    query: str | None = strawberry.field(
        default=None,
        description="Part of the email or a name, the whole phone number, or an order number (whole, with or without its #).",
    )
    roles: list[Role] | None = strawberry.field(
        default=None, description="Accounts holding any of these roles, e.g. [SUPPORT, ADMIN]: the staff."
    )


@strawberry.input
class ApproveCustomerInput:
    customer_id: strawberry.ID
    reason: str | None = strawberry.field(default=None, description="Why (what was checked): the audit event's detail.")


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
    reason: str | None = strawberry.field(default=None, description="Why: the audit event's detail.")


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


@strawberry.input
class CreateCustomerGroupInput:
    code: str = strawberry.field(description="2 to 64 of a-z, 0-9, '-', '_'; unique and never changes.")
    name: str
    activation_mode: ActivationMode
    self_registration: bool = strawberry.field(description="Whether storefronts may register customers into it.")
    default_credit_limit: MoneyInput | None = strawberry.field(
        default=None, description="The limit store credit accounts of members start with, opened from now on."
    )
    payment_terms_days: int | None = strawberry.field(default=None, description="Net days, 0 to 365.")


@strawberry.type
class CreateCustomerGroupPayload:
    customer_group: CustomerGroup | None = None
    user_errors: list[AccountUserError] = strawberry.field(default_factory=list)


@strawberry.input(description="Fields left out keep their value; null clears the credit limit or payment terms.")
class UpdateCustomerGroupInput:
    group_id: strawberry.ID
    name: str | None = strawberry.UNSET
    activation_mode: ActivationMode | None = strawberry.field(
        default=strawberry.UNSET, description="Decides how future registrations are activated; existing accounts stay."
    )
    self_registration: bool | None = strawberry.UNSET
    default_credit_limit: MoneyInput | None = strawberry.field(
        default=strawberry.UNSET, description="Applies to accounts opened afterwards; existing limits stay."
    )
    payment_terms_days: int | None = strawberry.UNSET


@strawberry.type
class UpdateCustomerGroupPayload:
    customer_group: CustomerGroup | None = None
    user_errors: list[AccountUserError] = strawberry.field(default_factory=list)


@strawberry.input
class MoveCustomerToGroupInput:
    customer_id: strawberry.ID
    group_id: strawberry.ID
    reason: str


@strawberry.type(
    description="The customer's sessions, roles and store credit limits stay as they are; the move is recorded."
)
class MoveCustomerToGroupPayload:
    customer: Customer | None = None
    move: CustomerGroupMove | None = None
    user_errors: list[AccountUserError] = strawberry.field(default_factory=list)


IdentityCheckEnum = strawberry.enum(
    IdentityCheck, name="IdentityCheck", description="How staff made sure a caller owns the account."
)


@strawberry.input
class ResetTwoFactorInput:
    customer_id: strawberry.ID
    identity_checks: list[IdentityCheckEnum] = strawberry.field(  # type: ignore[valid-type]
        description="The identity checks performed: at least one; recorded as the reason of the reset."
    )
    note: str | None = strawberry.field(default=None, description="What was checked, in words (no secrets).")


@strawberry.type(
    description="Two-factor authentication is off, every session signed out, the customer told by mail (and SMS "
    "to a verified phone); sensitive changes wait until coolDownEndsAt."
)
class ResetTwoFactorPayload:
    customer: Customer | None = None
    cool_down_ends_at: datetime | None = None
    user_errors: list[AccountUserError] = strawberry.field(default_factory=list)


@strawberry.type(description="Accounts waiting for an administrator's approval (the staff console's home).")
class PendingApprovals:
    count: int
    oldest_waiting_since: datetime | None = strawberry.field(
        description="When the account that has waited longest registered; null when none waits."
    )


@strawberry.input
class CreateCustomerAccountInput:
    email: str
    reason: str = strawberry.field(description="Why staff create the account (recorded in the security log).")
    first_name: str | None = None
    last_name: str | None = None
    phone: str | None = strawberry.field(default=None, description="E.164; unverified until the customer proves it.")
    group_id: strawberry.ID | None = strawberry.field(default=None, description="Default: the shop's default group.")
    language: str | None = strawberry.field(
        default=None, description="BCP 47, e.g. de: the customer's language, for the mail and everything after."
    )


@strawberry.type(description="The account is ACTIVE without a password; the customer was mailed a link to choose one.")
class CreateCustomerAccountPayload:
    customer: Customer | None = None
    user_errors: list[AccountUserError] = strawberry.field(default_factory=list)
