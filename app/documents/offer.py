"""The offer (quote) PDF: number, validity, buyer address, lines, totals and the tax per rate, in the shared
layout (app.documents.layout)."""

from dataclasses import dataclass
from datetime import datetime

from app.documents.layout import ITEM_COLUMNS, Page, Total, item_rows, render
from app.documents.model import DocumentLine, Party, clip, format_date, format_money, tax_breakdown
from app.i18n import ENGLISH, N_, MessageLocale, format_day_and_time

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


# How a closed offer's state is stamped on it (English msgids); an open (NEW) offer has no stamp.
STATES = {
    "ACCEPTED": N_("ACCEPTED"),
    "REJECTED": N_("REJECTED"),
    "EXPIRED": N_("EXPIRED"),
    "PAID": N_("PAID"),
    "WITHDRAWN": N_("WITHDRAWN"),
}


def render_offer(doc: OfferDocument, locale: MessageLocale = ENGLISH) -> bytes:
    """Pure: the same offer in the same language always renders to the same bytes (the PDF date is the offer's)."""
    _ = locale.gettext
    valid_until = format_day_and_time(doc.valid_until, locale)

    def money(amount: int) -> str:
        return format_money(amount, doc.currency, locale)

    def build(page: Page) -> None:
        page.header_block(
            _("OFFER"),
            [
                (_("Offer number"), doc.number),
                (_("Date"), format_date(doc.created_at, locale)),
                (_("Valid until"), valid_until),
            ],
            (_("From"), doc.seller),
            (_("For"), doc.buyer),
        )
        page.lines_table(ITEM_COLUMNS, item_rows(doc.lines, doc.currency, locale))
        state = STATES.get(doc.state)
        page.totals_block(
            [
                Total(_("Subtotal"), money(doc.subtotal)),
                Total(_("Tax"), money(doc.tax_total)),
                Total(_("Total"), money(doc.total), bold=True),
            ],
            rates=tax_breakdown(doc.lines),
            currency=doc.currency,
            status=None
            if doc.state == "NEW"
            else _("Status: %(state)s") % {"state": _(state) if state else clip(doc.state, 32)},
        )
        if doc.note:
            page.paragraph(_("Note"), size=10.5, bold=True)
            page.paragraph(clip(doc.note, MAX_NOTE), size=9)
            page.ln(4)
        page.paragraph(
            _(
                "This offer is valid until %(valid_until)s. Accept it in your account; it then becomes an order for you to pay."
            )
            % {"valid_until": valid_until},
            size=9,
        )

    return render(_("Offer %(number)s") % {"number": doc.number}, doc.created_at, doc.seller.name, build, locale)
