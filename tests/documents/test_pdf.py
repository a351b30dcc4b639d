"""Invoice, receipt, offer and return slip PDFs (one shared layout), read back with pypdf."""

import io
import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import pytest
from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

from app.documents.model import clip, mask_card_numbers
from app.documents.offer import OfferDocument, render_offer
from app.documents.pdf import (
    DocumentLine,
    InvoiceDocument,
    Party,
    ReceiptDocument,
    TaxRateTotal,
    format_date,
    format_money,
    format_rate,
    render_invoice,
    render_receipt,
    tax_breakdown,
)
from app.documents.return_slip import ReturnSlipDocument, ReturnSlipLine, render_return_slip
from app.services.payments import RECEIPT_PREFIX

SELLER = Party(
    name="Łódź Ünïcode Handels GmbH",
    address_lines=("Hauptstraße 1", "10115 Berlin", "Germany"),
    email="billing@example.com",
    tax_id="DE123456789",
)
BUYER = Party(
    name="Zoë Łukasiewicz", address_lines=("ul. Żółta 7", "00-001 Warszawa", "Poland"), email="zoe@example.com"
)
ISSUED = datetime(2026, 12, 2, 9, 30, tzinfo=UTC)


def make_line(sku: str, quantity: int, unit_price: int, rate_bp: int, description: str = "Widget") -> DocumentLine:
    net = quantity * unit_price
    return DocumentLine(sku, description, quantity, unit_price, rate_bp, net * rate_bp // 10_000, net)


def make_invoice(
    lines: tuple[DocumentLine, ...], *, currency: str = "EUR", paid: bool = True, shipping: int = 0, discount: int = 0
) -> InvoiceDocument:
    subtotal = sum(line.total for line in lines)
    tax = sum(line.tax_amount for line in lines)
    total = subtotal - discount + shipping + tax
    return InvoiceDocument(
        number="2026-000042",
        issued_at=ISSUED,
        order_number="ORD-7781",
        currency=currency,
        seller=SELLER,
        buyer=BUYER,
        lines=lines,
        subtotal=subtotal,
        discount_total=discount,
        shipping_total=shipping,
        tax_total=tax,
        total=total,
        amount_paid=total if paid else 0,
        paid_at=ISSUED + timedelta(minutes=5) if paid else None,
    )


TWO_RATES = (
    make_line("BOOK-1", 2, 2_000, 700, "Paperback: A Field Guide to Invoices"),  # 40.00 net, 2.80 tax
    make_line("MUG-RED", 3, 1_050, 1900, "Mug, red"),  # 31.50 net, 5.98 tax (5.985 rounded down)
    make_line("BOOK-2", 1, 1_499, 700, "Hardcover"),  # 14.99 net, 1.04 tax (1.0493)
    make_line("CABLE", 1, 123_450, 1900, "Cable"),  # 1,234.50 net, 234.55 tax (234.555)
)


def read(pdf: bytes) -> PdfReader:
    assert pdf.startswith(b"%PDF-")
    return PdfReader(io.BytesIO(pdf))


def text_of(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in read(pdf).pages)


def test_tax_breakdown_one_row_per_rate_sorted() -> None:
    assert tax_breakdown(TWO_RATES) == [
        TaxRateTotal(rate_bp=700, net=4_000 + 1_499, tax=280 + 104),
        TaxRateTotal(rate_bp=1900, net=3_150 + 123_450, tax=598 + 23_455),
    ]


def test_tax_breakdown_edge_cases() -> None:
    assert tax_breakdown(()) == []
    zero = make_line("GIFT", 1, 500, 0)
    assert tax_breakdown([zero, zero]) == [TaxRateTotal(rate_bp=0, net=1_000, tax=0)]
    # A generator is fine; rates are ordered numerically, not by first appearance.
    rows = tax_breakdown(line for line in (make_line("A", 1, 100, 2500), make_line("B", 1, 100, 550)))
    assert [row.rate_bp for row in rows] == [550, 2500]


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [
        (123_450, "EUR", "1,234.50 EUR"),
        (5, "EUR", "0.05 EUR"),
        (0, "EUR", "0.00 EUR"),
        (-500, "EUR", "-5.00 EUR"),
        (1_234_567, "JPY", "1,234,567 JPY"),
        (1_234_567, "KWD", "1,234.567 KWD"),
        (0, "KWD", "0.000 KWD"),
        (100_000_000_00, "USD", "100,000,000.00 USD"),
    ],
)
def test_format_money(amount: int, currency: str, expected: str) -> None:
    assert format_money(amount, currency) == expected


def test_format_rate_and_date() -> None:
    assert [format_rate(bp) for bp in (1900, 700, 750, 0, 1000, 1)] == ["19 %", "7 %", "7.5 %", "0 %", "10 %", "0.01 %"]
    assert format_date(datetime(2026, 12, 2, 23, 30, tzinfo=timezone(timedelta(hours=-5)))) == "2026-12-03"
    assert format_date(datetime(2026, 12, 2, 23, 30)) == "2026-12-02"  # naive: already UTC


def test_clip_and_card_number_masking() -> None:
    assert clip("  Zoë\n Ł\tx  ") == "Zoë Ł x"
    assert clip("x" * 500, 10) == "x" * 9 + "…"
    assert mask_card_numbers("Visa •••• 4242") == "Visa •••• 4242"
    assert mask_card_numbers("Visa 4242 4242 4242 4242") == "Visa •••• 4242"
    assert mask_card_numbers("Amex 3782-822463-10005 exp 12/29") == "Amex •••• 0005 exp 12/29"
    assert mask_card_numbers("Store credit") == "Store credit"
    assert mask_card_numbers("Bank transfer ref 2026-000042") == "Bank transfer ref 2026-000042"


def test_invoice_contents() -> None:
    doc = make_invoice(TWO_RATES, shipping=499, discount=1_000)
    pdf = render_invoice(doc)
    reader = read(pdf)
    text = text_of(pdf)

    assert len(reader.pages) == 1
    width, height = reader.pages[0].mediabox.width, reader.pages[0].mediabox.height
    assert (round(float(width)), round(float(height))) == (595, 842)  # A4 in points
    assert reader.metadata is not None
    assert reader.metadata.title == "Invoice 2026-000042"
    assert reader.metadata.creation_date == ISSUED

    for expected in ("INVOICE", "2026-000042", "ORD-7781", "2026-12-02", "Zoë Łukasiewicz", "ul. Żółta 7"):
        assert expected in text
    assert "Łódź Ünïcode Handels GmbH" in text
    assert "Hauptstraße 1" in text
    assert "DE123456789" in text
    assert "€" not in text
    assert "Subtotal 1,320.99 EUR" in text
    assert "Discount -10.00 EUR" in text
    assert "Shipping 4.99 EUR" in text
    assert "Tax 244.37 EUR" in text
    assert "Total 1,560.35 EUR" in text
    assert "CABLE" in text
    assert "1,234.50 EUR" in text
    assert "Tax breakdown per rate" in text
    assert "7 % 54.99 EUR 3.84 EUR" in text
    assert "19 % 1,266.00 EUR 240.53 EUR" in text
    assert "PAID on 2026-12-02" in text
    assert "AMOUNT DUE" not in text
    assert "Page 1 of 1" in text


def test_unpaid_invoice_shows_amount_due() -> None:
    text = text_of(render_invoice(make_invoice(TWO_RATES, paid=False)))
    assert "AMOUNT DUE 1,565.36 EUR" in text
    assert "PAID" not in text
    assert "Amount paid 0.00 EUR" in text


def test_partly_paid_invoice_shows_the_rest_due() -> None:
    doc = replace(make_invoice(TWO_RATES), amount_paid=100_000)
    text = text_of(render_invoice(doc))
    assert "Amount paid 1,000.00 EUR" in text
    assert "AMOUNT DUE 565.36 EUR" in text
    assert "PAID" not in text


def test_jpy_has_no_decimals() -> None:
    lines = (make_line("TEA", 3, 1_200, 800), make_line("RICE", 1, 98_765, 1000))
    text = text_of(render_invoice(make_invoice(lines, currency="JPY")))
    assert "3,600 JPY" in text
    assert "98,765 JPY" in text
    assert "8 % 3,600 JPY 288 JPY" in text
    assert "10 % 98,765 JPY 9,876 JPY" in text
    assert "Total 112,529 JPY" in text
    assert not re.search(r"\d\.\d+ JPY", text)


def test_many_lines_flow_onto_further_pages() -> None:
    lines = tuple(
        make_line(f"SKU-{i:04d}", 1 + i % 3, 999 + i, 1900 if i % 2 else 700, "Long description " * (i % 9))
        for i in range(120)
    )
    pdf = render_invoice(make_invoice(lines))
    pages = read(pdf).pages
    assert len(pages) > 1
    text = text_of(pdf)
    for line in lines:
        assert line.sku in text
    assert f"Page 1 of {len(pages)}" in text
    assert f"Page {len(pages)} of {len(pages)}" in text
    # The column headings are repeated on every page the items continue on.
    assert all("SKU Description Qty" in page.extract_text() for page in pages[:-1])
    last = pages[-1].extract_text()
    assert "Tax breakdown per rate" in last
    assert "PAID" in last
    for row in tax_breakdown(lines):
        assert f"{format_rate(row.rate_bp)} {format_money(row.net, 'EUR')} {format_money(row.tax, 'EUR')}" in last


def test_long_values_are_wrapped_or_shortened() -> None:
    lines = (
        make_line("X" * 200, 1, 100, 1900, "Y" * 1_000),
        make_line("WRAP", 1, 100, 1900, "word " * 40 + "END"),
    )
    pdf = render_invoice(make_invoice(lines))
    text = text_of(pdf)
    assert len(read(pdf).pages) == 1
    assert "…" in text
    assert text.count("Y") < 400  # shortened, not printed in full
    assert "END" in text  # wrapped, not cut


def test_rendering_is_deterministic() -> None:
    doc = make_invoice(TWO_RATES)
    assert render_invoice(doc) == render_invoice(doc)


def test_receipt_contents() -> None:
    receipt = ReceiptDocument(
        number="R-2026-000017",
        paid_at=datetime(2026, 12, 2, 23, 59, tzinfo=timezone(timedelta(hours=-2))),
        currency="EUR",
        amount=156_536,
        method="Visa •••• 4242",
        invoice_number="2026-000042",
        seller=SELLER,
        buyer=BUYER,
    )
    pdf = render_receipt(receipt)
    reader = read(pdf)
    text = text_of(pdf)
    assert len(reader.pages) == 1
    assert reader.metadata is not None
    assert reader.metadata.title == "Receipt R-2026-000017"
    assert "RECEIPT" in text
    assert "R-2026-000017" in text
    assert "2026-12-03" in text  # the UTC date
    assert "Amount paid 1,565.36 EUR" in text
    assert "Payment method Visa •••• 4242" in text
    assert "Payment for Invoice 2026-000042" in text
    assert "Zoë Łukasiewicz" in text
    assert "Łódź Ünïcode Handels GmbH" in text


def test_receipt_never_prints_a_full_card_number() -> None:
    receipt = ReceiptDocument(
        number="R-1",
        paid_at=ISSUED,
        currency="JPY",
        amount=5_000,
        method="Visa 4242 4242 4242 4242",
        invoice_number="2026-000042",
        seller=SELLER,
        buyer=BUYER,
    )
    pdf = render_receipt(receipt)
    text = text_of(pdf)
    assert "Payment method Visa •••• 4242" in text
    assert "Amount paid 5,000 JPY" in text
    assert "4242 4242" not in text
    assert b"4242 4242" not in pdf


def _dictionary(obj: object) -> DictionaryObject:
    if isinstance(obj, IndirectObject):
        obj = obj.get_object()
    assert isinstance(obj, DictionaryObject)
    return obj


def test_fonts_are_embedded_subsets_of_the_bundled_dejavu() -> None:
    page = read(render_invoice(make_invoice(TWO_RATES))).pages[0]
    names = set()
    for ref in _dictionary(_dictionary(page["/Resources"])["/Font"]).values():
        font = _dictionary(ref)
        descendants = font["/DescendantFonts"]
        assert isinstance(descendants, ArrayObject)
        assert "/FontFile2" in _dictionary(_dictionary(descendants[0])["/FontDescriptor"])
        names.add(str(font["/BaseFont"]).split("+", 1)[1])
    assert names == {"DejaVuSansBook", "DejaVuSansBold"}  # the fonts' full names, spaces removed


# --- the shared layout: every document, its parties, numbers and dates -------------------------------------

DELIVERED = datetime(2026, 12, 5, 16, 0, tzinfo=UTC)
ORDERED = datetime(2026, 11, 28, 8, 0, tzinfo=UTC)
NON_LATIN = Party(name="Зоя Łódź Ελένη", address_lines=("Проспект Мира 1", "Αθήνα 105 57", "Greece"))


def make_offer(**changes: object) -> OfferDocument:
    lines = (make_line("MUG-001", 2, 1_450, 1900, "Mug"), make_line("TEE-1", 1, 2_900, 750, "T-shirt"))
    doc = OfferDocument(
        number="Q-00001234",
        created_at=ISSUED,
        valid_until=ISSUED + timedelta(days=14),
        state="NEW",
        currency="EUR",
        seller=SELLER,
        buyer=BUYER,
        lines=lines,
        subtotal=sum(line.total for line in lines),
        tax_total=sum(line.tax_amount for line in lines),
        total=sum(line.total + line.tax_amount for line in lines),
    )
    return replace(doc, **changes)  # type: ignore[arg-type]


def make_slip(**changes: object) -> ReturnSlipDocument:
    doc = ReturnSlipDocument(
        number="R-00004711",
        order_number="ORD-7781",
        requested_at=ISSUED,
        status="APPROVED",
        resolution="REFUND",
        currency="EUR",
        ship_to=SELLER,
        sender=BUYER,
        lines=(ReturnSlipLine("MUG-RED", "Mug, red", 1, "DAMAGED", 1_050),),
        refund_total=1_050,
    )
    return replace(doc, **changes)  # type: ignore[arg-type]


def test_invoice_prints_the_sellers_tax_id_and_the_delivery_date() -> None:
    doc = replace(make_invoice(TWO_RATES), ordered_at=ORDERED, delivered_at=DELIVERED)
    text = text_of(render_invoice(doc))
    assert "Tax ID: DE123456789" in text
    assert "Delivery date 2026-12-05" in text
    assert "Order date" not in text  # the delivery date is the date of supply once known


def test_undelivered_invoice_says_order_date_not_delivery_date() -> None:
    text = text_of(render_invoice(replace(make_invoice(TWO_RATES), ordered_at=ORDERED)))
    assert "Order date 2026-11-28" in text
    assert "Delivery date" not in text
    no_tax_id = replace(make_invoice(TWO_RATES), seller=replace(SELLER, tax_id=None))
    assert "Tax ID" not in text_of(render_invoice(no_tax_id))


def test_receipt_prints_tax_id_order_and_delivery_date() -> None:
    receipt = ReceiptDocument(
        number="PAY-2026-000042-1",
        paid_at=ISSUED,
        currency="EUR",
        amount=1_000,
        method="Store credit",
        invoice_number="2026-000042",
        seller=SELLER,
        buyer=BUYER,
        order_number="ORD-7781",
        ordered_at=ORDERED,
        delivered_at=DELIVERED,
    )
    text = text_of(render_receipt(receipt))
    for expected in ("Receipt number PAY-2026-000042-1", "Tax ID: DE123456789", "Order ORD-7781"):
        assert expected in text, expected
    assert "Delivery date 2026-12-05" in text
    undelivered = text_of(render_receipt(replace(receipt, delivered_at=None)))
    assert "Order date 2026-11-28" in undelivered
    assert "Delivery date" not in undelivered


def test_offer_shows_the_buyers_address_and_the_tax_per_rate() -> None:
    pdf = render_offer(make_offer())
    text = text_of(pdf)
    assert read(pdf).metadata is not None
    for expected in ("OFFER", "Offer number Q-00001234", "Valid until 2026-12-16", "Zoë Łukasiewicz"):
        assert expected in text, expected
    for expected in ("ul. Żółta 7", "00-001 Warszawa", "Poland", "zoe@example.com", "Tax ID: DE123456789"):
        assert expected in text, expected
    assert "Tax breakdown per rate" in text
    assert "7.5 % 29.00 EUR 2.17 EUR" in text  # the rate written as everywhere else
    assert "19 % 29.00 EUR 5.51 EUR" in text
    assert "Subtotal 58.00 EUR" in text
    assert "Total 65.68 EUR" in text
    assert "SKU Description Qty Unit price Tax Net" in text  # the invoice's item table
    assert "Status" not in text
    assert "Status: ACCEPTED" in text_of(render_offer(make_offer(state="ACCEPTED")))


def test_return_slip_in_the_shared_layout() -> None:
    text = text_of(render_return_slip(make_slip()))
    for expected in ("RETURN SLIP", "RMA number R-00004711", "Order ORD-7781", "Resolution Refund", "MUG-RED"):
        assert expected in text, expected
    assert "Damaged" in text
    assert "Refund once received 10.50 EUR" in text
    assert "ul. Żółta 7" in text
    assert "Hauptstraße 1" in text
    assert "Refund once received" not in text_of(render_return_slip(make_slip(resolution="EXCHANGE")))


def test_receipt_and_return_numbers_cannot_be_confused() -> None:
    # Return numbers keep "R-" (customers quote them from our mails); new receipts do not start with "R".
    assert RECEIPT_PREFIX == "PAY-"
    assert not RECEIPT_PREFIX.startswith("R")
    slip = text_of(render_return_slip(make_slip()))
    assert "R-00004711" in slip


@pytest.mark.parametrize("render", ["invoice", "receipt", "offer", "slip"])
def test_every_document_renders_non_latin_names(render: str) -> None:
    pdf = {
        "invoice": lambda: render_invoice(replace(make_invoice(TWO_RATES), buyer=NON_LATIN)),
        "receipt": lambda: render_receipt(
            ReceiptDocument("PAY-1-1", ISSUED, "EUR", 100, "Store credit", "1", SELLER, NON_LATIN)
        ),
        "offer": lambda: render_offer(make_offer(buyer=NON_LATIN)),
        "slip": lambda: render_return_slip(make_slip(sender=NON_LATIN)),
    }[render]()
    text = text_of(pdf)
    for expected in ("Зоя Łódź Ελένη", "Проспект Мира 1", "Αθήνα 105 57", "Łódź Ünïcode Handels GmbH"):
        assert expected in text, expected


def test_offer_and_slip_render_deterministically() -> None:
    assert render_offer(make_offer()) == render_offer(make_offer())
    assert render_return_slip(make_slip()) == render_return_slip(make_slip())
