"""Account administration (staff and administrators) and affiliate requests."""

from typing import Any

import strawberry
from strawberry import relay

from app.money import to_minor
from app.services import customer_groups, customers, staff_accounts
from app.services.errors import AccountError, AccountErrorCode
from models.customer import AffiliateRequestStatus
from resolvers.permissions import IsAdmin, IsAuthenticated, IsStaff, requires
from schema.types.account_errors import AccountUserError
from schema.types.base import Info, connection_from_page, decode_global_id, user_errors
from schema.types.customer import AffiliateRequest, Customer, CustomerGroup, CustomerGroupMove
from schema.types.customer_admin import (
    ApproveCustomerInput,
    ApproveCustomerPayload,
    CreateCustomerAccountInput,
    CreateCustomerAccountPayload,
    CreateCustomerGroupInput,
    CreateCustomerGroupPayload,
    CustomerFilterInput,
    GrantRoleInput,
    GrantRolePayload,
    MoveCustomerToGroupInput,
    MoveCustomerToGroupPayload,
    PendingApprovals,
    ReactivateCustomerInput,
    ReactivateCustomerPayload,
    RejectAffiliateRequestInput,
    RejectAffiliateRequestPayload,
    RequestAffiliateStatusInput,
    RequestAffiliateStatusPayload,
    ResetTwoFactorInput,
    ResetTwoFactorPayload,
    RevokeRoleInput,
    RevokeRolePayload,
    SuspendCustomerInput,
    SuspendCustomerPayload,
    UpdateCustomerGroupInput,
    UpdateCustomerGroupPayload,
)
from schema.types.product import MoneyInput


def _errors(error: AccountError) -> list[AccountUserError]:
    return user_errors(error, AccountUserError)


def _customer_id(value: strawberry.ID) -> Any:
    return decode_global_id(value, "Customer")


def _credit(value: MoneyInput | None) -> customer_groups.CreditDefault | None:
    if value is None:
        return None
    currency = str(value.currency_code.value)  # type: ignore[attr-defined]
    try:
        amount = to_minor(value.amount, currency)
    except (ValueError, ArithmeticError) as exc:
        raise AccountError.one(
            AccountErrorCode.INVALID, f"Not an amount of {currency}.", ("defaultCreditLimit",)
        ) from exc
    return customer_groups.CreditDefault(amount, currency)


def _given(value: object) -> object:
    return customer_groups.UNSET if value is strawberry.UNSET else value


@strawberry.type
class CustomerQueries:
    @strawberry.field(description="Customers, newest first (staff).", extensions=requires(IsStaff))
    async def customers(
        self, info: Info, first: int | None = 20, after: str | None = None, filter: CustomerFilterInput | None = None
    ) -> relay.Connection[Customer] | None:
        wanted = filter or CustomerFilterInput()
        criteria = customers.CustomerFilter(status=wanted.status, query=wanted.query, roles=tuple(wanted.roles or ()))
        page = await customers.list_customers(
            info.context.rt, info.context.principal, first=first, after=after, filter=criteria
        )
        return connection_from_page(page, Customer.from_row)  # type: ignore[no-any-return]

    @strawberry.field(description="Groups a storefront may register customers into; staff see every group.")
    async def customer_groups(self, info: Info) -> list[CustomerGroup]:
        rows = await customers.list_groups(info.context.rt, info.context.principal)
        return [CustomerGroup.from_row(row) for row in rows]

    @strawberry.field(
        description="How many accounts wait for approval, and since when (staff).", extensions=requires(IsStaff)
    )
    async def pending_approvals(self, info: Info) -> PendingApprovals:
        found = await staff_accounts.pending_approvals(info.context.rt, info.context.principal)
        return PendingApprovals(count=found.count, oldest_waiting_since=found.oldest_waiting_since)

    @strawberry.field(description="Affiliate requests, newest first (staff).", extensions=requires(IsStaff))
    async def affiliate_requests(
        self, info: Info, first: int | None = 20, after: str | None = None, status: AffiliateRequestStatus | None = None
    ) -> relay.Connection[AffiliateRequest] | None:
        page = await customers.list_affiliate_requests(
            info.context.rt, info.context.principal, first=first, after=after, status=status
        )
        return connection_from_page(page, AffiliateRequest.from_row)  # type: ignore[no-any-return]


@strawberry.type
class CustomerMutations:
    @strawberry.mutation(description="Approve an account waiting for approval.", extensions=requires(IsAdmin))
    async def approve_customer(self, info: Info, input: ApproveCustomerInput) -> ApproveCustomerPayload:
        try:
            row = await customers.approve_customer(
                info.context.rt,
                info.context.principal,
                info.context.meta,
                _customer_id(input.customer_id),
                input.reason,
            )
        except AccountError as error:
            return ApproveCustomerPayload(user_errors=_errors(error))
        return ApproveCustomerPayload(customer=Customer.from_row(row))

    @strawberry.mutation(description="Suspend an account and sign out all its sessions.", extensions=requires(IsAdmin))
    async def suspend_customer(self, info: Info, input: SuspendCustomerInput) -> SuspendCustomerPayload:
        try:
            row = await customers.suspend_customer(
                info.context.rt,
                info.context.principal,
                info.context.meta,
                _customer_id(input.customer_id),
                input.reason,
            )
        except AccountError as error:
            return SuspendCustomerPayload(user_errors=_errors(error))
        return SuspendCustomerPayload(customer=Customer.from_row(row))

    @strawberry.mutation(extensions=requires(IsAdmin))
    async def reactivate_customer(self, info: Info, input: ReactivateCustomerInput) -> ReactivateCustomerPayload:
        try:
            row = await customers.reactivate_customer(
                info.context.rt,
                info.context.principal,
                info.context.meta,
                _customer_id(input.customer_id),
                input.reason,
            )
        except AccountError as error:
            return ReactivateCustomerPayload(user_errors=_errors(error))
        return ReactivateCustomerPayload(customer=Customer.from_row(row))

    @strawberry.mutation(
        description="Grant a role; granting AFFILIATE approves a pending affiliate request.",
        extensions=requires(IsAdmin),
    )
    async def grant_role(self, info: Info, input: GrantRoleInput) -> GrantRolePayload:
        try:
            row = await customers.grant_role(
                info.context.rt,
                info.context.principal,
                info.context.meta,
                _customer_id(input.customer_id),
                input.role,
                input.reason,
            )
        except AccountError as error:
            return GrantRolePayload(user_errors=_errors(error))
        return GrantRolePayload(customer=Customer.from_row(row))

    @strawberry.mutation(extensions=requires(IsAdmin))
    async def revoke_role(self, info: Info, input: RevokeRoleInput) -> RevokeRolePayload:
        try:
            row = await customers.revoke_role(
                info.context.rt,
                info.context.principal,
                info.context.meta,
                _customer_id(input.customer_id),
                input.role,
                input.reason,
            )
        except AccountError as error:
            return RevokeRolePayload(user_errors=_errors(error))
        return RevokeRolePayload(customer=Customer.from_row(row))

    @strawberry.mutation(
        description="Ask to become an affiliate; an administrator decides.", extensions=requires(IsAuthenticated)
    )
    async def request_affiliate_status(
        self, info: Info, input: RequestAffiliateStatusInput
    ) -> RequestAffiliateStatusPayload:
        try:
            row = await customers.request_affiliate_status(info.context.rt, info.context.principal, input.message)
        except AccountError as error:
            return RequestAffiliateStatusPayload(user_errors=_errors(error))
        return RequestAffiliateStatusPayload(affiliate_request=AffiliateRequest.from_row(row))

    @strawberry.mutation(extensions=requires(IsAdmin))
    async def reject_affiliate_request(
        self, info: Info, input: RejectAffiliateRequestInput
    ) -> RejectAffiliateRequestPayload:
        try:
            row = await customers.reject_affiliate_request(
                info.context.rt,
                info.context.principal,
                decode_global_id(input.request_id, "AffiliateRequest"),
                input.reason,
            )
        except AccountError as error:
            return RejectAffiliateRequestPayload(user_errors=_errors(error))
        return RejectAffiliateRequestPayload(affiliate_request=AffiliateRequest.from_row(row))

    @strawberry.mutation(description="Create a customer group (administrators).", extensions=requires(IsAdmin))
    async def create_customer_group(self, info: Info, input: CreateCustomerGroupInput) -> CreateCustomerGroupPayload:
        try:
            row = await customer_groups.create_group(
                info.context.rt,
                info.context.principal,
                code=input.code,
                name=input.name,
                activation_mode=input.activation_mode,
                self_registration=input.self_registration,
                default_credit_limit=_credit(input.default_credit_limit),
                payment_terms_days=input.payment_terms_days,
            )
        except AccountError as error:
            return CreateCustomerGroupPayload(user_errors=_errors(error))
        return CreateCustomerGroupPayload(customer_group=CustomerGroup.from_row(row))

    @strawberry.mutation(
        description="Change a customer group; its code never changes (administrators).", extensions=requires(IsAdmin)
    )
    async def update_customer_group(self, info: Info, input: UpdateCustomerGroupInput) -> UpdateCustomerGroupPayload:
        try:
            credit = input.default_credit_limit
            changes = customer_groups.GroupChanges(
                name=_given(input.name),
                activation_mode=customer_groups.UNSET
                if input.activation_mode in (None, strawberry.UNSET)
                else input.activation_mode,
                self_registration=customer_groups.UNSET
                if input.self_registration in (None, strawberry.UNSET)
                else input.self_registration,
                default_credit_limit=customer_groups.UNSET if credit is strawberry.UNSET else _credit(credit),
                payment_terms_days=_given(input.payment_terms_days),
            )
            row = await customer_groups.update_group(
                info.context.rt,
                info.context.principal,
                decode_global_id(input.group_id, "CustomerGroup"),
                changes,
            )
        except AccountError as error:
            return UpdateCustomerGroupPayload(user_errors=_errors(error))
        return UpdateCustomerGroupPayload(customer_group=CustomerGroup.from_row(row))

    @strawberry.mutation(
        description="Move a customer to another group, with the reason (administrators); recorded in groupHistory.",
        extensions=requires(IsAdmin),
    )
    async def move_customer_to_group(self, info: Info, input: MoveCustomerToGroupInput) -> MoveCustomerToGroupPayload:
        try:
            customer, move = await customer_groups.move_customer(
                info.context.rt,
                info.context.principal,
                info.context.meta,
                _customer_id(input.customer_id),
                decode_global_id(input.group_id, "CustomerGroup"),
                input.reason,
            )
        except AccountError as error:
            return MoveCustomerToGroupPayload(user_errors=_errors(error))
        return MoveCustomerToGroupPayload(customer=Customer.from_row(customer), move=CustomerGroupMove.from_row(move))

    @strawberry.mutation(
        description="Reset a customer's two-factor authentication after identity checks, recorded as the reason "
        "(staff; a staff account's only by an administrator, never your own).",
        extensions=requires(IsStaff),
    )
    async def reset_two_factor(self, info: Info, input: ResetTwoFactorInput) -> ResetTwoFactorPayload:
        try:
            done = await staff_accounts.reset_two_factor(
                info.context.rt,
                info.context.principal,
                info.context.meta,
                _customer_id(input.customer_id),
                list(input.identity_checks),
                input.note,
            )
        except AccountError as error:
            return ResetTwoFactorPayload(user_errors=_errors(error))
        return ResetTwoFactorPayload(
            customer=Customer.from_row(done.customer), cool_down_ends_at=done.cool_down_ends_at
        )

    @strawberry.mutation(
        description="Create an account for a customer, who is mailed a link to choose a password (staff).",
        extensions=requires(IsStaff),
    )
    async def create_customer_account(
        self, info: Info, input: CreateCustomerAccountInput
    ) -> CreateCustomerAccountPayload:
        try:
            group_id = None if input.group_id is None else decode_global_id(input.group_id, "CustomerGroup")
            row = await staff_accounts.create_customer_account(
                info.context.rt,
                info.context.principal,
                info.context.meta,
                staff_accounts.NewCustomer(
                    email=input.email,
                    reason=input.reason,
                    first_name=input.first_name,
                    last_name=input.last_name,
                    phone=input.phone,
                    group_id=group_id,
                    group_given=input.group_id is not None,
                    language=input.language,
                ),
            )
        except AccountError as error:
            return CreateCustomerAccountPayload(user_errors=_errors(error))
        return CreateCustomerAccountPayload(customer=Customer.from_row(row))
