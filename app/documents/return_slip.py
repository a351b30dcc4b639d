"""The return slip: goes in the parcel, so the warehouse knows whose goods these are (RMA number, lines). Drawn
with the shared layout (app.documents.layout)."""

from dataclasses import dataclass
from datetime import datetime

from fpdf.enums import Align

from app.documents.layout import MAX_SKU, Column, Page, Total, render
from app.documents.model import Party, format_date, format_money


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


COLUMNS = (
    Column("SKU", 18, limit=MAX_SKU),
    Column("Description", 44),
    Column("Qty", 8, Align.R),
    Column("Reason", 22),
)


def render_return_slip(doc: ReturnSlipDocument) -> bytes:
    """Pure: the same return always renders to the same bytes (the PDF date is the request's own)."""

    def build(page: Page) -> None:
        page.header_block(
            "RETURN SLIP",
            [
                ("RMA number", doc.number),
                ("Order", doc.order_number),
                ("Requested", format_date(doc.requested_at)),
                ("Resolution", doc.resolution.replace("_", " ").title()),
            ],
            ("Send to", doc.ship_to),
            ("From", doc.sender),
        )
        page.lines_table(
            COLUMNS,
            [
                (line.sku, line.description, f"{line.quantity:,}", line.reason.replace("_", " ").capitalize())
                for line in doc.lines
            ],
        )
        if doc.resolution != "EXCHANGE":
            page.totals_block([Total("Refund once received", format_money(doc.refund_total, doc.currency), bold=True)])
            page.ln(2)
        page.paragraph(f"RMA {doc.number}", size=16, bold=True, align=Align.C)
        page.ln(2)
        page.paragraph(
            "Put this slip in the parcel and write the RMA number on the outside. Parcels without it may be refused.",
            size=9,
            align=Align.C,
        )

    return render(f"Return {doc.number}", doc.requested_at, doc.ship_to.name, build)
