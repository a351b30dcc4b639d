"""Account administration (staff and administrators) and affiliate requests."""

from typing import Any

import strawberry
from strawberry import relay

from app.services import customers
from app.services.errors import AccountError
from models.customer import AffiliateRequestStatus
from resolvers.permissions import IsAdmin, IsAuthenticated, IsStaff, requires
from schema.types.account_errors import AccountUserError
from schema.types.base import Info, connection_from_page, decode_global_id, user_errors
from schema.types.customer import AffiliateRequest, Customer, CustomerGroup
from schema.types.customer_admin import (
    ApproveCustomerInput,
    ApproveCustomerPayload,
    CustomerFilterInput,
    GrantRoleInput,
    GrantRolePayload,
    ReactivateCustomerInput,
    ReactivateCustomerPayload,
    RejectAffiliateRequestInput,
    RejectAffiliateRequestPayload,
    RequestAffiliateStatusInput,
    RequestAffiliateStatusPayload,
    RevokeRoleInput,
    RevokeRolePayload,
    SuspendCustomerInput,
    SuspendCustomerPayload,
)


def _errors(error: AccountError) -> list[AccountUserError]:
    return user_errors(error, AccountUserError)


def _customer_id(value: strawberry.ID) -> Any:
    return decode_global_id(value, "Customer")


@strawberry.type
class CustomerQueries:
    @strawberry.field(description="Customers, newest first (staff).", extensions=requires(IsStaff))
    async def customers(
        self, info: Info, first: int | None = 20, after: str | None = None, filter: CustomerFilterInput | None = None
    ) -> relay.Connection[Customer] | None:
        criteria = customers.CustomerFilter(
            status=filter.status if filter else None, query=filter.query if filter else None
        )
        page = await customers.list_customers(
            info.context.rt, info.context.principal, first=first, after=after, filter=criteria
        )
        return connection_from_page(page, Customer.from_row)  # type: ignore[no-any-return]

    @strawberry.field(description="Groups a storefront may register customers into; staff see every group.")
    async def customer_groups(self, info: Info) -> list[CustomerGroup]:
        rows = await customers.list_groups(info.context.rt, info.context.principal)
        return [CustomerGroup.from_row(row) for row in rows]

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
                info.context.rt, info.context.principal, info.context.meta, _customer_id(input.customer_id)
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
