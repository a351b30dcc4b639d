"""order timeline: a reason and its values on the entries this server writes, so clients can word them

The entries this server wrote so far carry an English sentence only. The ones whose sentence is one of
ours (told apart from the order system's notes by who wrote them and the statuses they connect) get
their reason, and the values the sentence named: the offer number, or the return with what it paid back
(read again from the return's refunds). The card an old "paid online" entry was paid with is not
recovered: those entries read "paid online" without naming it.

Revision ID: 0022
Revises: 0021
"""

import re
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

entries = sa.table(
    "order_status_change",
    sa.column("id", sa.Uuid()),
    sa.column("from_status", sa.String()),
    sa.column("to_status", sa.String()),
    sa.column("note", sa.String()),
    sa.column("service_account_id", sa.Uuid()),
    sa.column("actor_id", sa.Uuid()),
    sa.column("reason", sa.String()),
    sa.column("details", sa.JSON()),
)
returns = sa.table(
    "return_request",
    sa.column("id", sa.Uuid()),
    sa.column("number", sa.String()),
    sa.column("refunded_amount", sa.BigInteger()),
    sa.column("currency", sa.String()),
)
refunds = sa.table(
    "return_refund",
    sa.column("id", sa.Uuid()),
    sa.column("return_id", sa.Uuid()),
    sa.column("destination", sa.String()),
    sa.column("status", sa.String()),
    sa.column("amount", sa.BigInteger()),
    sa.column("method_label", sa.String()),
    sa.column("created_at", sa.DateTime(timezone=True)),
)
REASONS = (
    "PLACED",
    "PLACED_FROM_OFFER",
    "PAID_ONLINE",
    "PAID_WITH_STORE_CREDIT",
    "SHIPPING_STARTED",
    "SHIPMENT_ADDED",
    "DELIVERED",
    "RETURN_REFUNDED",
)
OFFER = re.compile(r"^placed from offer (\S+)$")
RETURN = re.compile(r"^Return (\S+): .* refunded")
STORE_CREDIT = "Store credit"  # the label of store credit payments (app.documents.pdf.STORE_CREDIT)
# By the order system (service account) or by a customer (offers, payments) or by nobody (returns): the
# sentence, the statuses and who wrote it together tell this server's entries from the order system's notes.
SHIPPING = {
    "shipping started": ("SHIPPING_STARTED", {"PROCESSING"}),
    "shipment added": ("SHIPMENT_ADDED", {"SHIPPED", "PARTIALLY_SHIPPED"}),
    "delivered": ("DELIVERED", {"DELIVERED"}),
}


def _reason(entry: Any) -> tuple[str, dict[str, Any] | None] | None:
    note = entry.note or ""
    if note == "placed" and entry.from_status is None:
        return "PLACED", None
    if entry.service_account_id is None and entry.to_status == "PAID" and entry.from_status != "PAID":
        if note == "paid online":
            return "PAID_ONLINE", None
        if note == "paid on store credit":
            return "PAID_WITH_STORE_CREDIT", None
    offer = OFFER.match(note)
    if offer and entry.service_account_id is None and entry.from_status is None:
        return "PLACED_FROM_OFFER", {"offer_number": offer.group(1)}
    if note in SHIPPING and entry.service_account_id is not None:
        reason, statuses = SHIPPING[note]
        if entry.to_status in statuses:
            return reason, None
    return None


def _refund(connection: sa.Connection, number: str) -> dict[str, Any]:
    found = connection.execute(sa.select(returns).where(returns.c.number == number)).first()
    if found is None:
        return {"return_number": number}
    parts = []
    for row in connection.execute(
        sa.select(refunds)
        .where(refunds.c.return_id == found.id, refunds.c.status == "SUCCEEDED")
        .order_by(refunds.c.created_at, refunds.c.id)
    ):
        credit = row.destination == "STORE_CREDIT" or row.method_label == STORE_CREDIT
        parts.append(
            {
                "destination": "STORE_CREDIT" if credit else row.destination,
                "amount": row.amount,
                "payment_method": None if credit else row.method_label,
            }
        )
    details: dict[str, Any] = {
        "return_number": number,
        "amount": found.refunded_amount,
        "currency": found.currency,
    }
    if parts:
        details["refunds"] = parts
    return details


def upgrade() -> None:
    with op.batch_alter_table("order_status_change", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reason", sa.Enum(*REASONS, name="ordertimelinereason", native_enum=False, length=32), nullable=True))
        batch_op.add_column(sa.Column("details", sa.JSON(), nullable=True))

    connection = op.get_bind()
    for entry in connection.execute(sa.select(entries).where(entries.c.note.is_not(None))).all():
        found = _reason(entry)
        refunded = RETURN.match(entry.note)
        if found is None and refunded and entry.from_status == entry.to_status and entry.service_account_id is None:
            found = "RETURN_REFUNDED", _refund(connection, refunded.group(1))
        if found is not None:
            connection.execute(
                sa.update(entries).where(entries.c.id == entry.id).values(reason=found[0], details=found[1] if found[1] is not None else sa.null())
            )


def downgrade() -> None:
    with op.batch_alter_table("order_status_change", schema=None) as batch_op:
        batch_op.drop_column("details")
        batch_op.drop_column("reason")
