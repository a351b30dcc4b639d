"""`customer-accounts webhooks list|create|update|rotate-secret|disable|enable|deliveries|redeliver|test`: the
operator's way to the same service functions (and validation) as the administrators' GraphQL mutations.
Endpoints and deliveries are named by their UUID (what `list` and `deliveries` print)."""

import argparse
import sys
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from app.runtime import RequestMeta, Runtime

Job = Callable[[Runtime], Awaitable[int]]


def _print_errors(error: Any) -> int:
    for detail in error.details:
        field = ".".join(detail.field or ())
        print(f"error: {detail.code.value}: {detail.message}" + (f" ({field})" if field else ""), file=sys.stderr)
    return 2


def _print_endpoint(endpoint: Any) -> None:
    state = "enabled" if endpoint.enabled else f"DISABLED ({endpoint.disabled_reason})"
    failing = f"  {endpoint.consecutive_failures} failures in a row" if endpoint.consecutive_failures else ""
    print(f"{endpoint.id}  {state:<10} {endpoint.url}  [{endpoint.event_types}]{failing}")


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S") if value else "-"


async def _webhooks(rt: Runtime, args: argparse.Namespace) -> int:
    from app.services import webhook_deliveries, webhooks
    from app.services.webhooks import COMMAND_LINE, EndpointChanges, WebhookError
    from models.webhook import WebhookDeliveryStatus

    actor, meta = COMMAND_LINE, RequestMeta()
    endpoint_id = webhooks.parse_id(getattr(args, "endpoint", "") or "")
    try:
        if args.action == "list":
            after = None
            while True:
                page = await webhooks.list_endpoints(rt, actor, first=100, after=after)
                for endpoint in page.items:
                    _print_endpoint(endpoint)
                if not page.has_next_page:
                    return 0
                after = page.cursors[-1]
        if args.action == "create":
            created = await webhooks.create_endpoint(
                rt, actor, meta, url=args.url, event_types=args.type or [], description=args.description
            )
            _print_endpoint(created.endpoint)
            print("signing secret (shown only now; verify deliveries with it):")
            print(created.secret)
            return 0
        if args.action == "update":
            changes = EndpointChanges(
                url=webhooks.UNSET if args.url is None else args.url,
                event_types=webhooks.UNSET if args.type is None else args.type,
                description=webhooks.UNSET if args.description is None else args.description,
            )
            _print_endpoint(await webhooks.update_endpoint(rt, actor, meta, endpoint_id, changes))
            return 0
        if args.action == "rotate-secret":
            rotated = await webhooks.rotate_secret(rt, actor, meta, endpoint_id, args.overlap_hours)
            print(
                f"new signing secret (shown only now; the old one signs too until {rotated.endpoint.previous_secret_expires_at}):"
            )
            print(rotated.secret)
            return 0
        if args.action == "disable":
            _print_endpoint(await webhooks.disable_endpoint(rt, actor, meta, endpoint_id, args.reason))
            return 0
        if args.action == "enable":
            _print_endpoint(await webhooks.enable_endpoint(rt, actor, meta, endpoint_id))
            return 0
        if args.action == "deliveries":
            status = WebhookDeliveryStatus(args.status) if args.status else None
            found = await webhook_deliveries.list_deliveries(
                rt, actor, endpoint_id, status=status, first=args.limit, after=None
            )
            for item in found.items:
                kind = item.last_error_kind.value if item.last_error_kind else ""
                print(
                    f"{item.id}  {item.status.value:<9} {item.event_type:<24} webhook-id {item.event_id}"
                    f"  attempts {item.attempts}  last {_when(item.last_attempt_at)} {item.last_status_code or ''} {kind}"
                )
            return 0
        if args.action == "redeliver":
            if args.delivery:
                queued = await webhook_deliveries.redeliver(rt, actor, webhooks.parse_id(args.delivery))
                print(f"queued again: delivery {queued.id} (webhook-id {queued.event_id})")
                return 0
            if not args.since:
                print("error: give --delivery ID or --since TIME", file=sys.stderr)
                return 2
            try:
                since = datetime.fromisoformat(args.since)
            except ValueError:
                print(
                    "error: --since is an ISO 8601 time with its zone, e.g. 2026-01-01T00:00:00+00:00", file=sys.stderr
                )
                return 2
            count = await webhook_deliveries.redeliver_since(rt, actor, endpoint_id, since)
            print(f"queued again: {count} event(s)")
            return 0
        attempt = await webhook_deliveries.send_test_event(rt, actor, endpoint_id, args.type)
        outcome = (
            "succeeded" if attempt.error_kind is None else f"failed: {attempt.error_kind.value} {attempt.error_detail}"
        )
        print(f"test {attempt.webhook_id}: HTTP {attempt.status_code or '-'} in {attempt.latency_ms} ms, {outcome}")
        return 0 if attempt.error_kind is None else 1
    except WebhookError as error:
        return _print_errors(error)


def add_webhook_commands(commands: Any, run: Callable[[Job], int]) -> None:
    """The `webhooks` command and its actions; `run` runs a job against a runtime (app.cli._run)."""

    def command(args: argparse.Namespace) -> int:
        return run(lambda rt: _webhooks(rt, args))

    hooks = commands.add_parser("webhooks", help="outbound webhook endpoints: list, create, rotate, redeliver, test")
    actions = hooks.add_subparsers(dest="action", required=True)
    actions.add_parser("list", help="every endpoint: id, state, URL, event types")
    create = actions.add_parser("create", help="register an endpoint (its signing secret is printed once)")
    create.add_argument("url")
    create.add_argument("--type", action="append", help='an event type of the catalogue, or "*" for all (repeat)')
    create.add_argument("--description", default=None)
    update = actions.add_parser("update", help="change an endpoint's URL, event types or description")
    update.add_argument("endpoint")
    update.add_argument("--url", default=None)
    update.add_argument("--type", action="append", default=None, help="replaces the event types (repeat)")
    update.add_argument("--description", default=None)
    rotate = actions.add_parser("rotate-secret", help="a new signing secret (printed once); the old one overlaps")
    rotate.add_argument("endpoint")
    rotate.add_argument("--overlap-hours", type=float, default=24.0, help="how long the old secret signs too")
    disable = actions.add_parser("disable", help="stop sending to an endpoint")
    disable.add_argument("endpoint")
    disable.add_argument("--reason", default=None)
    actions.add_parser("enable", help="send again, starting with what is pending").add_argument("endpoint")
    deliveries = actions.add_parser("deliveries", help="an endpoint's deliveries, newest first")
    deliveries.add_argument("endpoint")
    deliveries.add_argument("--status", choices=["PENDING", "SUCCEEDED", "FAILED"], default=None)
    deliveries.add_argument("--limit", type=int, default=20)
    redeliver = actions.add_parser("redeliver", help="send one delivery, or every event since a time, again")
    redeliver.add_argument("endpoint")
    redeliver.add_argument("--delivery", default=None, help="the delivery's id")
    redeliver.add_argument("--since", default=None, help="ISO 8601 time with zone: every event of its types since")
    test = actions.add_parser("test", help="send a sample event of a type now and print the outcome")
    test.add_argument("endpoint")
    test.add_argument("--type", required=True)
    hooks.set_defaults(func=command)
