"""Request-level guards, attacked over a real socket: body and message size, JSON nesting, and the JSON answer
for any unexpected failure (never a text/plain 500)."""

import asyncio
import json
import logging
import socket
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from app.config import Settings
from tests.live import PROTOCOL, LiveServer, live_server
from tests.support import Api, Caller

# HTTP and GraphQL-layer behaviour: the SQLite pass answers for every database (ONLY_DATABASE_TESTS).
pytestmark = pytest.mark.database_independent

LIMIT = 4096
ROUTES = ["/graphql", "/healthz", "/readyz", "/files/invoice/x", "/no/such/path"]


@pytest.fixture
def server(settings: Settings) -> Any:
    with live_server(settings.model_copy(update={"max_request_bytes": LIMIT})) as live:
        yield live


def _raw_request(port: int, head: bytes, body_parts: list[bytes]) -> bytes:
    """Sends a request by hand (lying or streaming bodies that httpx would not send) and reads the answer."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(head)
        for part in body_parts:
            try:
                sock.sendall(part)
            except (BrokenPipeError, ConnectionResetError):
                break  # the server stopped reading: what we want
        chunks = []
        while True:
            try:
                chunk = sock.recv(65536)
            except ConnectionResetError:
                break
            if not chunk:
                break
            chunks.append(chunk)
            if b"\r\n\r\n" in b"".join(chunks) and b'"errors"' in b"".join(chunks):
                break
        return b"".join(chunks)


def _status_and_body(answer: bytes) -> tuple[int, dict[str, Any], str]:
    head, _, body = answer.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    return status, json.loads(body), head.decode("latin-1").lower()


@pytest.mark.parametrize("path", ROUTES)
def test_a_declared_body_over_the_limit_is_refused_before_it_is_read(server: LiveServer, path: str) -> None:
    # Ten megabytes announced, a few hundred bytes sent: the answer comes without waiting for the rest.
    head = f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {10 * 1024 * 1024}\r\n\r\n"
    status, body, headers = _status_and_body(_raw_request(server.port, head.encode(), [b"{" * 300]))
    assert status == 413
    assert body["errors"][0]["extensions"]["code"] == "REQUEST_TOO_LARGE"
    assert body["errors"][0]["extensions"]["maxBytes"] == LIMIT
    assert body["errors"][0]["extensions"]["requestId"]
    assert "x-request-id:" in headers
    assert "content-type: application/json" in headers


@pytest.mark.parametrize("path", ["/graphql", "/healthz", "/no/such/path"])
def test_a_chunked_body_is_cut_off_as_soon_as_it_passes_the_limit(server: LiveServer, path: str) -> None:
    head = f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
    chunk = b"a" * 1000
    parts = [b"%x\r\n%s\r\n" % (len(chunk), chunk)] * 50 + [b"0\r\n\r\n"]
    status, body, _ = _status_and_body(_raw_request(server.port, head.encode(), parts))
    if path == "/graphql":
        assert status == 413
        assert body["errors"][0]["extensions"]["code"] == "REQUEST_TOO_LARGE"
    else:
        # Routes that never read a body answer without reading it; none of them reads past the limit.
        assert status in (405, 404, 413)
        assert body["errors"][0]["extensions"]["code"]


async def test_a_body_within_the_limit_is_answered(server: LiveServer) -> None:
    async with httpx.AsyncClient(base_url=server.http_url) as client:
        padded = "{ __typename }" + " " * (LIMIT - 200)
        response = await client.post("/graphql", json={"query": padded})
        assert response.status_code == 200
        assert response.json()["data"] == {"__typename": "Query"}
        too_big = await client.post("/graphql", json={"query": padded + " " * 300})
        assert too_big.status_code == 413
        assert too_big.json()["errors"][0]["extensions"]["code"] == "REQUEST_TOO_LARGE"


async def test_a_websocket_message_over_the_limit_closes_the_socket(server: LiveServer) -> None:
    async with connect(server.ws_url, subprotocols=[PROTOCOL]) as connection:  # type: ignore[list-item]
        await connection.send(json.dumps({"type": "connection_init", "payload": {}}))
        assert json.loads(await connection.recv())["type"] == "connection_ack"
        await connection.send(json.dumps({"type": "ping", "payload": {"pad": "x" * (LIMIT + 10)}}))
        with pytest.raises(ConnectionClosed) as closed:
            await asyncio.wait_for(connection.recv(), timeout=10)
        assert closed.value.rcvd is not None
        assert closed.value.rcvd.code == 1009


def _nested(depth: int) -> Any:
    value: Any = "x"
    for level in range(depth - 1):
        value = [value] if level % 2 else {"k": value}
    return value


LOGIN = "mutation($input: LoginInput!) { login(input: $input) { token } }"


@pytest.mark.parametrize("depth", [40, 500, 1100, 5000, 20000])
async def test_deeply_nested_json_is_bad_user_input(api: Api, depth: int) -> None:
    # json.dumps would itself recurse too deep: write the nesting by hand.
    inner = "[" * depth + "]" * depth
    body = '{"query": "' + LOGIN.replace('"', '\\"') + '", "variables": {"input": {"email": ' + inner + "}}}"
    response = await api.client.post("/graphql", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert "nested more than 32 levels" in error["message"]
    assert error["extensions"]["requestId"] == response.headers["x-request-id"]


async def test_nesting_in_query_string_variables_and_within_the_limit(api: Api) -> None:
    deep = json.dumps(_nested(60))
    response = await api.client.get(
        "/graphql", params={"query": "{ __typename }", "variables": deep}, headers={"accept": "application/json"}
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    # Input nested as deep as real inputs go is coerced as usual (here: refused by the schema, not the guard).
    shallow = await api(LOGIN, {"input": {"email": _nested(10), "password": "x"}})
    assert shallow.error_codes == ["BAD_USER_INPUT"]
    assert shallow.errors is not None
    assert "nested more than" not in shallow.errors[0]["message"]


async def test_a_deeply_nested_websocket_message_is_refused(server: LiveServer) -> None:
    async with connect(server.ws_url, subprotocols=[PROTOCOL]) as connection:  # type: ignore[list-item]
        await connection.send(json.dumps({"type": "connection_init", "payload": {}}))
        assert json.loads(await connection.recv())["type"] == "connection_ack"
        await connection.send('{"type": "ping", "payload": ' + "[" * 1500 + "]" * 1500 + "}")
        with pytest.raises(ConnectionClosed) as closed:
            await asyncio.wait_for(connection.recv(), timeout=10)
        assert closed.value.rcvd is not None
        assert closed.value.rcvd.code == 4400


@pytest.mark.parametrize(
    "payload",
    [
        {"query": "subscription { ticketUpdated { change } }", "variables": [1]},
        {"query": "subscription { ticketUpdated { change } }", "variables": "x"},
        {"query": "subscription { ticketUpdated { change } }", "operationName": 5},
        {"query": "subscription { ticketUpdated { change } }", "extensions": [1]},
        {"query": 5},
        {"query": ["subscription { ticketUpdated { change } }"]},
        "subscription { ticketUpdated { change } }",
    ],
)
async def test_a_subscribe_payload_of_the_wrong_shape_closes_with_4400(server: LiveServer, payload: Any) -> None:
    # As HTTP refuses such a body; here `variables: [1]` failed inside the extensions (INTERNAL_SERVER_ERROR).
    async with connect(server.ws_url, subprotocols=[PROTOCOL]) as connection:  # type: ignore[list-item]
        await connection.send(json.dumps({"type": "connection_init", "payload": {}}))
        assert json.loads(await connection.recv())["type"] == "connection_ack"
        await connection.send(json.dumps({"id": "1", "type": "subscribe", "payload": payload}))
        with pytest.raises(ConnectionClosed) as closed:
            await asyncio.wait_for(connection.recv(), timeout=10)
        assert closed.value.rcvd is not None
        assert closed.value.rcvd.code == 4400


async def test_malformed_requests_are_json_errors_with_codes(api: Api) -> None:
    client = api.client
    cases = [
        (client.post("/graphql", content=b"{not json", headers={"content-type": "application/json"}), 400),
        (client.post("/graphql", content=b"\xff\xfe", headers={"content-type": "application/json"}), 400),
        (client.post("/graphql", content=b"query=x", headers={"content-type": "text/plain"}), 400),
        (client.post("/graphql", json={"query": 5}), 400),
        (client.put("/graphql", json={"query": "{ __typename }"}), 405),
        (client.get("/no/such/path"), 404),
        (client.post("/healthz"), 405),
    ]
    for request, status in cases:
        response = await request
        assert response.status_code == status, response.text
        assert response.headers["content-type"].startswith("application/json")
        error = response.json()["errors"][0]
        assert error["extensions"]["code"] in (
            "BAD_REQUEST",
            "BAD_USER_INPUT",
            "METHOD_NOT_ALLOWED",
            "NOT_FOUND",
            "UNSUPPORTED_MEDIA_TYPE",
        )
        assert error["extensions"]["requestId"] == response.headers["x-request-id"]


class _Boom(RuntimeError):
    pass


async def test_a_failure_outside_graphql_is_a_json_500_logged_once(
    api: Api, customer: Caller, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    async def broken(*_: Any, **__: Any) -> None:
        raise _Boom("the database went away")

    monkeypatch.setattr("app.main.authenticate", broken)
    with caplog.at_level(logging.ERROR):
        response = await api.client.post(
            "/graphql",
            json={"query": "{ me { id } }"},
            headers={"authorization": f"Bearer {customer.token}", "x-request-id": "trace-me-1"},
        )
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/json"
    assert response.headers["x-request-id"] == "trace-me-1"
    assert response.json() == {
        "errors": [
            {
                "message": "Internal server error",
                "extensions": {"code": "INTERNAL_SERVER_ERROR", "requestId": "trace-me-1"},
            }
        ]
    }
    assert "the database went away" not in response.text
    logged = [r for r in caplog.records if r.exc_info and r.exc_info[0] is _Boom]
    assert len(logged) == 1
    assert getattr(logged[0], "request_id", None) == "trace-me-1"


async def test_a_failing_download_route_is_a_json_500(
    api: Api, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    async def broken(*_: Any, **__: Any) -> None:
        raise _Boom("disk on fire")

    monkeypatch.setattr("app.services.invoices.invoice_pdf", broken)
    monkeypatch.setattr("app.downloads.invoices.invoice_pdf", broken)
    with caplog.at_level(logging.ERROR):
        response = await api.client.get("/files/invoice/abc?expires=1&signature=x")
    assert response.status_code == 500
    assert response.json()["errors"][0]["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    assert response.headers["x-content-type-options"] == "nosniff"


async def test_a_failing_websocket_handshake_is_closed_not_crashed(
    server: LiveServer, customer: Caller, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(*_: Any, **__: Any) -> None:
        raise _Boom("the database went away")

    monkeypatch.setattr("app.main.authenticate_remembered", broken)  # what connection_init checks the token with
    async with connect(server.ws_url, subprotocols=[PROTOCOL]) as connection:  # type: ignore[list-item]
        await connection.send(json.dumps({"type": "connection_init", "payload": {"token": customer.token}}))
        with pytest.raises(ConnectionClosed) as closed:
            await asyncio.wait_for(connection.recv(), timeout=10)
        assert closed.value.rcvd is not None
        assert closed.value.rcvd.code in (1011, 4403, 4500)
    # The server goes on serving.
    async with httpx.AsyncClient(base_url=server.http_url) as client:
        assert (await client.get("/healthz")).status_code == 200


async def test_a_browser_can_read_the_guards_answers(app_factory: Any) -> None:
    _, api = await app_factory(cors_allowed_origins="https://shop.example", max_request_bytes=2048)
    origin = {"origin": "https://shop.example"}
    too_big = await api.client.post("/graphql", json={"query": "{ __typename }" + " " * 3000}, headers=origin)
    assert too_big.status_code == 413
    assert too_big.headers["access-control-allow-origin"] == "https://shop.example"
    not_found = await api.client.get("/no/such/path", headers=origin)
    assert not_found.headers["access-control-allow-origin"] == "https://shop.example"
    assert "x-request-id" in not_found.headers["access-control-expose-headers"]


async def test_a_failure_outside_graphql_over_a_real_socket_is_a_json_500(
    server: LiveServer, customer: Caller, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(*_: Any, **__: Any) -> None:
        raise _Boom("the database went away")

    monkeypatch.setattr("app.main.authenticate", broken)
    async with httpx.AsyncClient(base_url=server.http_url) as client:
        for accept in ("application/json", "application/graphql-response+json", "*/*"):
            response = await client.post(
                "/graphql",
                json={"query": "{ me { id } }"},
                headers={"authorization": f"Bearer {customer.token}", "accept": accept},
            )
            assert response.status_code == 500
            assert response.headers["content-type"].startswith("application/json")
            body = response.json()
            assert body["errors"][0]["extensions"] == {
                "code": "INTERNAL_SERVER_ERROR",
                "requestId": response.headers["x-request-id"],
            }
            assert "the database went away" not in response.text
        assert (await client.get("/healthz")).status_code == 200
