"""GET /metrics: behind its token, and counters that match what was done (in-process, a live server with a
subscription, and `serve --workers 2` in processes of its own)."""

import asyncio
import contextlib
import os
import signal
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.parser import text_string_to_metric_families
from pydantic import SecretStr
from sqlalchemy import event, text
from starlette.applications import Starlette

from app import metrics
from app.config import Settings
from app.monitoring import metrics_port
from app.outbox import enqueue_email
from app.runtime import Runtime
from models.base import utcnow
from models.integration_event import IntegrationEvent
from tests.live import graphql_socket, live_server
from tests.security.test_two_factor import challenge, codes_of, complete, enrol, next_code
from tests.support import LOGIN, Api, free_port, login, make_caller, make_customer

TOKEN = "scrape-me-" + "t" * 30
PASSWORD = "a perfectly fine passphrase"

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def parse(body: str) -> Samples:
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(body)
        for sample in family.samples
    }


async def scrape(client: httpx.AsyncClient, path: str = "/metrics") -> Samples:
    response = await client.get(path, headers={"authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return parse(response.text)


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def grew(before: Samples, after: Samples, name: str, **labels: str) -> float:
    return value(after, name, **labels) - value(before, name, **labels)


DURATION_COUNT = "customer_accounts_graphql_operation_duration_seconds_count"


@pytest.fixture
async def metrics_app(app_factory: Any) -> tuple[Starlette, Api]:
    # No outbox delivery of mail in this app (nor in any other on this database): rows stay pending.
    started: tuple[Starlette, Api] = await app_factory(metrics_token=SecretStr(TOKEN), outbox_in_process=False)
    return started


@pytest.fixture
def metrics_api(metrics_app: tuple[Starlette, Api]) -> Api:
    return metrics_app[1]


@pytest.fixture
def fresh_operation_names() -> Any:
    metrics.operation_names.forget()
    yield
    metrics.operation_names.forget()


async def test_scrape_counts_operations_errors_and_sign_ins(
    metrics_api: Api, setup_rt: Runtime, fresh_operation_names: None
) -> None:
    customer = await make_customer(setup_rt, password=PASSWORD)
    api, client = metrics_api, metrics_api.client
    before = await scrape(client)

    for _ in range(3):
        await api.ok("query ProbeOne { __typename }")
    await api.ok("{ __typename }")
    assert (await api("query WhoAmI { sessions { id } }")).error_codes == ["UNAUTHENTICATED"]
    assert (await api("query Broken { noSuchField }")).error_codes == ["GRAPHQL_VALIDATION_FAILED"]
    await login(api, customer.email, PASSWORD)
    for email in (customer.email, "nobody@example.com"):
        result = await api(LOGIN, {"input": {"email": email, "password": "not the password at all"}})
        assert [error["code"] for error in result.data["login"]["userErrors"]] == ["INVALID_CREDENTIALS"]
    await api("{ __typename }", token="not-a-session-token", status=401)

    after = await scrape(client)
    assert grew(before, after, DURATION_COUNT, operation="ProbeOne", type="query") == 3
    assert grew(before, after, DURATION_COUNT, operation="anonymous", type="query") == 1
    assert grew(before, after, DURATION_COUNT, operation="WhoAmI", type="query") == 1
    assert grew(before, after, DURATION_COUNT, operation="Login", type="mutation") == 3
    # A document that does not validate never had an operation: its name is not believed.
    assert grew(before, after, DURATION_COUNT, operation="other", type="query") == 1
    errors = "customer_accounts_graphql_errors_total"
    assert grew(before, after, errors, code="UNAUTHENTICATED") == 1
    assert grew(before, after, errors, code="GRAPHQL_VALIDATION_FAILED") == 1
    assert grew(before, after, errors, code="AUTH_TOKEN_INVALID") == 1
    assert grew(before, after, "customer_accounts_graphql_user_errors_total", code="INVALID_CREDENTIALS") == 2
    sign_ins = "customer_accounts_sign_ins_total"
    assert grew(before, after, sign_ins, outcome="success") == 1
    assert grew(before, after, sign_ins, outcome="wrong_password") == 1
    assert grew(before, after, sign_ins, outcome="unknown_account") == 1
    requests = "customer_accounts_http_requests_total"
    assert grew(before, after, requests, route="/graphql", method="POST", status="200") == 9
    assert grew(before, after, requests, route="/graphql", method="POST", status="401") == 1
    assert grew(before, after, requests, route="/metrics", method="GET", status="200") == 1  # the first scrape


async def test_two_factor_and_throttled_sign_ins_are_counted(app_factory: Any) -> None:
    application, api = await app_factory(metrics_token=SecretStr(TOKEN), sign_in_free_attempts=1)
    caller = await make_caller(api, application.state.app_state.rt)
    before = await scrape(api.client)
    secret, _ = await enrol(api, caller)
    challenge_id = await challenge(api, caller)
    assert codes_of(await complete(api, challenge_id, code="000000")) == ["INVALID_CODE"]
    assert (await complete(api, challenge_id, code=next_code(secret)))["userErrors"] == []
    for _ in range(2):  # the second try comes before the backoff after one free attempt has passed
        await api(LOGIN, {"input": {"email": "nobody@example.com", "password": "not the password at all"}})
    after = await scrape(api.client)
    sign_ins = "customer_accounts_sign_ins_total"
    assert grew(before, after, sign_ins, outcome="two_factor_required") == 1
    assert grew(before, after, sign_ins, outcome="two_factor_failed") == 1
    assert grew(before, after, sign_ins, outcome="two_factor_success") == 1
    assert grew(before, after, sign_ins, outcome="unknown_account") == 1
    assert grew(before, after, sign_ins, outcome="blocked") == 1
    assert grew(before, after, sign_ins, outcome="success") == 0
    assert grew(before, after, "customer_accounts_graphql_user_errors_total", code="INVALID_CODE") == 1


async def test_metrics_answer_only_the_bearer_of_the_token(api: Api, metrics_api: Api) -> None:
    # Without METRICS_TOKEN the route is not there at all.
    response = await api.client.get("/metrics", headers={"authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 404
    assert response.json()["errors"][0]["extensions"]["code"] == "NOT_FOUND"

    client = metrics_api.client
    for headers in (
        {},
        {"authorization": "Bearer "},
        {"authorization": f"Bearer {TOKEN}x"},
        {"authorization": f"Bearer {TOKEN[:-1]}"},
        {"authorization": f"Basic {TOKEN}"},
        {"authorization": TOKEN},
    ):
        response = await client.get("/metrics", headers=headers)
        assert response.status_code == 401, headers
        assert response.headers["www-authenticate"] == 'Bearer realm="metrics"'
        assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
        assert "customer_accounts" not in response.text
    assert (await client.get("/metrics", headers={"authorization": f"bearer  {TOKEN} "})).status_code == 200


def test_a_short_metrics_token_is_refused() -> None:
    with pytest.raises(ValueError, match="METRICS_TOKEN"):
        Settings(metrics_token=SecretStr("short"))
    assert Settings(metrics_token=SecretStr("  ")).metrics_token is None


async def test_operation_names_chosen_by_clients_cannot_grow_the_series(
    metrics_api: Api, fresh_operation_names: None
) -> None:
    api, client = metrics_api, metrics_api.client
    hostile = [
        ("query Fine { __typename }", "Elsewhere"),  # a name the document does not define: refused, not counted
        ("{ __typename }", "x" * 10_000),
        ("query " + "L" * 65 + " { __typename }", None),  # too long
        ("query Fine { __typename }", "Fine\n{evil=1}"),
    ]
    for query, name in hostile:
        await client.post("/graphql", json={"query": query, "operationName": name})
    for number in range(metrics.MAX_OPERATION_NAMES + 20):
        await api.ok(f"query Op{number} {{ __typename }}")

    samples = await scrape(client)
    labels = {
        dict(labels)["operation"] for (name, labels) in samples if name == DURATION_COUNT and dict(labels)["type"]
    }
    ours = {label for label in labels if label.startswith("Op")}
    assert len(ours) == metrics.MAX_OPERATION_NAMES
    assert not any(len(label) > metrics.MAX_OPERATION_NAME_LENGTH or "\n" in label for label in labels)
    assert "Elsewhere" not in labels
    assert value(samples, DURATION_COUNT, operation="other", type="query") >= 20 + 1


async def test_outbox_backlog_and_pool_use_are_read_at_scrape_time_and_cached(
    metrics_app: tuple[Starlette, Api], setup_rt: Runtime
) -> None:
    application, metrics_api = metrics_app
    async with setup_rt.db.unit_of_work() as session:
        for number in range(2):
            enqueue_email(
                session,
                setup_rt.keyring,
                "account_approved",
                f"r{number}@example.com",
                {"name": "R", "link": "https://shop.test/login"},
            )
        session.add(
            IntegrationEvent(
                type="customer.created", version=1, data="{}", created_at=utcnow() - timedelta(seconds=120)
            )
        )
    app_rt: Runtime = application.state.app_state.rt
    counted: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if "count(*)" in statement.lower() and any(
            table in statement for table in ("outbox_message", "integration_event", "webhook_delivery")
        ):
            counted.append(statement)

    event.listen(app_rt.db.engine.sync_engine, "before_cursor_execute", count)
    try:
        async with app_rt.db.read() as held:  # a connection in use while the scrape runs
            await held.execute(text("SELECT 1"))
            first = await scrape(metrics_api.client)
        second = await scrape(metrics_api.client)
    finally:
        event.remove(app_rt.db.engine.sync_engine, "before_cursor_execute", count)
    assert len(counted) == 3  # one read of each table for both scrapes: scrapes cannot hammer the database
    assert value(first, "customer_accounts_outbox_pending", queue="email") == 2
    assert value(first, "customer_accounts_outbox_pending", queue="sms") == 0
    assert value(first, "customer_accounts_outbox_pending", queue="integration_event") == 1
    assert value(first, "customer_accounts_outbox_pending", queue="webhook_delivery") == 0
    age = value(second, "customer_accounts_outbox_oldest_pending_age_seconds", queue="integration_event")
    assert 120 <= age < 600
    assert value(second, "customer_accounts_outbox_oldest_pending_age_seconds", queue="sms") == 0
    assert value(first, "customer_accounts_db_pool_checked_out") >= 1
    assert value(first, "customer_accounts_db_pool_capacity") >= 1


async def test_webhook_deliveries_are_counted_by_outcome(metrics_api: Api) -> None:
    before = await scrape(metrics_api.client)
    metrics.record_webhook_delivery("delivered", 0.25)
    metrics.record_webhook_delivery("delivered", 0.5)
    metrics.record_webhook_delivery("failed", 1.25)
    metrics.record_webhook_delivery("Not An Outcome!", 0.0)
    after = await scrape(metrics_api.client)
    deliveries = "customer_accounts_webhook_deliveries_total"
    assert grew(before, after, deliveries, outcome="delivered") == 2
    assert grew(before, after, deliveries, outcome="failed") == 1
    assert grew(before, after, deliveries, outcome="other") == 1
    assert grew(before, after, "customer_accounts_webhook_delivery_duration_seconds_count") == 4
    assert grew(before, after, "customer_accounts_webhook_delivery_duration_seconds_sum") == pytest.approx(2.0)


async def test_the_metrics_port_serves_this_process_and_the_backlog(settings: Settings, setup_rt: Runtime) -> None:
    """METRICS_PORT with one worker: `serve`'s own process, read from memory; the backlog through its own
    connection."""
    async with setup_rt.db.unit_of_work() as session:
        session.add(IntegrationEvent(type="customer.created", version=1, data="{}"))
    port = free_port()
    metrics.record_webhook_delivery("delivered", 0.1)
    with metrics_port(settings.model_copy(update={"metrics_token": SecretStr(TOKEN), "metrics_port": port}), None):
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
            assert (await client.get("/metrics", headers={"authorization": "Bearer nope"})).status_code == 401
            assert (await client.get("/elsewhere", headers={"authorization": f"Bearer {TOKEN}"})).status_code == 404
            samples = await scrape(client)
    assert value(samples, "customer_accounts_webhook_deliveries_total", outcome="delivered") >= 1
    assert value(samples, "customer_accounts_outbox_pending", queue="integration_event") == 1


async def test_open_subscriptions_are_counted_while_they_run(settings: Settings, setup_rt: Runtime) -> None:
    watch = "subscription Watch { orderStatusChanged { status } }"
    with live_server(settings.model_copy(update={"metrics_token": SecretStr(TOKEN)})) as server:
        async with httpx.AsyncClient(base_url=server.http_url, timeout=10) as client:
            customer = await make_customer(setup_rt, password=PASSWORD)
            token = await login(Api(client), customer.email, PASSWORD)
            before = await scrape(client)
            async with graphql_socket(server, token) as socket, graphql_socket(server, None) as anonymous:
                await socket.subscribe(watch)
                await server.wait_for_subscriber(f"customer-orders:{customer.id}")
                await anonymous.subscribe(watch)
                refused = await anonymous.receive()
                assert refused["type"] == "error", refused
                during = await scrape(client)
                assert grew(before, during, "customer_accounts_graphql_subscriptions_open") == 1
                assert grew(before, during, "customer_accounts_graphql_errors_total", code="UNAUTHENTICATED") == 1
            deadline = time.monotonic() + 10
            while grew(before, await scrape(client), "customer_accounts_graphql_subscriptions_open") != 0:
                assert time.monotonic() < deadline, "the subscription was still counted after its socket closed"
                await asyncio.sleep(0.05)


PROBE = "query Probe { __typename }"
ROOT = Path(__file__).resolve().parents[1]


def _graphql_posts_by_worker(directory: Path) -> dict[int, float]:
    """What each worker wrote to its own file: the GraphQL requests it answered."""
    served: dict[int, float] = {}
    for path in directory.glob("counter_*.db"):
        pid = int(path.stem.removeprefix("counter_"))
        for family in MultiProcessCollector.merge([str(path)]):  # type: ignore[no-untyped-call]
            for sample in family.samples:
                if sample.name == "customer_accounts_http_requests_total" and sample.labels["route"] == "/graphql":
                    served[pid] = served.get(pid, 0) + sample.value
    return served


async def _until_up(url: str, process: asyncio.subprocess.Process, log: Path, workers: int) -> None:
    """Until every worker has started (on a loaded machine one may answer long before the other is up, and
    would then take all the traffic) and the server answers."""
    deadline = time.monotonic() + 60
    async with httpx.AsyncClient(timeout=2) as client:
        while True:
            assert process.returncode is None, "serve exited"
            started = (await asyncio.to_thread(log.read_text, errors="replace")).count("Application startup complete")
            if started >= workers:
                with contextlib.suppress(httpx.TransportError):
                    if (await client.get(f"{url}/healthz")).status_code == 200:
                        return
            assert time.monotonic() < deadline, f"serve did not answer ({started} of {workers} workers started)"
            await asyncio.sleep(0.1)


@pytest.mark.database_independent  # multiprocess metrics: the database only stores the customer it signs in
async def test_serve_with_two_workers_reports_the_sum_of_both(
    settings: Settings, setup_rt: Runtime, tmp_path: Path
) -> None:
    """The issue's check: `serve --workers 2` answers traffic, every scrape (whichever worker answers it, and
    the metrics port of the main process) reports what both workers did, and the counts add up exactly."""
    customer = await make_customer(setup_rt, password=PASSWORD)
    port, metrics_port = free_port(), free_port()
    directory = tmp_path / "multiproc"
    directory.mkdir()
    (directory / "counter_1.db").write_bytes(b"left by an earlier run")  # must not reach this run's scrapes
    assert settings.secret_key is not None
    assert settings.encryption_keys is not None
    env = {key: value for key, value in os.environ.items() if key not in ("REDIS_URL", "PROMETHEUS_MULTIPROC_DIR")}
    env.update(
        ENVIRONMENT="test",
        DATA_DIR=str(settings.data_dir),
        DATABASE_URL=settings.effective_database_url,
        SECRET_KEY=settings.secret_key.get_secret_value(),
        ENCRYPTION_KEYS=settings.encryption_keys.get_secret_value(),
        ARGON2_MEMORY_KIB="64",
        ARGON2_TIME_COST="1",
        MAIL_BACKEND="file",
        LOG_FORMAT="json",
        RECONCILE_PAYMENTS_SECONDS="0",
        METRICS_TOKEN=TOKEN,
        METRICS_PORT=str(metrics_port),
        PROMETHEUS_MULTIPROC_DIR=str(directory),
    )
    stderr = tmp_path / "serve.log"
    with stderr.open("wb") as log:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "app.cli",
            "serve",
            "--workers",
            "2",
            "--port",
            str(port),
            env=env,
            cwd=ROOT,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=log,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        await _until_up(url, process, stderr, workers=2)
        # A new connection per request, so the kernel hands them to either worker; on until both served some.
        async with httpx.AsyncClient(
            base_url=url, timeout=10, limits=httpx.Limits(max_keepalive_connections=0)
        ) as client:
            api = Api(client)
            await login(api, customer.email, PASSWORD)
            await login(api, customer.email, PASSWORD)
            wrong = await api(LOGIN, {"input": {"email": customer.email, "password": "not the password at all"}})
            assert wrong.data["login"]["userErrors"][0]["code"] == "INVALID_CREDENTIALS"
            sent = 0
            while len(_graphql_posts_by_worker(directory)) < 2:
                assert sent < 400, f"one worker served everything: {_graphql_posts_by_worker(directory)}"
                await asyncio.gather(*(api.ok(PROBE) for _ in range(10)))
                sent += 10
            by_worker = _graphql_posts_by_worker(directory)
            assert sum(by_worker.values()) == sent + 3

            scrapes = [await scrape(client) for _ in range(4)]
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{metrics_port}", timeout=10) as port_client:
                assert (await port_client.get("/metrics")).status_code == 401
                scrapes.append(await scrape(port_client))
        for samples in scrapes:
            assert value(samples, DURATION_COUNT, operation="Probe", type="query") == sent
            assert value(samples, DURATION_COUNT, operation="Login", type="mutation") == 3
            assert value(samples, "customer_accounts_sign_ins_total", outcome="success") == 2
            assert value(samples, "customer_accounts_sign_ins_total", outcome="wrong_password") == 1
            posts = value(
                samples, "customer_accounts_http_requests_total", route="/graphql", method="POST", status="200"
            )
            assert posts == sent + 3
            assert value(samples, "customer_accounts_graphql_subscriptions_open") == 0
            assert value(samples, "customer_accounts_db_pool_capacity") > 0
            assert value(samples, "customer_accounts_outbox_pending", queue="email") >= 0
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(process.wait(), timeout=30)
        except TimeoutError:
            process.kill()
            raise
    assert process.returncode == 0, stderr.read_text()
    # Workers that shut down take their gauges (open subscriptions, connections in use) with them.
    assert not list(directory.glob("gauge_live*.db"))


def test_the_readme_lists_every_metric() -> None:
    from prometheus_client.metrics import MetricWrapperBase

    from app.monitoring import BacklogCollector

    section = (ROOT / "README.md").read_text().split("\n## Monitoring\n", 1)[1].split("\n## ", 1)[0]
    defined = [item._name for item in vars(metrics).values() if isinstance(item, MetricWrapperBase)]
    backlog = BacklogCollector()
    backlog.store({})
    defined += [family.name for family in backlog.collect()]
    assert len(defined) == 12
    for name in defined:
        assert f"| `{name}" in section, f"{name} missing from the README's Monitoring section"
