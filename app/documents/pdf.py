"""Invoice and receipt PDFs, drawn with the shared layout (app.documents.layout)."""

from app.documents.layout import ITEM_COLUMNS, Page, Total, item_rows, render
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
    supply_date,
    tax_breakdown,
)
from app.i18n import ENGLISH, N_, MessageLocale

# The method label payments and refunds store for store credit (an English msgid, translated when printed).
STORE_CREDIT = N_("Store credit")

__all__ = [
    "STORE_CREDIT",
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


def render_invoice(doc: InvoiceDocument, locale: MessageLocale = ENGLISH) -> bytes:
    """Pure: the same invoice in the same language always renders to the same bytes."""
    _ = locale.gettext

    def money(amount: int) -> str:
        return format_money(amount, doc.currency, locale)

    def build(page: Page) -> None:
        page.header_block(
            _("INVOICE"),
            [
                (_("Invoice number"), doc.number),
                (_("Issue date"), format_date(doc.issued_at, locale)),
                (_("Order"), doc.order_number),
                *supply_date(doc.ordered_at, doc.delivered_at, locale),
            ],
            (_("From"), doc.seller),
            (_("Bill to"), doc.buyer),
        )
        page.lines_table(ITEM_COLUMNS, item_rows(doc.lines, doc.currency, locale))
        totals = [Total(_("Subtotal"), money(doc.subtotal))]
        if doc.discount_total:
            totals.append(Total(_("Discount"), money(-doc.discount_total)))
        totals += [
            Total(_("Shipping"), money(doc.shipping_total)),
            Total(_("Tax"), money(doc.tax_total)),
            Total(_("Total"), money(doc.total), bold=True),
            Total(_("Amount paid"), money(doc.amount_paid)),
        ]
        if doc.amount_due == 0 and doc.paid_at is not None:
            status = _("PAID on %(date)s") % {"date": format_date(doc.paid_at, locale)}
        elif doc.amount_due == 0:
            status = _("PAID")
        else:
            status = _("AMOUNT DUE %(amount)s") % {"amount": money(doc.amount_due)}
        page.totals_block(totals, rates=tax_breakdown(doc.lines), currency=doc.currency, status=status)

    title = _("Invoice %(number)s") % {"number": doc.number}
    return render(title, doc.issued_at, doc.seller.name, build, locale)


def render_receipt(doc: ReceiptDocument, locale: MessageLocale = ENGLISH) -> bytes:
    """Pure: the same receipt in the same language always renders to the same bytes."""
    _ = locale.gettext

    if doc.invoice_number is not None:
        purpose = _("Invoice %(number)s") % {"number": doc.invoice_number}
    else:
        purpose = _("Account balance in %(currency)s") % {"currency": doc.currency}

    def build(page: Page) -> None:
        meta = [(_("Receipt number"), doc.number), (_("Date paid"), format_date(doc.paid_at, locale))]
        if doc.order_number:
            meta.append((_("Order"), doc.order_number))
        page.header_block(
            _("RECEIPT"),
            meta + supply_date(doc.ordered_at, doc.delivered_at, locale),
            (_("From"), doc.seller),
            (_("Received from"), doc.buyer),
        )
        page.totals_block(
            [
                Total(_("Amount paid"), format_money(doc.amount, doc.currency, locale), bold=True),
                Total(_("Payment method"), clip(payment_method(doc.method, locale))),
                Total(_("Payment for"), clip(purpose)),
            ],
            width=page.epw,
        )
        page.ln(4)
        page.paragraph(
            _("Thank you for your payment. This receipt confirms that the amount above was received."), size=9
        )

    title = _("Receipt %(number)s") % {"number": doc.number}
    return render(title, doc.paid_at, doc.seller.name, build, locale)


def payment_method(method: str, locale: MessageLocale) -> str:
    """The method as the customer may see it: our own label ('Store credit') in their language, a card's brand and
    last four digits as they are (never a full card number)."""
    if method == STORE_CREDIT:
        return locale.gettext(STORE_CREDIT)
    return mask_card_numbers(method)
