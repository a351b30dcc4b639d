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


def render_invoice(doc: InvoiceDocument) -> bytes:
    def money(amount: int) -> str:
        return format_money(amount, doc.currency)

    def build(page: Page) -> None:
        page.header_block(
            "INVOICE",
            [
                ("Invoice number", doc.number),
                ("Issue date", format_date(doc.issued_at)),
                ("Order", doc.order_number),
                *supply_date(doc.ordered_at, doc.delivered_at),
            ],
            ("From", doc.seller),
            ("Bill to", doc.buyer),
        )
        page.lines_table(ITEM_COLUMNS, item_rows(doc.lines, doc.currency))
        totals = [Total("Subtotal", money(doc.subtotal))]
        if doc.discount_total:
            totals.append(Total("Discount", money(-doc.discount_total)))
        totals += [
            Total("Shipping", money(doc.shipping_total)),
            Total("Tax", money(doc.tax_total)),
            Total("Total", money(doc.total), bold=True),
            Total("Amount paid", money(doc.amount_paid)),
        ]
        if doc.amount_due == 0:
            status = "PAID" + (f" on {format_date(doc.paid_at)}" if doc.paid_at else "")
        else:
            status = f"AMOUNT DUE {money(doc.amount_due)}"
        page.totals_block(totals, rates=tax_breakdown(doc.lines), currency=doc.currency, status=status)

    return render(f"Invoice {doc.number}", doc.issued_at, doc.seller.name, build)


def render_receipt(doc: ReceiptDocument) -> bytes:
    def build(page: Page) -> None:
        meta = [("Receipt number", doc.number), ("Date paid", format_date(doc.paid_at))]
        if doc.order_number:
            meta.append(("Order", doc.order_number))
        page.header_block(
            "RECEIPT",
            meta + supply_date(doc.ordered_at, doc.delivered_at),
            ("From", doc.seller),
            ("Received from", doc.buyer),
        )
        page.totals_block(
            [
                Total("Amount paid", format_money(doc.amount, doc.currency), bold=True),
                Total("Payment method", clip(mask_card_numbers(doc.method))),
                Total("Payment for", clip(doc.reference)),
            ],
            width=page.epw,
        )
        page.ln(4)
        page.paragraph("Thank you for your payment. This receipt confirms that the amount above was received.", size=9)

    return render(f"Receipt {doc.number}", doc.paid_at, doc.seller.name, build)
