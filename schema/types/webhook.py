"""Outbound webhooks as administrators see them: endpoints, deliveries, the attempt log; inputs and payloads."""

from collections.abc import Iterable
from datetime import datetime
from typing import Any

import strawberry
from strawberry import relay

from app.services import webhook_deliveries, webhooks
from app.services.webhooks import WebhookErrorCode
from models.webhook import WebhookAttempt as WebhookAttemptRow
from models.webhook import WebhookDelivery as WebhookDeliveryRow
from models.webhook import WebhookDeliveryStatus, WebhookErrorKind
from models.webhook import WebhookEndpoint as WebhookEndpointRow
from schema.types.base import DisplayableError, Info, connection_from_page, load_nodes

WebhookErrorCodeEnum = strawberry.enum(WebhookErrorCode, name="WebhookErrorCode")
WebhookDeliveryStatusEnum = strawberry.enum(WebhookDeliveryStatus, name="WebhookDeliveryStatus")
WebhookErrorKindEnum = strawberry.enum(
    WebhookErrorKind, name="WebhookErrorKind", description="Why a webhook attempt failed."
)


@strawberry.type(description="An error from administering webhook endpoints.")
class WebhookUserError(DisplayableError):
    code: WebhookErrorCode


@strawberry.type(description="One HTTP request to a webhook endpoint: a delivery's attempt, or a test event.")
class WebhookAttempt(relay.Node):
    id: relay.NodeID[str]
    webhook_id: str = strawberry.field(description="The webhook-id header: the event's id, or test_… for a test.")
    event_type: str
    test: bool
    started_at: datetime
    status_code: int | None = strawberry.field(description="The receiver's HTTP status, if it answered.")
    latency_ms: int
    succeeded: bool = strawberry.field(description="A 2xx answer.")
    error_kind: WebhookErrorKind | None
    error_detail: str | None
    response_excerpt: str | None = strawberry.field(description="The start of the answer's body (at most 1 KiB).")
    response_truncated: bool = strawberry.field(description="The body was longer than the excerpt.")

    @classmethod
    def from_row(cls, row: WebhookAttemptRow) -> "WebhookAttempt":
        return cls(
            id=str(row.id),
            webhook_id=row.webhook_id,
            event_type=row.event_type,
            test=row.test,
            started_at=row.started_at,
            status_code=row.status_code,
            latency_ms=row.latency_ms,
            succeeded=row.error_kind is None,
            error_kind=row.error_kind,
            error_detail=row.error_detail,
            response_excerpt=row.response_excerpt,
            response_truncated=row.response_truncated,
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list["WebhookAttempt | None"]:
        rows = await load_nodes(info.context.loaders.webhook_attempt, node_ids)
        return [cls.from_row(row) if row else None for row in rows]


@strawberry.type(description="One event for one endpoint; every attempt sends the same webhook-id.")
class WebhookDelivery(relay.Node):
    id: relay.NodeID[str]
    webhook_id: str = strawberry.field(description="The event's id, sent as the webhook-id header.")
    event_type: str
    status: WebhookDeliveryStatus
    attempt_count: int
    next_attempt_at: datetime | None = strawberry.field(description="When it is tried next (PENDING only).")
    last_attempt_at: datetime | None
    last_status_code: int | None
    last_error_kind: WebhookErrorKind | None
    delivered_at: datetime | None
    created_at: datetime
    row: strawberry.Private[WebhookDeliveryRow]

    @classmethod
    def from_row(cls, row: WebhookDeliveryRow) -> "WebhookDelivery":
        return cls(
            id=str(row.id),
            webhook_id=str(row.event_id),
            event_type=row.event_type,
            status=row.status,
            attempt_count=row.attempts,
            next_attempt_at=row.next_attempt_at if row.status is WebhookDeliveryStatus.PENDING else None,
            last_attempt_at=row.last_attempt_at,
            last_status_code=row.last_status_code,
            last_error_kind=row.last_error_kind,
            delivered_at=row.delivered_at,
            created_at=row.created_at,
            row=row,
        )

    @strawberry.field(description="Its attempts, newest first.")
    async def attempts(
        self, info: Info, first: int | None = 20, after: str | None = None
    ) -> relay.Connection[WebhookAttempt] | None:
        page = await webhook_deliveries.list_attempts(
            info.context.rt, info.context.principal, delivery_id=self.row.id, first=first, after=after
        )
        return connection_from_page(page, WebhookAttempt.from_row)  # type: ignore[no-any-return]

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list["WebhookDelivery | None"]:
        rows = await load_nodes(info.context.loaders.webhook_delivery, node_ids)
        return [cls.from_row(row) if row else None for row in rows]


@strawberry.type(description="Where the shop's business events are sent (administrators).")
class WebhookEndpoint(relay.Node):
    id: relay.NodeID[str]
    url: str
    description: str
    event_types: list[str] = strawberry.field(description='The event types it receives; ["*"] for all.')
    enabled: bool
    disabled_at: datetime | None
    disabled_reason: str | None
    secret_rotated_at: datetime | None
    previous_secret_expires_at: datetime | None = strawberry.field(
        description="Until then the secret replaced by the last rotation signs too."
    )
    consecutive_failures: int = strawberry.field(description="Attempts failed in a row (a success resets it).")
    failing_since: datetime | None
    created_at: datetime
    updated_at: datetime
    row: strawberry.Private[WebhookEndpointRow]

    @classmethod
    def from_row(cls, row: WebhookEndpointRow) -> "WebhookEndpoint":
        return cls(
            id=str(row.id),
            url=row.url,
            description=row.description,
            event_types=webhooks.event_types_of(row),
            enabled=row.enabled,
            disabled_at=row.disabled_at,
            disabled_reason=row.disabled_reason,
            secret_rotated_at=row.secret_rotated_at,
            previous_secret_expires_at=row.previous_secret_expires_at,
            consecutive_failures=row.consecutive_failures,
            failing_since=row.failing_since,
            created_at=row.created_at,
            updated_at=row.updated_at,
            row=row,
        )

    @strawberry.field(description="Its deliveries, newest first.")
    async def deliveries(
        self, info: Info, first: int | None = 20, after: str | None = None, status: WebhookDeliveryStatus | None = None
    ) -> relay.Connection[WebhookDelivery] | None:
        page = await webhook_deliveries.list_deliveries(
            info.context.rt, info.context.principal, self.row.id, status=status, first=first, after=after
        )
        return connection_from_page(page, WebhookDelivery.from_row)  # type: ignore[no-any-return]

    @strawberry.field(description="Its attempt log (test events included), newest first.")
    async def attempts(
        self, info: Info, first: int | None = 20, after: str | None = None
    ) -> relay.Connection[WebhookAttempt] | None:
        page = await webhook_deliveries.list_attempts(
            info.context.rt, info.context.principal, endpoint_id=self.row.id, first=first, after=after
        )
        return connection_from_page(page, WebhookAttempt.from_row)  # type: ignore[no-any-return]

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list["WebhookEndpoint | None"]:
        rows = await load_nodes(info.context.loaders.webhook_endpoint, node_ids)
        return [cls.from_row(row) if row else None for row in rows]


def endpoints_connection(page: Any) -> Any:
    return connection_from_page(page, WebhookEndpoint.from_row)


@strawberry.input
class CreateWebhookEndpointInput:
    url: str = strawberry.field(description="https (http outside production); no user name, password or fragment.")
    event_types: list[str] = strawberry.field(description='Types of the event catalogue, or ["*"] for every type.')
    description: str | None = None


@strawberry.type(description="The signing secret is shown here once: store it in the receiver.")
class CreateWebhookEndpointPayload:
    endpoint: WebhookEndpoint | None = None
    secret: str | None = strawberry.field(default=None, description="whsec_…: verify deliveries with it.")
    user_errors: list[WebhookUserError] = strawberry.field(default_factory=list)


@strawberry.input(description="Fields left out keep their value.")
class UpdateWebhookEndpointInput:
    endpoint_id: strawberry.ID
    url: str | None = strawberry.UNSET
    event_types: list[str] | None = strawberry.field(
        default=strawberry.UNSET, description="Applies to events recorded from now on."
    )
    description: str | None = strawberry.UNSET


@strawberry.type
class WebhookEndpointPayload:
    endpoint: WebhookEndpoint | None = None
    user_errors: list[WebhookUserError] = strawberry.field(default_factory=list)


@strawberry.input
class RotateWebhookSecretInput:
    endpoint_id: strawberry.ID
    overlap_hours: float = strawberry.field(
        default=webhooks.DEFAULT_OVERLAP_HOURS,
        description="How long the old secret keeps signing beside the new one (0 to 168; 0: not at all).",
    )


@strawberry.type(description="The new signing secret is shown here once.")
class RotateWebhookSecretPayload:
    endpoint: WebhookEndpoint | None = None
    secret: str | None = None
    user_errors: list[WebhookUserError] = strawberry.field(default_factory=list)


@strawberry.input
class DisableWebhookEndpointInput:
    endpoint_id: strawberry.ID
    reason: str | None = None


@strawberry.input
class EnableWebhookEndpointInput:
    endpoint_id: strawberry.ID


@strawberry.input
class RedeliverWebhookInput:
    delivery_id: strawberry.ID


@strawberry.type
class RedeliverWebhookPayload:
    delivery: WebhookDelivery | None = None
    user_errors: list[WebhookUserError] = strawberry.field(default_factory=list)


@strawberry.input
class RedeliverWebhookEventsInput:
    endpoint_id: strawberry.ID
    since: datetime = strawberry.field(description="Events of the endpoint's types recorded since then.")


@strawberry.type
class RedeliverWebhookEventsPayload:
    queued: int | None = strawberry.field(default=None, description="How many events were queued again.")
    user_errors: list[WebhookUserError] = strawberry.field(default_factory=list)


@strawberry.input
class TestWebhookEndpointInput:
    endpoint_id: strawberry.ID
    event_type: str = strawberry.field(description="Whose catalogue sample is sent.")


@strawberry.type(description="The test request's outcome (also in the endpoint's attempt log).")
class TestWebhookEndpointPayload:
    attempt: WebhookAttempt | None = None
    user_errors: list[WebhookUserError] = strawberry.field(default_factory=list)
