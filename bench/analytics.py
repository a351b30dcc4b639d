"""Staff analytics at scale: bulk-generate a year of a shop's events, roll them up, time the year's report.

It writes, straight over SQL (binary COPY on PostgreSQL, executemany on SQLite), what the app itself records
for `--customers` accounts over `--days` days: registration attempts (10 % of the customer count; 70 % of
them complete and 80 % of those activate), sign-ins (about 10 per customer), 2FA switched on (5 %), account
changes (0.5 per customer, 85 % by the customer), orders (2 per customer, 30 % at the POS), payment attempts
(70 % of orders), tickets (2 per 100 orders), help searches and views (1 per customer, half anonymous). Then:

1. the catch-up rollup of every day but the last (`app.services.analytics_rollup.run`), timed, events per second;
2. the incremental rollup that counts the last day, timed;
3. the year's report (`app.services.analytics.report`, every figure) by DAY, WEEK and MONTH, for all groups
   and for one group and channel: median of `--repeat` runs, and the counter rows it read.

    .venv/bin/python -m bench.analytics --reset --customers 1000000          # the issue's scale
    .venv/bin/python -m bench.analytics --reset --customers 100000           # a tenth of it
    .venv/bin/python -m bench.analytics --database-url sqlite+aiosqlite:////tmp/analytics.db --reset --customers 2000
"""

import argparse
import asyncio
import json
import os
import random
import sqlite3
import statistics
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import asyncpg
from pydantic import SecretStr
from sqlalchemy import func, select

from app.config import Settings, generate_encryption_key
from app.principal import Principal
from app.runtime import Runtime
from app.services import analytics, analytics_rollup
from app.services.audit import identifier_hash
from bench.common import DEFAULT_DATABASE_URL, Database
from bench.seed import _sqlite_value, reset_database
from models.analytics import AnalyticsRollup
from models.customer import Role
from models.order import OrderChannel

COLUMNS: dict[str, tuple[str, ...]] = {
    "customer": ("id", "email", "email_key", "status", "group_id", "created_at", "updated_at"),
    "registration_attempt": ("identifier_hash", "group_code", "created_at"),
    "security_event": ("id", "type", "outcome", "customer_id", "actor_id", "created_at"),
    "customer_order": (
        "id",
        "number",
        "customer_id",
        "status",
        "channel",
        "currency",
        "subtotal",
        "discount_total",
        "shipping_total",
        "tax_total",
        "total",
        "placed_at",
        "source",
        "external_id",
        "created_at",
        "updated_at",
    ),
    "support_ticket": (
        "id",
        "number",
        "customer_id",
        "subject",
        "category",
        "state",
        "order_id",
        "created_at",
        "updated_at",
        "last_message_at",
    ),
    "payment": (
        "id",
        "customer_id",
        "order_id",
        "idempotency_key",
        "request_hash",
        "source",
        "method_label",
        "amount",
        "currency",
        "status",
        "gateway_attempts",
        "gateway_refunded",
        "created_at",
    ),
    "help_event": ("id", "kind", "customer_id", "article_id", "created_at"),
}
SELF_CHANGES = ("PASSWORD_CHANGED", "EMAIL_CHANGED", "CONSENT_CHANGED", "PAYMENT_METHOD_ADDED", "PHONE_CHANGED")
STAFF_CHANGES = ("ACCOUNT_SUSPENDED", "ACCOUNT_REACTIVATED", "CUSTOMER_GROUP_CHANGED")
PAYMENT_OUTCOMES = ("SUCCEEDED",) * 14 + ("DECLINED",) * 3 + ("REFUNDED", "REQUIRES_ACTION", "PENDING")
SECRET_KEY = "bench-analytics-secret-key-" + "x" * 24
EMAIL_PREFIX = "analytics-"
CHUNK_CUSTOMERS = 5000


def settings_for(database: Database) -> Settings:
    return Settings(
        environment="test",
        database_url=database.rendered(),
        secret_key=SecretStr(SECRET_KEY),
        encryption_keys=SecretStr(generate_encryption_key("bench")),
        analytics_rollup_seconds=0,
        anomaly_scan_minutes=0,
        log_level="WARNING",
    )


class Generator:
    """One chunk of customers at a time, each with a year of events; deterministic per seed."""

    def __init__(self, rt: Runtime, first_day: date, days: int, groups: dict[str, uuid.UUID], seed: int) -> None:
        self.rt = rt
        self.start = datetime.combine(first_day, datetime.min.time(), UTC)
        self.seconds = days * 86400
        self.groups = groups
        self.rng = random.Random(seed)  # noqa: S311 - made-up data, not secrets
        self.serial = 0
        self.admin = uuid.uuid4()

    def at(self, low: float = 0.0, high: float = 1.0) -> datetime:
        self.serial += 1
        offset = self.rng.uniform(low, high) * self.seconds
        return self.start + timedelta(seconds=offset, microseconds=self.serial % 1000)

    def uid(self) -> uuid.UUID:
        return uuid.UUID(int=self.rng.getrandbits(128), version=4)

    def number(self, prefix: str) -> str:
        self.serial += 1
        return f"{prefix}{self.serial:010d}"

    def chunk(self, first: int, count: int) -> dict[str, list[tuple[Any, ...]]]:
        rng, low, high = self.rng, 0.0, 1.0
        rows: dict[str, list[tuple[Any, ...]]] = {table: [] for table in COLUMNS}
        before = self.start - timedelta(days=30)
        for index in range(first, first + count):
            group = self.groups["wholesale"] if rng.random() < 0.1 else self.groups["shop"]
            email = f"{EMAIL_PREFIX}{index:08d}@example.com"
            customer_id = self.uid()
            rows["customer"].append((customer_id, email, email, "ACTIVE", group, before, before))
            events = rows["security_event"]
            for _ in range(self._count(10 * (high - low))):
                events.append((self.uid(), "SIGN_IN", "SUCCESS", customer_id, None, self.at(low, high)))
            if rng.random() < 0.05 * (high - low):
                events.append((self.uid(), "TWO_FACTOR_ENABLED", "SUCCESS", customer_id, None, self.at(low, high)))
            for _ in range(self._count(0.5 * (high - low))):
                by_staff = rng.random() >= 0.85
                kind = rng.choice(STAFF_CHANGES if by_staff else SELF_CHANGES)
                actor = self.admin if by_staff else None
                events.append((self.uid(), kind, "SUCCESS", customer_id, actor, self.at(low, high)))
            for _ in range(self._count(2 * (high - low))):
                self._order(rows, customer_id, self.at(low, high))
            for _ in range(self._count(0.5 * (high - low))):
                kind = rng.choice(("SEARCH", "VIEW"))
                rows["help_event"].append((self.uid(), kind, customer_id, None, self.at(low, high)))
                rows["help_event"].append((self.uid(), kind, None, None, self.at(low, high)))
            if rng.random() < 0.1 * (high - low):
                self._registration(rows, index, group, low, high)
        return rows

    def _count(self, mean: float) -> int:
        """A count with the given mean (geometric-ish spread, enough for a benchmark)."""
        whole = int(mean)
        return whole + (1 if self.rng.random() < mean - whole else 0) + self.rng.randint(-whole // 2, whole // 2)

    def _order(self, rows: dict[str, list[tuple[Any, ...]]], customer_id: uuid.UUID, placed: datetime) -> None:
        rng = self.rng
        order_id, number = self.uid(), self.number("A")
        channel = "POS" if rng.random() < 0.3 else "ONLINE"
        created = placed + timedelta(seconds=30)
        rows["customer_order"].append(
            (
                order_id,
                number,
                customer_id,
                "PAID",
                channel,
                "EUR",
                2500,
                0,
                0,
                0,
                2500,
                placed,
                "bench-analytics",
                number,
                created,
                created,
            )
        )
        if rng.random() < 0.7:
            outcome = rng.choice(PAYMENT_OUTCOMES)
            rows["payment"].append(
                (
                    self.uid(),
                    customer_id,
                    order_id,
                    self.number("k"),
                    "0" * 64,
                    "CARD",
                    "Visa •••• 4242",
                    2500,
                    "EUR",
                    outcome,
                    1,
                    0,
                    placed + timedelta(minutes=1),
                )
            )
        if rng.random() < 0.02:
            opened = placed + timedelta(hours=rng.randrange(1, 200))
            rows["support_ticket"].append(
                (
                    self.uid(),
                    self.number("T-"),
                    customer_id,
                    "Where is it?",
                    "ORDER",
                    "OPEN",
                    order_id,
                    opened,
                    opened,
                    opened,
                )
            )

    def _registration(
        self, rows: dict[str, list[tuple[Any, ...]]], index: int, group: uuid.UUID, low: float, high: float
    ) -> None:
        rng = self.rng
        email = f"{EMAIL_PREFIX}new-{index:08d}@example.com"
        started = self.at(low, high)
        rows["registration_attempt"].append((identifier_hash(self.rt, email), None, started))
        if rng.random() < 0.7:
            customer_id = self.uid()
            completed = started + timedelta(minutes=rng.randrange(1, 600))
            rows["customer"].append((customer_id, email, email, "ACTIVE", self.groups["shop"], completed, completed))
            rows["security_event"].append((self.uid(), "ACCOUNT_REGISTERED", "SUCCESS", customer_id, None, completed))
            if rng.random() < 0.8:
                activated = completed + timedelta(minutes=rng.randrange(1, 3000))
                rows["security_event"].append(
                    (self.uid(), "ACCOUNT_ACTIVATED", "SUCCESS", customer_id, None, activated)
                )


class Target:
    """Where the rows go: binary COPY on PostgreSQL, executemany on SQLite."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self.pg: asyncpg.Connection | None = None
        self.lite: sqlite3.Connection | None = None

    async def open(self) -> None:
        if self.database.is_postgres:
            self.pg = await asyncpg.connect(**self.database.asyncpg_kwargs())
            await self.pg.execute("SET synchronous_commit = off")
        else:
            self.lite = sqlite3.connect(self.database.sqlite_path)

    async def write(self, rows: dict[str, list[tuple[Any, ...]]]) -> int:
        written = 0
        if self.pg is not None:
            async with self.pg.transaction():
                for table, records in rows.items():
                    if records:
                        await self.pg.copy_records_to_table(table, records=records, columns=list(COLUMNS[table]))
                        written += len(records)
            return written
        assert self.lite is not None
        with self.lite:
            for table, records in rows.items():
                columns = COLUMNS[table]
                marks = ", ".join("?" for _ in columns)
                self.lite.executemany(
                    f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})",  # noqa: S608 - our own names
                    ([_sqlite_value(value) for value in record] for record in records),
                )
                written += len(records)
        return written

    async def group_ids(self) -> dict[str, uuid.UUID]:
        if self.pg is not None:
            found = await self.pg.fetch("SELECT code, id FROM customer_group")
            return {row["code"]: uuid.UUID(str(row["id"])) for row in found}
        assert self.lite is not None
        return {code: uuid.UUID(value) for code, value in self.lite.execute("SELECT code, id FROM customer_group")}

    async def forget_rollups(self) -> None:
        """Count from scratch: the rollups and what they remember, not the events."""
        tables = ("analytics_rollup", "analytics_distinct", "analytics_customer", "analytics_watermark")
        for table in (*tables, "analytics_pending_payment"):
            if self.pg is not None:
                await self.pg.execute(f"DELETE FROM {table}")  # noqa: S608 - our own names
            elif self.lite is not None:
                with self.lite:
                    self.lite.execute(f"DELETE FROM {table}")  # noqa: S608 - our own names

    async def analyze(self) -> None:
        if self.pg is not None:
            for table in (*COLUMNS, "analytics_rollup"):
                await self.pg.execute(f"ANALYZE {table}")
        elif self.lite is not None:
            self.lite.execute("ANALYZE")

    async def close(self) -> None:
        if self.pg is not None:
            await self.pg.close()
        if self.lite is not None:
            self.lite.close()


def ranges(count: int, size: int) -> Iterator[tuple[int, int]]:
    for first in range(0, count, size):
        yield first, min(size, count - first)


async def ensure_wholesale(target: Target) -> None:
    if target.pg is not None:
        await target.pg.execute(
            "INSERT INTO customer_group (id, code, name, activation_mode, self_registration, created_at, updated_at)"
            " VALUES ($1, 'wholesale', 'Wholesale', 'ADMIN_APPROVAL', true, now(), now()) ON CONFLICT DO NOTHING",
            uuid.uuid4(),
        )
    elif target.lite is not None:
        with target.lite:
            now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
            target.lite.execute(
                "INSERT OR IGNORE INTO customer_group (id, code, name, activation_mode, self_registration, created_at,"
                " updated_at) VALUES (?, 'wholesale', 'Wholesale', 'ADMIN_APPROVAL', 1, ?, ?)",
                (uuid.uuid4().hex, now, now),
            )


async def timed_report(rt: Runtime, query: analytics.ReportQuery, repeat: int) -> dict[str, Any]:
    staff = Principal(customer_id=uuid.uuid4(), roles=frozenset({Role.SUPPORT}))
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        found = await analytics.report(rt, staff, query)
        times.append(time.perf_counter() - began)
    statement = (
        select(func.count())
        .select_from(AnalyticsRollup)
        .where(
            AnalyticsRollup.period_kind == query.granularity.value,  # type: ignore[arg-type]
            AnalyticsRollup.period_start >= found.periods[0][0],  # type: ignore[arg-type]
            AnalyticsRollup.period_start <= found.periods[-1][0],  # type: ignore[arg-type]
        )
    )
    async with rt.db.read() as session:
        rows = int((await session.execute(statement)).scalar_one())
    points = sum(len(series.points) for series in found.series)
    return {
        "granularity": query.granularity.value,
        "group": "wholesale" if query.group_id else "all",
        "channel": query.channel.value if query.channel else "all",
        "median_ms": round(statistics.median(times) * 1000, 1),
        "max_ms": round(max(times) * 1000, 1),
        "counter_rows_in_range": rows,
        "points": points,
    }


async def roll_up(rt: Runtime, target: Target, year_end: datetime, result: dict[str, Any]) -> None:
    await target.forget_rollups()
    began = time.perf_counter()
    counted = await analytics_rollup.run(rt, until=year_end - timedelta(days=1))
    seconds = time.perf_counter() - began
    result["rollup"] = {
        "events": counted,
        "seconds": round(seconds, 1),
        "events_per_second": round(counted / max(seconds, 1e-9)),
    }
    print(f"catch-up rollup of all days but the last: {counted:,} events in {seconds:.1f} s", flush=True)
    await target.analyze()
    # The last day arrives: the incremental rollup counts it alone.
    began = time.perf_counter()
    counted = await analytics_rollup.run(rt, until=year_end)
    seconds = time.perf_counter() - began
    result["incremental"] = {"events": counted, "seconds": round(seconds, 2)}
    print(f"incremental rollup of the last day: {counted:,} events in {seconds:.2f} s", flush=True)


async def run(args: argparse.Namespace) -> dict[str, Any]:
    database = Database.parse(args.database_url)
    if args.reset:
        await reset_database(database)
    settings = settings_for(database).with_secrets()
    rt = Runtime.create(settings)
    target = Target(database)
    await target.open()
    result: dict[str, Any] = {
        "customers": args.customers,
        "days": args.days,
        "database": database.url.get_backend_name(),
    }
    try:
        await ensure_wholesale(target)
        groups = await target.group_ids()
        first_day = date.fromisoformat(args.first_day)
        generator = Generator(rt, first_day, args.days, groups, args.seed)
        if not args.skip_seed:
            began = time.perf_counter()
            staff = (generator.admin, f"{EMAIL_PREFIX}staff@example.com", f"{EMAIL_PREFIX}staff@example.com")
            written = await target.write(
                {"customer": [(*staff, "ACTIVE", groups["shop"], generator.start, generator.start)]}
            )
            for first, count in ranges(args.customers, CHUNK_CUSTOMERS):
                written += await target.write(generator.chunk(first, count))
                print(f"  {first + count:,} customers, {written:,} rows", flush=True)
            await target.analyze()
            result["seed_rows"], result["seed_seconds"] = written, round(time.perf_counter() - began, 1)
        year_end = generator.start + timedelta(days=args.days)
        if not args.reports_only:
            await roll_up(rt, target, year_end, result)

        last = first_day + timedelta(days=min(args.days, 366) - 1)
        reports = []
        for granularity in analytics.Granularity:
            for group_id, channel in ((None, None), (groups["wholesale"], OrderChannel.ONLINE)):
                query = analytics.ReportQuery(first_day, last, granularity, group_id, channel)
                reports.append(await timed_report(rt, query, args.repeat))
                print(f"  report {reports[-1]}", flush=True)
        result["reports"] = reports
    finally:
        await target.close()
        await rt.close()
    return result


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL))
    parser.add_argument("--reset", action="store_true", help="drop and create the database, then migrate it")
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--first-day", default="2025-01-01")
    parser.add_argument("--seed", type=int, default=18)
    parser.add_argument("--repeat", type=int, default=5, help="report runs per shape (the median is reported)")
    parser.add_argument("--skip-seed", action="store_true", help="reuse the events already in the database")
    parser.add_argument("--reports-only", action="store_true", help="time the reports on the rollups already there")
    parser.add_argument("--json", help="write the results here")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    result = asyncio.run(run(args))
    print(json.dumps(result, indent=2))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as out:
            json.dump(result, out, indent=2)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
