"""Rows the fan-out and sign-in runs need, written straight over SQL as the app itself would write them.

Staff accounts (role SUPPORT), sign-in sessions with known bearer tokens (only their SHA-256 is stored,
as app/security/tokens.py does), a service account's API key (scope orders:write, as
app/services/service_accounts.py stores it) and seeded orders whose status may still change. Two runs
side by side do not get in each other's way: each has its own sessions and service account.
"""

import base64
import hashlib
import re
import secrets
import sqlite3
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg

from bench.common import Database
from bench.seed import COLUMNS, _sqlite_value, password_hash

STAFF_EMAIL_PREFIX = "fanout-staff-"  # outside bench.load's range of seeded customers (bench-NNNNNNN)
SERVICE_ACCOUNT_PREFIX = "bench-fanout-"
SESSION_DAYS = 7
# Statuses a seeded order can be in from which REFUNDED is a valid transition (app/services/orders.py).
REFUNDABLE = ("PAID", "PROCESSING", "PARTIALLY_SHIPPED", "SHIPPED", "DELIVERED")


@dataclass(frozen=True)
class EventOrder:
    id: uuid.UUID
    number: str

    @property
    def global_id(self) -> str:
        """The relay id the API takes (strawberry's GlobalID: base64 of "Order:<uuid>")."""
        return base64.b64encode(f"Order:{self.id}".encode()).decode()


class Sql:
    """One connection to the bench database (PostgreSQL through asyncpg, or SQLite), $1-style parameters."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self._pg: asyncpg.Connection | None = None
        self._lite: sqlite3.Connection | None = None

    async def open(self) -> "Sql":
        if self.database.is_postgres:
            self._pg = await asyncpg.connect(**self.database.asyncpg_kwargs())
        else:
            self._lite = sqlite3.connect(self.database.sqlite_path, timeout=30)
            self._lite.execute("PRAGMA foreign_keys=ON")
        return self

    async def close(self) -> None:
        if self._pg is not None:
            await self._pg.close()
        if self._lite is not None:
            self._lite.close()

    @staticmethod
    def _lite_query(query: str) -> str:
        return re.sub(r"\$\d+", "?", query)

    async def fetch(self, query: str, *params: Any) -> list[tuple[Any, ...]]:
        if self._pg is not None:
            return [tuple(row) for row in await self._pg.fetch(query, *params)]
        assert self._lite is not None
        return list(self._lite.execute(self._lite_query(query), [_sqlite_value(p) for p in params]))

    async def execute(self, query: str, *params: Any) -> None:
        await self.executemany(query, [params])

    async def executemany(self, query: str, rows: Iterable[Sequence[Any]]) -> None:
        if self._pg is not None:
            await self._pg.executemany(query, rows)
            return
        assert self._lite is not None
        with self._lite:
            self._lite.executemany(self._lite_query(query), ([_sqlite_value(v) for v in row] for row in rows))


def _uuid(value: Any) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


def sha256_hex(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def staff_email(index: int) -> str:
    return f"{STAFF_EMAIL_PREFIX}{index:04d}@example.com"


async def ensure_staff(sql: Sql, count: int, role: str = "SUPPORT") -> list[uuid.UUID]:
    """`count` active staff accounts (created once, shared by later and concurrent runs)."""
    emails = [staff_email(index) for index in range(1, count + 1)]
    found = await _staff_ids(sql)
    missing = [email for email in emails if email not in found]
    if missing:
        group = await sql.fetch("SELECT id FROM customer_group WHERE code = $1", "shop")
        if not group:
            raise SystemExit("customer group 'shop' is missing: migrate and seed the database first")
        group_id, hashed, now = _uuid(group[0][0]), password_hash(), datetime.now(UTC)
        columns = COLUMNS["customer"]
        marks = ", ".join(f"${n}" for n in range(1, len(columns) + 1))
        # email_verified_at, activated_at, password_changed_at, created_at, updated_at: now
        rows = [
            (uuid.uuid4(), email, email, hashed, "Fanout", email.split("@")[0], "ACTIVE", group_id, *(now,) * 5)
            for email in missing
        ]
        await sql.executemany(
            f"INSERT INTO customer ({', '.join(columns)}) VALUES ({marks}) ON CONFLICT DO NOTHING",  # noqa: S608
            rows,
        )
        found = await _staff_ids(sql)
        await sql.executemany(
            "INSERT INTO customer_role (customer_id, role, granted_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
            [(found[email], role, now) for email in missing],
        )
    return [found[email] for email in emails]


async def _staff_ids(sql: Sql) -> dict[str, uuid.UUID]:
    rows = await sql.fetch("SELECT id, email_key FROM customer WHERE email_key LIKE $1", STAFF_EMAIL_PREFIX + "%")
    return {str(email): _uuid(id_) for id_, email in rows}


@dataclass(frozen=True)
class Sessions:
    ids: list[uuid.UUID]
    tokens: list[str]


async def create_sessions(sql: Sql, customer_ids: Sequence[uuid.UUID], count: int) -> Sessions:
    """`count` live sessions spread over `customer_ids`, proven now, with their bearer tokens."""
    now = datetime.now(UTC)
    expires = now + timedelta(days=SESSION_DAYS)
    tokens = ["cas_" + secrets.token_urlsafe(32) for _ in range(count)]
    ids = [uuid.uuid4() for _ in range(count)]
    rows = [
        (id_, customer_ids[n % len(customer_ids)], sha256_hex(token), now, now, expires, now)
        for n, (id_, token) in enumerate(zip(ids, tokens, strict=True))
    ]
    await sql.executemany(
        "INSERT INTO auth_session (id, customer_id, token_hash, created_at, last_seen_at, expires_at, verified_at)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7)",
        rows,
    )
    return Sessions(ids, tokens)


async def delete_sessions(sql: Sql, sessions: Sessions) -> None:
    await sql.executemany("DELETE FROM auth_session WHERE id = $1", [(id_,) for id_ in sessions.ids])


@dataclass(frozen=True)
class ServiceAccountKey:
    name: str
    api_key: str


async def create_service_account(sql: Sql, scopes: str = "orders:write") -> ServiceAccountKey:
    """A service account of this run's own (runs may overlap), with its API key; revoke it when done.

    The row stays (the status changes it made refer to it), as `customer-accounts revoke-service-account`
    leaves it."""
    name = f"{SERVICE_ACCOUNT_PREFIX}{datetime.now(UTC):%Y%m%d-%H%M%S}-{secrets.token_hex(3)}"
    api_key = "ca_sk_" + secrets.token_urlsafe(32)
    await sql.execute(
        "INSERT INTO service_account (id, name, scopes, key_hash, created_at) VALUES ($1, $2, $3, $4, $5)",
        uuid.uuid4(),
        name,
        scopes,
        sha256_hex(api_key),
        datetime.now(UTC),
    )
    return ServiceAccountKey(name, api_key)


async def revoke_service_account(sql: Sql, account: ServiceAccountKey) -> None:
    await sql.execute("UPDATE service_account SET revoked_at = $1 WHERE name = $2", datetime.now(UTC), account.name)


async def refundable_orders(sql: Sql, count: int) -> list[EventOrder]:
    """`count` random seeded orders that may still become REFUNDED (each event uses one up; random, so
    that runs side by side rarely pick the same)."""
    marks = ", ".join(f"${n}" for n in range(1, len(REFUNDABLE) + 1))
    rows = await sql.fetch(
        f"SELECT id, number FROM customer_order WHERE status IN ({marks}) ORDER BY random() LIMIT ${len(REFUNDABLE) + 1}",  # noqa: S608
        *REFUNDABLE,
        count,
    )
    if len(rows) < count:
        raise SystemExit(f"only {len(rows)} orders left that can change status, {count} needed: reseed")
    return [EventOrder(_uuid(id_), str(number)) for id_, number in rows]
