"""The account statement: one currency of a customer's on-account ledger over a period, with the balance it
opened and closed at and every entry in between. Drawn with the shared layout (app.documents.layout)."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from itertools import chain

from babel.dates import format_date as babel_date
from fpdf.enums import Align

from app.documents.layout import Column, Page, Total, render
from app.documents.model import Party, clip, format_date, format_money
from app.i18n import ENGLISH, N_, SOURCE_LANGUAGE, MessageLocale


@dataclass(frozen=True, slots=True)
class StatementEntry:
    created_at: datetime
    reason: str  # the ledger's reason code (PAYMENT, REFUND, ADJUSTMENT, PAYMENT_RECEIVED)
    reference: str | None
    note: str | None
    amount: int  # signed minor units: credit positive, spending negative
    balance_after: int


@dataclass(frozen=True, slots=True)
class StatementDocument:
    currency: str
    first_day: date  # the period, both days included, on the customer's clock
    last_day: date
    issued_at: datetime  # when the statement was printed (the PDF's creation date)
    seller: Party
    customer: Party
    opening_balance: int
    total_credits: int  # positive
    total_debits: int  # negative or zero
    closing_balance: int
    entries: Iterable[StatementEntry]  # oldest first; read once, while the table is drawn


TOTALS_WIDTH = 130  # mm: room for "Closing balance on <date>" on one line

COLUMNS = (
    Column(N_("Date"), 16),
    Column(N_("Description"), 46),
    Column(N_("Amount"), 19, Align.R),
    Column(N_("Balance"), 19, Align.R),
)

# The words for the ledger's reasons (English msgids); a reason we have no word for prints as it is stored.
REASONS = {
    "PAYMENT": N_("Payment"),
    "REFUND": N_("Refund"),
    "ADJUSTMENT": N_("Adjustment"),
    "PAYMENT_RECEIVED": N_("Payment received"),
}


def describe(entry: StatementEntry, locale: MessageLocale) -> str:
    """The reason in the reader's language, then the reference and note as they were written."""
    known = REASONS.get(entry.reason)
    words = locale.gettext(known) if known else entry.reason.replace("_", " ").capitalize()
    return " · ".join(clip(part) for part in (words, entry.reference, entry.note) if part)


def format_day_of(day: date, locale: MessageLocale) -> str:
    """A calendar day the way documents print dates (app.i18n.format_day): ISO in English, '16.12.2026' in German."""
    return day.isoformat() if locale.language == SOURCE_LANGUAGE else babel_date(day, "medium", locale=locale.babel)


def render_statement(doc: StatementDocument, locale: MessageLocale = ENGLISH) -> bytes:
    """Pure: the same statement in the same language always renders to the same bytes."""
    _ = locale.gettext

    def money(amount: int) -> str:
        return format_money(amount, doc.currency, locale)

    first, last = format_day_of(doc.first_day, locale), format_day_of(doc.last_day, locale)

    def build(page: Page) -> None:
        page.header_block(
            _("STATEMENT"),
            [
                (_("Currency"), doc.currency),
                (_("Period"), f"{first} \u2013 {last}"),
                (_("Issue date"), format_date(doc.issued_at, locale)),
            ],
            (_("From"), doc.seller),
            (_("Account holder"), doc.customer),
        )
        page.totals_block(
            [Total(_("Opening balance on %(date)s") % {"date": first}, money(doc.opening_balance))], width=TOTALS_WIDTH
        )
        entries = iter(doc.entries)
        head = next(entries, None)
        if head is None:
            page.paragraph(_("No entries in this period."))
            page.ln(6)
        else:
            page.lines_table(
                COLUMNS,
                (
                    (format_date(e.created_at, locale), describe(e, locale), money(e.amount), money(e.balance_after))
                    for e in chain((head,), entries)
                ),
            )
        page.totals_block(
            [
                Total(_("Opening balance"), money(doc.opening_balance)),
                Total(_("Credits"), money(doc.total_credits)),
                Total(_("Debits"), money(doc.total_debits)),
                Total(_("Closing balance on %(date)s") % {"date": last}, money(doc.closing_balance), bold=True),
            ],
            width=TOTALS_WIDTH,
        )

    title = _("Statement %(currency)s %(first)s to %(last)s") % {"currency": doc.currency, "first": first, "last": last}
    return render(title, doc.issued_at, doc.seller.name, build, locale)
