"""Bulk-seed benchmark customers, orders, lines, shipments and tracking events straight over SQL.

PostgreSQL: binary COPY through asyncpg, one transaction per batch of customers. SQLite (smoke runs):
executemany. The schema must exist (`customer-accounts migrate`, or `--reset`, which also (re)creates the
database). Rows are what the app itself writes: ACTIVE accounts with a verified email, the CUSTOMER role,
one argon2id hash (the app's parameters) shared by every account, unique order numbers and
source + external id, totals that add up, one status-history row per order, shipments with their lines
and tracking events.

    .venv/bin/python -m bench.seed --reset --customers 10000 --orders-per-customer 50
    .venv/bin/python -m bench.seed --append --customers 9000      # grow an existing data set
"""

import argparse
import asyncio
import json
import os
import random
import sqlite3
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
from argon2 import PasswordHasher, Type

from bench.common import (
    BENCH_EMAIL_PREFIX,
    BENCH_PASSWORD,
    DEFAULT_DATABASE_URL,
    Database,
    bench_email,
    cli_executable,
    server_environment,
)

# Column order of the rows generate() yields, per table, in insertion (foreign key) order.
COLUMNS: dict[str, tuple[str, ...]] = {
    "customer": (
        "id",
        "email",
        "email_key",
        "password_hash",
        "first_name",
        "last_name",
        "status",
        "group_id",
        "email_verified_at",
        "activated_at",
        "password_changed_at",
        "created_at",
        "updated_at",
    ),
    "customer_role": ("customer_id", "role", "granted_at"),
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
        "billing_address",
        "shipping_address",
        "source",
        "external_id",
        "created_at",
        "updated_at",
    ),
    "order_line": (
        "id",
        "order_id",
        "position",
        "sku",
        "name",
        "quantity",
        "unit_price",
        "tax_rate_bp",
        "tax_amount",
        "total",
    ),
    "order_status_change": ("id", "order_id", "from_status", "to_status", "note", "created_at"),
    "shipment": ("id", "order_id", "carrier", "tracking_number", "tracking_url", "status", "lines", "created_at"),
    "tracking_event": ("id", "shipment_id", "order_id", "occurred_at", "status", "location", "description"),
}
JSON_COLUMNS = {("customer_order", "billing_address"), ("customer_order", "shipping_address"), ("shipment", "lines")}
SOURCE = "bench"
TAX_RATE_BP = 1900
CURRENCIES = ("EUR", "EUR", "EUR", "USD", "GBP")
FIRST_NAMES = ("Alex", "Sam", "Kim", "Robin", "Jo", "Charlie", "Noa", "Mika", "Luca", "Ada")
LAST_NAMES = ("Meyer", "Schmidt", "Okafor", "Nguyen", "Silva", "Rossi", "Kowalski", "Larsen", "Moreau", "Berg")
CARRIERS = ("DHL", "UPS", "DPD", "GLS", "Hermes")
CITIES = ("Berlin", "Hamburg", "Munich", "Cologne", "Leipzig", "Dresden", "Bremen", "Hanover")
EVENT_STEPS = (
    ("LABEL_CREATED", "Shipping label created"),
    ("IN_TRANSIT", "Parcel handed to the carrier"),
    ("OUT_FOR_DELIVERY", "Out for delivery"),
    ("DELIVERED", "Delivered to the recipient"),
)
TRANSIT_STEPS = EVENT_STEPS[1:3]  # the scans before the last one, which is DELIVERED
CATALOG_SIZE = 500


@dataclass(frozen=True)
class Shape:
    orders_per_customer: int
    lines: int
    shipments: int
    events: int


@dataclass
class Counts:
    rows: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COLUMNS, 0))

    def add(self, batch: dict[str, list[tuple[Any, ...]]]) -> None:
        for table, rows in batch.items():
            self.rows[table] += len(rows)


def catalog(rng: random.Random) -> list[tuple[str, str, int]]:
    """(sku, name, unit price in minor units) of a made-up shop."""
    kinds = (
        "Mug",
        "T-shirt",
        "Tote bag",
        "Desk lamp",
        "Bottle",
        "Notebook",
        "Backpack",
        "Scarf",
        "Candle",
        "Plant pot",
    )
    colours = ("black", "white", "red", "green", "blue", "sand", "grey", "ochre")
    items = []
    for number in range(CATALOG_SIZE):
        kind, colour = kinds[number % len(kinds)], colours[(number // len(kinds)) % len(colours)]
        items.append((f"SKU-{number:05d}", f"{kind}, {colour} (no. {number})", rng.randrange(490, 14_990, 10)))
    return items


def password_hash() -> str:
    """One argon2id hash with the server's parameters (ARGON2_* as in app/config.py), reused for every account."""
    hasher = PasswordHasher(
        time_cost=int(os.environ.get("ARGON2_TIME_COST", "2")),
        memory_cost=int(os.environ.get("ARGON2_MEMORY_KIB", str(19 * 1024))),
        parallelism=int(os.environ.get("ARGON2_PARALLELISM", "1")),
        type=Type.ID,
    )
    return hasher.hash(BENCH_PASSWORD)


def address(rng: random.Random, first: str, last: str) -> str:
    value = {
        "firstName": first,
        "lastName": last,
        "line1": f"{rng.choice(('Hauptstr.', 'Gartenweg', 'Am Markt', 'Lindenallee'))} {rng.randrange(1, 200)}",
        "city": rng.choice(CITIES),
        "postalCode": f"{rng.randrange(10000, 99999)}",
        "countryCode": "DE",
    }
    return json.dumps(value)


def generate(
    indexes: range,
    shape: Shape,
    group_id: uuid.UUID,
    hashed: str,
    items: Sequence[tuple[str, str, int]],
    now: datetime,
    rng: random.Random,
) -> dict[str, list[tuple[Any, ...]]]:
    """Rows for the customers numbered `indexes`, per table, in COLUMNS order."""
    out: dict[str, list[tuple[Any, ...]]] = {table: [] for table in COLUMNS}
    customers, roles, orders = out["customer"], out["customer_role"], out["customer_order"]
    lines_out, history, shipments, events = (
        out["order_line"],
        out["order_status_change"],
        out["shipment"],
        out["tracking_event"],
    )
    span = 3 * 365 * 86_400
    uuid4 = uuid.uuid4
    for index in indexes:
        customer_id = uuid4()
        first, last = FIRST_NAMES[index % len(FIRST_NAMES)], LAST_NAMES[(index // 10) % len(LAST_NAMES)]
        email = bench_email(index)
        joined = now - timedelta(seconds=span + rng.randrange(86_400 * 365))
        customers.append(
            (customer_id, email, email, hashed, first, last, "ACTIVE", group_id, joined, joined, joined, joined, joined)
        )
        roles.append((customer_id, "CUSTOMER", joined))
        currency = CURRENCIES[index % len(CURRENCIES)]
        home = address(rng, first, last)
        for number in range(shape.orders_per_customer):
            order_id = uuid4()
            placed = now - timedelta(seconds=rng.randrange(span), microseconds=rng.randrange(1_000_000))
            subtotal = tax_total = 0
            for position in range(shape.lines):
                sku, name, price = items[rng.randrange(len(items))]
                quantity = 1 + (rng.random() < 0.3) + (rng.random() < 0.1)
                net = quantity * price
                tax = net * TAX_RATE_BP // 10_000
                subtotal += net
                tax_total += tax
                lines_out.append((uuid4(), order_id, position, sku, name, quantity, price, TAX_RATE_BP, tax, net))
            shipping = 0 if subtotal >= 5_000 else 495
            status = "DELIVERED" if shape.shipments else "PAID"
            order_number = f"B{index:07d}-{number:05d}"
            orders.append(
                (
                    order_id,
                    order_number,
                    customer_id,
                    status,
                    "ONLINE",
                    currency,
                    subtotal,
                    0,
                    shipping,
                    tax_total,
                    subtotal + shipping + tax_total,
                    placed,
                    home,
                    home,
                    SOURCE,
                    order_number,
                    placed,
                    placed,
                )
            )
            history.append((uuid4(), order_id, None, status, "placed", placed))
            parcel_lines = json.dumps(
                [{"sku": row[3], "quantity": row[5]} for row in lines_out[len(lines_out) - shape.lines :]]
            )
            for parcel in range(shape.shipments):
                shipment_id = uuid4()
                sent = placed + timedelta(hours=6 + parcel)
                carrier = CARRIERS[(index + number + parcel) % len(CARRIERS)]
                tracking = f"{carrier[:2]}{index:07d}{number:05d}{parcel}"
                shipments.append((shipment_id, order_id, carrier, tracking, None, "DELIVERED", parcel_lines, sent))
                for step in range(shape.events):
                    kind, text = EVENT_STEPS[-1] if step == shape.events - 1 else TRANSIT_STEPS[step % 2]
                    events.append(
                        (
                            uuid4(),
                            shipment_id,
                            order_id,
                            sent + timedelta(hours=12 * (step + 1)),
                            kind,
                            CITIES[(index + step) % len(CITIES)],
                            text,
                        )
                    )
    return out


# --- database access ----------------------------------------------------------------------------------


def check_columns(table_columns: dict[str, dict[str, bool]]) -> None:
    """Refuse to seed when a table gained a required column this script does not fill."""
    problems = []
    for table, columns in COLUMNS.items():
        present = table_columns.get(table)
        if present is None:
            problems.append(f"table {table} does not exist (run `customer-accounts migrate`)")
            continue
        for column in columns:
            if column not in present:
                problems.append(f"{table}.{column} no longer exists")
        for column, required in present.items():
            if required and column not in columns:
                problems.append(f"{table}.{column} is NOT NULL without a default: add it to bench/seed.py")
    if problems:
        raise SystemExit("cannot seed:\n  " + "\n  ".join(problems))


class PostgresTarget:
    def __init__(self, database: Database) -> None:
        self.database = database
        self.connection: asyncpg.Connection | None = None

    async def open(self) -> None:
        self.connection = await asyncpg.connect(**self.database.asyncpg_kwargs())
        await self.connection.execute("SET synchronous_commit = off")

    @property
    def conn(self) -> asyncpg.Connection:
        assert self.connection is not None
        return self.connection

    async def columns(self) -> dict[str, dict[str, bool]]:
        rows = await self.conn.fetch(
            "SELECT table_name, column_name, is_nullable = 'NO' AND column_default IS NULL AS required"
            " FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = ANY($1::text[])",
            list(COLUMNS),
        )
        found: dict[str, dict[str, bool]] = {}
        for row in rows:
            found.setdefault(row["table_name"], {})[row["column_name"]] = bool(row["required"])
        return found

    async def group_id(self, code: str) -> uuid.UUID:
        value = await self.conn.fetchval("SELECT id FROM customer_group WHERE code = $1", code)
        if value is None:
            raise SystemExit(f"customer group {code!r} is missing (the initial migration creates it)")
        return uuid.UUID(str(value))

    async def existing_customers(self) -> int:
        return int(
            await self.conn.fetchval("SELECT count(*) FROM customer WHERE email_key LIKE $1", BENCH_EMAIL_PREFIX + "%")
        )

    async def write(self, batch: dict[str, list[tuple[Any, ...]]]) -> None:
        async with self.conn.transaction():
            for table, rows in batch.items():
                if rows:
                    await self.conn.copy_records_to_table(table, records=rows, columns=list(COLUMNS[table]))

    async def analyze(self) -> None:
        for table in COLUMNS:
            await self.conn.execute(f"ANALYZE {table}")

    async def close(self) -> None:
        if self.connection is not None:
            await self.connection.close()


def _sqlite_value(value: Any) -> Any:
    if isinstance(value, uuid.UUID):
        return value.hex  # SQLAlchemy's Uuid on SQLite: CHAR(32) without dashes
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")  # SQLAlchemy's SQLite DATETIME format
    return value


class SqliteTarget:
    def __init__(self, database: Database) -> None:
        self.database = database
        self.connection: sqlite3.Connection | None = None

    async def open(self) -> None:
        self.connection = sqlite3.connect(self.database.sqlite_path)
        self.connection.execute("PRAGMA foreign_keys=ON")

    @property
    def conn(self) -> sqlite3.Connection:
        assert self.connection is not None
        return self.connection

    async def columns(self) -> dict[str, dict[str, bool]]:
        found: dict[str, dict[str, bool]] = {}
        for table in COLUMNS:
            for _cid, name, _type, notnull, default, pk in self.conn.execute(f"PRAGMA table_info({table})"):
                found.setdefault(table, {})[name] = (
                    bool(notnull) and default is None and not (pk and _type == "INTEGER")
                )
        return found

    async def group_id(self, code: str) -> uuid.UUID:
        row = self.conn.execute("SELECT id FROM customer_group WHERE code = ?", (code,)).fetchone()
        if row is None:
            raise SystemExit(f"customer group {code!r} is missing (the initial migration creates it)")
        return uuid.UUID(row[0])

    async def existing_customers(self) -> int:
        row = self.conn.execute("SELECT count(*) FROM customer WHERE email_key LIKE ?", (BENCH_EMAIL_PREFIX + "%",))
        return int(row.fetchone()[0])

    async def write(self, batch: dict[str, list[tuple[Any, ...]]]) -> None:
        with self.conn:
            for table, rows in batch.items():
                columns = COLUMNS[table]
                marks = ", ".join("?" for _ in columns)
                self.conn.executemany(
                    f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})",  # noqa: S608 - our own names
                    ([_sqlite_value(value) for value in row] for row in rows),
                )

    async def analyze(self) -> None:
        self.conn.execute("ANALYZE")

    async def close(self) -> None:
        if self.connection is not None:
            self.connection.close()


async def reset_database(database: Database) -> None:
    """Drop and create the database, then let the app create its schema (`customer-accounts migrate`)."""
    if database.is_postgres:
        admin = await asyncpg.connect(**database.asyncpg_kwargs(database="postgres"))
        try:
            name = database.name.replace('"', '""')
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            await admin.execute(f'CREATE DATABASE "{name}"')
        finally:
            await admin.close()
    else:
        for suffix in ("", "-wal", "-shm"):
            path = database.sqlite_path.with_name(database.sqlite_path.name + suffix)
            path.unlink(missing_ok=True)
    print(f"created {database.url.render_as_string(hide_password=True)}; migrating", flush=True)
    with tempfile.TemporaryDirectory(prefix="bench-migrate-") as data_dir:
        env = server_environment(database, Path(data_dir))
        migrate = await asyncio.create_subprocess_exec(cli_executable(), "migrate", env=env)
        if await migrate.wait() != 0:
            raise SystemExit("customer-accounts migrate failed")


def batches(start: int, count: int, size: int) -> Iterator[range]:
    for first in range(start, start + count, size):
        yield range(first, min(first + size, start + count))


async def seed(args: argparse.Namespace) -> None:
    database = Database.parse(args.database_url)
    if args.reset:
        await reset_database(database)
    target: PostgresTarget | SqliteTarget = PostgresTarget(database) if database.is_postgres else SqliteTarget(database)
    await target.open()
    try:
        check_columns(await target.columns())
        existing = await target.existing_customers()
        if existing and not args.append:
            raise SystemExit(f"{existing} bench customers already exist: pass --reset or --append")
        group_id = await target.group_id(args.group)
        started = time.perf_counter()
        hashed = password_hash()
        rng = random.Random(args.random_seed + existing)  # noqa: S311 - made-up data, not secrets
        items = catalog(random.Random(args.random_seed))  # noqa: S311
        shape = Shape(args.orders_per_customer, args.lines, args.shipments, args.events)
        now = datetime.now(UTC)
        counts = Counts()
        print(
            f"seeding {args.customers:,} customers x {shape.orders_per_customer} orders x {shape.lines} lines,"
            f" {shape.shipments} shipment(s) x {shape.events} event(s), after {existing:,} existing",
            flush=True,
        )
        for indexes in batches(existing + 1, args.customers, args.batch):
            batch = generate(indexes, shape, group_id, hashed, items, now, rng)
            await target.write(batch)
            counts.add(batch)
            elapsed = time.perf_counter() - started
            done = indexes.stop - existing - 1
            orders = counts.rows["customer_order"]
            print(
                f"  {done:>9,}/{args.customers:,} customers  {orders:>11,} orders"
                f"  {elapsed:7.1f} s  ({orders / elapsed:,.0f} orders/s)",
                flush=True,
            )
        print("analyzing", flush=True)
        await target.analyze()
        elapsed = time.perf_counter() - started
        summary = ", ".join(f"{table} {rows:,}" for table, rows in counts.rows.items())
        print(f"done in {elapsed:.1f} s: {summary}")
    finally:
        await target.close()


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL))
    parser.add_argument("--reset", action="store_true", help="drop and create the database, then migrate it")
    parser.add_argument("--append", action="store_true", help="add customers after the bench customers already there")
    parser.add_argument("--customers", type=int, default=10_000)
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--orders-per-customer", type=int, default=None, help="default 50")
    size.add_argument("--orders", type=int, default=None, help="total orders, spread evenly over the customers")
    parser.add_argument("--lines", type=int, default=3, help="lines per order")
    parser.add_argument("--shipments", type=int, default=1, help="shipments per order")
    parser.add_argument("--events", type=int, default=2, help="tracking events per shipment")
    parser.add_argument("--batch", type=int, default=500, help="customers per transaction")
    parser.add_argument("--group", default="shop", help="customer group code of the accounts")
    parser.add_argument("--random-seed", type=int, default=2026)
    args = parser.parse_args(argv)
    if args.orders is not None:
        args.orders_per_customer = max(1, args.orders // max(args.customers, 1))
    elif args.orders_per_customer is None:
        args.orders_per_customer = 50
    return args


def main(argv: list[str] | None = None) -> int:
    asyncio.run(seed(parse_args(argv)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
