"""Sign-in burst: what a crowd of sign-ins (argon2id each) does to everyone else's requests.

Starts `customer-accounts serve` as bench.load does and signs one seeded customer in. Then measures the
p50/p99 latency of `{ me { id } }` with that customer's token, first unloaded, then while CLIENTS
clients each sign in (the `login` mutation, a seeded customer of their own) again and again for
--burst-seconds. A sign-in refused as busy (SERVICE_UNAVAILABLE, retryable) waits its Retry-After before
the next try, as a client should.

Reports the p99 ratio loaded/unloaded (goal: at most 2x), the sign-ins' latency, how many succeeded
and how many were refused as busy, and the server's CPU per sign-in beside the argon2 hash itself
(goal: at most 5 ms): the server's CPU during the burst, less the `me` requests' share (their count
times `me`'s CPU per request unloaded), divided by the successful sign-ins, less the CPU of one argon2
verification with the server's parameters (timed here, in this process, against the seeded hash).

    .venv/bin/python -m bench.signin --clients 20 --burst-seconds 10 --json /tmp/signin.json
"""

import argparse
import asyncio
import contextlib
import json
import os
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx
from argon2 import PasswordHasher, Type

from bench.common import (
    BENCH_PASSWORD,
    DEFAULT_DATABASE_URL,
    PROJECT_ROOT,
    Database,
    process_cpu_seconds,
    server_environment,
)
from bench.load import (
    Server,
    _fmt,
    _sql,
    data_size,
    login,
    machine,
    percentile,
    running,
    sample_emails,
    start_app,
    write_json,
)
from bench.probe import Latency, probe, probe_for
from bench.queries import LOGIN

# The server's own settings, read the way it reads them (its environment, its working directory's .env).
READ_SETTINGS = """
import json
from app.config import Settings
s = Settings()
print(json.dumps({"time_cost": s.argon2_time_cost, "memory_kib": s.argon2_memory_kib,
                  "parallelism": s.argon2_parallelism, "concurrency": s.password_hash_concurrency,
                  "queue": s.password_hash_queue}))
"""


@dataclass
class Argon2Cost:
    time_cost: int
    memory_kib: int
    parallelism: int
    concurrency: int
    queue: int
    verifies: int
    cpu_ms: float  # median CPU of one verification (this thread's)
    wall_ms: float
    seeded_hash_needs_rehash: bool  # then every sign-in hashes twice


@dataclass
class Burst:
    clients: int
    seconds: float
    signed_in: int
    busy: int
    other_errors: int
    sign_in: Latency
    busy_latency: Latency
    me: Latency
    server_cpu_ms: float
    me_share_ms: float
    cpu_per_sign_in_ms: float | None
    beside_hash_ms: float | None
    error_samples: list[str] = field(default_factory=list)


# --- argon2 -------------------------------------------------------------------------------------------


async def server_hash_settings(database: Database) -> dict[str, int]:
    with tempfile.TemporaryDirectory(prefix="bench-settings-") as data_dir:
        env = server_environment(database, Path(data_dir))
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-c", READ_SETTINGS, env=env, cwd=PROJECT_ROOT, stdout=asyncio.subprocess.PIPE
        )
        output, _ = await process.communicate()
    if process.returncode != 0:
        raise SystemExit("could not read the server's settings")
    settings: dict[str, int] = json.loads(output)
    return settings


def argon2_cost(settings: dict[str, int], seeded_hash: str, verifies: int) -> Argon2Cost:
    """One argon2id verification of the seeded hash with the server's parameters, timed in this thread."""
    hasher = PasswordHasher(
        time_cost=settings["time_cost"],
        memory_cost=settings["memory_kib"],
        parallelism=settings["parallelism"],
        type=Type.ID,
    )
    hasher.verify(seeded_hash, BENCH_PASSWORD)  # warm-up (and a check that the password is right)
    cpu, wall = [], []
    for _ in range(verifies):
        cpu_start, wall_start = time.thread_time(), time.perf_counter()
        hasher.verify(seeded_hash, BENCH_PASSWORD)
        cpu.append(time.thread_time() - cpu_start)
        wall.append(time.perf_counter() - wall_start)
    return Argon2Cost(
        time_cost=settings["time_cost"],
        memory_kib=settings["memory_kib"],
        parallelism=settings["parallelism"],
        concurrency=settings["concurrency"],
        queue=settings["queue"],
        verifies=verifies,
        cpu_ms=statistics.median(cpu) * 1000,
        wall_ms=statistics.median(wall) * 1000,
        seeded_hash_needs_rehash=hasher.check_needs_rehash(seeded_hash),
    )


# --- the burst ----------------------------------------------------------------------------------------


@dataclass
class SignIns:
    ok: list[float] = field(default_factory=list)
    busy: list[float] = field(default_factory=list)
    failed: list[float] = field(default_factory=list)
    samples: Counter[str] = field(default_factory=Counter)


def _busy_retry_after(response: httpx.Response, payload: Any) -> float | None:
    """Seconds to wait when the answer is SERVICE_UNAVAILABLE (busy, retryable); None otherwise."""
    errors = payload.get("errors") if isinstance(payload, dict) else None
    for error in errors or []:
        extensions = error.get("extensions") or {}
        if extensions.get("code") == "SERVICE_UNAVAILABLE":
            return float(extensions.get("retryAfter") or response.headers.get("retry-after") or 1)
    if response.status_code == 503:
        return float(response.headers.get("retry-after") or 1)
    return None


async def sign_in_loop(
    client: httpx.AsyncClient, url: str, email: str, stop: asyncio.Event, results: SignIns, honor_retry_after: bool
) -> None:
    body = {"query": LOGIN, "variables": {"email": email, "password": BENCH_PASSWORD}}
    while not stop.is_set():
        started = time.perf_counter()
        response = await client.post(url, json=body)
        elapsed = time.perf_counter() - started
        try:
            payload = response.json()
        except ValueError:
            payload = None
        token = ((payload or {}).get("data") or {}).get("login") or {}
        if isinstance(token, dict) and token.get("token"):
            results.ok.append(elapsed)
            continue
        wait = _busy_retry_after(response, payload)
        if wait is not None:
            results.busy.append(elapsed)
            if honor_retry_after:
                # Sleeps past the burst's end are cut short: the burst's CPU window closes with it.
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), wait)
            continue
        results.failed.append(elapsed)
        results.samples[f"HTTP {response.status_code}: {response.text[:300]}"] += 1


async def burst(
    app: Server,
    token: str,
    emails: Sequence[str],
    me_cpu_ms: float,
    argon2: Argon2Cost,
    args: argparse.Namespace,
) -> Burst:
    assert app.pid is not None
    url = app.url + "/graphql"
    results = SignIns()
    stop = asyncio.Event()
    limits = httpx.Limits(max_connections=len(emails), max_keepalive_connections=len(emails))
    async with httpx.AsyncClient(timeout=120.0, limits=limits) as client:
        cpu_before, started = process_cpu_seconds(app.pid), time.perf_counter()
        probing = asyncio.create_task(probe(url, token, args.probe_concurrency, stop))
        signers = [
            asyncio.create_task(sign_in_loop(client, url, email, stop, results, not args.ignore_retry_after))
            for email in emails
        ]
        await asyncio.sleep(args.burst_seconds)
        stop.set()
        await asyncio.gather(*signers)
        me = await probing
        server_cpu = (process_cpu_seconds(app.pid) - cpu_before) * 1000
        seconds = time.perf_counter() - started
    me_share = me.requests * me_cpu_ms
    per_sign_in = (server_cpu - me_share) / len(results.ok) if results.ok else None
    return Burst(
        clients=len(emails),
        seconds=seconds,
        signed_in=len(results.ok),
        busy=len(results.busy),
        other_errors=len(results.failed),
        sign_in=_summary(results.ok),
        busy_latency=_summary(results.busy),
        me=me,
        server_cpu_ms=server_cpu,
        me_share_ms=me_share,
        cpu_per_sign_in_ms=per_sign_in,
        beside_hash_ms=None if per_sign_in is None else per_sign_in - argon2.cpu_ms,
        error_samples=[f"{n} x {text}" for text, n in results.samples.most_common(5)],
    )


def _summary(latencies: Sequence[float]) -> Latency:
    ordered = sorted(latencies)
    if not ordered:
        return Latency(0, 0, None, None, None)
    return Latency(
        len(ordered), 0, percentile(ordered, 0.5) * 1000, percentile(ordered, 0.99) * 1000, ordered[-1] * 1000
    )


# --- report -------------------------------------------------------------------------------------------


def table(unloaded: Latency, me_cpu_ms: float, bursts: Sequence[Burst], argon2: Argon2Cost) -> str:
    lines = [
        "| clients | s | sign-ins | busy | other errors | sign-ins/s | sign-in p50 ms | sign-in p99 ms"
        " | me requests | me p50 ms | me p99 ms | me p99 ratio | server CPU ms/sign-in | argon2 verify CPU ms"
        " | beside the hash ms |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        f"| 0 (unloaded) | - | - | - | - | - | - | - | {unloaded.requests} | {_fmt(unloaded.p50_ms)}"
        f" | {_fmt(unloaded.p99_ms)} | 1.0x | - | - | - |",
    ]
    for b in bursts:
        ratio = b.me.p99_ms / unloaded.p99_ms if b.me.p99_ms and unloaded.p99_ms else None
        lines.append(
            f"| {b.clients} | {b.seconds:.1f} | {b.signed_in} | {b.busy} | {b.other_errors}"
            f" | {b.signed_in / b.seconds:.1f} | {_fmt(b.sign_in.p50_ms)} | {_fmt(b.sign_in.p99_ms)}"
            f" | {b.me.requests} | {_fmt(b.me.p50_ms)} | {_fmt(b.me.p99_ms)} | {_fmt(ratio)}x"
            f" | {_fmt(b.cpu_per_sign_in_ms, 2)} | {argon2.cpu_ms:.2f} | {_fmt(b.beside_hash_ms, 2)} |"
        )
    lines.append("")
    lines.append(
        f"`me` unloaded: {_fmt(me_cpu_ms, 2)} ms server CPU per request. argon2id t={argon2.time_cost}"
        f" m={argon2.memory_kib} KiB p={argon2.parallelism}: {argon2.cpu_ms:.2f} ms CPU ({argon2.wall_ms:.2f} ms"
        f" wall) per verification, median of {argon2.verifies}; the server hashes {argon2.concurrency} at a time"
        f" with up to {argon2.queue} waiting."
    )
    return "\n".join(lines)


def verdicts(unloaded: Latency, bursts: Sequence[Burst], ratio_goal: float, beside_goal: float) -> str:
    lines = []
    for b in bursts:
        ratio = b.me.p99_ms / unloaded.p99_ms if b.me.p99_ms and unloaded.p99_ms else None
        if ratio is not None:
            verdict = "meets" if ratio <= ratio_goal else "MISSES"
            lines.append(f"{b.clients} clients: me p99 {ratio:.1f}x unloaded ({verdict} the <= {ratio_goal:g}x goal)")
        if b.beside_hash_ms is not None:
            verdict = "meets" if b.beside_hash_ms <= beside_goal else "MISSES"
            lines.append(
                f"{b.clients} clients: {b.beside_hash_ms:.2f} ms server CPU per sign-in beside the hash"
                f" ({verdict} the <= {beside_goal:g} ms goal)"
            )
    return "\n".join(lines)


# --- main ---------------------------------------------------------------------------------------------


async def run(args: argparse.Namespace) -> int:
    database = Database.parse(args.database_url)
    client_counts = [int(n) for n in args.clients.split(",") if n]
    info = await machine(database)
    size = await data_size(database)
    print("machine: " + "; ".join(f"{k} {v}" for k, v in info.items()))
    print("data: " + ", ".join(f"{table} {n:,}" for table, n in size.items()), flush=True)
    emails = await sample_emails(database, max(client_counts) + 1)
    if len(emails) < max(client_counts) + 1:
        raise SystemExit(f"{len(emails)} seeded customers: too few for {max(client_counts)} clients and the probe")
    seeded_hash = str(
        (await _sql(database, "SELECT password_hash FROM customer WHERE email_key = $1", emails[0]))[0][0]
    )
    argon2 = argon2_cost(await server_hash_settings(database), seeded_hash, args.argon2_verifies)
    print(
        f"argon2id verification with the server's parameters: {argon2.cpu_ms:.2f} ms CPU, {argon2.wall_ms:.2f} ms wall"
        + (" (the seeded hash NEEDS A REHASH: each sign-in hashes again)" if argon2.seeded_hash_needs_rehash else ""),
        flush=True,
    )
    log = Path(tempfile.mkdtemp(prefix="bench-signin-")) / "server.log"
    bursts: list[Burst] = []
    async with running(start_app(database, log=log)) as (app,):
        assert app.pid is not None
        url = app.url + "/graphql"
        token = (await login(app, emails[:1]))[0]
        await probe_for(url, token, args.probe_concurrency, 1.0)  # warm-up
        cpu_before = process_cpu_seconds(app.pid)
        unloaded = await probe_for(url, token, args.probe_concurrency, args.probe_seconds)
        me_cpu_ms = (process_cpu_seconds(app.pid) - cpu_before) * 1000 / max(unloaded.requests, 1)
        print(
            f"me unloaded: p50 {_fmt(unloaded.p50_ms)} ms, p99 {_fmt(unloaded.p99_ms)} ms"
            f" ({unloaded.requests} requests), {me_cpu_ms:.2f} ms server CPU each",
            flush=True,
        )
        for count in client_counts:
            result = await burst(app, token, emails[1 : count + 1], me_cpu_ms, argon2, args)
            bursts.append(result)
            print(
                f"{count} clients: {result.signed_in} sign-ins, {result.busy} busy, {result.other_errors} other errors;"
                f" me p99 {_fmt(result.me.p99_ms)} ms; {_fmt(result.beside_hash_ms, 2)} ms CPU per sign-in beside"
                " the hash" + (f"; errors: {result.error_samples}" if result.error_samples else ""),
                flush=True,
            )
            await asyncio.sleep(args.pause)  # the outbox (sign-in alerts) and the pool settle between bursts
    print(f"server log: {log}")
    print()
    print(table(unloaded, me_cpu_ms, bursts, argon2))
    print()
    print(verdicts(unloaded, bursts, args.ratio_goal, args.beside_goal))
    if args.json:
        report = {
            "machine": info,
            "data": size,
            "args": vars(args),
            "argon2": asdict(argon2),
            "me_unloaded": asdict(unloaded),
            "me_cpu_ms": me_cpu_ms,
            "bursts": [asdict(b) for b in bursts],
        }
        write_json(Path(args.json), report)
    return 1 if any(b.other_errors for b in bursts) else 0


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL))
    parser.add_argument("--clients", default="20", help="comma-separated: clients signing in at once, one burst each")
    parser.add_argument("--burst-seconds", type=float, default=10.0)
    parser.add_argument("--pause", type=float, default=3.0, help="seconds between bursts")
    parser.add_argument("--probe-concurrency", type=int, default=1, help="concurrent `me` requests")
    parser.add_argument("--probe-seconds", type=float, default=5.0, help="how long `me` is measured unloaded")
    parser.add_argument("--argon2-verifies", type=int, default=10, help="verifications timed in-process")
    parser.add_argument(
        "--ignore-retry-after", action="store_true", help="retry a busy sign-in at once instead of after Retry-After"
    )
    parser.add_argument("--ratio-goal", type=float, default=2.0, help="me p99 under the burst / unloaded")
    parser.add_argument("--beside-goal", type=float, default=5.0, help="server CPU ms per sign-in beside the hash")
    parser.add_argument("--json", help="also write the results to this JSON file")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    return asyncio.run(run(parse_args(argv)))


if __name__ == "__main__":
    sys.exit(main())
