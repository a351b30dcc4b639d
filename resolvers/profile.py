"""The signed-in customer's profile, settings and privacy consents."""

from typing import Any

import strawberry

from app.services import profile
from app.services.profile import ProfileChanges, ProfileError, SettingsChanges
from resolvers.permissions import IsAuthenticated, requires
from schema.types.account_mutations import UpdateProfilePayload
from schema.types.base import Info, user_errors
from schema.types.customer import Customer
from schema.types.profile import (
    Consent,
    CustomerSettings,
    ProfileUserError,
    SetConsentInput,
    SetConsentPayload,
    UpdateProfileInput,
    UpdateSettingsInput,
    UpdateSettingsPayload,
)


def _errors(error: ProfileError) -> list[ProfileUserError]:
    return user_errors(error, ProfileUserError)


def _sent(input: object, names: list[str]) -> dict[str, Any]:
    return {name: getattr(input, name) for name in names if getattr(input, name) is not strawberry.UNSET}


@strawberry.type
class ProfileMutations:
    @strawberry.mutation(
        description="Change your profile; only the fields sent change.", extensions=requires(IsAuthenticated)
    )
    async def update_profile(self, info: Info, input: UpdateProfileInput) -> UpdateProfilePayload:
        ctx = info.context
        sent = _sent(input, ["first_name", "last_name", "company", "phone", "date_of_birth"])
        try:
            row = await profile.update_profile(
                ctx.rt, ctx.principal, ctx.meta, ctx.auth_session, ProfileChanges(**sent, sent=set(sent))
            )
        except ProfileError as error:
            return UpdateProfilePayload(user_errors=_errors(error))
        ctx.reset_loaders()
        return UpdateProfilePayload(customer=Customer.from_row(row))

    @strawberry.mutation(
        description="Change your settings; only the fields sent change.", extensions=requires(IsAuthenticated)
    )
    async def update_settings(self, info: Info, input: UpdateSettingsInput) -> UpdateSettingsPayload:
        sent = _sent(input, ["language", "currency", "timezone", "email_notifications", "sms_notifications"])
        try:
            row = await profile.update_settings(
                info.context.rt, info.context.principal, SettingsChanges(**sent, sent=set(sent))
            )
        except ProfileError as error:
            return UpdateSettingsPayload(user_errors=_errors(error))
        return UpdateSettingsPayload(
            settings=CustomerSettings(
                language=row.language,
                currency=row.currency,
                timezone=row.timezone,
                email_notifications=row.email_notifications,
                sms_notifications=row.sms_notifications,
                updated_at=row.updated_at,
            )
        )

    @strawberry.mutation(
        description="Grant or withdraw a consent; every change is kept.", extensions=requires(IsAuthenticated)
    )
    async def set_consent(self, info: Info, input: SetConsentInput) -> SetConsentPayload:
        ctx = info.context
        try:
            event = await profile.set_consent(
                ctx.rt,
                ctx.principal,
                ctx.meta,
                purpose=input.purpose,
                granted=input.granted,
                policy_version=input.policy_version,
                source=input.source,
            )
        except ProfileError as error:
            return SetConsentPayload(user_errors=_errors(error))
        return SetConsentPayload(
            consent=Consent(
                purpose=event.purpose,
                granted=event.granted,
                policy_version=event.policy_version,
                source=event.source,
                updated_at=event.created_at,
            )
        )
