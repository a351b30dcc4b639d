"""`{ me { id } }` from a few concurrent clients in a loop: how other requests fare beside a load."""

import asyncio
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import httpx

from bench.load import percentile
from bench.queries import order_history_body

ME_BODY = json.dumps(order_history_body(variant="me")).encode()


@dataclass
class Latency:
    requests: int
    errors: int
    p50_ms: float | None
    p99_ms: float | None
    max_ms: float | None
    error_samples: list[str] = field(default_factory=list)


def summarize(latencies: Sequence[float], errors: int, samples: list[str] | None = None) -> Latency:
    ordered = sorted(latencies)
    if not ordered:
        return Latency(0, errors, None, None, None, samples or [])
    return Latency(
        requests=len(ordered),
        errors=errors,
        p50_ms=percentile(ordered, 0.50) * 1000,
        p99_ms=percentile(ordered, 0.99) * 1000,
        max_ms=ordered[-1] * 1000,
        error_samples=samples or [],
    )


async def probe(url: str, token: str, concurrency: int, stop: asyncio.Event) -> Latency:
    """`{ me { id } }` with `token` from `concurrency` clients in a loop until `stop` is set."""
    headers = {"authorization": f"Bearer {token}", "content-type": "application/json"}
    latencies: list[float] = []
    samples: list[str] = []
    errors = 0

    async def worker(client: httpx.AsyncClient) -> None:
        nonlocal errors
        while not stop.is_set():
            started = time.perf_counter()
            try:
                response = await client.post(url, content=ME_BODY, headers=headers)
                ok = response.status_code == 200 and b'"errors"' not in response.content
                detail = response.text[:300]
            except httpx.HTTPError as error:
                ok, detail = False, repr(error)
            latencies.append(time.perf_counter() - started)
            if not ok:
                errors += 1
                if len(samples) < 5:
                    samples.append(detail)

    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(timeout=120.0, limits=limits) as client:
        await asyncio.gather(*(worker(client) for _ in range(concurrency)))
    return summarize(latencies, errors, samples)


async def probe_for(url: str, token: str, concurrency: int, seconds: float) -> Latency:
    stop = asyncio.Event()
    asyncio.get_running_loop().call_later(seconds, stop.set)
    return await probe(url, token, concurrency, stop)
