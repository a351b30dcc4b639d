"""The offer (quote) PDF: number, validity, buyer address, lines, totals and the tax per rate, in the shared
layout (app.documents.layout)."""

from dataclasses import dataclass
from datetime import datetime

from app.documents.layout import ITEM_COLUMNS, Page, Total, item_rows, render
from app.documents.model import DocumentLine, Party, clip, format_date, format_money, tax_breakdown, utc

MAX_NOTE = 2000


@dataclass(frozen=True, slots=True)
class OfferDocument:
    number: str
    created_at: datetime
    valid_until: datetime
    state: str  # NEW, ACCEPTED, …: printed when the offer is no longer open
    currency: str
    seller: Party
    buyer: Party
    lines: tuple[DocumentLine, ...]
    subtotal: int
    tax_total: int
    total: int
    note: str | None = None


def render_offer(doc: OfferDocument) -> bytes:
    """Pure: the same offer always renders to the same bytes (the PDF date is the offer's own)."""
    valid_until = f"{utc(doc.valid_until):%Y-%m-%d %H:%M} UTC"

    def money(amount: int) -> str:
        return format_money(amount, doc.currency)

    def build(page: Page) -> None:
        page.header_block(
            "OFFER",
            [("Offer number", doc.number), ("Date", format_date(doc.created_at)), ("Valid until", valid_until)],
            ("From", doc.seller),
            ("For", doc.buyer),
        )
        page.lines_table(ITEM_COLUMNS, item_rows(doc.lines, doc.currency))
        page.totals_block(
            [
                Total("Subtotal", money(doc.subtotal)),
                Total("Tax", money(doc.tax_total)),
                Total("Total", money(doc.total), bold=True),
            ],
            rates=tax_breakdown(doc.lines),
            currency=doc.currency,
            status=None if doc.state == "NEW" else f"Status: {clip(doc.state, 32)}",
        )
        if doc.note:
            page.paragraph("Note", size=10.5, bold=True)
            page.paragraph(clip(doc.note, MAX_NOTE), size=9)
            page.ln(4)
        page.paragraph(
            f"This offer is valid until {valid_until}. Accept it in your account; it then becomes an order for you "
            "to pay.",
            size=9,
        )

    return render(f"Offer {doc.number}", doc.created_at, doc.seller.name, build)
