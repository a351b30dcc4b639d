"""WebSockets: graphql-transport-ws only, authentication in connection_init, caps, revocation at once."""

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import update
from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from app.config import Settings
from app.main import create_app
from app.services.service_accounts import create_service_account
from models.auth import AuthSession
from models.base import utcnow
from tests.support import make_customer

PROTOCOL = "graphql-transport-ws"
PASSWORD = "a perfectly fine passphrase"


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    application = create_app(
        settings.model_copy(update={"ws_max_connections_per_session": 2, "ws_max_operations_per_connection": 2})
    )
    with TestClient(application) as test_client:
        yield test_client


def sign_in(client: TestClient) -> str:
    rt = client.app.state.app_state.rt  # type: ignore[attr-defined]
    row = client.portal.call(lambda: make_customer(rt))  # type: ignore[union-attr]
    response = client.post(
        "/graphql",
        json={
            "query": "mutation($i: LoginInput!) { login(input: $i) { token } }",
            "variables": {"i": {"email": row.email, "password": PASSWORD}},
        },
    )
    token: str = response.json()["data"]["login"]["token"]
    return token


def run(ws: Any, query: str, op_id: str = "1") -> dict[str, Any]:
    ws.send_json({"id": op_id, "type": "subscribe", "payload": {"query": query}})
    message: dict[str, Any] = ws.receive_json()
    return message


def test_only_graphql_transport_ws_is_spoken(client: TestClient) -> None:
    with pytest.raises(WebSocketDisconnect), client.websocket_connect("/graphql", subprotocols=["graphql-ws"]) as ws:
        ws.receive_json()


def test_operations_need_connection_init_first(client: TestClient) -> None:
    with client.websocket_connect("/graphql", subprotocols=[PROTOCOL]) as ws:
        ws.send_json({"id": "1", "type": "subscribe", "payload": {"query": "{ me { id } }"}})
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_json()
    assert closed.value.code == 4401


def test_authentication_in_connection_init(client: TestClient) -> None:
    token = sign_in(client)
    with client.websocket_connect("/graphql", subprotocols=[PROTOCOL]) as ws:
        ws.send_json({"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}})
        assert ws.receive_json()["type"] == "connection_ack"
        message = run(ws, "{ me { email } }")
        assert message["type"] == "next"
        assert message["payload"]["data"]["me"]["email"].startswith("user-")
    # A header on the handshake is not how WebSockets authenticate: that connection is anonymous.
    with client.websocket_connect(
        "/graphql", subprotocols=[PROTOCOL], headers={"authorization": f"Bearer {token}"}
    ) as ws:
        ws.send_json({"type": "connection_init", "payload": {}})
        assert ws.receive_json()["type"] == "connection_ack"
        assert run(ws, "{ me { email } }")["payload"]["data"] == {"me": None}


def test_a_bad_token_is_rejected(client: TestClient) -> None:
    with client.websocket_connect("/graphql", subprotocols=[PROTOCOL]) as ws:
        ws.send_json({"type": "connection_init", "payload": {"Authorization": "Bearer cas_forged"}})
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_json()
    assert closed.value.code == 4403


def test_connections_per_session_are_capped(client: TestClient) -> None:
    token = sign_in(client)
    init = {"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}}
    with (
        client.websocket_connect("/graphql", subprotocols=[PROTOCOL]) as first,
        client.websocket_connect("/graphql", subprotocols=[PROTOCOL]) as second,
    ):
        for ws in (first, second):
            ws.send_json(init)
            assert ws.receive_json()["type"] == "connection_ack"
        with client.websocket_connect("/graphql", subprotocols=[PROTOCOL]) as third:
            third.send_json(init)
            with pytest.raises(WebSocketDisconnect) as closed:
                third.receive_json()
        assert closed.value.code == 4403
    # Closing frees the slots.
    with client.websocket_connect("/graphql", subprotocols=[PROTOCOL]) as again:
        again.send_json(init)
        assert again.receive_json()["type"] == "connection_ack"


def test_a_revoked_session_stops_at_once(client: TestClient) -> None:
    token = sign_in(client)
    with client.websocket_connect("/graphql", subprotocols=[PROTOCOL]) as ws:
        ws.send_json({"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}})
        ws.receive_json()
        assert run(ws, "{ me { id } }", "1")["payload"]["data"]["me"] is not None
        ws.receive_json()  # complete
        client.post(
            "/graphql",
            json={"query": "mutation { logout { userErrors { code } } }"},
            headers={"authorization": f"Bearer {token}"},
        )
        after = run(ws, "{ me { id } }", "2")
        assert after["payload"]["data"] == {"me": None}


# The rule: no credentials in connection_init is an anonymous connection (public operations only, every
# subscription refused); credentials that do not sign anyone in close the connection with 4403.

ANONYMOUS_INITS: list[dict[str, Any]] = [
    {"type": "connection_init"},
    {"type": "connection_init", "payload": {}},
    {"type": "connection_init", "payload": {"Authorization": None}},
    {"type": "connection_init", "payload": {"Authorization": ""}},
    {"type": "connection_init", "payload": {"Authorization": "Bearer"}},
    {"type": "connection_init", "payload": {"Authorization": "Bearer   "}},
    {"type": "connection_init", "payload": {"token": ""}},
]


@pytest.mark.parametrize("init", ANONYMOUS_INITS)
def test_an_anonymous_connection_is_accepted_and_each_subscription_refused(
    client: TestClient, init: dict[str, Any]
) -> None:
    with client.websocket_connect("/graphql", subprotocols=[PROTOCOL]) as ws:
        ws.send_json(init)
        assert ws.receive_json()["type"] == "connection_ack"
        for op_id, query in [
            ("1", "subscription { orderStatusChanged { status } }"),
            ("2", 'subscription { ticketUpdated(ticketId: "VGlja2V0OjE=") { __typename } }'),
        ]:
            # graphql-transport-ws "error": the operation ends there, the connection does not.
            refused = run(ws, query, op_id)
            assert (refused["id"], refused["type"]) == (op_id, "error"), refused
            assert [e["extensions"]["code"] for e in refused["payload"]] == ["UNAUTHENTICATED"]
        # The connection stays open for public operations.
        answer = run(ws, "{ me { id } }", "3")
        assert answer["payload"] == {"data": {"me": None}}


def _expired_token(client: TestClient) -> str:
    token = sign_in(client)
    rt = client.app.state.app_state.rt  # type: ignore[attr-defined]

    async def expire() -> None:
        async with rt.db.unit_of_work() as session:
            await session.execute(update(AuthSession).values(expires_at=utcnow() - timedelta(seconds=1)))

    client.portal.call(expire)  # type: ignore[union-attr]
    return token


def _revoked_token(client: TestClient) -> str:
    token = sign_in(client)
    client.post(
        "/graphql",
        json={"query": "mutation { logout { userErrors { code } } }"},
        headers={"authorization": f"Bearer {token}"},
    )
    return token


def _api_key(client: TestClient) -> str:
    rt = client.app.state.app_state.rt  # type: ignore[attr-defined]
    created = client.portal.call(lambda: create_service_account(rt, "erp", ["orders:write"]))  # type: ignore[union-attr]
    return str(created.api_key)


@pytest.mark.parametrize(
    "credentials",
    [
        lambda client: {"Authorization": "Bearer cas_forged"},
        lambda client: {"Authorization": "cas_forged"},
        lambda client: {"token": "cas_forged"},
        lambda client: {"authorization": "Bearer " + "x" * 5000},
        lambda client: {"Authorization": 12345},
        lambda client: {"Authorization": ["Bearer", "cas_forged"]},
        lambda client: {"Authorization": f"Bearer {_expired_token(client)}"},
        lambda client: {"Authorization": f"Bearer {_revoked_token(client)}"},
        # API keys are for the integration API over HTTP; they sign no one in to a WebSocket.
        lambda client: {"Authorization": f"Bearer {_api_key(client)}"},
    ],
    ids=["forged", "forged-no-scheme", "forged-token-key", "huge", "number", "list", "expired", "revoked", "api-key"],
)
def test_credentials_that_sign_no_one_in_close_the_connection(client: TestClient, credentials: Any) -> None:
    payload = credentials(client)
    with client.websocket_connect("/graphql", subprotocols=[PROTOCOL]) as ws:
        ws.send_json({"type": "connection_init", "payload": payload})
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_json()
    assert closed.value.code == 4403
