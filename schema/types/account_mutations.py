"""Inputs and payloads of registration, activation, sign-in, sessions and passwords."""

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from models.customer import ActivationMode
from schema.types.account_errors import AccountUserError
from schema.types.customer import Customer

if TYPE_CHECKING:
    from schema.types.profile import ProfileUserError
    from schema.types.two_factor import TwoFactorChallenge


@strawberry.input(description="A new account. Only email and password are required.")
class RegisterInput:
    email: str
    password: str = strawberry.field(description="10 to 128 characters; not a common password; not your email.")
    first_name: str | None = None
    last_name: str | None = None
    phone: str | None = strawberry.field(default=None, description="E.164, e.g. +14155550123.")
    customer_group: str | None = strawberry.field(
        default=None, description="Code of the customer group to join; the shop's default group when omitted."
    )


@strawberry.type
class RegisterPayload:
    activation_mode: ActivationMode | None = strawberry.field(
        default=None,
        description="What happens next: EMAIL_LINK (check your email), SMS_CODE (enter the code we texted), "
        "ADMIN_APPROVAL (wait for approval) or NONE (sign in now). Null when there are errors.",
    )
    user_errors: list[AccountUserError] = strawberry.field(default_factory=list)


@strawberry.input(description="Either the token from the activation email, or an email or phone with the code.")
class ActivateAccountInput:
    token: str | None = None
    email: str | None = None
    phone: str | None = None
    code: str | None = None


@strawberry.type
class ActivateAccountPayload:
    activated: bool = False
    customer: Customer | None = strawberry.field(
        default=None,
        description="The account, only for a caller already allowed to see it: a link or code proves an "
        "address, it does not sign anyone in (call login next).",
    )
    user_errors: list[AccountUserError] = strawberry.field(default_factory=list)


@strawberry.input(description="The email or the phone number the account was registered with.")
class ResendActivationInput:
    email: str | None = None
    phone: str | None = None


@strawberry.type(description="The answer is the same whether or not such an account exists.")
class ResendActivationPayload:
    user_errors: list[AccountUserError] = strawberry.field(default_factory=list)


@strawberry.input(description="Sign in with an email address or a phone number, and the password.")
class LoginInput:
    email: str | None = None
    phone: str | None = None
    password: str
    device_token: str | None = strawberry.field(
        default=None, description="From completeTwoFactorLogin(trustDevice: true): skips the second factor."
    )


@strawberry.type
class LoginPayload:
    token: str | None = strawberry.field(
        default=None, description="Send it as `Authorization: Bearer <token>`. Shown once."
    )
    expires_at: datetime | None = strawberry.field(default=None, description="When the session ends if unused.")
    customer: Customer | None = None
    two_factor_challenge: Annotated["TwoFactorChallenge", strawberry.lazy("schema.types.two_factor")] | None = (
        strawberry.field(default=None, description="Set instead of a token when the account has two-factor on.")
    )
    user_errors: list[AccountUserError] = strawberry.field(default_factory=list)


@strawberry.type
class LogoutPayload:
    user_errors: list[AccountUserError] = strawberry.field(default_factory=list)


@strawberry.input
class RevokeSessionInput:
    session_id: strawberry.ID


@strawberry.type
class RevokeSessionPayload:
    revoked_session_id: strawberry.ID | None = None
    user_errors: list[AccountUserError] = strawberry.field(default_factory=list)


@strawberry.input
class ChangePasswordInput:
    current_password: str
    new_password: str


@strawberry.type(description="On success every other session of the account is signed out.")
class ChangePasswordPayload:
    user_errors: list[AccountUserError] = strawberry.field(default_factory=list)


@strawberry.input(description="An email address (we send a link) or a phone number (we send a code).")
class RequestPasswordResetInput:
    email: str | None = None
    phone: str | None = None


@strawberry.type(description="The answer is the same whether or not such an account exists.")
class RequestPasswordResetPayload:
    user_errors: list[AccountUserError] = strawberry.field(default_factory=list)


@strawberry.input(
    description="The token from the reset email, or the email or phone with the code; and the new password."
)
class ResetPasswordInput:
    token: str | None = None
    email: str | None = None
    phone: str | None = None
    code: str | None = None
    new_password: str


@strawberry.type(description="On success every session of the account is signed out; sign in with the new password.")
class ResetPasswordPayload:
    user_errors: list[AccountUserError] = strawberry.field(default_factory=list)


@strawberry.type
class UpdateProfilePayload:
    customer: Customer | None = None
    user_errors: list[Annotated["ProfileUserError", strawberry.lazy("schema.types.profile")]] = strawberry.field(
        default_factory=list
    )


@strawberry.input(description="Your password, or a current two-factor or recovery code.")
class DeleteAccountInput:
    password: str | None = None
    code: str | None = None


@strawberry.type(description="On success you are signed out everywhere and the account no longer exists.")
class DeleteAccountPayload:
    deleted: bool = False
    user_errors: list[AccountUserError] = strawberry.field(default_factory=list)


@strawberry.input
class DeleteCustomerInput:
    customer_id: strawberry.ID
    reason: str


@strawberry.type
class DeleteCustomerPayload:
    deleted_customer_id: strawberry.ID | None = None
    user_errors: list[AccountUserError] = strawberry.field(default_factory=list)
