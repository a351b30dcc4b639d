"""Registration, activation, sign-in, sessions and passwords."""

from datetime import timedelta

import strawberry

from app.services import passwords, registration, sessions, two_factor
from app.services.errors import AccountError
from resolvers.permissions import IsAuthenticated, requires
from resolvers.signed_in import act_as_signed_in
from resolvers.two_factor import challenge_type
from schema.types.account_errors import AccountUserError
from schema.types.account_mutations import (
    ActivateAccountInput,
    ActivateAccountPayload,
    ChangePasswordInput,
    ChangePasswordPayload,
    LoginInput,
    LoginPayload,
    LogoutPayload,
    RegisterInput,
    RegisterPayload,
    RequestPasswordResetInput,
    RequestPasswordResetPayload,
    ResendActivationInput,
    ResendActivationPayload,
    ResetPasswordInput,
    ResetPasswordPayload,
    RevokeSessionInput,
    RevokeSessionPayload,
)
from schema.types.base import Info, decode_global_id, user_errors, visible_customer
from schema.types.customer import Customer
from schema.types.session import SessionType


def _errors(error: AccountError) -> list[AccountUserError]:
    return user_errors(error, AccountUserError)


@strawberry.type
class AccountQueries:
    @strawberry.field(description="The signed-in customer; null when anonymous.")
    async def me(self, info: Info) -> Customer | None:
        principal = info.context.principal
        if principal.customer_id is None:
            return None
        row = await info.context.loaders.customer.load(principal.customer_id)
        return Customer.from_row(row) if row else None

    @strawberry.field(
        description="Your signed-in devices, most recently used first.", extensions=requires(IsAuthenticated)
    )
    async def sessions(self, info: Info) -> list[SessionType]:
        rt = info.context.rt
        idle = timedelta(minutes=rt.settings.session_idle_timeout_minutes)
        rows = await sessions.list_sessions(rt, info.context.principal)
        return [SessionType.from_row(row, row.ends_at(idle)) for row in rows]


@strawberry.type
class AccountMutations:
    @strawberry.mutation(description="Create an account. How it is activated depends on its customer group.")
    async def register(self, info: Info, input: RegisterInput) -> RegisterPayload:
        data = registration.RegistrationInput(
            email=input.email,
            password=input.password,
            first_name=input.first_name,
            last_name=input.last_name,
            phone=input.phone,
            customer_group=input.customer_group,
        )
        try:
            mode = await registration.register(info.context.rt, info.context.meta, data)
        except AccountError as error:
            return RegisterPayload(user_errors=_errors(error))
        return RegisterPayload(activation_mode=mode)

    @strawberry.mutation
    async def activate_account(self, info: Info, input: ActivateAccountInput) -> ActivateAccountPayload:
        data = registration.ActivationInput(token=input.token, email=input.email, phone=input.phone, code=input.code)
        try:
            row = await registration.activate_account(info.context.rt, info.context.meta, data)
        except AccountError as error:
            return ActivateAccountPayload(user_errors=_errors(error))
        return ActivateAccountPayload(activated=True, customer=await visible_customer(info, row.id))

    @strawberry.mutation(
        description="Send a new activation link or code. Answers the same whether or not the account exists."
    )
    async def resend_activation(self, info: Info, input: ResendActivationInput) -> ResendActivationPayload:
        try:
            await registration.resend_activation(
                info.context.rt, info.context.meta, email=input.email, phone=input.phone
            )
        except AccountError as error:
            return ResendActivationPayload(user_errors=_errors(error))
        return ResendActivationPayload()

    @strawberry.mutation
    async def login(self, info: Info, input: LoginInput) -> LoginPayload:
        ctx = info.context
        try:
            signed_in = await sessions.login(
                ctx.rt,
                ctx.meta,
                email=input.email,
                phone=input.phone,
                password=input.password,
                device_token=input.device_token,
            )
        except AccountError as error:
            return LoginPayload(user_errors=_errors(error))
        if isinstance(signed_in, two_factor.Challenge):
            return LoginPayload(two_factor_challenge=challenge_type(signed_in))
        await act_as_signed_in(info, signed_in.token)
        return LoginPayload(
            token=signed_in.token,
            expires_at=sessions.session_expiry(ctx.rt, signed_in.session),
            customer=Customer.from_row(signed_in.customer),
        )

    @strawberry.mutation(description="Sign out the current session.", extensions=requires(IsAuthenticated))
    async def logout(self, info: Info) -> LogoutPayload:
        await sessions.logout(info.context.rt, info.context.principal, info.context.meta)
        return LogoutPayload()

    @strawberry.mutation(description="Sign out one of your sessions.", extensions=requires(IsAuthenticated))
    async def revoke_session(self, info: Info, input: RevokeSessionInput) -> RevokeSessionPayload:
        session_id = decode_global_id(input.session_id, "Session")
        try:
            await sessions.revoke_session(info.context.rt, info.context.principal, info.context.meta, session_id)
        except AccountError as error:
            return RevokeSessionPayload(user_errors=_errors(error))
        return RevokeSessionPayload(revoked_session_id=input.session_id)

    @strawberry.mutation(extensions=requires(IsAuthenticated))
    async def change_password(self, info: Info, input: ChangePasswordInput) -> ChangePasswordPayload:
        try:
            await passwords.change_password(
                info.context.rt,
                info.context.principal,
                info.context.meta,
                current_password=input.current_password,
                new_password=input.new_password,
                auth_session=info.context.auth_session,
            )
        except AccountError as error:
            return ChangePasswordPayload(user_errors=_errors(error))
        return ChangePasswordPayload()

    @strawberry.mutation(description="Send a reset link or code. Answers the same whether or not the account exists.")
    async def request_password_reset(self, info: Info, input: RequestPasswordResetInput) -> RequestPasswordResetPayload:
        try:
            await passwords.request_password_reset(
                info.context.rt, info.context.meta, email=input.email, phone=input.phone
            )
        except AccountError as error:
            return RequestPasswordResetPayload(user_errors=_errors(error))
        return RequestPasswordResetPayload()

    @strawberry.mutation
    async def reset_password(self, info: Info, input: ResetPasswordInput) -> ResetPasswordPayload:
        data = passwords.ResetInput(
            new_password=input.new_password, token=input.token, email=input.email, phone=input.phone, code=input.code
        )
        try:
            await passwords.reset_password(info.context.rt, info.context.meta, data)
        except AccountError as error:
            return ResetPasswordPayload(user_errors=_errors(error))
        return ResetPasswordPayload()
