"""Invoices for the orders placed before invoices existed

Every order gets its invoice when it is placed; orders already stored when 0013 arrived have none, so
they could not be paid online or downloaded. This issues them, numbered per year of placement in the
order they were placed, continuing each year's sequence.

Revision ID: 0014
Revises: 0013
"""

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

from app.config import Settings
from models.base import UTCDateTime

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

orders = sa.table(
    "customer_order",
    sa.column("id", sa.Uuid()),
    sa.column("customer_id", sa.Uuid()),
    sa.column("guest_email", sa.String()),
    sa.column("status", sa.String()),
    sa.column("currency", sa.String()),
    sa.column("total", sa.BigInteger()),
    sa.column("placed_at", UTCDateTime()),
    sa.column("billing_address", sa.JSON()),
    sa.column("shipping_address", sa.JSON()),
)
customers = sa.table(
    "customer",
    sa.column("id", sa.Uuid()),
    sa.column("email", sa.String()),
    sa.column("first_name", sa.String()),
    sa.column("last_name", sa.String()),
)
invoices = sa.table(
    "invoice",
    sa.column("id", sa.Uuid()),
    sa.column("number", sa.String()),
    sa.column("order_id", sa.Uuid()),
    sa.column("customer_id", sa.Uuid()),
    sa.column("status", sa.String()),
    sa.column("currency", sa.String()),
    sa.column("total", sa.BigInteger()),
    sa.column("amount_paid", sa.BigInteger()),
    sa.column("seller", sa.JSON()),
    sa.column("buyer", sa.JSON()),
    sa.column("issued_at", UTCDateTime()),
    sa.column("paid_at", UTCDateTime()),
)
sequences = sa.table("invoice_sequence", sa.column("year", sa.Integer()), sa.column("last_number", sa.Integer()))


def _seller() -> dict[str, Any]:
    settings = Settings()
    return {
        "name": settings.seller_name,
        "address_lines": [line.strip() for line in settings.seller_address.split("|") if line.strip()],
        "email": settings.seller_email,
        "tax_id": settings.seller_tax_id,
    }


def _buyer(order: Any, customer: Any) -> dict[str, Any]:
    address = order.billing_address or order.shipping_address or {}
    name = " ".join(part for part in (address.get("firstName"), address.get("lastName")) if part)
    if not name and customer is not None:
        name = " ".join(part for part in (customer.first_name, customer.last_name) if part)
    email = customer.email if customer is not None else order.guest_email
    lines = [
        address.get("company"),
        address.get("line1"),
        address.get("line2"),
        " ".join(part for part in (address.get("postalCode"), address.get("city")) if part),
        address.get("countryCode"),
    ]
    return {"name": name or email or "Customer", "address_lines": [line for line in lines if line], "email": email, "tax_id": None}


BATCH = 5000


def _invoice_row(
    order: Any, customer: Any, last: dict[int, int], seller: dict[str, Any], now: datetime
) -> dict[str, Any]:
    placed = order.placed_at or now
    last[placed.year] = last.get(placed.year, 0) + 1
    paid = order.status not in ("PENDING_PAYMENT", "CANCELLED")
    return {
        "id": uuid.uuid4(),
        "number": f"{placed.year}-{last[placed.year]:06d}",
        "order_id": order.id,
        "customer_id": order.customer_id,
        "status": "PAID" if paid else ("VOID" if order.status == "CANCELLED" else "OPEN"),
        "currency": order.currency,
        "total": order.total,
        "amount_paid": order.total if paid else 0,
        "seller": seller,
        "buyer": _buyer(order, customer),
        "issued_at": placed,
        "paid_at": placed if paid else None,
    }


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        # Servers still running the old code may issue invoices meanwhile: they wait for this instead.
        bind.execute(sa.text("LOCK TABLE invoice_sequence IN EXCLUSIVE MODE"))
    seller = _seller()
    last = {row.year: row.last_number for row in bind.execute(sa.select(sequences)).all()}
    known = set(last)
    now = datetime.now(UTC)
    # Walk the orders in placement order by keyset over a temporary index, one index range per batch;
    # which of them already have an invoice (none, unless this ran before) is one lookup per batch.
    op.create_index("ix_customer_order_backfill", "customer_order", ["placed_at", "id"])
    page = sa.select(orders).order_by(orders.c.placed_at, orders.c.id).limit(BATCH)
    after: tuple[Any, Any] | None = None
    while True:
        statement = page if after is None else page.where(sa.tuple_(orders.c.placed_at, orders.c.id) > after)
        batch = bind.execute(statement).all()
        if not batch:
            break
        after = (batch[-1].placed_at, batch[-1].id)
        ids = [order.id for order in batch]
        issued = set(bind.execute(sa.select(invoices.c.order_id).where(invoices.c.order_id.in_(ids))).scalars())
        owners = [order.customer_id for order in batch if order.customer_id is not None]
        people = {row.id: row for row in bind.execute(sa.select(customers).where(customers.c.id.in_(owners))).all()}
        rows = [
            _invoice_row(order, people.get(order.customer_id), last, seller, now)
            for order in batch
            if order.id not in issued
        ]
        if rows:
            bind.execute(sa.insert(invoices), rows)
    op.drop_index("ix_customer_order_backfill", "customer_order")
    for year, number in last.items():
        if year in known:
            bind.execute(sa.update(sequences).where(sequences.c.year == year).values(last_number=number))
        else:
            bind.execute(sa.insert(sequences).values(year=year, last_number=number))


def downgrade() -> None:
    """Issued invoices are records: they stay."""
