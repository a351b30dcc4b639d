"""Types of two-factor authentication: enrolment, sign-in challenges, trusted devices, step-up."""

from datetime import datetime

import strawberry

from models.two_factor import ChallengeMethod
from schema.types.account_errors import AccountUserError
from schema.types.customer import Customer

TwoFactorMethodEnum = strawberry.enum(ChallengeMethod, name="TwoFactorMethod")


@strawberry.type(description="A sign-in that needs its second factor: answer it with completeTwoFactorLogin.")
class TwoFactorChallenge:
    id: strawberry.ID
    methods: list[ChallengeMethod] = strawberry.field(
        description="TOTP and RECOVERY_CODE always; EMAIL_CODE / SMS_CODE after sendTwoFactorCode."
    )
    expires_at: datetime


@strawberry.type
class TwoFactorStatus:
    enabled: bool
    recovery_codes_left: int


@strawberry.type(description="A browser trusted to skip the second factor until it expires.")
class TrustedDevice:
    id: strawberry.ID
    user_agent: str | None
    ip_address: str | None
    created_at: datetime
    last_used_at: datetime
    expires_at: datetime


@strawberry.type
class EnableTotpPayload:
    secret: str | None = strawberry.field(default=None, description="Base32, for manual entry in an authenticator.")
    otpauth_uri: str | None = None
    qr_code_svg: str | None = strawberry.field(default=None, description="The otpauth URI as an SVG data URI.")
    user_errors: list[AccountUserError] = strawberry.field(default_factory=list)


@strawberry.input
class ConfirmTotpInput:
    code: str


@strawberry.type
class ConfirmTotpPayload:
    recovery_codes: list[str] | None = strawberry.field(
        default=None, description="Single-use codes for when the authenticator is lost. Shown only now."
    )
    user_errors: list[AccountUserError] = strawberry.field(default_factory=list)


@strawberry.type
class RegenerateRecoveryCodesPayload:
    recovery_codes: list[str] | None = None
    user_errors: list[AccountUserError] = strawberry.field(default_factory=list)


@strawberry.input(description="A current code from the authenticator, or the account password.")
class DisableTotpInput:
    code: str | None = None
    password: str | None = None


@strawberry.type
class DisableTotpPayload:
    user_errors: list[AccountUserError] = strawberry.field(default_factory=list)


@strawberry.input
class CompleteTwoFactorLoginInput:
    challenge_id: strawberry.ID
    code: str | None = strawberry.field(default=None, description="From the authenticator, or the emailed/texted code.")
    recovery_code: str | None = None
    trust_device: bool = strawberry.field(
        default=False, description="Skip the second factor on this browser for a while (see deviceToken)."
    )


@strawberry.type
class CompleteTwoFactorLoginPayload:
    token: str | None = None
    expires_at: datetime | None = None
    customer: Customer | None = None
    device_token: str | None = strawberry.field(
        default=None, description="Send it as LoginInput.deviceToken next time to skip the second factor."
    )
    user_errors: list[AccountUserError] = strawberry.field(default_factory=list)


@strawberry.input
class SendTwoFactorCodeInput:
    challenge_id: strawberry.ID
    method: ChallengeMethod


@strawberry.type
class SendTwoFactorCodePayload:
    user_errors: list[AccountUserError] = strawberry.field(default_factory=list)


@strawberry.input(description="Your password, or a two-factor or recovery code.")
class StepUpInput:
    password: str | None = None
    code: str | None = None


@strawberry.type
class StepUpPayload:
    verified_until: datetime | None = strawberry.field(
        default=None, description="Sensitive changes are allowed until then in this session."
    )
    user_errors: list[AccountUserError] = strawberry.field(default_factory=list)


@strawberry.input
class RevokeTrustedDeviceInput:
    device_id: strawberry.ID


@strawberry.type
class RevokeTrustedDevicePayload:
    user_errors: list[AccountUserError] = strawberry.field(default_factory=list)
