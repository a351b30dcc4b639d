"""The privacy policy: anyone reads the current one, administrators publish, customers confirm under it."""

import strawberry

from app.services import privacy
from app.services.privacy import PrivacyError
from loaders.privacy import CURRENT
from resolvers.permissions import IsAdmin, IsAuthenticated, requires
from schema.types.base import Info, user_errors
from schema.types.customer import Customer
from schema.types.privacy import (
    ConfirmConsentsInput,
    ConfirmConsentsPayload,
    PrivacyPolicy,
    PrivacyUserError,
    PublishPrivacyPolicyInput,
    PublishPrivacyPolicyPayload,
)


def _errors(error: PrivacyError) -> list[PrivacyUserError]:
    return user_errors(error, PrivacyUserError)


@strawberry.type
class PrivacyQueries:
    @strawberry.field(description="The privacy policy in force now (no sign-in needed); null until one is published.")
    async def privacy_policy(self, info: Info) -> PrivacyPolicy | None:
        row = await info.context.loaders.privacy_policy.load(CURRENT)
        return PrivacyPolicy.from_row(row) if row else None


@strawberry.type
class PrivacyMutations:
    @strawberry.mutation(
        description=(
            "Publish a new version of the privacy policy (administrators). Customers with consents given under an "
            "earlier version are asked to review them once it is in force."
        ),
        extensions=requires(IsAdmin),
    )
    async def publish_privacy_policy(self, info: Info, input: PublishPrivacyPolicyInput) -> PublishPrivacyPolicyPayload:
        ctx = info.context
        try:
            row = await privacy.publish(
                ctx.rt,
                ctx.principal,
                ctx.meta,
                version=input.version,
                text=input.text,
                effective_from=input.effective_from,
            )
        except PrivacyError as error:
            return PublishPrivacyPolicyPayload(user_errors=_errors(error))
        return PublishPrivacyPolicyPayload(privacy_policy=PrivacyPolicy.from_row(row))

    @strawberry.mutation(
        description=(
            "Keep your consents under the current privacy policy after reading it: each one granted under an "
            "earlier version is recorded again under this one (change any with setConsent)."
        ),
        extensions=requires(IsAuthenticated),
    )
    async def confirm_consents(self, info: Info, input: ConfirmConsentsInput) -> ConfirmConsentsPayload:
        ctx = info.context
        try:
            await privacy.confirm_consents(ctx.rt, ctx.principal, ctx.meta, policy_version=input.policy_version)
        except PrivacyError as error:
            return ConfirmConsentsPayload(user_errors=_errors(error))
        customer_id = ctx.principal.customer_id
        assert customer_id is not None  # IsAuthenticated
        ctx.reset_loaders()
        row = await ctx.loaders.customer.load(customer_id)
        return ConfirmConsentsPayload(customer=Customer.from_row(row) if row else None)
