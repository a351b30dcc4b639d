"""Changing the sign-in email address: request (signed in), confirm and undo (by emailed links)."""

import strawberry

from app.services import email_change
from app.services.errors import AccountError
from resolvers.permissions import IsAuthenticated, requires
from schema.types.account_errors import AccountUserError
from schema.types.base import Info, user_errors
from schema.types.email_change import (
    ConfirmEmailChangeInput,
    ConfirmEmailChangePayload,
    RequestEmailChangeInput,
    RequestEmailChangePayload,
    UndoEmailChangeInput,
    UndoEmailChangePayload,
)


def _errors(error: AccountError) -> list[AccountUserError]:
    return user_errors(error, AccountUserError)


@strawberry.type
class EmailChangeMutations:
    @strawberry.mutation(
        description="Change your sign-in email: confirmed by the new address; the old one can undo it.",
        extensions=requires(IsAuthenticated),
    )
    async def request_email_change(self, info: Info, input: RequestEmailChangeInput) -> RequestEmailChangePayload:
        ctx = info.context
        try:
            status = await email_change.request_email_change(
                ctx.rt, ctx.principal, ctx.meta, ctx.auth_session, input.new_email
            )
        except AccountError as error:
            return RequestEmailChangePayload(user_errors=_errors(error))
        return RequestEmailChangePayload(status=status)

    @strawberry.mutation(description="Follow the link of an email change (approval or confirmation).")
    async def confirm_email_change(self, info: Info, input: ConfirmEmailChangeInput) -> ConfirmEmailChangePayload:
        try:
            status = await email_change.confirm_email_change(info.context.rt, info.context.meta, input.token)
        except AccountError as error:
            return ConfirmEmailChangePayload(user_errors=_errors(error))
        return ConfirmEmailChangePayload(status=status)

    @strawberry.mutation(description="From the old address: undo an email change and sign every session out.")
    async def undo_email_change(self, info: Info, input: UndoEmailChangeInput) -> UndoEmailChangePayload:
        try:
            await email_change.undo_email_change(info.context.rt, info.context.meta, input.token)
        except AccountError as error:
            return UndoEmailChangePayload(user_errors=_errors(error))
        return UndoEmailChangePayload()
