"""The HTTP surface: health, readiness, GraphiQL, request ids, error masking, configuration."""

import asyncio
import logging
from pathlib import Path

import pytest
from httpx import ASGITransport, AsyncClient
from pydantic import SecretStr

from app.config import ConfigurationError, Settings
from app.db import create_engine
from app.main import MigrationsPendingError, create_app, stop_background_tasks
from app.migrate import head_revision, upgrade
from app.security.network import TrustedProxies
from tests.support import Api, Caller, lifespan, login


async def test_health_and_readiness(client: AsyncClient) -> None:
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    ready = await client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ready", "database": "ok"}


async def test_request_id_is_echoed_or_made(client: AsyncClient) -> None:
    given = await client.get("/healthz", headers={"x-request-id": "abc-123"})
    assert given.headers["x-request-id"] == "abc-123"
    hostile = await client.get("/healthz", headers={"x-request-id": "bad id\twith spaces" + "x" * 100})
    assert hostile.headers["x-request-id"] != "bad id\twith spaces"
    assert len(hostile.headers["x-request-id"]) == 32
    assert hostile.headers["x-content-type-options"] == "nosniff"


async def test_graphiql_is_served_in_development(client: AsyncClient) -> None:
    page = await client.get("/graphql", headers={"accept": "text/html"})
    assert page.status_code == 200
    assert "graphiql" in page.text.lower()


async def test_queries_by_get_are_refused(client: AsyncClient) -> None:
    response = await client.get("/graphql", params={"query": "{ me { id } }"}, headers={"accept": "application/json"})
    assert response.status_code in (400, 405)


async def test_unexpected_errors_are_masked_with_the_request_id(
    api: Api, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from app.services import registration

    async def explode(*args: object, **kwargs: object) -> None:
        raise RuntimeError("database password is hunter2")

    monkeypatch.setattr(registration, "register", explode)
    with caplog.at_level(logging.ERROR, logger="app.graphql"):
        result = await api(
            'mutation { register(input: {email: "a@example.com", password: "x"}) { activationMode } }',
            x_request_id="req-42",
        )
    assert result.errors == [
        {
            "message": "Internal server error",
            "locations": [{"line": 1, "column": 12}],
            "path": ["register"],
            "extensions": {"code": "INTERNAL_SERVER_ERROR", "requestId": "req-42"},
        }
    ]
    assert "hunter2" not in result.response.text
    assert any("hunter2" in str(record.exc_info) for record in caplog.records)


async def test_query_depth_and_alias_limits(api: Api, customer: Caller) -> None:
    shallow = "{ me { roleChanges { actor { roleChanges { actor { id } } } } } }"
    assert (await api(shallow, token=customer.token)).errors is None
    deep = "{ me { " + "roleChanges { actor { " * 7 + "id" + " } }" * 7 + " } }"
    refused = await api(deep, token=customer.token)
    assert refused.error_codes == ["GRAPHQL_VALIDATION_FAILED"]
    assert "depth" in refused.errors[0]["message"]  # type: ignore[index]
    aliases = "{ " + " ".join(f"a{i}: me {{ id }}" for i in range(40)) + " }"
    assert (await api(aliases, token=customer.token)).error_codes == ["GRAPHQL_VALIDATION_FAILED"]


async def test_the_app_refuses_a_database_behind_its_migrations(settings: Settings, tmp_path: Path) -> None:
    empty = settings.model_copy(update={"database_url": f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}"})
    application = create_app(empty)
    with pytest.raises(MigrationsPendingError):
        async with lifespan(application):
            pass
    engine = create_engine(empty.effective_database_url)
    await upgrade(engine)
    await engine.dispose()
    async with (
        lifespan(application),
        AsyncClient(transport=ASGITransport(app=application), base_url="http://t") as http,
    ):
        assert (await http.get("/readyz")).status_code == 200
    assert head_revision() is not None


def test_production_refuses_development_secrets(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="SECRET_KEY"):
        Settings(environment="production", data_dir=tmp_path).with_secrets()
    with pytest.raises(ConfigurationError, match="SMTP_URL"):
        Settings(
            environment="production",
            data_dir=tmp_path,
            secret_key=SecretStr("k" * 40),
            encryption_keys=SecretStr("k1:" + "A" * 43 + "="),
        ).with_secrets()
    real = {
        "environment": "production",
        "data_dir": tmp_path,
        "secret_key": SecretStr("k" * 40),
        "encryption_keys": SecretStr("k1:" + "A" * 43 + "="),
        "smtp_url": SecretStr("smtp://mail.example.com"),
        "storefront_url": "https://shop.example.com",
        "public_url": "https://accounts.example.com",
        "mail_from": "Shop <no-reply@shop.example.com>",
        "seller_name": "Example Shop GmbH",
        "seller_address": "Hauptstrasse 5|80331 Munich|Germany",
        "seller_tax_id": "DE811907980",
    }
    with pytest.raises(ConfigurationError, match="sandbox"):
        Settings(**real, payment_gateway="sandbox").with_secrets()  # type: ignore[arg-type]
    # Unset, production takes no card payments rather than the test gateway.
    assert Settings(**real).with_secrets().effective_payment_gateway == "none"  # type: ignore[arg-type]


def test_development_secrets_are_generated_once_and_kept(tmp_path: Path) -> None:
    first = Settings(environment="development", data_dir=tmp_path).with_secrets()
    second = Settings(environment="development", data_dir=tmp_path).with_secrets()
    assert first.secret_key is not None
    assert second.secret_key is not None
    assert first.secret_key.get_secret_value() == second.secret_key.get_secret_value()
    assert oct((tmp_path / "dev-secrets.json").stat().st_mode & 0o777) == "0o600"


@pytest.mark.parametrize(
    ("spec", "peer", "forwarded", "expected"),
    [
        ("", "10.0.0.5", "1.2.3.4", "10.0.0.5"),
        ("1", "10.0.0.5", "6.6.6.6, 1.2.3.4", "1.2.3.4"),
        ("2", "10.0.0.5", "6.6.6.6, 1.2.3.4, 10.0.0.9", "1.2.3.4"),
        ("1", "10.0.0.5", None, "10.0.0.5"),
        ("10.0.0.0/8", "10.0.0.5", "6.6.6.6, 1.2.3.4, 10.0.0.9", "1.2.3.4"),
        ("10.0.0.0/8", "192.0.2.1", "1.2.3.4", "192.0.2.1"),
        ("10.0.0.0/8, ::1/128", "::1", "garbage, 1.2.3.4", "1.2.3.4"),
    ],
)
def test_client_address_only_trusts_configured_proxies(
    spec: str, peer: str, forwarded: str | None, expected: str
) -> None:
    assert TrustedProxies.parse(spec).client_address(peer, forwarded) == expected


async def test_sessions_record_the_client_address_behind_a_trusted_proxy(settings: Settings) -> None:
    proxied = settings.model_copy(update={"trusted_proxies": "127.0.0.0/8"})
    application = create_app(proxied)
    async with lifespan(application):
        from tests.support import make_customer

        rt = application.state.app_state.rt
        row = await make_customer(rt)
        transport = ASGITransport(app=application, client=("127.0.0.1", 5000))
        async with AsyncClient(transport=transport, base_url="http://t") as http:
            api = Api(http)
            token = await login(api, row.email, "a perfectly fine passphrase", x_forwarded_for="6.6.6.6, 203.0.113.7")
            sessions = await api.ok("{ sessions { ipAddress } }", token=token)
    assert sessions["sessions"] == [{"ipAddress": "203.0.113.7"}]


async def test_graphiql_loads_its_assets_from_this_server(client: AsyncClient) -> None:
    page = (await client.get("/graphql", headers={"accept": "text/html"})).text
    assert "unpkg.com" not in page
    for path in (
        "/graphiql-assets/graphiql@3.8.3/graphiql.min.js",
        "/graphiql-assets/react@18.2.0/umd/react.production.min.js",
    ):
        assert path in page
        asset = await client.get(path)
        assert asset.status_code == 200
        assert "javascript" in asset.headers["content-type"]


async def test_background_tasks_that_ignore_the_stop_are_cancelled_and_named_in_the_log(
    caplog: pytest.LogCaptureFixture,
) -> None:
    stop = asyncio.Event()
    finished: list[str] = []

    async def obedient() -> None:
        await stop.wait()
        finished.append("obedient")

    async def stubborn() -> None:
        await asyncio.Event().wait()  # never looks at `stop`

    tasks = [
        asyncio.create_task(obedient(), name="obedient job"),
        asyncio.create_task(stubborn(), name="stubborn job"),
    ]
    stop.set()
    with caplog.at_level(logging.WARNING, logger="app.main"):
        await stop_background_tasks(tasks, grace_seconds=0.05)
    assert finished == ["obedient"]
    assert not tasks[0].cancelled()
    assert tasks[1].cancelled()
    [warning] = [record for record in caplog.records if record.name == "app.main"]
    assert warning.task == "stubborn job"  # type: ignore[attr-defined]
    assert "did not stop" in warning.getMessage()
