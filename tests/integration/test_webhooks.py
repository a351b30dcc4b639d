"""Outbound webhooks against a real receiver that verifies every request with the standardwebhooks library:
signed deliveries, retries with one webhook-id, redelivery, the dry run, secret rotation, automatic disabling
with the administrators' mail, two dispatchers at once, and the refusals (redirects, oversize answers, private
addresses, DNS rebinding, callers who are not administrators, bad input)."""

import asyncio
import json
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from prometheus_client import REGISTRY
from sqlalchemy import select, update
from sqlmodel import col

from app.config import Settings
from app.integration.catalogue import CATALOGUE
from app.integration.events import record_event
from app.integration.network import AddressPolicy
from app.runtime import RequestMeta, Runtime
from app.services import webhook_deliveries, webhooks
from app.services.webhook_dispatch import WebhookDispatcher
from app.services.webhooks import COMMAND_LINE, EndpointChanges, WebhookError, WebhookErrorCode
from models.base import utcnow
from models.integration_event import IntegrationEvent
from models.webhook import WebhookAttempt, WebhookDelivery, WebhookDeliveryStatus, WebhookEndpoint, WebhookErrorKind
from tests.integration.webhook_receiver import Receiver, running_receiver
from tests.support import Api, Caller, Mailbox, free_port, text_body

FAST = {
    "webhook_retry_base_seconds": 0.02,
    "webhook_retry_max_seconds": 0.1,
    "webhook_disable_after_failures": 3,
    "webhook_disable_after_hours": 0.0,
}
META = RequestMeta()

CREATE = """mutation($i: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $i) {
  endpoint { id url eventTypes enabled } secret userErrors { field code } } }"""
ROTATE = """mutation($i: RotateWebhookSecretInput!) { rotateWebhookSecret(input: $i) {
  endpoint { previousSecretExpiresAt } secret userErrors { field code } } }"""
ENABLE = """mutation($i: EnableWebhookEndpointInput!) { enableWebhookEndpoint(input: $i) {
  endpoint { enabled consecutiveFailures disabledReason } userErrors { field code } } }"""
REDELIVER = """mutation($i: RedeliverWebhookInput!) { redeliverWebhook(input: $i) {
  delivery { status webhookId } userErrors { code } } }"""
REDELIVER_SINCE = """mutation($i: RedeliverWebhookEventsInput!) { redeliverWebhookEvents(input: $i) {
  queued userErrors { field code } } }"""
TEST = """mutation($i: TestWebhookEndpointInput!) { testWebhookEndpoint(input: $i) {
  attempt { webhookId test succeeded statusCode errorKind } userErrors { field code } } }"""
LOG = """query($id: ID!) { node(id: $id) { ... on WebhookEndpoint {
  deliveries(first: 10) { edges { node { id webhookId eventType status attemptCount
    attempts(first: 10) { edges { node { statusCode errorKind responseExcerpt latencyMs } } } } } }
  attempts(first: 20) { edges { node { webhookId test } } } } } }"""


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update=FAST)


async def until(condition: Callable[[], Any], timeout: float = 10.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("not reached in time")
        await asyncio.sleep(0.02)


async def until_async(condition: Callable[[], Any], timeout: float = 10.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not await condition():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("not reached in time")
        await asyncio.sleep(0.02)


async def record(rt: Runtime, event_type: str, **data: object) -> IntegrationEvent:
    async with rt.db.unit_of_work() as session:
        return record_event(session, event_type, data or {"customerId": uuid.uuid4()})


async def create(api: Api, admin: Caller, receiver: Receiver, types: list[str], path: str = "/hook") -> str:
    payload = (await api.ok(CREATE, {"i": {"url": receiver.url(path), "eventTypes": types}}, admin.token))[
        "createWebhookEndpoint"
    ]
    assert payload["userErrors"] == []
    assert payload["secret"].startswith("whsec_")
    receiver.secrets.append(payload["secret"])
    return str(payload["endpoint"]["id"])


async def endpoint_row(rt: Runtime, endpoint_id: uuid.UUID) -> WebhookEndpoint:
    async with rt.db.read() as session:
        found = await session.get(WebhookEndpoint, endpoint_id)
        assert found is not None
        return found


def raw_id(global_id: str) -> uuid.UUID:
    from strawberry import relay

    return uuid.UUID(relay.GlobalID.from_id(global_id).node_id)


async def test_deliveries_are_signed_retried_with_one_id_redelivered_and_tested(
    api: Api, rt: Runtime, admin: Caller
) -> None:
    with running_receiver(fail_first=2) as flaky, running_receiver() as steady:
        flaky_id = await create(api, admin, flaky, ["customer.created"])
        steady_id = await create(api, admin, steady, ["*"])
        created = await record(rt, "customer.created", customerId=uuid.uuid4(), email="a@example.com")
        placed = await record(rt, "order.placed", orderId=uuid.uuid4())

        await until(lambda: len(flaky.successes()) == 1 and len(steady.successes()) == 2)
        # Two failures, then the success: every request signed, every one with the event's id.
        tries = flaky.snapshot()
        assert [r.status for r in tries] == [500, 500, 204]
        assert {r.webhook_id for r in tries} == {str(created.id)}
        assert all(all(r.verified.values()) for r in tries)
        body = json.loads(tries[0].body)
        assert body["type"] == "customer.created"
        assert body["version"] == CATALOGUE["customer.created"].version
        assert body["data"]["email"] == "a@example.com"
        assert sorted(r.webhook_id for r in steady.successes()) == sorted([str(created.id), str(placed.id)])

        # The log, through the API (the receiver answers before the dispatcher records that answer).
        async def settled() -> dict[str, Any]:
            node: dict[str, Any] = (await api.ok(LOG, {"id": flaky_id}, admin.token))["node"]
            return node

        async def logged_success() -> bool:
            return bool((await settled())["deliveries"]["edges"][0]["node"]["status"] == "SUCCEEDED")

        await until_async(logged_success)
        log = await settled()
        [edge] = log["deliveries"]["edges"]
        delivery = edge["node"]
        assert (delivery["status"], delivery["attemptCount"], delivery["webhookId"]) == (
            "SUCCEEDED",
            3,
            str(created.id),
        )
        attempts = [e["node"] for e in delivery["attempts"]["edges"]]
        assert [(a["statusCode"], a["errorKind"]) for a in attempts] == [
            (204, None),
            (500, "HTTP_STATUS"),
            (500, "HTTP_STATUS"),
        ]
        assert attempts[-1]["responseExcerpt"] == "receiver down"

        # Redelivery of one delivery: the same webhook-id again.
        again = (await api.ok(REDELIVER, {"i": {"deliveryId": delivery["id"]}}, admin.token))["redeliverWebhook"]
        assert again["delivery"] == {"status": "PENDING", "webhookId": str(created.id)}
        await until(lambda: len(flaky.successes()) == 2)
        assert flaky.successes()[-1].webhook_id == str(created.id)

        # Everything of an endpoint's types since a time: both events again, each with its own id (the
        # fixtures' accounts, opened just before, recorded events of their own).
        since = created.created_at.isoformat()
        queued = await api.ok(REDELIVER_SINCE, {"i": {"endpointId": steady_id, "since": since}}, admin.token)
        assert queued["redeliverWebhookEvents"] == {"queued": 2, "userErrors": []}
        await until(lambda: len(steady.successes()) == 4)
        assert sorted(r.webhook_id for r in steady.successes()) == sorted([str(created.id), str(placed.id)] * 2)

        # The dry run: the type's sample, marked as a test, sent now; its outcome answered and logged.
        tested = await api.ok(TEST, {"i": {"endpointId": steady_id, "eventType": "order.placed"}}, admin.token)
        attempt = tested["testWebhookEndpoint"]["attempt"]
        assert attempt["webhookId"].startswith("test_")
        assert (attempt["test"], attempt["succeeded"], attempt["statusCode"], attempt["errorKind"]) == (
            True,
            True,
            204,
            None,
        )
        sample = steady.snapshot()[-1]
        assert sample.webhook_id == attempt["webhookId"]
        assert all(sample.verified.values())
        sent = json.loads(sample.body)
        assert (sent["test"], sent["type"], sent["data"]) == (True, "order.placed", CATALOGUE["order.placed"].sample)
        log = (await api.ok(LOG, {"id": steady_id}, admin.token))["node"]
        assert log["attempts"]["edges"][0]["node"] == {"webhookId": attempt["webhookId"], "test": True}

    async with rt.db.read() as session:
        events = list((await session.execute(select(IntegrationEvent))).scalars())
        deliveries = list((await session.execute(select(WebhookDelivery))).scalars())
    assert all(event.fanned_out_at is not None for event in events)
    assert len(deliveries) == 3  # customer.created to both endpoints, order.placed to "*"


async def test_rotation_overlap_then_automatic_disabling_and_enabling_again(
    api: Api, rt: Runtime, admin: Caller, mailbox: Mailbox
) -> None:
    with running_receiver() as receiver:
        endpoint_id = await create(api, admin, receiver, ["customer.updated"])
        old = receiver.secrets[0]
        rotated = (await api.ok(ROTATE, {"i": {"endpointId": endpoint_id}}, admin.token))["rotateWebhookSecret"]
        new = rotated["secret"]
        assert new.startswith("whsec_")
        assert new != old
        assert rotated["endpoint"]["previousSecretExpiresAt"] is not None
        receiver.secrets.append(new)

        # During the overlap both secrets sign: a receiver with either verifies.
        await record(rt, "customer.updated")
        await until(lambda: len(receiver.successes()) == 1)
        during = receiver.successes()[0]
        assert during.verified == {old: True, new: True}
        assert len(during.headers["webhook-signature"].split(" ")) == 2

        # After it only the new one does.
        async with rt.db.unit_of_work() as session:
            await session.execute(
                update(WebhookEndpoint).values(previous_secret_expires_at=utcnow() - timedelta(seconds=1))
            )
        await record(rt, "customer.updated")
        await until(lambda: len(receiver.successes()) == 2)
        assert receiver.successes()[1].verified == {old: False, new: True}

        # The receiver breaks: after 3 failed attempts in a row the endpoint is disabled, administrators mailed.
        receiver.fail_first = 1000
        stuck = await record(rt, "customer.updated")
        key = raw_id(endpoint_id)

        async def disabled() -> bool:
            return not (await endpoint_row(rt, key)).enabled

        await until_async(disabled)
        row = await endpoint_row(rt, key)
        assert row.consecutive_failures == 3
        assert row.disabled_reason is not None
        assert "3 in a row" in row.disabled_reason
        message = await mailbox.wait_for(admin.customer.email, "Webhook endpoint disabled")
        assert receiver.url() in text_body(message)
        assert "3 attempts in a row" in text_body(message)

        # While disabled, nothing is sent and new events are not queued for it.
        skipped = await record(rt, "customer.updated")

        async def fanned_out() -> bool:
            async with rt.db.read() as session:
                event = await session.get(IntegrationEvent, skipped.id)
                return event is not None and event.fanned_out_at is not None

        await until_async(fanned_out)
        failed_requests = len(receiver.snapshot())

        # Enabled again (the receiver fixed): what was pending goes out at once.
        receiver.fail_first = 0
        enabled = (await api.ok(ENABLE, {"i": {"endpointId": endpoint_id}}, admin.token))["enableWebhookEndpoint"]
        assert enabled == {
            "endpoint": {"enabled": True, "consecutiveFailures": 0, "disabledReason": None},
            "userErrors": [],
        }
        await until(lambda: len(receiver.successes()) == 3)
        assert receiver.successes()[2].webhook_id == str(stuck.id)
        assert failed_requests == 2 + 3
        assert str(skipped.id) not in {r.webhook_id for r in receiver.snapshot()}

    events = await api.ok("{ securityEvents(first: 20) { edges { node { type detail } } } }", token=admin.token)
    seen = [(e["node"]["type"], e["node"]["detail"]) for e in events["securityEvents"]["edges"]]
    types = [kind for kind, _ in seen]
    assert "WEBHOOK_SECRET_ROTATED" in types
    assert any(kind == "WEBHOOK_ENDPOINT_CHANGED" and "disabled automatically" in detail for kind, detail in seen)


async def test_two_dispatchers_at_once_deliver_each_event_exactly_once(settings: Settings) -> None:
    settings = settings.model_copy(update={"webhook_disable_after_failures": 100})
    first, second = Runtime.create(settings), Runtime.create(settings)

    def attempts_counted(outcome: str) -> float:
        found = REGISTRY.get_sample_value("customer_accounts_webhook_deliveries_total", {"outcome": outcome})
        return found or 0.0

    counted_before = {outcome: attempts_counted(outcome) for outcome in ("delivered", "http_status")}
    try:
        with running_receiver(fail_first=3) as receiver:
            created = await webhooks.create_endpoint(
                first, COMMAND_LINE, META, url=receiver.url(), event_types=["inventory.moved"]
            )
            receiver.secrets.append(created.secret)
            async with first.db.unit_of_work() as session:
                events = [record_event(session, "inventory.moved", {"sku": f"SKU-{n}"}) for n in range(20)]
            stop = asyncio.Event()
            runs = [asyncio.create_task(WebhookDispatcher(rt).run(stop)) for rt in (first, second)]
            await until(lambda: len(receiver.successes()) >= len(events))
            stop.set()
            await asyncio.gather(*runs)  # whatever either had in flight has landed
        assert sorted(r.webhook_id for r in receiver.successes()) == sorted(str(event.id) for event in events)
        async with first.db.read() as session:
            deliveries = list((await session.execute(select(WebhookDelivery))).scalars())
            attempts = list((await session.execute(select(WebhookAttempt))).scalars())
        assert len(deliveries) == len(events)
        assert {d.status for d in deliveries} == {WebhookDeliveryStatus.SUCCEEDED}
        assert len(attempts) == len(receiver.snapshot()) == len(events) + 3
        # /metrics counts every attempt once, by outcome.
        assert attempts_counted("delivered") - counted_before["delivered"] == len(events)
        assert attempts_counted("http_status") - counted_before["http_status"] == 3
    finally:
        await first.close()
        await second.close()


async def test_an_endpoint_gets_the_events_recorded_since_it_was_created(settings: Settings) -> None:
    """However late the fan-out round runs: an event recorded before the endpoint existed is not queued for it
    (redeliverWebhookEvents sends such events on request)."""
    rt = Runtime.create(settings)
    try:
        async with rt.db.unit_of_work() as session:
            before = record_event(session, "inventory.moved", {"sku": "OLD"})
        with running_receiver() as receiver:
            created = await webhooks.create_endpoint(rt, COMMAND_LINE, META, url=receiver.url(), event_types=["*"])
        async with rt.db.unit_of_work() as session:
            after = record_event(session, "inventory.moved", {"sku": "NEW"})
        assert await WebhookDispatcher(rt).fan_out() == 2  # both handled in the one round
        async with rt.db.read() as session:
            queued = list((await session.execute(select(WebhookDelivery))).scalars())
        assert [(d.event_id, d.endpoint_id) for d in queued] == [(after.id, created.endpoint.id)]
        assert before.id != after.id
    finally:
        await rt.close()


async def test_redirects_big_answers_private_addresses_and_rebinding_are_handled(settings: Settings) -> None:
    guarded = Runtime.create(settings.model_copy(update={"webhook_block_private_addresses": True}))
    own_network = Runtime.create(
        settings.model_copy(update={"webhook_block_private_addresses": True, "webhook_allowed_networks": "127.0.0.0/8"})
    )
    production = Runtime.create(settings.model_copy(update={"environment": "production"}))
    try:
        with running_receiver() as receiver:
            # Checks on: a loopback address is refused when saved; in production http is too.
            with pytest.raises(WebhookError) as refused:
                await webhooks.create_endpoint(guarded, COMMAND_LINE, META, url=receiver.url(), event_types=["*"])
            assert [d.code for d in refused.value.details] == [WebhookErrorCode.ADDRESS_NOT_ALLOWED]
            for url, code in (
                ("http://hooks.example.com/in", WebhookErrorCode.HTTPS_REQUIRED),
                ("https://127.0.0.1/in", WebhookErrorCode.ADDRESS_NOT_ALLOWED),
                ("https://[::ffff:10.0.0.1]/in", WebhookErrorCode.ADDRESS_NOT_ALLOWED),
            ):
                with pytest.raises(WebhookError) as refused:
                    await webhooks.create_endpoint(production, COMMAND_LINE, META, url=url, event_types=["*"])
                assert [d.code for d in refused.value.details] == [code], url

            # The shop's own network, allowed: a redirect is a failure and is not followed.
            created = await webhooks.create_endpoint(
                own_network, COMMAND_LINE, META, url=receiver.url("/redirect"), event_types=["order.placed"]
            )
            receiver.secrets.append(created.secret)
            endpoint_id = created.endpoint.id
            redirect = await webhook_deliveries.send_test_event(own_network, COMMAND_LINE, endpoint_id, "order.placed")
            assert (redirect.status_code, redirect.error_kind) == (302, WebhookErrorKind.REDIRECT)
            assert redirect.error_detail == f"redirect not followed: {receiver.url('/landing')}"
            # An answer over the size cap is cut: its status counts, the log keeps 1 KiB.
            await webhooks.update_endpoint(
                own_network, COMMAND_LINE, META, endpoint_id, EndpointChanges(url=receiver.url("/big"))
            )
            big = await webhook_deliveries.send_test_event(own_network, COMMAND_LINE, endpoint_id, "order.placed")
            assert (big.status_code, big.error_kind, big.response_truncated) == (200, None, True)
            assert big.response_excerpt == "x" * 1024
            assert [r.path for r in receiver.snapshot()] == ["/redirect", "/big"]
            # Nobody listening: a failed attempt, not an error.
            closed = f"http://127.0.0.1:{free_port()}/hook"
            await webhooks.update_endpoint(own_network, COMMAND_LINE, META, endpoint_id, EndpointChanges(url=closed))
            refused_connection = await webhook_deliveries.send_test_event(
                own_network, COMMAND_LINE, endpoint_id, "order.placed"
            )
            assert (refused_connection.status_code, refused_connection.error_kind) == (
                None,
                WebhookErrorKind.CONNECTION_FAILED,
            )

            # DNS rebinding: public when the endpoint is saved, loopback when it is delivered to.
            answers = iter([["93.184.215.14"], ["127.0.0.1"]])

            async def rebinding(host: str) -> list[str]:
                assert host == "hooks.example.com"
                return next(answers)

            rebound = await webhooks.create_endpoint(
                guarded,
                COMMAND_LINE,
                META,
                url=f"http://hooks.example.com:{receiver.port}/hook",
                event_types=["customer.created"],
                resolver=rebinding,
            )
            await record(guarded, "customer.created")
            dispatcher = WebhookDispatcher(guarded, resolver=rebinding)
            try:
                assert await dispatcher.fan_out() == 1
                assert await dispatcher.deliver_due() == 1
            finally:
                await dispatcher.aclose()
            async with guarded.db.read() as session:
                [attempt] = (
                    await session.execute(
                        select(WebhookAttempt).where(col(WebhookAttempt.endpoint_id) == rebound.endpoint.id)
                    )
                ).scalars()
            assert attempt.error_kind is WebhookErrorKind.ADDRESS_NOT_ALLOWED
            assert attempt.error_detail == "hooks.example.com resolves to 127.0.0.1 (loopback address)"
            assert len(receiver.snapshot()) == 2  # never reached
    finally:
        for rt in (guarded, own_network, production):
            await rt.close()

    policy = AddressPolicy.of(True, "")
    refused_addresses = ["10.1.2.3", "::ffff:192.168.0.1", "169.254.169.254", "fe80::1", "224.0.0.1", "0.0.0.0", "::"]  # noqa: S104
    refused_addresses += ["100.64.0.1", "240.0.0.1", "2002:7f00:1::1", "fc00::1"]
    assert [a for a in refused_addresses if policy.refusal(a) is None] == []
    assert policy.refusal("93.184.215.14") is None
    assert policy.refusal("2606:4700:4700::1111") is None


async def test_only_administrators_and_bad_input_gets_typed_errors(
    api: Api, customer: Caller, staff: Caller, admin: Caller
) -> None:
    good = {"url": "https://hooks.example.com/in", "eventTypes": ["order.placed"]}
    assert (await api(CREATE, {"i": good})).error_codes == ["UNAUTHENTICATED"]
    for caller in (customer, staff):
        assert (await api(CREATE, {"i": good}, caller.token)).error_codes == ["FORBIDDEN"]
        listed = await api("{ webhookEndpoints { edges { node { id } } } }", token=caller.token)
        assert listed.error_codes == ["FORBIDDEN"]

    async def errors(query: str, values: dict[str, Any]) -> list[tuple[list[str] | None, str]]:
        data = (await api.ok(query, {"i": values}, admin.token)).popitem()[1]
        return [(e["field"], e["code"]) for e in data["userErrors"]]

    assert await errors(CREATE, {**good, "url": "ftp://hooks.example.com/"}) == [(["input", "url"], "INVALID_URL")]
    assert await errors(CREATE, {**good, "url": "https://user:pw@hooks.example.com/"}) == [
        (["input", "url"], "INVALID_URL")
    ]
    assert await errors(CREATE, {**good, "url": "https://bücher.example/in"}) == [(["input", "url"], "INVALID_URL")]
    assert await errors(CREATE, {**good, "eventTypes": ["order.shipped"]}) == [
        (["input", "eventTypes"], "UNKNOWN_EVENT_TYPE")
    ]
    assert await errors(CREATE, {**good, "eventTypes": []}) == [(["input", "eventTypes"], "NO_EVENT_TYPES")]
    created = (await api.ok(CREATE, {"i": good}, admin.token))["createWebhookEndpoint"]["endpoint"]
    assert created["eventTypes"] == ["order.placed"]
    endpoint_id = created["id"]
    assert await errors(ROTATE, {"endpointId": endpoint_id, "overlapHours": 1000}) == [
        (["input", "overlapHours"], "INVALID")
    ]
    assert await errors(ROTATE, {"endpointId": "bm90IGFuIGlk"}) == [(["input", "endpointId"], "NOT_FOUND")]
    assert await errors(TEST, {"endpointId": endpoint_id, "eventType": "nope"}) == [
        (["input", "eventType"], "UNKNOWN_EVENT_TYPE")
    ]
    future = (utcnow() + timedelta(days=1)).isoformat()
    assert await errors(REDELIVER_SINCE, {"endpointId": endpoint_id, "since": future}) == [
        (["input", "since"], "INVALID")
    ]
    assert await errors(ENABLE, {"endpointId": endpoint_id}) == [(["input", "endpointId"], "INVALID_STATUS")]

    # Nobody else finds an endpoint by its id.
    node = "query($id: ID!) { node(id: $id) { id } }"
    assert (await api.ok(node, {"id": endpoint_id}, staff.token))["node"] is None
    assert (await api.ok(node, {"id": endpoint_id}, admin.token))["node"] == {"id": endpoint_id}


async def test_the_command_line_administers_endpoints_too(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from app.cli import main

    assert settings.secret_key is not None
    assert settings.encryption_keys is not None
    for name, value in {
        "ENVIRONMENT": "test",
        "DATA_DIR": str(settings.data_dir),
        "DATABASE_URL": settings.effective_database_url,
        "SECRET_KEY": settings.secret_key.get_secret_value(),
        "ENCRYPTION_KEYS": settings.encryption_keys.get_secret_value(),
        "LOG_FORMAT": "json",
    }.items():
        monkeypatch.setenv(name, value)
    loop = asyncio.get_running_loop()

    async def cli(*args: str) -> tuple[int, str, str]:
        code = await loop.run_in_executor(None, main, ["webhooks", *args])
        out, err = capsys.readouterr()
        return code, out, err

    with running_receiver() as receiver:
        code, out, _ = await cli("create", receiver.url(), "--type", "order.placed", "--type", "order.cancelled")
        assert code == 0
        endpoint_id, secret = out.split()[0], out.strip().splitlines()[-1]
        assert secret.startswith("whsec_")
        receiver.secrets.append(secret)
        code, _, err = await cli("create", receiver.url(), "--type", "order.shipped")
        assert (code, err.strip()) == (2, "error: UNKNOWN_EVENT_TYPE: Unknown event types: order.shipped. (eventTypes)")
        code, out, _ = await cli("list")
        assert (code, out.split()[:2]) == (0, [endpoint_id, "enabled"])
        assert "[order.cancelled order.placed]" in out
        code, out, _ = await cli("rotate-secret", endpoint_id, "--overlap-hours", "1")
        assert code == 0
        assert out.strip().splitlines()[-1].startswith("whsec_")
        receiver.secrets.append(out.strip().splitlines()[-1])
        code, out, _ = await cli("test", endpoint_id, "--type", "order.cancelled")
        assert (code, "HTTP 204" in out, "succeeded" in out) == (0, True, True)
        assert receiver.successes()[0].verified == {secret: True, receiver.secrets[1]: True}
        code, out, _ = await cli("disable", endpoint_id, "--reason", "maintenance")
        assert (code, "DISABLED (maintenance)" in out) == (0, True)
        assert (await cli("enable", endpoint_id))[0] == 0
        assert (await cli("deliveries", endpoint_id))[:2] == (0, "")
        code, out, _ = await cli("redeliver", endpoint_id, "--since", "2020-01-01T00:00:00+00:00")
        assert (code, out.strip()) == (0, "queued again: 0 event(s)")
        code, _, err = await cli("enable", "not-an-id")
        assert (code, err.strip()) == (2, "error: NOT_FOUND: No such webhook endpoint. (endpointId)")


async def test_old_events_are_forgotten_once_nothing_waits_for_them(setup_rt: Runtime) -> None:
    rt = setup_rt
    endpoint = await webhooks.create_endpoint(
        rt, COMMAND_LINE, META, url="http://127.0.0.1:9/hook", event_types=["customer.created"]
    )
    long_ago = utcnow() - timedelta(days=40)
    async with rt.db.unit_of_work() as session:
        done, waiting, logged, recent = (
            record_event(session, "customer.created", {"email": f"{name}@example.com"})
            for name in ("done", "waiting", "logged", "recent")
        )
        for event in (done, waiting, logged):
            event.created_at = long_ago
        for event in (done, waiting, logged, recent):
            event.fanned_out_at = utcnow()
    async with rt.db.unit_of_work() as session:
        deliveries = {
            event.id: WebhookDelivery(
                event_id=event.id,
                endpoint_id=endpoint.endpoint.id,
                event_type=event.type,
                status=status,
                retry_until=utcnow(),
            )
            for event, status in (
                (done, WebhookDeliveryStatus.SUCCEEDED),
                (waiting, WebhookDeliveryStatus.PENDING),
                (logged, WebhookDeliveryStatus.FAILED),
                (recent, WebhookDeliveryStatus.SUCCEEDED),
            )
        }
        session.add_all(deliveries.values())
        await session.flush()
        session.add(
            WebhookAttempt(
                endpoint_id=endpoint.endpoint.id,
                delivery_id=deliveries[logged.id].id,
                webhook_id=str(logged.id),
                event_type=logged.type,
                started_at=utcnow(),
                latency_ms=3,
                error_kind=WebhookErrorKind.TIMEOUT,
            )
        )
    forgotten = await WebhookDispatcher(rt).prune_events(utcnow() - timedelta(days=30))
    assert forgotten == 1
    async with rt.db.read() as session:
        left = set((await session.execute(select(col(IntegrationEvent.id)))).scalars())
        kept_deliveries = set((await session.execute(select(col(WebhookDelivery.event_id)))).scalars())
    assert done.id not in left
    assert {waiting.id, logged.id, recent.id} <= left
    assert kept_deliveries == {waiting.id, logged.id, recent.id}
