"""exportMyData: a JSON document of everything held about a customer, streamed when downloaded.

Nothing is stored ahead: the request records an export and mails a short-lived signed link; the
download builds the document from the rows as they are then, table by table, in batches, so a large
history never sits in memory. Every table that names the customer is included (a test holds new
tables to this); secrets never are: hashed and encrypted columns are left out, and the encrypted
personal fields (phone numbers, date of birth) are decrypted for their owner. Rows marked `internal`
(staff's internal notes on a support ticket) are staff's, not the customer's, and are left out.
"""

import enum
import json
import uuid
from collections.abc import AsyncIterator
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlmodel import SQLModel, col

from app.principal import Principal
from app.runtime import RequestMeta, Runtime
from app.security.signed_links import LinkError, SignedLinks
from app.services import audit, messages
from app.services.customer_queries import display_name
from app.services.errors import DomainError, ErrorDetail, NotAuthenticatedError
from app.templates import Minutes
from models.base import utcnow
from models.customer import Customer, CustomerStatus
from models.data_export import DataExport
from models.security import STAFF_WORK, SecurityEventType

LINK_KIND = "data-export"
FORMAT = "customer-accounts-export/1"
BATCH_ROWS = 500
# Columns that hold secrets or their derivatives, whatever the table.
SECRET_SUFFIXES = ("_hash", "_index", "_encrypted", "_key")
# Encrypted personal data the owner gets back in clear: (table, column) -> name in the export.
DECRYPTED = {("customer", "phone_encrypted"): "phone", ("address", "phone_encrypted"): "phone"}


class DataExportErrorCode(enum.Enum):
    TOO_MANY_EXPORTS = "TOO_MANY_EXPORTS"


class DataExportStatus(enum.Enum):
    READY = "READY"  # the link works
    USED_UP = "USED_UP"  # downloaded DATA_EXPORT_MAX_DOWNLOADS times
    EXPIRED = "EXPIRED"  # past its expiry


class DataExportError(DomainError):
    pass


class ExportUnavailableError(Exception):
    """The link is fine but the export is gone (expired, or the account deleted)."""


def links(rt: Runtime) -> SignedLinks:
    return SignedLinks(rt.settings.secret_key_bytes, rt.settings.effective_public_url)


def download_url(rt: Runtime, export: DataExport) -> str | None:
    if export.expires_at <= utcnow():
        return None
    return links(rt).url(LINK_KIND, str(export.id), export.expires_at)


def export_status(rt: Runtime, export: DataExport) -> DataExportStatus:
    if export.expires_at <= utcnow():
        return DataExportStatus.EXPIRED
    if export.download_count >= rt.settings.data_export_max_downloads:
        return DataExportStatus.USED_UP
    return DataExportStatus.READY


async def request_export(rt: Runtime, principal: Principal, meta: RequestMeta) -> DataExport:
    """Record an export and mail its link to the account's address (the payload shows it too)."""
    if principal.customer_id is None:
        raise NotAuthenticatedError()
    customer_id = principal.customer_id
    now = utcnow()
    async with rt.db.unit_of_work() as session:
        customer = await session.get(Customer, customer_id, with_for_update=True)
        assert customer is not None
        recent = (
            await session.execute(
                select(func.count())
                .select_from(DataExport)
                .where(col(DataExport.customer_id) == customer_id, col(DataExport.created_at) > now - timedelta(days=1))
            )
        ).scalar_one()
        if recent >= rt.settings.data_exports_per_day:
            raise DataExportError(
                ErrorDetail(
                    DataExportErrorCode.TOO_MANY_EXPORTS,
                    f"You can ask for {rt.settings.data_exports_per_day} exports a day; use the link of the last one.",
                )
            )
        export = DataExport(
            customer_id=customer_id,
            created_at=now,
            expires_at=links(rt).expiry(rt.settings.data_export_link_minutes, now),
        )
        session.add(export)
        await session.flush()
        audit.record(session, meta, SecurityEventType.DATA_EXPORT_REQUESTED, customer_id=customer_id)
        await messages.email(
            session,
            rt,
            "data_export_ready",
            customer.email,
            {
                "name": display_name(customer),
                "link": download_url(rt, export) or "",
                "valid_for": Minutes(rt.settings.data_export_link_minutes),
            },
            customer_id=customer.id,
        )
    return export


async def open_download(
    rt: Runtime, meta: RequestMeta, export_id: str, expires: str | None, signature: str | None
) -> uuid.UUID:
    """Check a download link and count the download; returns the customer whose data it is.
    Raises LinkError (tampered or expired link) or ExportUnavailableError."""
    now = utcnow()
    links(rt).verify(LINK_KIND, export_id, expires, signature, now)
    try:
        key = uuid.UUID(export_id)
    except ValueError as exc:  # a signed id is always ours: only a forged one gets here
        raise LinkError("malformed") from exc
    async with rt.db.unit_of_work() as session:
        export = await session.get(DataExport, key)
        customer = await session.get(Customer, export.customer_id) if export else None
        if export is None or customer is None or customer.status is CustomerStatus.DELETED:
            raise ExportUnavailableError()
        if export.expires_at <= now or export.download_count >= rt.settings.data_export_max_downloads:
            raise LinkError("expired")
        await session.execute(
            update(DataExport)
            .where(col(DataExport.id) == key)
            .values(download_count=DataExport.download_count + 1, last_downloaded_at=now)
        )
        audit.record(session, meta, SecurityEventType.DATA_EXPORT_DOWNLOADED, customer_id=customer.id)
    return customer.id


# Kept from the export, with the reason: what the customer sees through the API is the rule.
EXCLUDED_TABLES = {"security_alert": "fraud-prevention findings for administrators"}
EXCLUDED_COLUMNS = frozenset(
    {
        "status_reason",  # staff's note on a suspension
        "actor_id",  # which staff member acted (the API hides other accounts)
        "decided_by_id",
        "decided_by",  # which administrator decided a credit-limit request
        "fingerprint",  # the gateway's card fingerprint: matches the card across merchants
        "gateway_charge_id",  # the gateway's internal reference
        "acknowledged_by_id",
        "service_account_id",  # which integration pushed a change
        "created_by_id",  # which staff member wrote an offer
        "assignee_id",  # which staff member handles a support ticket (shown to staff only)
        "author_id",  # who wrote a ticket message (staff are named by author_name, as in the API)
        "staff_note",  # staff's internal note on a return (the API shows it to staff only)
        "decision_reason",  # which rule routed a return to staff (the API shows it to staff only)
        "gateway_refund_id",  # the gateway's internal reference of a refund
    }
)


def customer_tables() -> list[Any]:
    """Every table with a customer_id column, by name, less the excluded ones: what the export covers."""
    return sorted(
        (
            table
            for table in SQLModel.metadata.sorted_tables
            if "customer_id" in table.c and table.name not in EXCLUDED_TABLES
        ),
        key=lambda table: table.name,
    )


def child_tables() -> list[tuple[Any, Any, Any]]:
    """(table, its foreign-key column, the customer table it points to) for tables whose rows belong to a
    customer through a parent row (order lines through their order)."""
    parents = {table.name: table for table in customer_tables() if table.name != "customer"}
    found = []
    for table in SQLModel.metadata.sorted_tables:
        if "customer_id" in table.c or table.name == "customer":
            continue
        for key in table.foreign_keys:
            parent = parents.get(key.column.table.name)
            if parent is not None:
                found.append((table, key.parent, parent))
    return sorted(found, key=lambda item: item[0].name)


def _plain(value: Any) -> Any:
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    return value


def _row(rt: Runtime, table: Any, row: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for column in table.c:
        value = row._mapping[column]
        if (table.name, column.name) in DECRYPTED:
            out[DECRYPTED[(table.name, column.name)]] = rt.fields.decrypt(
                table.name, column.name.removesuffix("_encrypted"), row._mapping[table.c.id], value
            )
        elif table.name == "customer" and column.name == "date_of_birth_encrypted":
            out["date_of_birth"] = rt.fields.decrypt("customer", "date_of_birth", row._mapping[table.c.id], value)
        elif not column.name.endswith(SECRET_SUFFIXES) and column.name not in EXCLUDED_COLUMNS:
            out[column.name] = _plain(value)
    return out


async def _rows(rt: Runtime, table: Any, condition: Any) -> AsyncIterator[list[Any]]:
    """Batches of rows, each read in its own short session: no connection is held while the client reads."""
    key = list(table.primary_key.columns)
    statement = select(table).where(condition).order_by(*key)
    if len(key) != 1:  # composite keys belong to small per-customer tables (roles, settings): one read
        async with rt.db.read() as session:
            yield list((await session.execute(statement)).all())
        return
    last = None
    while True:
        page = statement if last is None else statement.where(key[0] > last)
        async with rt.db.read() as session:
            rows = list((await session.execute(page.limit(BATCH_ROWS))).all())
        if rows:
            yield rows
        if len(rows) < BATCH_ROWS:
            return
        last = rows[-1]._mapping[key[0]]


async def _section(rt: Runtime, name: str, table: Any, condition: Any, first: bool) -> AsyncIterator[bytes]:
    if "internal" in table.c:
        condition = condition & table.c.internal.is_(False)  # staff's internal notes are not the customer's
    if table.name == "security_event":
        # Staff work on the account (an internal note added, a return decided, …) is the audit log's, as the
        # API's me.securityEvents leaves it out.
        condition = condition & table.c.type.not_in(list(STAFF_WORK))
    yield (b"" if first else b", ") + json.dumps(name).encode() + b": ["
    written = False
    async for batch in _rows(rt, table, condition):
        for row in batch:
            yield (b", " if written else b"") + json.dumps(_row(rt, table, row)).encode()
            written = True
    yield b"]"


async def stream_export(rt: Runtime, customer_id: uuid.UUID) -> AsyncIterator[bytes]:
    """The export document, a chunk at a time; the profile is read (and decrypted) before the first byte."""
    customer_table = Customer.__table__  # type: ignore[attr-defined]
    async with rt.db.read() as session:
        row = (await session.execute(select(customer_table).where(customer_table.c.id == customer_id))).first()
    if row is None:
        raise ExportUnavailableError()
    header = {"format": FORMAT, "generatedAt": utcnow().isoformat(), "customer": _row(rt, customer_table, row)}
    return _document(rt, customer_id, json.dumps(header)[:-1].encode())


async def _document(rt: Runtime, customer_id: uuid.UUID, header: bytes) -> AsyncIterator[bytes]:
    yield header + b', "tables": {'
    first = True
    for table in customer_tables():
        async for chunk in _section(rt, table.name, table, table.c.customer_id == customer_id, first):
            yield chunk
        first = False
    for table, column, parent in child_tables():
        owned = column.in_(select(parent.c.id).where(parent.c.customer_id == customer_id))
        async for chunk in _section(rt, table.name, table, owned, first):
            yield chunk
    yield b"}}\n"
