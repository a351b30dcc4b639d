"""Subscription fan-out: one order status change delivered to N staff subscribers at once.

For each N, starts `customer-accounts serve` (as bench.load does, with the open-files limit raised to its
hard limit), creates N sessions of staff accounts straight in the database, and has a separate client
process (bench.wsclient) open N graphql-transport-ws connections that each subscribe to
`orderStatusChanged` without an orderId (staff: every order's changes). A service account's API key
(scope orders:write) then sends `updateOrderStatus` on a seeded order, and the run measures:

- delivery: how many of the N received the event, the time from the first receipt to the last (client
  side, monotonic clock) and from the mutation's answer to the last receipt, connections closed and
  subscriptions the server ended (an error, then `complete`);
- the mutation's own latency with N subscribers against its latency with none;
- server CPU per recipient: the server's utime+stime from just before the mutation to the moment the
  last subscriber received the event, divided by the recipients;
- memory per idle subscriber: the server's RSS after opening N connections with their subscriptions
  minus before, divided by N, with the client offering permessage-deflate and without (each on a fresh
  server);
- `{ me { id } }` latency from another client (a few concurrent requests in a loop) unloaded and
  while the event fans out.

Events per N: a warm-up (waited for until every subscriber received it: all subscriptions are
registered), a quiet one (no other requests: CPU per recipient) and one with the `me` requests running.
An event waits for the connections still subscribed when it is sent; those that lose their
subscription meanwhile are counted, not waited for.

    .venv/bin/python -m bench.fanout --subscribers 1000,5000,10000 --json /tmp/fanout.json
"""

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx

from bench.common import (
    DEFAULT_DATABASE_URL,
    Database,
    process_cpu_seconds,
    raise_open_files_limit,
    rss_bytes,
)
from bench.fixtures import (
    EventOrder,
    Sql,
    create_service_account,
    create_sessions,
    delete_sessions,
    ensure_staff,
    refundable_orders,
    revoke_service_account,
)
from bench.load import Server, _fmt, data_size, machine, running, start_app, write_json
from bench.probe import Latency, probe, probe_for
from bench.wsclient import Subscribers

UPDATE_STATUS = """
mutation BenchFanoutEvent($orderId: ID!) {
  updateOrderStatus(input: {orderId: $orderId, status: REFUNDED, note: "bench fan-out"}) {
    order { number status }
    userErrors { code message }
  }
}
"""
PREWARM_CONNECTIONS = 20  # opened and closed before the memory baseline: first-use costs are not per subscriber


@dataclass
class Event:
    kind: str  # warm-up, quiet (nothing else running) or probed (`me` requests during the fan-out)
    order: str
    subscribers: int  # asked for
    subscribed: int  # of them, still subscribed when the event was sent
    received: int
    timed_out: bool
    problems: dict[str, int]
    mutation_ms: float
    send_to_first_ms: float | None
    first_to_last_ms: float | None
    answer_to_last_ms: float | None
    server_cpu_ms: float | None
    cpu_per_recipient_ms: float | None
    probe: Latency | None = None

    @property
    def lost(self) -> int:
        """Subscriptions ended (an error, the server's `complete`) or connections closed during the event."""
        return sum(n for kind, n in self.problems.items() if kind.startswith(("subscription ended", "connection")))


@dataclass
class Memory:
    subscribers: int
    compression: str
    opened: int
    failed: int
    retried: int
    failures: dict[str, int]
    open_seconds: float
    rss_before_mib: float
    rss_after_mib: float
    kib_per_subscriber: float | None


@dataclass
class Run:
    subscribers: int
    idle_mutation_ms: list[float]
    memory: list[Memory]
    events: list[Event]
    unloaded: Latency
    server_log: str
    server_log_summary: dict[str, int]

    def event(self, kind: str) -> Event | None:
        return next((event for event in self.events if event.kind == kind), None)

    @property
    def complete(self) -> bool:
        return all(e.received == e.subscribers and not e.problems for e in self.events) and all(
            m.failed == 0 for m in self.memory
        )


# --- requests -----------------------------------------------------------------------------------------


async def mutate(client: httpx.AsyncClient, app: Server, api_key: str, order: EventOrder) -> float:
    """Sends the status change; returns its latency in seconds."""
    body = {"query": UPDATE_STATUS, "variables": {"orderId": order.global_id}}
    started = time.perf_counter()
    response = await client.post(app.url + "/graphql", json=body, headers={"authorization": f"Bearer {api_key}"})
    elapsed = time.perf_counter() - started
    payload = response.json()
    result = (payload.get("data") or {}).get("updateOrderStatus") or {}
    if response.status_code != 200 or payload.get("errors") or result.get("userErrors"):
        raise SystemExit(f"updateOrderStatus of {order.number} failed: {json.dumps(payload)[:1000]}")
    return elapsed


# --- one fan-out --------------------------------------------------------------------------------------


@dataclass
class Context:
    app: Server
    http: httpx.AsyncClient
    swarm: Subscribers
    api_key: str
    probe_token: str
    args: argparse.Namespace


async def fire(ctx: Context, kind: str, order: EventOrder, subscribers: int, with_probe: bool) -> Event:
    """One status change, timed from just before the mutation to its last receipt."""
    assert ctx.app.pid is not None
    ctx.swarm.send("expect", number=order.number, within=ctx.args.event_timeout, server_pid=ctx.app.pid)
    await ctx.swarm.reply()  # ready: the client watches for this order's event
    done = asyncio.ensure_future(ctx.swarm.reply())
    stop = asyncio.Event()
    probing = None
    if with_probe:
        probing = asyncio.create_task(
            probe(ctx.app.url + "/graphql", ctx.probe_token, ctx.args.probe_concurrency, stop)
        )
    cpu_before = process_cpu_seconds(ctx.app.pid)
    sent = time.monotonic()
    mutation = await mutate(ctx.http, ctx.app, ctx.api_key, order)
    answered = time.monotonic()
    outcome = await done
    stop.set()
    probed = await probing if probing is not None else None
    first, last, cpu_at_last = outcome["first"], outcome["last"], outcome["server_cpu_at_last"]
    received = int(outcome["received"])
    server_cpu = None if cpu_at_last is None else cpu_at_last - cpu_before
    event = Event(
        kind=kind,
        order=order.number,
        subscribers=subscribers,
        subscribed=int(outcome["expected"]),
        received=received,
        timed_out=bool(outcome["timed_out"]),
        problems=dict(outcome["problems"]),
        mutation_ms=mutation * 1000,
        send_to_first_ms=None if first is None else (first - sent) * 1000,
        first_to_last_ms=None if first is None else (last - first) * 1000,
        answer_to_last_ms=None if last is None else (last - answered) * 1000,
        server_cpu_ms=None if server_cpu is None else server_cpu * 1000,
        cpu_per_recipient_ms=None if server_cpu is None or not received else server_cpu * 1000 / received,
        probe=probed,
    )
    say(
        f"{kind:<8} {received}/{subscribers} received ({event.subscribed} subscribed),"
        f" first->last {_fmt(event.first_to_last_ms)} ms,"
        f" answer->last {_fmt(event.answer_to_last_ms)} ms, mutation {event.mutation_ms:.1f} ms,"
        f" server CPU {_fmt(event.cpu_per_recipient_ms, 3)} ms/recipient"
        + (f", problems {event.problems}" if event.problems else "")
        + (f", me p99 {_fmt(probed.p99_ms)} ms ({probed.requests} requests)" if probed else "")
    )
    return event


async def open_idle(
    app: Server, swarm: Subscribers, tokens: Sequence[str], compression: str | None, args: argparse.Namespace
) -> Memory:
    """Opens len(tokens) subscribers and measures the server's RSS before and after (per subscriber)."""
    assert app.pid is not None
    ws_url = app.url.replace("http://", "ws://", 1) + "/graphql"
    options = {"url": ws_url, "compression": compression, "parallel": args.parallel, "retries": args.retries}
    # First use of the WebSocket path (imports, caches) is not a per-subscriber cost: pay it before the baseline.
    await swarm.call("open", tokens=list(tokens[:PREWARM_CONNECTIONS]), within=args.open_timeout, **options)
    await asyncio.sleep(args.settle)  # closed while their subscriptions start, they would log errors
    await swarm.call("close")
    say(f"pre-warmed with {min(len(tokens), PREWARM_CONNECTIONS)} connections, closed them")
    await asyncio.sleep(args.settle)
    before = rss_bytes(app.pid)
    opened = await swarm.call("open", tokens=list(tokens), within=args.open_timeout, **options)
    await asyncio.sleep(args.settle)  # the last subscribe messages reach the server and register
    after = rss_bytes(app.pid)
    count = int(opened["opened"])
    memory = Memory(
        subscribers=len(tokens),
        compression=compression or "none",
        opened=count,
        failed=int(opened["failed"]),
        retried=int(opened["retried"]),
        failures=dict(opened["failures"]),
        open_seconds=float(opened["seconds"]),
        rss_before_mib=before / 2**20,
        rss_after_mib=after / 2**20,
        kib_per_subscriber=(after - before) / 1024 / count if count else None,
    )
    say(
        f"opened {count}/{len(tokens)} ({memory.compression}) in {memory.open_seconds:.1f} s"
        f" ({memory.retried} retried{', failures ' + str(memory.failures) if memory.failures else ''}):"
        f" RSS {memory.rss_before_mib:.1f} -> {memory.rss_after_mib:.1f} MiB,"
        f" {_fmt(memory.kib_per_subscriber)} KiB per subscriber"
    )
    return memory


def log_summary(path: Path) -> dict[str, int]:
    """The server's log lines counted by level, logger, message and the exception's last line."""
    counts: Counter[str] = Counter()
    if not path.exists():
        return {}
    for line in path.read_text(errors="replace").splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            record = None
        if not isinstance(record, dict):
            if line.strip() and not line.startswith("My Account portal"):
                counts[line.strip()[:200]] += 1
            continue
        exception = str(record.get("exception") or "").strip().splitlines()
        key = f"{record.get('level')} {record.get('logger')}: {record.get('message')}"
        counts[key + (f" ({exception[-1][:150]})" if exception else "")] += 1
    return dict(counts.most_common())


def say(message: str) -> None:
    """Progress, with the wall-clock time to match against the server's log."""
    print(f"{datetime.now(UTC):%H:%M:%S.%f}"[:12] + " " + message, flush=True)


async def fan_out(
    n: int,
    database: Database,
    sql: Sql,
    staff: Sequence[uuid.UUID],
    api_key: str,
    swarm: Subscribers,
    args: argparse.Namespace,
) -> Run:
    say(f"{n} subscribers")
    sessions = await create_sessions(sql, staff, n + 1)
    try:
        return await _fan_out(n, database, sql, sessions.tokens, api_key, swarm, args)
    finally:
        await delete_sessions(sql, sessions)


async def _fan_out(
    n: int,
    database: Database,
    sql: Sql,
    tokens: Sequence[str],
    api_key: str,
    swarm: Subscribers,
    args: argparse.Namespace,
) -> Run:
    probe_token, subscriber_tokens = tokens[0], tokens[1:]
    modes = [None if mode == "none" else mode for mode in args.compression.split(",") if mode]
    orders = await refundable_orders(sql, 1 + args.idle_mutations + 3)
    log_dir = Path(args.server_logs)
    log = log_dir / f"server-{n}.log"
    memory: list[Memory] = []
    events: list[Event] = []
    profile = Path(f"{args.profile}.{n}") if args.profile else None
    async with (
        running(start_app(database, profile, log=log)) as (app,),
        httpx.AsyncClient(timeout=args.event_timeout) as http,
    ):
        ctx = Context(app, http, swarm, api_key, probe_token, args)
        # The mutation alone: once to warm up, then the median of the rest.
        idle = [await mutate(http, app, api_key, orders.pop()) * 1000 for _ in range(1 + args.idle_mutations)][1:]
        say(f"mutation with no subscribers: median {statistics.median(idle):.1f} ms of {len(idle)}")
        memory.append(await open_idle(app, swarm, subscriber_tokens, modes[0], args))
        events.append(await fire(ctx, "warm-up", orders.pop(), n, with_probe=False))
        unloaded = await probe_for(app.url + "/graphql", probe_token, args.probe_concurrency, args.probe_seconds)
        say(f"me unloaded ({n} idle subscribers): p50 {_fmt(unloaded.p50_ms)} ms, p99 {_fmt(unloaded.p99_ms)} ms")
        events.append(await fire(ctx, "quiet", orders.pop(), n, with_probe=False))
        events.append(await fire(ctx, "probed", orders.pop(), n, with_probe=True))
        stats = await swarm.call("stats")
        if stats["problems"]:
            say(f"client saw: {stats['problems']}; samples {json.dumps(stats['samples'])[:1500]}")
        closed = await swarm.call("close")
        say(f"closed {closed['closed']} connections")
    logs = [log]
    for mode in modes[1:]:
        logs.append(log_dir / f"server-{n}-{mode or 'none'}.log")
        async with running(start_app(database, log=logs[-1])) as (app,):
            memory.append(await open_idle(app, swarm, subscriber_tokens, mode, args))
            await swarm.call("close")
    logged: Counter[str] = Counter()
    for path in logs:
        logged.update(log_summary(path))
    if logged:
        say(f"server logs {log_dir}:\n" + "\n".join(f"      {count} x {line}" for line, count in logged.most_common()))
    return Run(n, idle, memory, events, unloaded, str(log_dir), dict(logged.most_common()))


# --- report -------------------------------------------------------------------------------------------


def _ratio(loaded: float | None, unloaded: float | None) -> str:
    return "-" if not loaded or not unloaded else f"{loaded / unloaded:.1f}x"


def summary_table(runs: Sequence[Run]) -> str:
    lines = [
        "| subscribers | not opened | lost before events | lost in events | received | first→last ms | answer→last ms | mutation ms"
        " | mutation ms, 0 subscribers | server CPU ms/recipient | idle KiB/subscriber | me p99 ms unloaded"
        " | me p99 ms during fan-out | me p99 ratio |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for run in runs:
        quiet, probed, warm = run.event("quiet"), run.event("probed"), run.event("warm-up")
        if quiet is None:
            continue
        memory = " / ".join(f"{_fmt(m.kib_per_subscriber)} ({m.compression})" for m in run.memory)
        lost = sum(e.lost for e in run.events)
        during = probed.probe.p99_ms if probed and probed.probe else None
        lines.append(
            f"| {run.subscribers:,} | {run.memory[0].failed} | {run.memory[0].opened - warm.subscribed if warm else '-'}"
            f" | {lost} | {quiet.received:,}"
            f" | {_fmt(quiet.first_to_last_ms)}"
            f" | {_fmt(quiet.answer_to_last_ms)} | {quiet.mutation_ms:.1f} | {statistics.median(run.idle_mutation_ms):.1f}"
            f" | {_fmt(quiet.cpu_per_recipient_ms, 3)} | {memory} | {_fmt(run.unloaded.p99_ms)} | {_fmt(during)}"
            f" | {_ratio(during, run.unloaded.p99_ms)} |"
        )
    return "\n".join(lines)


def events_table(runs: Sequence[Run]) -> str:
    lines = [
        "| subscribers | event | received | problems | send→first ms | first→last ms | answer→last ms | mutation ms"
        " | server CPU ms | CPU ms/recipient | me requests | me p50 ms | me p99 ms | me errors |",
        "| ---: | --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for run in runs:
        for e in run.events:
            problems = ", ".join(f"{kind} {n}" for kind, n in e.problems.items()) or "-"
            p = e.probe
            lines.append(
                f"| {e.subscribers:,} | {e.kind} | {e.received:,} of {e.subscribed:,}{' (timed out)' if e.timed_out else ''}"
                f" | {problems}"
                f" | {_fmt(e.send_to_first_ms)} | {_fmt(e.first_to_last_ms)} | {_fmt(e.answer_to_last_ms)}"
                f" | {e.mutation_ms:.1f} | {_fmt(e.server_cpu_ms)} | {_fmt(e.cpu_per_recipient_ms, 3)}"
                f" | {p.requests if p else '-'} | {_fmt(p.p50_ms if p else None)} | {_fmt(p.p99_ms if p else None)}"
                f" | {p.errors if p else '-'} |"
            )
        u = run.unloaded
        lines.append(
            f"| {run.subscribers:,} | (none: me unloaded) | - | - | - | - | - | - | - | - | {u.requests}"
            f" | {_fmt(u.p50_ms)} | {_fmt(u.p99_ms)} | {u.errors} |"
        )
    return "\n".join(lines)


def verdicts(runs: Sequence[Run]) -> str:
    lines = []
    for run in runs:
        for event in run.events:
            if event.kind != "warm-up" and event.received < event.subscribers:
                lines.append(
                    f"{run.subscribers:,} subscribers, {event.kind} event: only {event.received:,} received it"
                    f" ({run.subscribers - event.subscribed:,} were not subscribed any more when it was sent)"
                )
        probed = run.event("probed")
        during = probed.probe.p99_ms if probed and probed.probe else None
        if during and run.unloaded.p99_ms:
            lines.append(
                f"{run.subscribers:,} subscribers: `me` p99 {during / run.unloaded.p99_ms:.1f}x unloaded during the fan-out"
                f" ({during:,.1f} ms against {run.unloaded.p99_ms:,.1f} ms)"
            )
    return "\n".join(lines)


def memory_table(runs: Sequence[Run]) -> str:
    lines = [
        "| subscribers | client offers | opened | failed | retried | open s | RSS before MiB | RSS after MiB"
        " | KiB/subscriber |",
        "| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for run in runs:
        for m in run.memory:
            offered = "permessage-deflate" if m.compression == "deflate" else "no compression"
            lines.append(
                f"| {m.subscribers:,} | {offered} | {m.opened:,} | {m.failed} | {m.retried} | {m.open_seconds:.1f}"
                f" | {m.rss_before_mib:.1f} | {m.rss_after_mib:.1f} | {_fmt(m.kib_per_subscriber)} |"
            )
    return "\n".join(lines)


# --- main ---------------------------------------------------------------------------------------------


async def run(args: argparse.Namespace) -> int:
    limit = raise_open_files_limit()  # inherited by the server and the client process
    counts = [int(n) for n in args.subscribers.split(",") if n]
    if max(counts) + 100 > limit:
        raise SystemExit(f"the open-files limit is {limit}: too low for {max(counts)} WebSockets")
    database = Database.parse(args.database_url)
    info = await machine(database)
    size = await data_size(database)
    print("machine: " + "; ".join(f"{k} {v}" for k, v in info.items()))
    print("data: " + ", ".join(f"{table} {n:,}" for table, n in size.items()))
    sql = await Sql(database).open()
    swarm = Subscribers()
    runs: list[Run] = []
    try:
        staff = await ensure_staff(sql, args.staff)
        account = await create_service_account(sql)
        try:
            for n in counts:
                runs.append(await fan_out(n, database, sql, staff, account.api_key, swarm, args))
        finally:
            await revoke_service_account(sql, account)
    finally:
        swarm.stop()
        await sql.close()
    print()
    print(summary_table(runs))
    print()
    print(events_table(runs))
    print()
    print(memory_table(runs))
    print()
    print(verdicts(runs))
    if args.json:
        report = {"machine": info, "data": size, "args": vars(args), "runs": [asdict(r) for r in runs]}
        write_json(Path(args.json), report)
    return 0 if all(r.complete for r in runs) else 1


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL))
    parser.add_argument("--subscribers", default="1000,5000,10000", help="comma-separated subscriber counts")
    parser.add_argument("--staff", type=int, default=20, help="staff accounts the sessions are spread over")
    parser.add_argument(
        "--compression",
        default="deflate,none",
        help="what the client offers, for the memory measurement: deflate (the websockets default), none;"
        " the events run with the first",
    )
    parser.add_argument("--parallel", type=int, default=200, help="WebSocket handshakes at a time")
    parser.add_argument("--retries", type=int, default=3, help="retries of a handshake that timed out or was refused")
    parser.add_argument("--open-timeout", type=float, default=30.0, help="seconds for one handshake (and its ack)")
    parser.add_argument("--settle", type=float, default=2.0, help="seconds to wait before reading RSS")
    parser.add_argument("--idle-mutations", type=int, default=5, help="mutations timed with no subscribers")
    parser.add_argument("--probe-concurrency", type=int, default=4, help="concurrent `me` requests")
    parser.add_argument("--probe-seconds", type=float, default=3.0, help="how long `me` is measured unloaded")
    parser.add_argument("--event-timeout", type=float, default=600.0, help="seconds to wait for all receipts")
    parser.add_argument("--server-logs", help="directory for the servers' output (default: a new temporary one)")
    parser.add_argument("--json", help="also write the results to this JSON file")
    parser.add_argument(
        "--profile",
        help="run the server (the first of each N) under cProfile, writing PROFILE.<N> (bench.profile_report)",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    args.server_logs = args.server_logs or tempfile.mkdtemp(prefix="bench-fanout-")
    Path(args.server_logs).mkdir(parents=True, exist_ok=True)
    return asyncio.run(run(args))


if __name__ == "__main__":
    sys.exit(main())
