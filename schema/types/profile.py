"""Profile, settings and consents: types, inputs and payloads."""

from datetime import date, datetime

import strawberry

from app.services.profile import ProfileErrorCode
from models.profile import ConsentPurpose
from schema.types.base import DisplayableError

ProfileErrorCodeEnum = strawberry.enum(ProfileErrorCode, name="ProfileErrorCode")
ConsentPurposeEnum = strawberry.enum(ConsentPurpose, name="ConsentPurpose")


@strawberry.type(description="An error from changing the profile, settings or consents.")
class ProfileUserError(DisplayableError):
    code: ProfileErrorCode


@strawberry.type(description="Preferences other systems (shop, mail, forums) read.")
class CustomerSettings:
    language: str | None = strawberry.field(description="BCP 47, e.g. en-GB.")
    currency: str | None = strawberry.field(description="ISO 4217, e.g. EUR.")
    timezone: str | None = strawberry.field(description="IANA, e.g. Europe/Berlin.")
    email_notifications: bool
    sms_notifications: bool
    updated_at: datetime | None


@strawberry.type(description="The current state of one consent. Not granted until the customer grants it.")
class Consent:
    purpose: ConsentPurpose
    granted: bool
    policy_version: str | None
    source: str | None
    updated_at: datetime | None


@strawberry.type(description="One grant or withdrawal of a consent.")
class ConsentChange:
    purpose: ConsentPurpose
    granted: bool
    policy_version: str
    source: str
    created_at: datetime


@strawberry.input(description="Only the fields sent change; send null to clear.")
class UpdateProfileInput:
    first_name: str | None = strawberry.UNSET
    last_name: str | None = strawberry.UNSET
    company: str | None = strawberry.UNSET
    phone: str | None = strawberry.field(default=strawberry.UNSET, description="E.164; a new number starts unverified.")
    date_of_birth: date | None = strawberry.UNSET


@strawberry.input(description="Only the fields sent change; send null to clear a preference.")
class UpdateSettingsInput:
    language: str | None = strawberry.UNSET
    currency: str | None = strawberry.UNSET
    timezone: str | None = strawberry.UNSET
    email_notifications: bool | None = strawberry.UNSET
    sms_notifications: bool | None = strawberry.UNSET


@strawberry.input
class SetConsentInput:
    purpose: ConsentPurpose
    granted: bool
    policy_version: str | None = strawberry.field(
        default=None,
        description=(
            "Version of the privacy policy the customer was shown. Once one is published (privacyPolicy), leave it "
            "out to record the current version; another version is refused with POLICY_OUTDATED."
        ),
    )
    source: str | None = strawberry.field(default=None, description="Where it was given, e.g. checkout, account-page.")


@strawberry.type
class UpdateSettingsPayload:
    settings: CustomerSettings | None = None
    user_errors: list[ProfileUserError] = strawberry.field(default_factory=list)


@strawberry.type
class SetConsentPayload:
    consent: Consent | None = None
    user_errors: list[ProfileUserError] = strawberry.field(default_factory=list)
