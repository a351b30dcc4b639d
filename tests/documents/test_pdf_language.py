"""The four PDFs in the reader's language and time zone: labels from the gettext catalogue, money, dates and tax
rates by Babel in their locale; English stays as it was."""

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from app.documents.offer import render_offer
from app.documents.pdf import ReceiptDocument, render_invoice, render_receipt
from app.documents.return_slip import render_return_slip
from app.i18n import ENGLISH, MessageLocale
from tests.documents.test_pdf import (
    BUYER,
    DELIVERED,
    ISSUED,
    ORDERED,
    SELLER,
    TWO_RATES,
    make_invoice,
    make_offer,
    make_slip,
    read,
    text_of,
)

GERMAN = MessageLocale.of("de", "Europe/Berlin")
SWISS = MessageLocale.of("de-CH", "Europe/Zurich")
# Late on 2 December in UTC is already 3 December on a Berlin or Zurich clock.
LATE = datetime(2026, 12, 2, 23, 30, tzinfo=UTC)
# English words of the documents that must not survive into a German one (whole words, as printed).
ENGLISH_WORDS = (
    "INVOICE", "RECEIPT", "OFFER", "RETURN SLIP", "Invoice number", "Issue date", "Subtotal", "Shipping",
    "Total", "Amount paid", "PAID", "AMOUNT DUE", "Tax breakdown", "Page 1 of", "Description", "Unit price",
    "Bill to", "Received from", "Payment method", "Payment for", "Store credit", "Valid until", "Delivery date",
    "Order date", "Tax ID", "Refund once received", "Damaged", "Send to", "Thank you",
)  # fmt: skip


def words(pdf: bytes) -> str:
    """The text with Babel's no-break spaces read as spaces (pypdf gives them back as they were drawn)."""
    return text_of(pdf).replace("\xa0", " ").replace("\u202f", " ")


def receipt(paid_at: datetime = ISSUED, method: str = "Visa •••• 4242") -> ReceiptDocument:
    return ReceiptDocument(
        number="R-2026-000017",  # a number issued before the "PAY-" prefix: printed as it is
        paid_at=paid_at,
        currency="EUR",
        amount=156_536,
        method=method,
        invoice_number="2026-000042",
        seller=SELLER,
        buyer=BUYER,
        order_number="ORD-7781",
        ordered_at=ORDERED,
        delivered_at=DELIVERED,
    )


def assert_no_english(text: str) -> None:
    left = [word for word in ENGLISH_WORDS if word in text]
    assert left == [], f"English left in a German document: {left}"


def test_a_german_invoice_writes_money_dates_and_rates_the_german_way() -> None:
    doc = replace(make_invoice(TWO_RATES, shipping=499, discount=1_000), issued_at=LATE, delivered_at=DELIVERED)
    pdf = render_invoice(doc, GERMAN)
    text = words(pdf)
    for expected in (
        "RECHNUNG",
        "Rechnungsnummer 2026-000042",
        "Rechnungsdatum 03.12.2026",  # the date on the customer's clock, not the UTC one
        "Lieferdatum 05.12.2026",
        "Bestellung ORD-7781",
        "RECHNUNG AN",
        "USt-IdNr.: DE123456789",
        "Artikelnr. Beschreibung Menge Einzelpreis MwSt. Netto",
        "CABLE Cable 1 1.234,50 € 19 % 1.234,50 €",
        "Zwischensumme 1.320,99 €",
        "Rabatt -10,00 €",
        "Versand 4,99 €",
        "Gesamt 1.560,35 €",
        "BEZAHLT am 02.12.2026",  # paid 09:35 UTC: still the 2nd in Berlin
        "Steuer je Steuersatz",
        "7 % 54,99 € 3,84 €",
        "19 % 1.266,00 € 240,53 €",
        "Seite 1 von 1",
    ):
        assert expected in text, expected
    assert_no_english(text)
    reader = read(pdf)
    assert reader.metadata is not None
    assert reader.metadata.title == "Rechnung 2026-000042"
    assert str(reader.root_object["/Lang"]) == "de"

    unpaid = words(render_invoice(make_invoice(TWO_RATES, paid=False), GERMAN))
    assert "OFFENER BETRAG 1.565,36 €" in unpaid
    assert "BEZAHLT" not in unpaid


def test_a_swiss_customer_reads_german_with_swiss_numbers() -> None:
    """de-CH: the German catalogue, Switzerland's own number format (as the mails write it)."""
    text = words(render_invoice(replace(make_invoice(TWO_RATES), issued_at=LATE), SWISS))
    for expected in (
        "RECHNUNG",
        "Rechnungsdatum 03.12.2026",
        "Gesamt EUR 1\u2019565.36",
        "19 % EUR 1\u2019266.00 EUR 240.53",
    ):
        assert expected in text, expected
    assert_no_english(text)


def test_a_german_receipt_translates_our_labels_but_prints_issued_numbers_as_they_are() -> None:
    text = words(render_receipt(receipt(paid_at=LATE), GERMAN))
    for expected in (
        "QUITTUNG",
        "Quittungsnummer R-2026-000017",
        "Bezahlt am 03.12.2026",
        "Lieferdatum 05.12.2026",
        "Bezahlter Betrag 1.565,36 €",
        "Zahlungsart Visa •••• 4242",
        "Zahlung für Rechnung 2026-000042",
        "Vielen Dank für Ihre Zahlung",
    ):
        assert expected in text, expected
    assert_no_english(text)
    assert "Zahlungsart Guthaben" in words(render_receipt(receipt(method="Store credit"), GERMAN))


def test_a_german_offer_with_its_validity_on_the_customers_clock() -> None:
    text = words(render_offer(make_offer(valid_until=LATE, state="ACCEPTED"), GERMAN))
    for expected in (
        "ANGEBOT",
        "Angebotsnummer Q-00001234",
        "Datum 02.12.2026",
        "Gültig bis 03.12.2026 00:30 MEZ",
        "FÜR",
        "7,5 % 29,00 € 2,17 €",  # one way of writing a rate: the locale's decimal comma
        "Gesamt 65,68 €",
        "Status: ANGENOMMEN",
        "Dieses Angebot ist gültig bis 03.12.2026 00:30 MEZ.",
    ):
        assert expected in text, expected
    assert_no_english(text)
    assert "Status" not in words(render_offer(make_offer(), GERMAN))


def test_a_german_return_slip() -> None:
    text = words(render_return_slip(make_slip(), GERMAN))
    for expected in (
        "RÜCKSENDESCHEIN",
        "RMA-Nummer R-00004711",
        "Lösung Erstattung",
        "MUG-RED Mug, red 1 Beschädigt",
        "10,50 €",
        "RMA R-00004711",
        "Legen Sie diesen Schein in das Paket",
    ):
        assert expected in text, expected
    assert_no_english(text)
    assert "Umtausch" in words(render_return_slip(make_slip(resolution="EXCHANGE"), GERMAN))


@pytest.mark.parametrize("kind", ["invoice", "receipt", "offer", "slip"])
def test_english_stays_english_and_the_default(kind: str) -> None:
    renderers: dict[str, Callable[[MessageLocale], bytes]] = {
        "invoice": lambda locale: render_invoice(make_invoice(TWO_RATES), locale),
        "receipt": lambda locale: render_receipt(receipt(), locale),
        "offer": lambda locale: render_offer(make_offer(), locale),
        "slip": lambda locale: render_return_slip(make_slip(), locale),
    }
    render = renderers[kind]
    english = render(ENGLISH)
    assert english == render(MessageLocale.of("fr-FR"))  # no catalogue: English, to the byte
    text = words(english)
    assert words(render(MessageLocale.of("en-GB"))) == text  # the same words and formats for every English reader
    assert "2026-12-0" in text
    assert "Page 1 of 1" in text
    assert "€" not in text
    assert " EUR" in text
    german = words(render(GERMAN))
    assert german != text
    assert "Seite 1 von 1" in german


def test_an_english_reader_in_new_york_gets_new_york_dates() -> None:
    new_york = MessageLocale.of("en-US", "America/New_York")
    text = words(render_offer(make_offer(created_at=LATE, valid_until=LATE), new_york))
    assert "Date 2026-12-02" in text
    assert "Valid until 2026-12-02 18:30 EST" in text
