"""Two-factor authentication: enrolment, the sign-in challenge, trusted devices and step-up."""

import strawberry

from app.services import sessions, two_factor
from app.services.errors import AccountError
from resolvers.permissions import IsAuthenticated, requires
from resolvers.signed_in import act_as_signed_in
from schema.types.account_errors import AccountUserError
from schema.types.base import Info, decode_global_id, encode_global_id, user_errors
from schema.types.customer import Customer
from schema.types.two_factor import (
    CompleteTwoFactorLoginInput,
    CompleteTwoFactorLoginPayload,
    ConfirmTotpInput,
    ConfirmTotpPayload,
    DisableTotpInput,
    DisableTotpPayload,
    EnableTotpPayload,
    RegenerateRecoveryCodesPayload,
    RevokeTrustedDeviceInput,
    RevokeTrustedDevicePayload,
    SendTwoFactorCodeInput,
    SendTwoFactorCodePayload,
    StepUpInput,
    StepUpPayload,
    TrustedDevice,
    TwoFactorChallenge,
    TwoFactorStatus,
)

CHALLENGE = "TwoFactorChallenge"
DEVICE = "TrustedDevice"


def _errors(error: AccountError) -> list[AccountUserError]:
    return user_errors(error, AccountUserError)


def challenge_type(challenge: two_factor.Challenge) -> TwoFactorChallenge:
    return TwoFactorChallenge(
        id=encode_global_id(CHALLENGE, challenge.id), methods=challenge.methods, expires_at=challenge.expires_at
    )


@strawberry.type
class TwoFactorQueries:
    @strawberry.field(
        description="Whether two-factor authentication is on for you.", extensions=requires(IsAuthenticated)
    )
    async def two_factor(self, info: Info) -> TwoFactorStatus:
        customer_id = info.context.principal.customer_id
        assert customer_id is not None
        async with info.context.rt.db.read() as session:
            enabled = await two_factor.is_enabled(session, customer_id)
            left = await two_factor.recovery_codes_left(session, customer_id) if enabled else 0
        return TwoFactorStatus(enabled=enabled, recovery_codes_left=left)

    @strawberry.field(description="Browsers that skip the second factor.", extensions=requires(IsAuthenticated))
    async def trusted_devices(self, info: Info) -> list[TrustedDevice]:
        rows = await two_factor.list_trusted_devices(info.context.rt, info.context.principal)
        return [
            TrustedDevice(
                id=encode_global_id(DEVICE, row.id),
                user_agent=row.user_agent,
                ip_address=row.ip_address,
                created_at=row.created_at,
                last_used_at=row.last_used_at,
                expires_at=row.expires_at,
            )
            for row in rows
        ]


@strawberry.type
class TwoFactorMutations:
    @strawberry.mutation(description="Start TOTP enrolment.", extensions=requires(IsAuthenticated))
    async def enable_totp(self, info: Info) -> EnableTotpPayload:
        try:
            setup = await two_factor.enable_totp(info.context.rt, info.context.principal, info.context.meta)
        except AccountError as error:
            return EnableTotpPayload(user_errors=_errors(error))
        return EnableTotpPayload(secret=setup.secret, otpauth_uri=setup.otpauth_uri, qr_code_svg=setup.qr_code_svg)

    @strawberry.mutation(
        description="Finish enrolment with a code; returns recovery codes.", extensions=requires(IsAuthenticated)
    )
    async def confirm_totp(self, info: Info, input: ConfirmTotpInput) -> ConfirmTotpPayload:
        try:
            codes = await two_factor.confirm_totp(
                info.context.rt, info.context.principal, info.context.meta, input.code
            )
        except AccountError as error:
            return ConfirmTotpPayload(user_errors=_errors(error))
        return ConfirmTotpPayload(recovery_codes=codes)

    @strawberry.mutation(
        description="New recovery codes (needs a recent stepUp).", extensions=requires(IsAuthenticated)
    )
    async def regenerate_recovery_codes(self, info: Info) -> RegenerateRecoveryCodesPayload:
        ctx = info.context
        try:
            codes = await two_factor.regenerate_recovery_codes(ctx.rt, ctx.principal, ctx.meta, ctx.auth_session)
        except AccountError as error:
            return RegenerateRecoveryCodesPayload(user_errors=_errors(error))
        return RegenerateRecoveryCodesPayload(recovery_codes=codes)

    @strawberry.mutation(
        description="Switch two-factor off with a current code or the password.", extensions=requires(IsAuthenticated)
    )
    async def disable_totp(self, info: Info, input: DisableTotpInput) -> DisableTotpPayload:
        ctx = info.context
        try:
            await two_factor.disable_totp(
                ctx.rt, ctx.principal, ctx.meta, code=input.code, password=input.password, auth_session=ctx.auth_session
            )
        except AccountError as error:
            return DisableTotpPayload(user_errors=_errors(error))
        return DisableTotpPayload()

    @strawberry.mutation(description="Answer the second factor of a sign-in.")
    async def complete_two_factor_login(
        self, info: Info, input: CompleteTwoFactorLoginInput
    ) -> CompleteTwoFactorLoginPayload:
        ctx = info.context
        try:
            signed_in = await sessions.complete_two_factor_login(
                ctx.rt,
                ctx.meta,
                decode_global_id(input.challenge_id, CHALLENGE),
                code=input.code,
                recovery_code=input.recovery_code,
                trust_device=input.trust_device,
            )
        except AccountError as error:
            return CompleteTwoFactorLoginPayload(user_errors=_errors(error))
        await act_as_signed_in(info, signed_in.token)
        return CompleteTwoFactorLoginPayload(
            token=signed_in.token,
            expires_at=sessions.session_expiry(ctx.rt, signed_in.session),
            customer=Customer.from_row(signed_in.customer),
            device_token=signed_in.device_token,
        )

    @strawberry.mutation(description="Email or text a one-time code for a pending sign-in.")
    async def send_two_factor_code(self, info: Info, input: SendTwoFactorCodeInput) -> SendTwoFactorCodePayload:
        try:
            await two_factor.send_challenge_code(
                info.context.rt, info.context.meta, decode_global_id(input.challenge_id, CHALLENGE), input.method
            )
        except AccountError as error:
            return SendTwoFactorCodePayload(user_errors=_errors(error))
        return SendTwoFactorCodePayload()

    @strawberry.mutation(
        description="Prove it is you again before a sensitive change.", extensions=requires(IsAuthenticated)
    )
    async def step_up(self, info: Info, input: StepUpInput) -> StepUpPayload:
        ctx = info.context
        try:
            until = await two_factor.step_up(ctx.rt, ctx.principal, ctx.meta, password=input.password, code=input.code)
        except AccountError as error:
            return StepUpPayload(user_errors=_errors(error))
        return StepUpPayload(verified_until=until)

    @strawberry.mutation(extensions=requires(IsAuthenticated))
    async def revoke_trusted_device(self, info: Info, input: RevokeTrustedDeviceInput) -> RevokeTrustedDevicePayload:
        ctx = info.context
        try:
            await two_factor.revoke_trusted_device(
                ctx.rt, ctx.principal, ctx.meta, decode_global_id(input.device_id, DEVICE)
            )
        except AccountError as error:
            return RevokeTrustedDevicePayload(user_errors=_errors(error))
        return RevokeTrustedDevicePayload()
