"""Deleting accounts: the customer's own, or one an administrator deletes on request."""

import strawberry

from app.services import deletion
from app.services.errors import AccountError
from resolvers.permissions import IsAdmin, IsAuthenticated, requires
from schema.types.account_errors import AccountUserError
from schema.types.account_mutations import (
    DeleteAccountInput,
    DeleteAccountPayload,
    DeleteCustomerInput,
    DeleteCustomerPayload,
)
from schema.types.base import Info, decode_global_id, encode_global_id, user_errors


def _errors(error: AccountError) -> list[AccountUserError]:
    return user_errors(error, AccountUserError)


@strawberry.type
class DeletionMutations:
    @strawberry.mutation(
        description="Delete your account: personal data is anonymised, orders and invoices are kept without it.",
        extensions=requires(IsAuthenticated),
    )
    async def delete_account(self, info: Info, input: DeleteAccountInput) -> DeleteAccountPayload:
        ctx = info.context
        try:
            await deletion.delete_own_account(ctx.rt, ctx.principal, ctx.meta, password=input.password, code=input.code)
        except AccountError as error:
            return DeleteAccountPayload(user_errors=_errors(error))
        return DeleteAccountPayload(deleted=True)

    @strawberry.mutation(
        description="Delete a customer's account on their request (administrators).", extensions=requires(IsAdmin)
    )
    async def delete_customer(self, info: Info, input: DeleteCustomerInput) -> DeleteCustomerPayload:
        ctx = info.context
        try:
            deleted = await deletion.delete_customer(
                ctx.rt, ctx.principal, ctx.meta, decode_global_id(input.customer_id, "Customer"), input.reason
            )
        except AccountError as error:
            return DeleteCustomerPayload(user_errors=_errors(error))
        return DeleteCustomerPayload(deleted_customer_id=encode_global_id("Customer", deleted))
