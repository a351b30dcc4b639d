"""The privacy policy and the customer's review of their consents under it."""

from datetime import datetime

import strawberry

from app.services.privacy import PrivacyErrorCode
from models.privacy import PrivacyPolicy as PrivacyPolicyRow
from schema.types.base import DisplayableError
from schema.types.customer import Customer

PrivacyErrorCodeEnum = strawberry.enum(PrivacyErrorCode, name="PrivacyErrorCode")


@strawberry.type(description="An error from publishing a privacy policy or confirming consents under it.")
class PrivacyUserError(DisplayableError):
    code: PrivacyErrorCode


@strawberry.type(description="A version of the privacy policy: consents are given under one.")
class PrivacyPolicy:
    version: str
    text: str = strawberry.field(description="Plain text; blank lines separate paragraphs.")
    effective_from: datetime = strawberry.field(description="When this version took (or takes) effect.")

    @classmethod
    def from_row(cls, row: PrivacyPolicyRow) -> "PrivacyPolicy":
        return cls(version=row.version, text=row.text, effective_from=row.effective_from)


@strawberry.input
class PublishPrivacyPolicyInput:
    version: str = strawberry.field(description="A new name, 1-32 of letters, digits, '.', '_', '-', e.g. 2027-01.")
    text: str
    effective_from: datetime | None = strawberry.field(
        default=None, description="Now when left out; never in the past. Until then the previous version applies."
    )


@strawberry.type
class PublishPrivacyPolicyPayload:
    privacy_policy: PrivacyPolicy | None = None
    user_errors: list[PrivacyUserError] = strawberry.field(default_factory=list)


@strawberry.input
class ConfirmConsentsInput:
    policy_version: str = strawberry.field(description="The version of the policy the customer read (privacyPolicy).")


@strawberry.type
class ConfirmConsentsPayload:
    customer: Customer | None = None
    user_errors: list[PrivacyUserError] = strawberry.field(default_factory=list)
