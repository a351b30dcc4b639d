"""Real servers for the tests that need a real socket: uvicorn in a thread, a WebSocket client beside it."""

import asyncio
import json
import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from typing import Any

import uvicorn
from starlette.applications import Starlette
from websockets.asyncio.client import ClientConnection, connect

from app.cli import websocket_options
from app.config import Settings
from app.main import create_app
from app.runtime import Runtime
from tests.support import free_port

PROTOCOL = "graphql-transport-ws"


@dataclass
class LiveServer:
    app: Starlette
    port: int

    @property
    def http_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/graphql"

    @property
    def rt(self) -> Runtime:
        runtime: Runtime = self.app.state.app_state.rt
        return runtime

    async def wait_for_subscriber(self, topic: str, count: int = 1, timeout: float = 10.0) -> None:
        """Subscription tests must not publish before the subscriber is registered with the broker."""
        deadline = time.monotonic() + timeout
        while self.rt.broker.subscriber_count(topic) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"no subscriber on {topic!r} after {timeout} s")
            await asyncio.sleep(0.02)


@contextmanager
def live_server(settings: Settings, port: int | None = None) -> Iterator[LiveServer]:
    """`port`: a port chosen beforehand (free_port()), for settings that must name the server's own address."""
    application = create_app(settings)
    port = port or free_port()
    config = uvicorn.Config(
        application, host="127.0.0.1", port=port, log_config=None, lifespan="on", **websocket_options(settings)
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name=f"uvicorn-{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the live server did not start")
        time.sleep(0.02)
    try:
        yield LiveServer(application, port)
    finally:
        server.should_exit = True
        thread.join(timeout=10)


class GraphQLSocket:
    """One graphql-transport-ws connection, as a browser's client library would speak it."""

    def __init__(self, connection: ClientConnection) -> None:
        self.connection = connection

    async def subscribe(self, query: str, variables: dict[str, Any] | None = None, op_id: str = "1") -> None:
        await self.send({"id": op_id, "type": "subscribe", "payload": {"query": query, "variables": variables or {}}})

    async def send(self, message: dict[str, Any]) -> None:
        await self.connection.send(json.dumps(message))

    async def receive(self, timeout: float = 10.0) -> dict[str, Any]:
        raw = await asyncio.wait_for(self.connection.recv(), timeout=timeout)
        message: dict[str, Any] = json.loads(raw)
        return message

    async def nothing_within(self, seconds: float) -> bool:
        try:
            await asyncio.wait_for(self.connection.recv(), timeout=seconds)
        except TimeoutError:
            return True
        return False


@asynccontextmanager
async def graphql_socket(server: LiveServer, token: str | None) -> AsyncIterator[GraphQLSocket]:
    async with connect(server.ws_url, subprotocols=[PROTOCOL]) as connection:  # type: ignore[list-item]
        socket = GraphQLSocket(connection)
        await socket.send({"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"} if token else {}})
        ack = await socket.receive()
        assert ack["type"] == "connection_ack", ack
        yield socket
