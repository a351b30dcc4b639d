"""The fan-out run's subscribers: many graphql-transport-ws connections in a process of their own.

`Subscribers` (in the benchmark's process) starts the swarm with multiprocessing and talks to it over
a pipe, one command at a time:

- `open`: open one connection per token (`parallel` handshakes at a time, retried on time-outs and refused
  connects), each with its own session token in connection_init, waits for connection_ack and subscribes
  to `orderStatusChanged` (every order's changes, for staff);
- `expect`: watch for the event of order `number`; answers `ready` at once and `done` when every
  connection subscribed at that moment received it or lost its subscription (an error, the server's
  `complete`, a closed connection), or after `within` seconds, with the first and last monotonic
  receive times and the server's CPU time read the moment the last one arrived;
- `close`: close every connection; `exit`.

Receive times are `time.monotonic()` (CLOCK_MONOTONIC), comparable with the benchmark process's.
"""

import asyncio
import contextlib
import json
import multiprocessing
import time
from collections import Counter
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.typing import Subprotocol

from bench.common import process_cpu_seconds, raise_open_files_limit

PROTOCOL = Subprotocol("graphql-transport-ws")
SUBSCRIPTION = (
    "subscription BenchFanout { orderStatusChanged { status previousStatus changedAt order { number status } } }"
)
SAMPLES = 5  # error messages kept per kind, for the report
TRY_AGAIN_LATER = 1013  # the close code of a server that cannot take the connection now (RFC 6455)


class HandshakeRefused(Exception):
    """The server answered connection_init with something other than connection_ack."""


@dataclass
class Waiter:
    number: str
    pending: set[ClientConnection]  # subscribed connections yet to receive the event
    server_pid: int | None
    done: asyncio.Event = field(default_factory=asyncio.Event)
    server_cpu: float | None = None

    def settle(self) -> None:
        """Marks the event delivered once nobody is left waiting for it."""
        if not self.pending and not self.done.is_set():
            if self.server_pid is not None:
                self.server_cpu = process_cpu_seconds(self.server_pid)
            self.done.set()


class Swarm:
    def __init__(self, pipe: Connection) -> None:
        self.pipe = pipe
        self.live: set[ClientConnection] = set()
        self.subscribed: set[ClientConnection] = set()  # live, and the subscription not ended
        self.readers: set[asyncio.Task[None]] = set()
        self.receipts: dict[str, list[float]] = {}
        self.waiters: dict[str, Waiter] = {}
        self.problems: Counter[str] = Counter()  # closed connections, error payloads, ended subscriptions
        self.samples: dict[str, list[str]] = {}
        self.closing = False

    # --- commands ---------------------------------------------------------------------------------------

    async def serve(self) -> None:
        loop = asyncio.get_running_loop()
        pending: set[asyncio.Task[None]] = set()
        while True:
            command: dict[str, Any] = await loop.run_in_executor(None, self.pipe.recv)
            op = command.pop("op")
            if op == "exit":
                break
            if op == "open":
                self.pipe.send(await self.open(**command))
            elif op == "expect":
                task = asyncio.create_task(self.expect(**command))
                pending.add(task)
                task.add_done_callback(pending.discard)
            elif op == "close":
                self.pipe.send(await self.close())
            elif op == "stats":
                self.pipe.send(self.stats())
            else:
                self.pipe.send({"error": f"unknown command {op!r}"})
        await self.close()

    def stats(self) -> dict[str, Any]:
        return {
            "live": len(self.live),
            "subscribed": len(self.subscribed),
            "problems": dict(self.problems),
            "samples": self.samples,
        }

    async def open(
        self,
        url: str,
        tokens: list[str],
        compression: str | None,
        parallel: int,
        retries: int,
        within: float,
    ) -> dict[str, Any]:
        started = time.monotonic()
        gate = asyncio.Semaphore(parallel)
        failures: Counter[str] = Counter()
        retried = 0

        async def one(token: str) -> bool:
            nonlocal retried
            async with gate:
                for attempt in range(retries + 1):
                    try:
                        connection = await self._handshake(url, token, compression, within)
                    except Exception as error:
                        if attempt == retries or not _retryable(error):
                            failures[_describe(error)] += 1
                            return False
                        retried += 1
                        await asyncio.sleep(0.5 * 2**attempt)
                    else:
                        self.live.add(connection)
                        self.subscribed.add(connection)
                        reader = asyncio.create_task(self._read(connection))
                        self.readers.add(reader)
                        reader.add_done_callback(self.readers.discard)
                        return True
                return False

        results = await asyncio.gather(*(one(token) for token in tokens))
        return {
            "opened": sum(results),
            "failed": len(results) - sum(results),
            "retried": retried,
            "failures": dict(failures),
            "seconds": time.monotonic() - started,
            "live": len(self.live),
            "subscribed": len(self.subscribed),
        }

    async def _handshake(self, url: str, token: str, compression: str | None, within: float) -> ClientConnection:
        connection = await connect(
            url,
            subprotocols=[PROTOCOL],
            compression=compression,
            open_timeout=within,
            ping_interval=None,  # browsers send no pings; the server's own keepalive pings are answered
            close_timeout=5,
            proxy=None,
        )
        try:
            init = {"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}}
            await connection.send(json.dumps(init))
            ack = json.loads(await asyncio.wait_for(connection.recv(), within))
            if ack.get("type") != "connection_ack":
                raise HandshakeRefused(f"answered {ack.get('type')!r} to connection_init")
            subscribe = {"id": "1", "type": "subscribe", "payload": {"query": SUBSCRIPTION}}
            await connection.send(json.dumps(subscribe))
        except BaseException:
            with contextlib.suppress(Exception):
                await connection.close()
            raise
        return connection

    async def expect(self, number: str, within: float, server_pid: int | None) -> None:
        waiter = Waiter(number, set(self.subscribed), server_pid)
        expected = len(waiter.pending)
        self.waiters[number] = waiter
        waiter.settle()  # nobody subscribed: nothing to wait for
        before = Counter(self.problems)
        self.pipe.send({"ready": number})
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(waiter.done.wait(), within)
        del self.waiters[number]
        times = self.receipts.pop(number, [])
        if not waiter.done.is_set() and server_pid is not None:
            waiter.server_cpu = process_cpu_seconds(server_pid)
        problems = Counter(self.problems)
        problems.subtract(before)
        self.pipe.send(
            {
                "number": number,
                "expected": expected,
                "received": len(times),
                "first": min(times, default=None),
                "last": max(times, default=None),
                "server_cpu_at_last": waiter.server_cpu,
                "timed_out": not waiter.done.is_set(),
                "problems": {kind: n for kind, n in problems.items() if n},
                "live": len(self.live),
                "subscribed": len(self.subscribed),
            }
        )

    async def close(self) -> dict[str, Any]:
        self.closing = True
        connections = list(self.live)
        for start in range(0, len(connections), 500):
            await asyncio.gather(
                *(connection.close() for connection in connections[start : start + 500]), return_exceptions=True
            )
        if self.readers:
            await asyncio.wait(list(self.readers), timeout=30)
        self.live.clear()
        self.subscribed.clear()
        self.closing = False
        return {"closed": len(connections)}

    # --- receiving ----------------------------------------------------------------------------------------

    async def _read(self, connection: ClientConnection) -> None:
        try:
            async for raw in connection:
                at = time.monotonic()
                try:
                    await self._handle(connection, json.loads(raw), at)
                except (ValueError, KeyError, TypeError):
                    self._problem("unexpected message", str(raw)[:300])
        except ConnectionClosed:
            pass  # counted below
        finally:
            self.live.discard(connection)
            self._unsubscribed(connection)
            if not self.closing:
                self._problem(f"connection closed ({connection.close_code})", connection.close_reason)

    async def _handle(self, connection: ClientConnection, message: dict[str, Any], at: float) -> None:
        kind = message.get("type")
        if kind == "next":
            payload = message.get("payload") or {}
            if payload.get("errors"):
                self._problem("next with errors", payload["errors"])
            else:
                self._received(connection, payload["data"]["orderStatusChanged"]["order"]["number"], at)
        elif kind == "ping":
            await connection.send(json.dumps({"type": "pong"}))
        elif kind in ("error", "complete"):
            self._problem(f"subscription ended ({kind})", message)
            self._unsubscribed(connection)

    def _received(self, connection: ClientConnection, number: str, at: float) -> None:
        self.receipts.setdefault(number, []).append(at)
        waiter = self.waiters.get(number)
        if waiter is not None:
            waiter.pending.discard(connection)
            waiter.settle()

    def _unsubscribed(self, connection: ClientConnection) -> None:
        """The connection will receive nothing more: no event waits for it."""
        self.subscribed.discard(connection)
        for waiter in self.waiters.values():
            waiter.pending.discard(connection)
            waiter.settle()

    def _problem(self, kind: str, detail: Any) -> None:
        self.problems[kind] += 1
        kept = self.samples.setdefault(kind, [])
        if len(kept) < SAMPLES:
            kept.append(json.dumps(detail, default=str)[:500])


def _retryable(error: Exception) -> bool:
    """Slow, refused, or told to come back: a handshake worth trying again (as a browser's client would)."""
    if isinstance(error, TimeoutError | OSError):
        return True
    if isinstance(error, InvalidStatus):
        return error.response.status_code in (429, 502, 503, 504)
    if isinstance(error, ConnectionClosed):
        return error.rcvd is not None and error.rcvd.code == TRY_AGAIN_LATER
    return False


def _describe(error: BaseException) -> str:
    if isinstance(error, InvalidStatus):
        return f"HTTP {error.response.status_code}"
    if isinstance(error, ConnectionClosed):
        return f"closed {error.rcvd.code if error.rcvd else ''}".strip()
    return type(error).__name__


def _child(pipe: Connection) -> None:
    raise_open_files_limit()
    asyncio.run(Swarm(pipe).serve())


class Subscribers:
    """The benchmark's handle on the swarm process."""

    def __init__(self) -> None:
        context = multiprocessing.get_context("spawn")
        self._pipe, child = context.Pipe()
        self._process = context.Process(target=_child, args=(child,), name="bench-subscribers", daemon=True)
        self._process.start()
        child.close()

    @property
    def pid(self) -> int | None:
        return self._process.pid

    def send(self, op: str, **arguments: Any) -> None:
        self._pipe.send({"op": op, **arguments})

    async def reply(self) -> dict[str, Any]:
        answer: dict[str, Any] = await asyncio.get_running_loop().run_in_executor(None, self._pipe.recv)
        return answer

    async def call(self, op: str, **arguments: Any) -> dict[str, Any]:
        self.send(op, **arguments)
        return await self.reply()

    def stop(self) -> None:
        with contextlib.suppress(OSError):
            self.send("exit")
        self._process.join(60)
        if self._process.is_alive():
            self._process.terminate()
            self._process.join(5)
