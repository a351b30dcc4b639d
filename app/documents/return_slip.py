"""The return slip: goes in the parcel, so the warehouse knows whose goods these are (RMA number, lines). Drawn
with the shared layout (app.documents.layout)."""

from dataclasses import dataclass
from datetime import datetime

from fpdf.enums import Align

from app.documents.layout import MAX_SKU, Column, Page, Total, format_quantity, render
from app.documents.model import Party, format_date, format_money
from app.i18n import ENGLISH, N_, MessageLocale


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
    Column(N_("SKU"), 18, limit=MAX_SKU),
    Column(N_("Description"), 44),
    Column(N_("Qty"), 8, Align.R),
    Column(N_("Reason"), 22),
)

# The words for the stored values (English msgids); a value we have no word for is printed as it is stored.
RESOLUTIONS = {"REFUND": N_("Refund"), "STORE_CREDIT": N_("Store credit"), "EXCHANGE": N_("Exchange")}
REASONS = {
    "DAMAGED": N_("Damaged"),
    "DEFECTIVE": N_("Defective"),
    "WRONG_ITEM": N_("Wrong item"),
    "NOT_AS_DESCRIBED": N_("Not as described"),
    "SIZE_OR_FIT": N_("Size or fit"),
    "NO_LONGER_NEEDED": N_("No longer needed"),
    "ARRIVED_LATE": N_("Arrived late"),
    "OTHER": N_("Other"),
}


def _word(words: dict[str, str], value: str, locale: MessageLocale) -> str:
    known = words.get(value)
    return locale.gettext(known) if known else value.replace("_", " ").capitalize()


def render_return_slip(doc: ReturnSlipDocument, locale: MessageLocale = ENGLISH) -> bytes:
    """Pure: the same return in the same language always renders to the same bytes (the PDF date is the request's)."""
    _ = locale.gettext

    def build(page: Page) -> None:
        page.header_block(
            _("RETURN SLIP"),
            [
                (_("RMA number"), doc.number),
                (_("Order"), doc.order_number),
                (_("Requested"), format_date(doc.requested_at, locale)),
                (_("Resolution"), _word(RESOLUTIONS, doc.resolution, locale)),
            ],
            (_("Send to"), doc.ship_to),
            (_("From"), doc.sender),
        )
        page.lines_table(
            COLUMNS,
            [
                (
                    line.sku,
                    line.description,
                    format_quantity(line.quantity, locale),
                    _word(REASONS, line.reason, locale),
                )
                for line in doc.lines
            ],
        )
        if doc.resolution != "EXCHANGE":
            refund = format_money(doc.refund_total, doc.currency, locale)
            page.totals_block([Total(_("Refund once received"), refund, bold=True)])
            page.ln(2)
        page.paragraph(_("RMA %(number)s") % {"number": doc.number}, size=16, bold=True, align=Align.C)
        page.ln(2)
        page.paragraph(
            _(
                "Put this slip in the parcel and write the RMA number on the outside. Parcels without it may be refused."
            ),
            size=9,
            align=Align.C,
        )

    return render(_("Return %(number)s") % {"number": doc.number}, doc.requested_at, doc.ship_to.name, build, locale)
