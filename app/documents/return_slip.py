"""The return slip: goes in the parcel, so the warehouse knows whose goods these are (RMA number, lines)."""

from dataclasses import dataclass
from datetime import datetime

from fpdf.enums import Align, TableBordersLayout

from app.documents.model import Party, clip, format_date, format_money
from app.documents.pdf import _HEADINGS, FONT, MAX_DESCRIPTION, MAX_SKU, _closing_fonts, _Document


@dataclass(frozen=True, slots=True)
class ReturnSlipLine:
    sku: str
    description: str
    quantity: int
    reason: str
    amount: int


@dataclass(frozen=True, slots=True)
class ReturnSlipDocument:
    number: str
    order_number: str
    requested_at: datetime
    status: str
    resolution: str
    currency: str
    ship_to: Party  # the seller's returns address
    sender: Party
    lines: tuple[ReturnSlipLine, ...]
    refund_total: int


def render_return_slip(doc: ReturnSlipDocument) -> bytes:
    """Pure: the same return always renders to the same bytes (the PDF date is the request's own)."""
    pdf = _Document(f"Return {doc.number}", doc.requested_at, doc.ship_to.name)
    with _closing_fonts(pdf):
        pdf.heading(
            "RETURN SLIP",
            [
                ("RMA number", doc.number),
                ("Order", doc.order_number),
                ("Requested", format_date(doc.requested_at)),
                ("Resolution", doc.resolution.replace("_", " ").title()),
            ],
        )
        pdf.parties(("Send to", doc.ship_to), ("From", doc.sender))
        pdf.set_font(FONT, "", 8.5)
        with pdf.table(
            col_widths=(18, 44, 8, 22),
            headings_style=_HEADINGS,
            borders_layout=TableBordersLayout.HORIZONTAL_LINES,
            line_height=4.6,
            padding=(1.2, 1, 1.2, 1),
            text_align=Align.L,
            v_align="TOP",
            repeat_headings=1,
        ) as table:
            headings = table.row()
            for text, align in (("SKU", Align.L), ("Description", Align.L), ("Qty", Align.R), ("Reason", Align.L)):
                headings.cell(text, align=align)
            for line in doc.lines:
                row = table.row()
                row.cell(clip(line.sku, MAX_SKU))
                row.cell(clip(line.description, MAX_DESCRIPTION))
                row.cell(f"{line.quantity:,}", align=Align.R)
                row.cell(line.reason.replace("_", " ").capitalize())
        pdf.ln(6)
        if doc.resolution != "EXCHANGE":
            pdf.amounts([("Refund once received", format_money(doc.refund_total, doc.currency), True)])
            pdf.ln(6)
        pdf.text_line(f"RMA {doc.number}", size=16, bold=True, align=Align.C)
        pdf.ln(2)
        pdf.text_line(
            "Put this slip in the parcel and write the RMA number on the outside. Parcels without it may be refused.",
            size=9,
            align=Align.C,
        )
        return bytes(pdf.output())
