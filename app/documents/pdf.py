"""Invoice and receipt PDFs (A4, embedded DejaVu Sans), rendered synchronously with fpdf2.

Pure functions of their input: no I/O other than reading the bundled font files, no clock (the PDF creation
date is the document's own date), so the same document always renders to the same bytes.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from fpdf import FPDF, FontFace
from fpdf.enums import Align, TableBordersLayout, XPos, YPos
from fpdf.fonts import TTFFont

from app.documents.model import (
    DocumentLine,
    InvoiceDocument,
    Party,
    ReceiptDocument,
    TaxRateTotal,
    clip,
    format_date,
    format_money,
    format_rate,
    mask_card_numbers,
    tax_breakdown,
    utc,
)

__all__ = [
    "DocumentLine",
    "InvoiceDocument",
    "Party",
    "ReceiptDocument",
    "TaxRateTotal",
    "format_date",
    "format_money",
    "format_rate",
    "render_invoice",
    "render_receipt",
    "tax_breakdown",
]

FONT_DIR = Path(__file__).resolve().parent.parent / "static" / "fonts"
FONT = "DejaVu"
CREATOR = "customer-accounts"
MAX_SKU = 60  # characters; longer values are shortened with an ellipsis
MAX_DESCRIPTION = 300  # a line item should never need more than a few wrapped lines

_GREY = (110, 110, 110)
_HEADINGS = FontFace(emphasis="BOLD", fill_color=(235, 235, 235))


class _Document(FPDF):
    def __init__(self, title: str, created_at: datetime, author: str) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.footer_text = clip(title, 80)
        self.add_font(FONT, "", FONT_DIR / "DejaVuSans.ttf")
        self.add_font(FONT, "B", FONT_DIR / "DejaVuSans-Bold.ttf")
        self.set_title(title)
        self.set_author(author)
        self.set_creator(CREATOR)
        self.set_lang("en")
        self.set_creation_date(utc(created_at))
        self.set_margins(left=18, top=18, right=18)
        self.set_auto_page_break(auto=True, margin=20)
        self.add_page()

    def footer(self) -> None:
        self.set_y(-13)
        self.set_font(FONT, "", 8)
        self.set_text_color(*_GREY)
        self.cell(0, 5, f"{self.footer_text} · Page {self.page_no()} of {{nb}}", align=Align.C)
        self.set_text_color(0)

    def text_line(self, text: str, *, size: float = 9.5, bold: bool = False, align: Align = Align.L) -> None:
        self.set_font(FONT, "B" if bold else "", size)
        self.multi_cell(0, size * 0.5, text, align=align, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def heading(self, kind: str, facts: list[tuple[str, str]]) -> None:
        """The document kind, large, at the left; a label/value list at the right."""
        top = self.get_y()
        self.set_font(FONT, "B", 20)
        self.cell(80, 10, kind)
        self.set_xy(self.w - self.r_margin - 80, top)
        with self.table(
            width=80,
            col_widths=(4, 5),
            align=Align.R,
            first_row_as_headings=False,
            borders_layout=TableBordersLayout.NONE,
            line_height=5,
            text_align=Align.L,
        ) as table:
            self.set_font(FONT, "", 9.5)
            for label, value in facts:
                row = table.row()
                row.cell(label, align=Align.R, style=FontFace(color=_GREY))
                row.cell(clip(value), align=Align.R, style=FontFace(emphasis="BOLD"))
        self.set_y(max(self.get_y(), top + 12) + 6)

    def parties(self, left: tuple[str, Party], right: tuple[str, Party]) -> None:
        top = self.get_y()
        bottom = top
        column = (self.epw - 10) / 2
        for index, (caption, party) in enumerate((left, right)):
            x = self.l_margin + index * (column + 10)
            self.set_xy(x, top)
            self.set_font(FONT, "B", 8)
            self.set_text_color(*_GREY)
            self.cell(column, 5, caption.upper(), new_x=XPos.LEFT, new_y=YPos.NEXT)
            self.set_text_color(0)
            lines = [*party.address_lines, *([party.email] if party.email else [])]
            if party.tax_id:
                lines.append(f"Tax ID: {party.tax_id}")
            self.set_font(FONT, "B", 10)
            self.multi_cell(column, 5, clip(party.name), new_x=XPos.LEFT, new_y=YPos.NEXT)
            self.set_font(FONT, "", 9.5)
            for line in lines:
                self.multi_cell(column, 4.8, clip(line), new_x=XPos.LEFT, new_y=YPos.NEXT)
            bottom = max(bottom, self.get_y())
        self.set_xy(self.l_margin, bottom + 8)

    def amounts(self, rows: list[tuple[str, str, bool]], width: float = 90) -> None:
        """Right-aligned label/amount pairs; bold where asked (the grand total)."""
        with self.table(
            width=width,
            col_widths=(1, 1),
            align=Align.R,
            first_row_as_headings=False,
            borders_layout=TableBordersLayout.HORIZONTAL_LINES,
            line_height=6,
            text_align=Align.L,
        ) as table:
            for label, value, bold in rows:
                style = FontFace(emphasis="BOLD" if bold else None)
                row = table.row(style=style)
                row.cell(label)
                row.cell(value, align=Align.R)


def render_invoice(doc: InvoiceDocument) -> bytes:
    pdf = _Document(f"Invoice {doc.number}", doc.issued_at, doc.seller.name)
    with _closing_fonts(pdf):
        pdf.heading(
            "INVOICE",
            [("Invoice number", doc.number), ("Issue date", format_date(doc.issued_at)), ("Order", doc.order_number)],
        )
        pdf.parties(("From", doc.seller), ("Bill to", doc.buyer))
        _line_items(pdf, doc)
        _summary(pdf, doc)
        return bytes(pdf.output())


def render_receipt(doc: ReceiptDocument) -> bytes:
    pdf = _Document(f"Receipt {doc.number}", doc.paid_at, doc.seller.name)
    with _closing_fonts(pdf):
        pdf.heading("RECEIPT", [("Receipt number", doc.number), ("Date paid", format_date(doc.paid_at))])
        pdf.parties(("From", doc.seller), ("Received from", doc.buyer))
        pdf.set_font(FONT, "", 10)
        pdf.amounts(
            [
                ("Amount paid", format_money(doc.amount, doc.currency), True),
                ("Payment method", clip(mask_card_numbers(doc.method)), False),
                ("Payment for", clip(doc.reference), False),
            ],
            width=pdf.epw,
        )
        pdf.ln(8)
        pdf.text_line("Thank you for your payment. This receipt confirms that the amount above was received.", size=9)
        return bytes(pdf.output())


@contextmanager
def _closing_fonts(pdf: FPDF) -> Iterator[None]:
    """output() closes the font files it embeds; when rendering fails first, close them here (no ResourceWarning)."""
    try:
        yield
    except BaseException:
        for font in pdf.fonts.values():
            if isinstance(font, TTFFont):
                font.close()
        raise


def _line_items(pdf: _Document, doc: InvoiceDocument) -> None:
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


def _summary(pdf: _Document, doc: InvoiceDocument) -> None:
    """Totals, payment status and the tax breakdown per rate, kept together on one page."""

    def money(amount: int) -> str:
        return format_money(amount, doc.currency)

    totals = [("Subtotal", money(doc.subtotal), False)]
    if doc.discount_total:
        totals.append(("Discount", money(-doc.discount_total), False))
    totals += [
        ("Shipping", money(doc.shipping_total), False),
        ("Tax", money(doc.tax_total), False),
        ("Total", money(doc.total), True),
        ("Amount paid", money(doc.amount_paid), False),
    ]
    rates = tax_breakdown(doc.lines)
    if pdf.will_page_break(6 * len(totals) + 35 + 5.5 * (1 + len(rates))):
        pdf.add_page()

    pdf.set_font(FONT, "", 9.5)
    pdf.amounts(totals)
    pdf.ln(4)
    if doc.amount_due == 0:
        status = "PAID" + (f" on {format_date(doc.paid_at)}" if doc.paid_at else "")
    else:
        status = f"AMOUNT DUE {money(doc.amount_due)}"
    pdf.text_line(status, size=13, bold=True, align=Align.R)
    pdf.ln(8)

    pdf.text_line("Tax breakdown per rate", size=10.5, bold=True)
    pdf.ln(1)
    pdf.set_font(FONT, "", 9)
    with pdf.table(
        width=110,
        col_widths=(1, 2, 2),
        align=Align.L,
        headings_style=_HEADINGS,
        borders_layout=TableBordersLayout.HORIZONTAL_LINES,
        line_height=5.5,
    ) as table:
        headings = table.row()
        for text in ("Rate", "Net", "Tax"):
            headings.cell(text, align=Align.R)
        for rate in rates:
            row = table.row()
            row.cell(format_rate(rate.rate_bp), align=Align.R)
            row.cell(money(rate.net), align=Align.R)
            row.cell(money(rate.tax), align=Align.R)
