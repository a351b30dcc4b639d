"""A TCP proxy the outage tests put between the app and PostgreSQL or Redis, then cut and restore.

`cut()` closes every open connection and stops listening, so new connections are refused, as when the
server behind it goes away; `restore()` listens again on the same port. It runs in the test's event
loop, beside the app under test.
"""

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

CHUNK = 64 * 1024


class TcpProxy:
    def __init__(self, target_host: str, target_port: int) -> None:
        self.target_host = target_host
        self.target_port = target_port
        self.port = 0
        self.accepted = 0  # connections accepted since start: tests tell new connections from reused ones
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._pumps: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def restore(self) -> None:
        if self._server is None:
            await self.start()

    def cut_now(self) -> None:
        """Refuse new connections and drop the open ones with a reset, as a dead peer would. Synchronous, so
        a SQLAlchemy event hook can cut the line in the middle of a statement."""
        if self._server is not None:
            self._server.close()
            self._server = None
        self.drop_now()

    def drop_now(self) -> None:
        """Drop the open connections with a reset but keep accepting new ones: the server ended our sessions
        and is there again. Synchronous, like `cut_now`."""
        for writer in list(self._writers):
            writer.transport.abort()
        self._writers.clear()

    async def cut(self) -> None:
        self.cut_now()
        pumps = list(self._pumps)
        for pump in pumps:
            pump.cancel()
        await asyncio.gather(*pumps, return_exceptions=True)

    async def close(self) -> None:
        await self.cut()

    async def _accept(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection(self.target_host, self.target_port)
        except OSError:
            client_writer.transport.abort()
            return
        if self._server is None:  # cut while we were connecting upstream
            client_writer.transport.abort()
            upstream_writer.transport.abort()
            return
        self.accepted += 1
        self._writers.update((client_writer, upstream_writer))
        for reader, writer in ((client_reader, upstream_writer), (upstream_reader, client_writer)):
            pump = asyncio.create_task(self._pump(reader, writer))
            self._pumps.add(pump)
            pump.add_done_callback(self._pumps.discard)

    async def _pump(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(CHUNK):
                writer.write(data)
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            self._writers.discard(writer)
            with contextlib.suppress(Exception):
                writer.close()


@asynccontextmanager
async def tcp_proxy(target_host: str, target_port: int) -> AsyncIterator[TcpProxy]:
    proxy = TcpProxy(target_host, target_port)
    await proxy.start()
    try:
        yield proxy
    finally:
        await proxy.close()
