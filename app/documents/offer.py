"""The offer (quote) PDF: number, validity, lines and totals, in the invoice's layout (A4, DejaVu Sans)."""

from dataclasses import dataclass
from datetime import datetime

from fpdf.enums import Align, TableBordersLayout

from app.documents.model import DocumentLine, Party, clip, format_date, format_money, format_rate, utc
from app.documents.pdf import _HEADINGS, FONT, MAX_DESCRIPTION, MAX_SKU, _closing_fonts, _Document

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
    pdf = _Document(f"Offer {doc.number}", doc.created_at, doc.seller.name)
    with _closing_fonts(pdf):
        pdf.heading(
            "OFFER",
            [
                ("Offer number", doc.number),
                ("Date", format_date(doc.created_at)),
                ("Valid until", f"{utc(doc.valid_until):%Y-%m-%d %H:%M} UTC"),
            ],
        )
        pdf.parties(("From", doc.seller), ("For", doc.buyer))
        _lines(pdf, doc)

        def money(amount: int) -> str:
            return format_money(amount, doc.currency)

        pdf.set_font(FONT, "", 9.5)
        pdf.amounts(
            [
                ("Subtotal", money(doc.subtotal), False),
                ("Tax", money(doc.tax_total), False),
                ("Total", money(doc.total), True),
            ]
        )
        pdf.ln(6)
        if doc.state != "NEW":
            pdf.text_line(f"Status: {clip(doc.state, 32)}", size=11, bold=True, align=Align.R)
            pdf.ln(2)
        if doc.note:
            pdf.text_line("Note", size=10.5, bold=True)
            pdf.text_line(clip(doc.note, MAX_NOTE), size=9)
            pdf.ln(4)
        pdf.text_line(
            f"This offer is valid until {utc(doc.valid_until):%Y-%m-%d %H:%M} UTC. Accept it in your account; "
            "it then becomes an order for you to pay.",
            size=9,
        )
        return bytes(pdf.output())


def _lines(pdf: _Document, doc: OfferDocument) -> None:
    pdf.set_font(FONT, "", 8.5)
    with pdf.table(
        col_widths=(15, 37, 9, 16, 7, 18),
        headings_style=_HEADINGS,
        borders_layout=TableBordersLayout.HORIZONTAL_LINES,
        line_height=4.6,
        padding=(1.2, 1, 1.2, 1),
        text_align=Align.L,
        v_align="TOP",
        repeat_headings=1,
    ) as table:
        headings = table.row()
        for text, align in (("SKU", Align.L), ("Description", Align.L), ("Qty", Align.R)):
            headings.cell(text, align=align)
        for text in ("Unit price", "Tax", "Net"):
            headings.cell(text, align=Align.R)
        for line in doc.lines:
            row = table.row()
            row.cell(clip(line.sku, MAX_SKU))
            row.cell(clip(line.description, MAX_DESCRIPTION))
            row.cell(f"{line.quantity:,}", align=Align.R)
            row.cell(format_money(line.unit_price, doc.currency), align=Align.R)
            row.cell(format_rate(line.tax_rate_bp), align=Align.R)
            row.cell(format_money(line.total, doc.currency), align=Align.R)
    pdf.ln(6)
