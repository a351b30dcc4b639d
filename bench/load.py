"""Drive the order-history query over HTTP against the real server and the floor, side by side.

Starts `customer-accounts serve` (1 worker, ENVIRONMENT=test, no outbox or jobs, quiet logs) and
`bench.floor` on free ports (or uses --app-url/--floor-url with --app-pid/--floor-pid), signs in a
sample of the seeded customers through the GraphQL `login` mutation, checks that both servers return
identical JSON, counts the statements each sends per request (PostgreSQL: through bench.pgcount's
wire-protocol proxy, in a separate pass), then for each concurrency drives the same requests at each
target in turn and prints requests/s, p50/p99 latency and the server's CPU per request
(utime+stime from /proc/<pid>/stat around the run, divided by the requests).

    .venv/bin/python -m bench.load --concurrency 1,8,32 --requests 400
"""

import argparse
import asyncio
import contextlib
import json
import multiprocessing
import os
import platform
import re
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from bench.common import (
    BENCH_EMAIL_PREFIX,
    BENCH_PASSWORD,
    DEFAULT_DATABASE_URL,
    PROJECT_ROOT,
    Database,
    bench_email,
    cli_executable,
    free_port,
    process_cpu_seconds,
    server_environment,
)
from bench.pgcount import CountingProxy
from bench.queries import LOGIN, ORDER_HISTORY_PAGE, VARIANTS, order_history_body

TARGETS = ("graphql", "floor")


@dataclass
class Server:
    name: str
    url: str
    pid: int | None
    process: asyncio.subprocess.Process | None = None
    data_dir: Path | None = None  # the server's DATA_DIR, removed when it stops


@dataclass
class Result:
    target: str
    concurrency: int
    requests: int
    errors: int
    seconds: float
    rps: float
    p50_ms: float
    p99_ms: float
    server_cpu_ms: float | None
    server_cpu_util: float | None
    client_cpu_ms: float
    statements: float | None = None


@dataclass
class StatementCount:
    target: str
    requests: int
    kinds: dict[str, float]
    round_trips: float
    connections: int
    statements: dict[str, float] = field(default_factory=dict)


# --- servers ------------------------------------------------------------------------------------------


async def _wait_ready(server: Server, path: str, within: float = 60.0) -> None:
    deadline = time.monotonic() + within
    async with httpx.AsyncClient(timeout=2.0) as client:
        while time.monotonic() < deadline:
            if server.process is not None and server.process.returncode is not None:
                raise SystemExit(f"{server.name} exited with {server.process.returncode} before it was ready")
            with contextlib.suppress(httpx.HTTPError):
                if (await client.get(server.url + path)).status_code == 200:
                    return
            await asyncio.sleep(0.2)
    raise SystemExit(f"{server.name} did not become ready at {server.url}{path} within {within:.0f} s")


async def start_app(database: Database, profile: Path | None = None, log: Path | None = None) -> Server:
    """`log`: append the server's output to this file instead of the console."""
    port = free_port()
    data_dir = Path(tempfile.mkdtemp(prefix="bench-app-"))
    env = server_environment(database, data_dir)
    serve = ["serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "1"]
    if profile is not None:
        command = [sys.executable, "-m", "cProfile", "-o", str(profile), "-m", "app.cli", *serve]
    else:
        command = [cli_executable(), *serve]
    with contextlib.ExitStack() as files:
        output = files.enter_context(log.open("ab")) if log is not None else None
        process = await asyncio.create_subprocess_exec(
            *command, env=env, cwd=PROJECT_ROOT, stdout=output, stderr=output
        )
    server = Server("graphql", f"http://127.0.0.1:{port}", process.pid, process, data_dir)
    await _wait_ready(server, "/readyz")
    return server


async def start_floor(database: Database) -> Server:
    port = free_port()
    data_dir = Path(tempfile.mkdtemp(prefix="bench-floor-"))
    env = server_environment(database, data_dir)
    command = [sys.executable, "-m", "bench.floor", "--host", "127.0.0.1", "--port", str(port)]
    process = await asyncio.create_subprocess_exec(*command, env=env, cwd=PROJECT_ROOT)
    server = Server("floor", f"http://127.0.0.1:{port}", process.pid, process, data_dir)
    await _wait_ready(server, "/healthz")
    return server


async def stop(server: Server) -> None:
    process = server.process
    if process is not None and process.returncode is None:
        process.send_signal(signal.SIGINT)  # uvicorn shuts down gracefully (and cProfile writes its file)
        try:
            await asyncio.wait_for(process.wait(), 20)
        except TimeoutError:
            process.kill()
            await process.wait()
    if server.data_dir is not None:
        shutil.rmtree(server.data_dir, ignore_errors=True)


@contextlib.asynccontextmanager
async def running(*starting: Any) -> AsyncIterator[list[Server]]:
    servers: list[Server] = []
    try:
        for start in starting:
            servers.append(await start)
        yield servers
    finally:
        for server in servers:
            await stop(server)


# --- database facts -----------------------------------------------------------------------------------


async def _sql(database: Database, query: str, *params: Any) -> list[tuple[Any, ...]]:
    if database.is_postgres:
        connection = await asyncpg.connect(**database.asyncpg_kwargs())
        try:
            return [tuple(row) for row in await connection.fetch(query, *params)]
        finally:
            await connection.close()
    import sqlite3

    with contextlib.closing(sqlite3.connect(database.sqlite_path)) as connection:
        return list(connection.execute(re.sub(r"\$\d+", "?", query), params))


async def data_size(database: Database) -> dict[str, int]:
    tables = ("customer", "customer_order", "order_line", "shipment", "tracking_event", "auth_session")
    counts = {}
    for table in tables:
        counts[table] = int((await _sql(database, f"SELECT count(*) FROM {table}"))[0][0])  # noqa: S608
    return counts


async def sample_emails(database: Database, count: int, numbers: str | None = None) -> list[str]:
    """`count` random seeded customers, or those numbered FIRST-LAST (as bench.seed numbers them)."""
    low, high = BENCH_EMAIL_PREFIX, BENCH_EMAIL_PREFIX + "~"
    if numbers:
        first, _, last = numbers.partition("-")
        low, high = bench_email(int(first)), bench_email(int(last or first))
    rows = await _sql(
        database,
        "SELECT email FROM customer WHERE email_key BETWEEN $1 AND $2 ORDER BY random() LIMIT $3",
        low,
        high,
        count,
    )
    if not rows:
        raise SystemExit("no bench customers in the database: run `python -m bench.seed` first")
    return [row[0] for row in rows]


def _host_facts() -> dict[str, str]:
    cpuinfo = Path("/proc/cpuinfo").read_text().splitlines()
    cpu = next((line.split(":", 1)[1].strip() for line in cpuinfo if "model name" in line), platform.processor())
    meminfo = Path("/proc/meminfo").read_text().splitlines()
    memory_kib = next(int(line.split()[1]) for line in meminfo if line.startswith("MemTotal"))
    return {
        "cpu": cpu,
        "cores": str(os.cpu_count()),
        "memory": f"{memory_kib / 1024 / 1024:.1f} GiB",
        "kernel": platform.release(),
        "python": platform.python_version(),
    }


async def machine(database: Database) -> dict[str, str]:
    info = _host_facts()
    if database.is_postgres:
        info["database"] = str((await _sql(database, "SELECT version()"))[0][0]).split(" on ")[0]
    else:
        import sqlite3

        info["database"] = f"SQLite {sqlite3.sqlite_version}"
    return info


# --- requests -----------------------------------------------------------------------------------------


async def login(app: Server, emails: Sequence[str], concurrency: int = 4) -> list[str]:
    tokens: list[str] = []
    queue = list(emails)

    async def worker(client: httpx.AsyncClient) -> None:
        while queue:
            email = queue.pop()
            body = {"query": LOGIN, "variables": {"email": email, "password": BENCH_PASSWORD}}
            response = await client.post(app.url + "/graphql", json=body)
            payload = response.json()
            token = ((payload.get("data") or {}).get("login") or {}).get("token")
            if not token:
                raise SystemExit(f"login of {email} failed: {json.dumps(payload)[:500]}")
            tokens.append(token)

    async with httpx.AsyncClient(timeout=60.0) as client:
        await asyncio.gather(*(worker(client) for _ in range(concurrency)))
    return tokens


def request_body(first: int, variant: str = "order-history") -> bytes:
    return json.dumps(order_history_body(first, variant)).encode()


async def fetch(client: httpx.AsyncClient, server: Server, token: str, body: bytes) -> Any:
    headers = {"authorization": f"Bearer {token}", "content-type": "application/json"}
    response = await client.post(server.url + "/graphql", content=body, headers=headers)
    response.raise_for_status()
    return response.json()


def first_difference(left: Any, right: Any, path: str = "$") -> str | None:
    if type(left) is not type(right):
        return f"{path}: {type(left).__name__} {left!r:.80} != {type(right).__name__} {right!r:.80}"
    if isinstance(left, dict):
        for key in sorted(set(left) | set(right)):
            if key not in left or key not in right:
                return f"{path}.{key}: only in {'graphql' if key in left else 'floor'}"
            found = first_difference(left[key], right[key], f"{path}.{key}")
            if found:
                return found
        return None
    if isinstance(left, list):
        if len(left) != len(right):
            return f"{path}: {len(left)} items != {len(right)} items"
        for index, (a, b) in enumerate(zip(left, right, strict=True)):
            found = first_difference(a, b, f"{path}[{index}]")
            if found:
                return found
        return None
    return None if left == right else f"{path}: {left!r:.80} != {right!r:.80}"


async def verify_identical(app: Server, floor: Server, tokens: Sequence[str], body: bytes) -> int:
    """Both servers' answers for the same customers, compared as parsed JSON; exits on any difference."""
    async with httpx.AsyncClient(timeout=60.0) as client:
        for token in tokens:
            ours, bare = await fetch(client, app, token, body), await fetch(client, floor, token, body)
            if "errors" in ours:
                raise SystemExit(f"the GraphQL server answered with errors: {json.dumps(ours['errors'])[:1000]}")
            difference = first_difference(ours, bare)
            if difference:
                raise SystemExit(f"graphql and floor answers differ at {difference}")
            edges = ours["data"]["me"]["orders"]["edges"]
            if not edges:
                raise SystemExit("the benchmark customer has no orders: seed orders first")
    return len(json.dumps(ours))


async def drive(
    url: str, tokens: Sequence[str], concurrency: int, requests: int, body: bytes, offset: int = 0
) -> dict[str, Any]:
    """`requests` POSTs from `concurrency` concurrent clients; latencies in seconds."""
    headers = [{"authorization": f"Bearer {t}", "content-type": "application/json"} for t in tokens]
    latencies: list[float] = []
    errors = 0
    next_index = 0
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)

    async def worker(client: httpx.AsyncClient) -> None:
        nonlocal next_index, errors
        while next_index < requests:
            index = next_index
            next_index += 1
            started = time.perf_counter()
            response = await client.post(url, content=body, headers=headers[(offset + index) % len(headers)])
            content = response.content
            latencies.append(time.perf_counter() - started)
            if (
                response.status_code != 200
                or b'"errors"' in content
                or b'"me": null' in content
                or b'"me":null' in content
            ):
                errors += 1

    async with httpx.AsyncClient(timeout=120.0, limits=limits) as client:
        cpu, wall = time.process_time(), time.time()
        await asyncio.gather(*(worker(client) for _ in range(concurrency)))
        return {
            "started": wall,
            "ended": time.time(),
            "latencies": latencies,
            "errors": errors,
            "client_cpu": time.process_time() - cpu,
        }


def _client_process(
    url: str, tokens: list[str], concurrency: int, requests: int, body: bytes, offset: int, start_at: float
) -> dict[str, Any]:
    time.sleep(max(0.0, start_at - time.time()))
    return asyncio.run(drive(url, tokens, concurrency, requests, body, offset))


def percentile(sorted_values: Sequence[float], q: float) -> float:
    return sorted_values[min(len(sorted_values) - 1, round(q * (len(sorted_values) - 1)))]


async def measure(
    server: Server,
    tokens: Sequence[str],
    concurrency: int,
    requests: int,
    body: bytes,
    client_procs: int,
    pool: Any,
) -> Result:
    url = server.url + "/graphql"
    cpu_before = process_cpu_seconds(server.pid) if server.pid else None
    if client_procs <= 1:
        runs = [await drive(url, tokens, concurrency, requests, body)]
    else:
        start_at = time.time() + 0.5
        jobs = [
            (
                url,
                list(tokens),
                max(1, concurrency // client_procs),
                requests // client_procs,
                body,
                n * 7919,
                start_at,
            )
            for n in range(client_procs)
        ]
        runs = await asyncio.get_running_loop().run_in_executor(None, lambda: pool.starmap(_client_process, jobs))
    cpu_after = process_cpu_seconds(server.pid) if server.pid else None
    latencies = sorted(latency for run in runs for latency in run["latencies"])
    seconds = max(run["ended"] for run in runs) - min(run["started"] for run in runs)
    done = len(latencies)
    server_cpu = None if cpu_before is None or cpu_after is None else cpu_after - cpu_before
    return Result(
        target=server.name,
        concurrency=concurrency,
        requests=done,
        errors=sum(run["errors"] for run in runs),
        seconds=seconds,
        rps=done / seconds,
        p50_ms=percentile(latencies, 0.50) * 1000,
        p99_ms=percentile(latencies, 0.99) * 1000,
        server_cpu_ms=None if server_cpu is None else server_cpu * 1000 / done,
        server_cpu_util=None if server_cpu is None else server_cpu / seconds,
        client_cpu_ms=sum(run["client_cpu"] for run in runs) * 1000 / done,
    )


# --- statements per request ---------------------------------------------------------------------------


async def count_statements(
    database: Database, emails: Sequence[str], body: bytes, requests: int
) -> tuple[list[str], list[StatementCount]]:
    """Both servers behind their own counting proxy: sign in, compare answers, count `requests` requests."""
    proxies = {name: CountingProxy(database.url.host or "127.0.0.1", database.url.port or 5432) for name in TARGETS}
    for proxy in proxies.values():
        await proxy.start()
    try:
        async with running(
            start_app(database.via("127.0.0.1", proxies["graphql"].port)),
            start_floor(database.via("127.0.0.1", proxies["floor"].port)),
        ) as (app, floor):
            tokens = await login(app, emails)
            await verify_identical(app, floor, tokens[:3], body)
            counts = []
            async with httpx.AsyncClient(timeout=60.0) as client:
                for server in (app, floor):
                    for token in tokens[:5]:  # warm: pools, prepared statements, type introspection
                        await fetch(client, server, token, body)
                    proxy = proxies[server.name]
                    proxy.counts.reset()
                    for index in range(requests):
                        await fetch(client, server, tokens[index % len(tokens)], body)
                    snapshot = proxy.counts.snapshot()
                    counts.append(
                        StatementCount(
                            target=server.name,
                            requests=requests,
                            kinds={kind: n / requests for kind, n in sorted(snapshot.kinds.items())},
                            round_trips=snapshot.round_trips / requests,
                            connections=snapshot.connections,
                            statements={sql: n / requests for sql, n in snapshot.statements.most_common()},
                        )
                    )
            return tokens, counts
    finally:
        for proxy in proxies.values():
            await proxy.close()


# --- report -------------------------------------------------------------------------------------------


def _fmt(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{value:,.{digits}f}"


def table(results: Sequence[Result]) -> str:
    lines = [
        "| target | concurrency | requests | errors | req/s | p50 ms | p99 ms | server CPU ms/req | server CPU util"
        " | client CPU ms/req | statements/req |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in results:
        util = None if r.server_cpu_util is None else r.server_cpu_util * 100
        lines.append(
            f"| {r.target} | {r.concurrency} | {r.requests} | {r.errors} | {_fmt(r.rps)} | {_fmt(r.p50_ms)}"
            f" | {_fmt(r.p99_ms)} | {_fmt(r.server_cpu_ms, 2)} | {_fmt(util, 0)} % | {_fmt(r.client_cpu_ms, 2)}"
            f" | {_fmt(r.statements, 0)} |"
        )
    return "\n".join(lines)


def ratios(results: Sequence[Result], target_ratio: float) -> str:
    lines = []
    by_key = {(r.target, r.concurrency): r for r in results}
    for concurrency in sorted({r.concurrency for r in results}):
        ours, bare = by_key.get(("graphql", concurrency)), by_key.get(("floor", concurrency))
        if ours and bare and ours.server_cpu_ms and bare.server_cpu_ms:
            ratio = ours.server_cpu_ms / bare.server_cpu_ms
            verdict = "meets" if ratio <= target_ratio else "MISSES"
            lines.append(
                f"concurrency {concurrency}: server CPU per request {ratio:.1f}x the floor's"
                f" ({verdict} the <= {target_ratio:g}x target); p50 {ours.p50_ms / bare.p50_ms:.1f}x,"
                f" req/s {ours.rps / bare.rps:.2f}x"
            )
    return "\n".join(lines)


def statement_report(counts: Sequence[StatementCount]) -> str:
    lines = []
    for count in counts:
        kinds = ", ".join(f"{kind} {n:g}" for kind, n in count.kinds.items())
        lines.append(
            f"{count.target}: per request {kinds}; {count.round_trips:g} round trips"
            f" ({count.requests} requests, {count.connections} new connections)"
        )
        for sql, n in count.statements.items():
            lines.append(f"    {n:4g} x {sql[:150]}")
    return "\n".join(lines)


def write_json(path: Path, report: dict[str, Any]) -> None:
    path.write_text(json.dumps(report, indent=2, default=str) + "\n")


# --- main ---------------------------------------------------------------------------------------------


async def run(args: argparse.Namespace) -> int:
    database = Database.parse(args.database_url)
    concurrencies = [int(c) for c in args.concurrency.split(",")]
    info = await machine(database)
    size = await data_size(database)
    print("machine: " + "; ".join(f"{k} {v}" for k, v in info.items()))
    print("data: " + ", ".join(f"{table} {n:,}" for table, n in size.items()), flush=True)
    emails = await sample_emails(database, args.customers, args.customer_numbers)
    body = request_body(args.first, args.query)
    targets = [name for name in args.targets.split(",") if name]
    if args.query != "order-history" or args.profile:
        targets = ["graphql"]  # the floor answers only the full order-history shape
    tokens: list[str] = []
    counts: list[StatementCount] = []
    external = bool(args.app_url or args.floor_url)
    if database.is_postgres and not args.no_count and not external and targets == list(TARGETS):
        print(f"counting statements per request through the wire-protocol proxy ({args.count_requests} requests)")
        tokens, counts = await count_statements(database, emails, body, args.count_requests)
        print(statement_report(counts), flush=True)

    starting: list[Any] = []
    if not args.app_url:
        starting.append(start_app(database, Path(args.profile) if args.profile else None))
    if not args.floor_url and "floor" in targets:
        starting.append(start_floor(database))
    results: list[Result] = []
    context = multiprocessing.get_context("spawn")
    pool = context.Pool(args.client_procs) if args.client_procs > 1 else None
    try:
        async with running(*starting) as started:
            servers = {server.name: server for server in started}
            if args.app_url:
                servers["graphql"] = Server("graphql", args.app_url.rstrip("/"), args.app_pid)
            if args.floor_url:
                servers["floor"] = Server("floor", args.floor_url.rstrip("/"), args.floor_pid)
            if not tokens:
                tokens = await login(servers["graphql"], emails)
            if "floor" in servers:
                size_bytes = await verify_identical(servers["graphql"], servers["floor"], tokens[:3], body)
                print(f"graphql and floor return identical JSON ({size_bytes:,} bytes for one customer)", flush=True)
            statements = {count.target: count.kinds.get("sql", 0.0) for count in counts}
            order = [name for name in TARGETS if name in servers and name in targets]
            for concurrency in concurrencies:
                for name in order:
                    server = servers[name]
                    warm = args.warmup or min(concurrency * 4, 100)
                    await measure(server, tokens, concurrency, warm, body, 1, None)
                    result = await measure(server, tokens, concurrency, args.requests, body, args.client_procs, pool)
                    result.statements = statements.get(name)
                    results.append(result)
                    print(
                        f"  {name:<8} c={concurrency:<3} {result.rps:8.1f} req/s  p50 {result.p50_ms:7.1f} ms"
                        f"  p99 {result.p99_ms:7.1f} ms  CPU {_fmt(result.server_cpu_ms, 2)} ms/req"
                        f"  errors {result.errors}",
                        flush=True,
                    )
    finally:
        if pool is not None:
            pool.close()
    print()
    print(table(results))
    print()
    print(ratios(results, args.target_ratio))
    if args.json:
        report = {
            "machine": info,
            "data": size,
            "args": vars(args),
            "results": [asdict(r) for r in results],
            "statements": [asdict(c) for c in counts],
        }
        write_json(Path(args.json), report)
    if args.profile:
        from bench.profile_report import report as profile_report

        print()
        print(profile_report(Path(args.profile)))
    return 1 if any(r.errors for r in results) else 0


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL))
    parser.add_argument("--concurrency", default="1,8,32", help="comma-separated concurrencies")
    parser.add_argument("--requests", type=int, default=400, help="measured requests per target and concurrency")
    parser.add_argument("--warmup", type=int, default=0, help="warm-up requests first (default 4 x concurrency)")
    parser.add_argument("--customers", type=int, default=100, help="seeded customers to sign in and rotate through")
    parser.add_argument("--customer-numbers", help="sign in only customers FIRST-LAST (e.g. heavy ones appended last)")
    parser.add_argument("--first", type=int, default=ORDER_HISTORY_PAGE, help="orders per page")
    parser.add_argument("--query", default="order-history", choices=sorted(VARIANTS), help="query shape (queries.py)")
    parser.add_argument("--targets", default=",".join(TARGETS), help="graphql,floor or one of them")
    parser.add_argument("--client-procs", type=int, default=1, help="client processes (if one client saturates)")
    parser.add_argument("--count-requests", type=int, default=20, help="requests of the statement-counting pass")
    parser.add_argument("--no-count", action="store_true", help="skip the statement-counting pass")
    parser.add_argument("--target-ratio", type=float, default=3.0)
    parser.add_argument("--app-url", help="use this running GraphQL server instead of starting one")
    parser.add_argument("--app-pid", type=int, help="its process id, for CPU per request")
    parser.add_argument("--floor-url", help="use this running floor instead of starting one")
    parser.add_argument("--floor-pid", type=int)
    parser.add_argument("--profile", help="run the GraphQL server under cProfile, writing this .prof file")
    parser.add_argument("--json", help="also write the results to this JSON file")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    return asyncio.run(run(parse_args(argv)))


if __name__ == "__main__":
    sys.exit(main())
