"""Outbound webhooks: administrators register endpoints, rotate secrets, read deliveries, redeliver, test."""

import uuid

import strawberry
from strawberry import relay

from app.services import webhook_deliveries, webhooks
from app.services.webhooks import WebhookError
from resolvers.permissions import IsAdmin, requires
from schema.types.base import Info, decode_global_id, user_errors
from schema.types.webhook import (
    CreateWebhookEndpointInput,
    CreateWebhookEndpointPayload,
    DisableWebhookEndpointInput,
    EnableWebhookEndpointInput,
    RedeliverWebhookEventsInput,
    RedeliverWebhookEventsPayload,
    RedeliverWebhookInput,
    RedeliverWebhookPayload,
    RotateWebhookSecretInput,
    RotateWebhookSecretPayload,
    TestWebhookEndpointInput,
    TestWebhookEndpointPayload,
    UpdateWebhookEndpointInput,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEndpointPayload,
    WebhookUserError,
    endpoints_connection,
)


def _errors(error: WebhookError) -> list[WebhookUserError]:
    return user_errors(error, WebhookUserError)


def _endpoint_id(value: strawberry.ID) -> uuid.UUID | None:
    return decode_global_id(value, "WebhookEndpoint")


def _given(value: object) -> object:
    return webhooks.UNSET if value is strawberry.UNSET else value


@strawberry.type
class WebhookQueries:
    @strawberry.field(description="Webhook endpoints, newest first (administrators).", extensions=requires(IsAdmin))
    async def webhook_endpoints(
        self, info: Info, first: int | None = 20, after: str | None = None
    ) -> relay.Connection[WebhookEndpoint] | None:
        page = await webhooks.list_endpoints(info.context.rt, info.context.principal, first=first, after=after)
        return endpoints_connection(page)  # type: ignore[no-any-return]


@strawberry.type
class WebhookMutations:
    @strawberry.mutation(
        description="Register a webhook endpoint (administrators); its signing secret is returned once.",
        extensions=requires(IsAdmin),
    )
    async def create_webhook_endpoint(
        self, info: Info, input: CreateWebhookEndpointInput
    ) -> CreateWebhookEndpointPayload:
        try:
            created = await webhooks.create_endpoint(
                info.context.rt,
                info.context.principal,
                info.context.meta,
                url=input.url,
                event_types=input.event_types,
                description=input.description,
            )
        except WebhookError as error:
            return CreateWebhookEndpointPayload(user_errors=_errors(error))
        return CreateWebhookEndpointPayload(endpoint=WebhookEndpoint.from_row(created.endpoint), secret=created.secret)

    @strawberry.mutation(description="Change a webhook endpoint (administrators).", extensions=requires(IsAdmin))
    async def update_webhook_endpoint(self, info: Info, input: UpdateWebhookEndpointInput) -> WebhookEndpointPayload:
        changes = webhooks.EndpointChanges(
            url=_given(input.url), event_types=_given(input.event_types), description=_given(input.description)
        )
        try:
            row = await webhooks.update_endpoint(
                info.context.rt, info.context.principal, info.context.meta, _endpoint_id(input.endpoint_id), changes
            )
        except WebhookError as error:
            return WebhookEndpointPayload(user_errors=_errors(error))
        return WebhookEndpointPayload(endpoint=WebhookEndpoint.from_row(row))

    @strawberry.mutation(
        description=(
            "Give a webhook endpoint a new signing secret, returned once (administrators). The old one signs "
            "beside it for overlapHours."
        ),
        extensions=requires(IsAdmin),
    )
    async def rotate_webhook_secret(self, info: Info, input: RotateWebhookSecretInput) -> RotateWebhookSecretPayload:
        try:
            rotated = await webhooks.rotate_secret(
                info.context.rt,
                info.context.principal,
                info.context.meta,
                _endpoint_id(input.endpoint_id),
                input.overlap_hours,
            )
        except WebhookError as error:
            return RotateWebhookSecretPayload(user_errors=_errors(error))
        return RotateWebhookSecretPayload(endpoint=WebhookEndpoint.from_row(rotated.endpoint), secret=rotated.secret)

    @strawberry.mutation(
        description="Stop sending to a webhook endpoint (administrators).", extensions=requires(IsAdmin)
    )
    async def disable_webhook_endpoint(self, info: Info, input: DisableWebhookEndpointInput) -> WebhookEndpointPayload:
        try:
            row = await webhooks.disable_endpoint(
                info.context.rt,
                info.context.principal,
                info.context.meta,
                _endpoint_id(input.endpoint_id),
                input.reason,
            )
        except WebhookError as error:
            return WebhookEndpointPayload(user_errors=_errors(error))
        return WebhookEndpointPayload(endpoint=WebhookEndpoint.from_row(row))

    @strawberry.mutation(
        description="Send to a webhook endpoint again, starting with what is pending (administrators).",
        extensions=requires(IsAdmin),
    )
    async def enable_webhook_endpoint(self, info: Info, input: EnableWebhookEndpointInput) -> WebhookEndpointPayload:
        try:
            row = await webhooks.enable_endpoint(
                info.context.rt, info.context.principal, info.context.meta, _endpoint_id(input.endpoint_id)
            )
        except WebhookError as error:
            return WebhookEndpointPayload(user_errors=_errors(error))
        return WebhookEndpointPayload(endpoint=WebhookEndpoint.from_row(row))

    @strawberry.mutation(
        description="Send one delivery again, with the same webhook-id (administrators).",
        extensions=requires(IsAdmin),
    )
    async def redeliver_webhook(self, info: Info, input: RedeliverWebhookInput) -> RedeliverWebhookPayload:
        try:
            row = await webhook_deliveries.redeliver(
                info.context.rt, info.context.principal, decode_global_id(input.delivery_id, "WebhookDelivery")
            )
        except WebhookError as error:
            return RedeliverWebhookPayload(user_errors=_errors(error))
        return RedeliverWebhookPayload(delivery=WebhookDelivery.from_row(row))

    @strawberry.mutation(
        description="Send an endpoint every event of its types since a time again (administrators).",
        extensions=requires(IsAdmin),
    )
    async def redeliver_webhook_events(
        self, info: Info, input: RedeliverWebhookEventsInput
    ) -> RedeliverWebhookEventsPayload:
        try:
            queued = await webhook_deliveries.redeliver_since(
                info.context.rt, info.context.principal, _endpoint_id(input.endpoint_id), input.since
            )
        except WebhookError as error:
            return RedeliverWebhookEventsPayload(user_errors=_errors(error))
        return RedeliverWebhookEventsPayload(queued=queued)

    @strawberry.mutation(
        description="Send a sample event of a type to an endpoint now and return the outcome (administrators).",
        extensions=requires(IsAdmin),
    )
    async def test_webhook_endpoint(self, info: Info, input: TestWebhookEndpointInput) -> TestWebhookEndpointPayload:
        try:
            row = await webhook_deliveries.send_test_event(
                info.context.rt, info.context.principal, _endpoint_id(input.endpoint_id), input.event_type
            )
        except WebhookError as error:
            return TestWebhookEndpointPayload(user_errors=_errors(error))
        return TestWebhookEndpointPayload(attempt=WebhookAttempt.from_row(row))
