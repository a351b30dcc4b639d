"""Inputs and payloads of changing the sign-in email address."""

import strawberry

from models.email_change import EmailChangeStatus
from schema.types.account_errors import AccountUserError

EmailChangeStatusEnum = strawberry.enum(EmailChangeStatus, name="EmailChangeStatus")


@strawberry.input
class RequestEmailChangeInput:
    new_email: str


@strawberry.type
class RequestEmailChangePayload:
    status: EmailChangeStatus | None = strawberry.field(
        default=None,
        description="AWAITING_NEW_ADDRESS: follow the link sent there. AWAITING_OLD_ADDRESS: for your safety "
        "the change waits for approval from your current address first.",
    )
    user_errors: list[AccountUserError] = strawberry.field(default_factory=list)


@strawberry.input
class ConfirmEmailChangeInput:
    token: str


@strawberry.type
class ConfirmEmailChangePayload:
    status: EmailChangeStatus | None = None
    user_errors: list[AccountUserError] = strawberry.field(default_factory=list)


@strawberry.input
class UndoEmailChangeInput:
    token: str


@strawberry.type
class UndoEmailChangePayload:
    user_errors: list[AccountUserError] = strawberry.field(default_factory=list)
