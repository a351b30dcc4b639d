"""Migration 0014: orders stored before invoices existed get theirs, numbered in placement order per year."""

import uuid
from pathlib import Path

from sqlalchemy import text

from app.db import create_engine
from app.migrate import upgrade


async def test_orders_from_before_invoices_get_them_in_order(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'old.db'}")
    try:
        await upgrade(engine, "0013")
        async with engine.begin() as connection:
            await connection.execute(text("INSERT INTO invoice_sequence (year, last_number) VALUES (2026, 41)"))
            for number, status, placed in (
                ("B-2", "PAID", "2026-03-01 10:00:00"),
                ("B-1", "PENDING_PAYMENT", "2026-02-01 10:00:00"),
                ("B-0", "CANCELLED", "2025-12-31 10:00:00"),
            ):
                await connection.execute(
                    text(
                        "INSERT INTO customer_order (id, number, status, channel, currency, subtotal, discount_total,"
                        " shipping_total, tax_total, total, placed_at, billing_address, source, external_id,"
                        " guest_email, created_at, updated_at) VALUES (:id, :number, :status, 'ONLINE', 'EUR', 1000,"
                        " 0, 0, 190, 1190, :placed, :address, 'old', :number, 'old@example.com', :placed, :placed)"
                    ),
                    {
                        "id": uuid.uuid4().hex,
                        "number": number,
                        "status": status,
                        "placed": placed,
                        "address": '{"firstName": "Olga", "city": "Riga"}',
                    },
                )
        await upgrade(engine, "head")
        async with engine.connect() as connection:
            found = (
                await connection.execute(
                    text(
                        "SELECT o.number, i.number, i.status, i.amount_paid, i.buyer FROM invoice i"
                        " JOIN customer_order o ON o.id = i.order_id ORDER BY o.placed_at"
                    )
                )
            ).all()
            rows = (await connection.execute(text("SELECT year, last_number FROM invoice_sequence"))).all()
            sequences: dict[int, int] = {row[0]: row[1] for row in rows}
    finally:
        await engine.dispose()
    assert [(order, invoice, status, paid) for order, invoice, status, paid, _ in found] == [
        ("B-0", "2025-000001", "VOID", 0),
        ("B-1", "2026-000042", "OPEN", 0),
        ("B-2", "2026-000043", "PAID", 1190),
    ]
    assert '"Olga"' in found[0][4]
    assert sequences == {2025: 1, 2026: 43}
