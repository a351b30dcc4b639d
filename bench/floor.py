"""The floor: a bare Starlette endpoint that answers the order-history query with the least work possible.

It authenticates the bearer token as the app does (SHA-256 of the token, one indexed lookup of the
session joined to its customer; revoked, expired or idle sessions and inactive accounts are refused;
last_seen_at is refreshed at most once a minute), runs the statements the GraphQL request needs (the
keyset page of orders, then lines, shipments and tracking events by order id) and returns the JSON the
GraphQL server returns for `bench/queries.py`'s ORDER_HISTORY. Plain asyncpg (or aiosqlite), no ORM,
no GraphQL: what the same answer costs at the bottom.

    .venv/bin/python -m bench.floor --port 8001 --database-url postgresql+asyncpg://postgres@127.0.0.1/bench
"""

import argparse
import hashlib
import json
import os
import sys
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, Protocol

import asyncpg
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bench.common import DEFAULT_DATABASE_URL, Database
from bench.queries import ORDER_HISTORY_PAGE

LAST_SEEN_RESOLUTION = timedelta(seconds=60)  # as app/services/sessions.py
MAX_PAGE_SIZE = 100
# ISO 4217 minor units that are not 2 (as app/money.py).
EXPONENTS = {
    **dict.fromkeys(
        ["BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "UYI", "VND", "VUV", "XAF"], 0
    ),
    **dict.fromkeys(["XOF", "XPF"], 0),
    **dict.fromkeys(["BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"], 3),
    **dict.fromkeys(["CLF", "UYW"], 4),
}

Row = dict[str, Any]


def money(amount_minor: int, currency: str) -> dict[str, str]:
    return {"amount": str(Decimal(amount_minor).scaleb(-EXPONENTS.get(currency, 2))), "currencyCode": currency}


class Store(Protocol):
    async def session(self, token_hash: str) -> Row | None: ...
    async def touch(self, session_id: Any, now: datetime) -> None: ...
    async def orders(self, customer_id: Any, limit: int) -> list[Row]: ...
    async def children(self, order_ids: Sequence[Any]) -> tuple[list[Row], list[Row], list[Row]]: ...
    async def close(self) -> None: ...


SESSION_SQL = (
    "SELECT s.id, s.customer_id, s.last_seen_at, s.expires_at, s.revoked_at, c.status"
    " FROM auth_session s JOIN customer c ON c.id = s.customer_id WHERE s.token_hash = {0}"
)
TOUCH_SQL = "UPDATE auth_session SET last_seen_at = {0} WHERE id = {1}"
ORDERS_SQL = (
    "SELECT id, number, status, placed_at, currency, total FROM customer_order"
    " WHERE customer_id = {0} ORDER BY placed_at DESC, id DESC LIMIT {1}"
)
LINES_SQL = (
    "SELECT order_id, sku, name, quantity, unit_price FROM order_line WHERE order_id {in_} ORDER BY order_id, position"
)
SHIPMENTS_SQL = (
    "SELECT id, order_id, carrier, tracking_number, status FROM shipment"
    " WHERE order_id {in_} ORDER BY order_id, created_at, id"
)
EVENTS_SQL = (
    "SELECT shipment_id, occurred_at, location, description FROM tracking_event"
    " WHERE order_id {in_} ORDER BY order_id, occurred_at, id"
)


class PostgresStore:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool

    @classmethod
    async def open(cls, database: Database) -> "PostgresStore":
        # The app's SQLAlchemy pool keeps 5 connections and opens up to 10 more; so does this one.
        async def no_reset(connection: asyncpg.Connection) -> None:
            return None  # nothing here changes session state: skip asyncpg's reset query on release

        pool = await asyncpg.create_pool(min_size=1, max_size=15, reset=no_reset, **database.asyncpg_kwargs())
        return cls(pool)

    async def session(self, token_hash: str) -> Row | None:
        row = await self.pool.fetchrow(SESSION_SQL.format("$1"), token_hash)
        return dict(row) if row else None

    async def touch(self, session_id: Any, now: datetime) -> None:
        await self.pool.execute(TOUCH_SQL.format("$1", "$2"), now, session_id)

    async def orders(self, customer_id: Any, limit: int) -> list[Row]:
        return [dict(row) for row in await self.pool.fetch(ORDERS_SQL.format("$1", "$2"), customer_id, limit)]

    async def children(self, order_ids: Sequence[Any]) -> tuple[list[Row], list[Row], list[Row]]:
        ids = list(order_ids)
        async with self.pool.acquire() as connection:
            lines = await connection.fetch(LINES_SQL.format(in_="= ANY($1::uuid[])"), ids)
            shipments = await connection.fetch(SHIPMENTS_SQL.format(in_="= ANY($1::uuid[])"), ids)
            events = await connection.fetch(EVENTS_SQL.format(in_="= ANY($1::uuid[])"), ids)
        return [dict(r) for r in lines], [dict(r) for r in shipments], [dict(r) for r in events]

    async def close(self) -> None:
        await self.pool.close()


def _sqlite_time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value).replace(tzinfo=UTC) if value else None


class SqliteStore:
    """For smoke runs on SQLite: UUIDs are 32 hex characters, times are UTC text (SQLAlchemy's storage)."""

    TIMES = ("last_seen_at", "expires_at", "revoked_at", "placed_at", "occurred_at")

    def __init__(self, connection: Any) -> None:
        self.connection = connection

    @classmethod
    async def open(cls, database: Database) -> "SqliteStore":
        import aiosqlite

        connection = await aiosqlite.connect(database.sqlite_path)
        connection.row_factory = aiosqlite.Row
        await connection.execute("PRAGMA busy_timeout=30000")
        return cls(connection)

    async def _fetch(self, sql: str, params: Sequence[Any]) -> list[Row]:
        async with self.connection.execute(sql, params) as cursor:
            rows = [dict(row) for row in await cursor.fetchall()]
        for row in rows:
            for name in self.TIMES:
                if name in row:
                    row[name] = _sqlite_time(row[name])
        return rows

    async def session(self, token_hash: str) -> Row | None:
        rows = await self._fetch(SESSION_SQL.format("?"), (token_hash,))
        return rows[0] if rows else None

    async def touch(self, session_id: Any, now: datetime) -> None:
        stamp = now.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
        await self.connection.execute(TOUCH_SQL.format("?", "?"), (stamp, session_id))
        await self.connection.commit()

    async def orders(self, customer_id: Any, limit: int) -> list[Row]:
        return await self._fetch(ORDERS_SQL.format("?", "?"), (customer_id, limit))

    async def children(self, order_ids: Sequence[Any]) -> tuple[list[Row], list[Row], list[Row]]:
        in_ = "IN (" + ", ".join("?" for _ in order_ids) + ")"
        return (
            await self._fetch(LINES_SQL.format(in_=in_), order_ids),
            await self._fetch(SHIPMENTS_SQL.format(in_=in_), order_ids),
            await self._fetch(EVENTS_SQL.format(in_=in_), order_ids),
        )

    async def close(self) -> None:
        await self.connection.close()


def _bearer(request: Request) -> str | None:
    scheme, _, token = (request.headers.get("authorization") or "").partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


def _order_node(order: Row, lines: list[Row], shipments: list[Row], events: list[Row]) -> dict[str, Any]:
    """One edge's node, with the fields of ORDER_HISTORY in bench/queries.py."""
    currency = order["currency"]
    by_shipment: dict[Any, list[dict[str, Any]]] = {}
    for event in events:
        by_shipment.setdefault(event["shipment_id"], []).append(
            {
                "occurredAt": event["occurred_at"].isoformat(),
                "location": event["location"],
                "description": event["description"],
            }
        )
    return {
        "number": order["number"],
        "status": order["status"],
        "placedAt": order["placed_at"].isoformat(),
        "total": money(order["total"], currency),
        "lines": [
            {
                "sku": line["sku"],
                "name": line["name"],
                "quantity": line["quantity"],
                "unitPrice": money(line["unit_price"], currency),
            }
            for line in lines
        ],
        "shipments": [
            {
                "carrier": shipment["carrier"],
                "trackingNumber": shipment["tracking_number"],
                "status": shipment["status"],
                "events": by_shipment.get(shipment["id"], []),
            }
            for shipment in shipments
        ],
    }


def _grouped(rows: list[Row], key: str) -> dict[Any, list[Row]]:
    groups: dict[Any, list[Row]] = {}
    for row in rows:
        groups.setdefault(row[key], []).append(row)
    return groups


def create_app(database: Database, idle_timeout: timedelta) -> Starlette:
    stores: list[Store] = []

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        stores.append(await (PostgresStore.open(database) if database.is_postgres else SqliteStore.open(database)))
        try:
            yield
        finally:
            await stores[0].close()

    async def order_history(request: Request) -> Response:
        store = stores[0]
        body = json.loads(await request.body())
        first = int((body.get("variables") or {}).get("first", ORDER_HISTORY_PAGE))
        if not 0 <= first <= MAX_PAGE_SIZE:
            return JSONResponse({"data": None, "errors": [{"message": "first out of range"}]})
        token = _bearer(request)
        found = await store.session(hashlib.sha256(token.encode()).hexdigest()) if token and len(token) <= 200 else None
        now = datetime.now(UTC)
        if (
            found is None
            or found["revoked_at"] is not None
            or min(found["last_seen_at"] + idle_timeout, found["expires_at"]) <= now
            or found["status"] != "ACTIVE"
        ):
            return JSONResponse({"data": {"me": None}})
        if now - found["last_seen_at"] > LAST_SEEN_RESOLUTION:
            await store.touch(found["id"], now)
        orders = (await store.orders(found["customer_id"], first + 1))[:first]
        lines, shipments, events = await store.children([order["id"] for order in orders]) if orders else ([], [], [])
        lines_by, shipments_by, events_by = (
            _grouped(lines, "order_id"),
            _grouped(shipments, "order_id"),
            _grouped(events, "shipment_id"),
        )
        edges = []
        for order in orders:
            parcels = shipments_by.get(order["id"], [])
            parcel_events = [event for parcel in parcels for event in events_by.get(parcel["id"], [])]
            edges.append({"node": _order_node(order, lines_by.get(order["id"], []), parcels, parcel_events)})
        return JSONResponse({"data": {"me": {"orders": {"edges": edges}}}})

    async def healthz(request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    return Starlette(
        routes=[Route("/graphql", order_history, methods=["POST"]), Route("/healthz", healthz)], lifespan=lifespan
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--database-url", default=os.environ.get("DATABASE_URL") or os.environ.get("BENCH_DATABASE_URL")
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8001)
    args = parser.parse_args(argv)
    idle = timedelta(minutes=int(os.environ.get("SESSION_IDLE_TIMEOUT_MINUTES", str(14 * 24 * 60))))
    app = create_app(Database.parse(args.database_url or DEFAULT_DATABASE_URL), idle)
    # As `customer-accounts serve` runs uvicorn (app/cli.py), minus the access log it keeps quiet anyway.
    uvicorn.run(
        app,
        host=args.host,
        port=args.port,
        workers=1,
        proxy_headers=False,
        log_config=None,
        log_level="warning",
        access_log=False,
        ws="websockets-sansio",
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
