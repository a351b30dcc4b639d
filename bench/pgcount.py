"""A PostgreSQL wire-protocol proxy that counts what a server sends its database.

pg_stat_statements needs a server restart (shared_preload_libraries), and an in-process counter sees
only what SQLAlchemy executes, not the driver's BEGIN/ROLLBACK or pool pings. This proxy reads the
frontend messages of every connection that passes through it and counts, for each target separately:

- statements: every executed SQL statement (extended-protocol Execute, or each part of a simple Query),
  classified as `sql` (SELECT/INSERT/UPDATE/DELETE/WITH), `txn` (BEGIN/COMMIT/ROLLBACK/SAVEPOINT…),
  `ping` (empty statements: SQLAlchemy's pool_pre_ping), `catalog` (driver type introspection) or `other`;
- round trips: Sync and simple Query messages, after each of which the client waits for the server.

It refuses SSL (answers 'N' to SSLRequest) so it can read the stream; use it for counting passes only,
never while measuring latency or CPU.
"""

import asyncio
import contextlib
import struct
from collections import Counter
from dataclasses import dataclass, field

SSL_REQUEST = 80877103
GSSENC_REQUEST = 80877104
TXN_WORDS = ("BEGIN", "START", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE", "END", "ABORT")
SQL_WORDS = ("SELECT", "INSERT", "UPDATE", "DELETE", "WITH")


def classify(sql: str) -> str:
    text = sql.strip().rstrip(";").strip()
    if not text:
        return "ping"
    word = text.split(None, 1)[0].upper()
    if word in TXN_WORDS:
        return "txn"
    if "pg_catalog" in text or "pg_type" in text or "pg_advisory_unlock_all" in text:
        return "catalog"
    if word in SQL_WORDS:
        return "sql"
    return "other"


@dataclass
class Counts:
    kinds: Counter[str] = field(default_factory=Counter)
    statements: Counter[str] = field(default_factory=Counter)
    round_trips: int = 0
    connections: int = 0

    def reset(self) -> None:
        self.kinds.clear()
        self.statements.clear()
        self.round_trips = 0
        self.connections = 0

    def snapshot(self) -> "Counts":
        return Counts(Counter(self.kinds), Counter(self.statements), self.round_trips, self.connections)


class _Parser:
    """Incremental parser of the frontend (client to server) half of one connection."""

    def __init__(self, counts: Counts) -> None:
        self.counts = counts
        self.buffer = bytearray()
        self.started = False
        self.prepared: dict[bytes, str] = {}
        self.portals: dict[bytes, str] = {}

    def _count(self, sql: str) -> None:
        kind = classify(sql)
        self.counts.kinds[kind] += 1
        if kind == "sql":
            self.counts.statements[" ".join(sql.split())[:200]] += 1

    def feed(self, data: bytes) -> bytes | None:
        """Consume client bytes; returns a reply to send the client instead of forwarding (SSL refusal)."""
        self.buffer += data
        reply = None
        while True:
            if not self.started:
                if len(self.buffer) < 8:
                    return reply
                length, code = struct.unpack("!ii", self.buffer[:8])
                if len(self.buffer) < length:
                    return reply
                del self.buffer[:length]
                if code in (SSL_REQUEST, GSSENC_REQUEST):
                    reply = b"N"
                    continue
                self.started = True
                continue
            if len(self.buffer) < 5:
                return reply
            kind = bytes(self.buffer[0:1])
            (length,) = struct.unpack("!i", self.buffer[1:5])
            if len(self.buffer) < 1 + length:
                return reply
            body = bytes(self.buffer[5 : 1 + length])
            del self.buffer[: 1 + length]
            self._message(kind, body)

    def _message(self, kind: bytes, body: bytes) -> None:
        if kind == b"Q":
            self.counts.round_trips += 1
            for part in body.rstrip(b"\0").decode(errors="replace").split(";"):
                if part.strip():
                    self._count(part)
        elif kind == b"P":
            name, rest = body.split(b"\0", 1)
            query = rest.split(b"\0", 1)[0]
            self.prepared[name] = query.decode(errors="replace")
        elif kind == b"B":
            portal, rest = body.split(b"\0", 1)
            statement = rest.split(b"\0", 1)[0]
            self.portals[portal] = self.prepared.get(statement, "")
        elif kind == b"E":
            portal = body.split(b"\0", 1)[0]
            self._count(self.portals.get(portal, ""))
        elif kind == b"S":
            self.counts.round_trips += 1
        elif kind == b"C" and body[:1] == b"S":
            self.prepared.pop(body[1:].split(b"\0", 1)[0], None)


class CountingProxy:
    """Listens on 127.0.0.1:<port> and forwards to the real database, counting into `counts`."""

    def __init__(self, upstream_host: str, upstream_port: int) -> None:
        self.upstream = (upstream_host, upstream_port)
        self.counts = Counts()
        self.server: asyncio.Server | None = None
        self.port = 0

    async def start(self) -> int:
        self.server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.port = int(self.server.sockets[0].getsockname()[1])
        return self.port

    async def close(self) -> None:
        if self.server is not None:
            self.server.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.server.wait_closed(), 2)

    async def _handle(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        self.counts.connections += 1
        try:
            server_reader, server_writer = await asyncio.open_connection(*self.upstream)
        except OSError:
            client_writer.close()
            return
        parser = _Parser(self.counts)

        async def upstream() -> None:
            while data := await client_reader.read(65536):
                reply = parser.feed(data)
                if reply is not None:  # the SSL refusal: answered here, never forwarded
                    client_writer.write(reply)
                    await client_writer.drain()
                    continue
                server_writer.write(data)
                await server_writer.drain()
            server_writer.close()

        async def downstream() -> None:
            while data := await server_reader.read(65536):
                client_writer.write(data)
                await client_writer.drain()
            client_writer.close()

        with contextlib.suppress(ConnectionError, OSError):
            await asyncio.gather(upstream(), downstream())
        for writer in (client_writer, server_writer):
            writer.close()
