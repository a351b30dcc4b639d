"""Every path that hands out a PDF prints it in the customer's language and time zone: the customer's own links,
and the links staff get for the customer's documents (the customer's language, not the staff member's)."""

import io
import uuid

import pytest
from pypdf import PdfReader

from app.runtime import Runtime
from tests.i18n.test_mail_language import speaks
from tests.offers.helpers import new_offer
from tests.orders.helpers import order_input, order_key, push
from tests.payments.helpers import ORDER_PAYMENTS, pay_order, save_card
from tests.returns.helpers import APPROVE, act, delivered_order, request_input, requested
from tests.support import Api, Caller

ENGLISH_ONLY = "en-US,en;q=0.9"


def words(content: bytes) -> str:
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    return text.replace("\xa0", " ").replace("\u202f", " ")


async def download(api: Api, url: str) -> str:
    """The PDF behind a signed link, asked for by someone whose browser reads English."""
    response = await api.client.get(url, headers={"accept-language": ENGLISH_ONLY})
    assert response.status_code == 200, response.text
    return words(response.content)


async def test_invoice_and_receipt_follow_the_customers_settings(api: Api, rt: Runtime, customer: Caller) -> None:
    await speaks(api, customer, "de-CH", "Europe/Zurich")
    order = (await push(api, await order_key(rt), order_input(uuid.uuid4().hex[:8], customer.customer.email)))["order"]
    invoice = (await api.ok(ORDER_PAYMENTS, {"id": order["id"]}, token=customer.token))["node"]["invoice"]
    text = await download(api, invoice["downloadUrl"])
    for expected in ("RECHNUNG", f"Rechnungsnummer {invoice['number']}", "Bestelldatum 20.11.2026", "OFFENER BETRAG"):
        assert expected in text, expected
    assert "Gesamt EUR 67.44" in text  # de-CH: German words, Switzerland's money format (as in the mails)
    assert "INVOICE" not in text
    assert "Subtotal" not in text

    card = (await save_card(api, customer.token, "tok_visa"))["paymentMethod"]["id"]
    paid = await pay_order(api, customer.token, order["id"], "de-receipt-1", paymentMethodId=card)
    receipt = await download(api, paid["payment"]["receiptUrl"])
    number = paid["payment"]["receiptNumber"]
    for expected in ("QUITTUNG", f"Quittungsnummer {number}", f"Zahlung für Rechnung {invoice['number']}"):
        assert expected in receipt, expected
    assert "BEZAHLT am" in await download(api, paid["invoice"]["downloadUrl"])


async def test_staff_download_the_customers_offer_and_slip_in_the_customers_language(
    api: Api, rt: Runtime, staff: Caller, customer: Caller, monkeypatch: pytest.MonkeyPatch
) -> None:
    await speaks(api, customer, "de", "Europe/Berlin")
    offer = await new_offer(api, staff, customer, validUntil="2031-07-01T22:30:00Z")  # staff's own answer
    text = await download(api, offer["pdfUrl"])
    for expected in ("ANGEBOT", f"Angebotsnummer {offer['number']}", "Gültig bis 02.07.2031 00:30 MESZ", "65,54 €"):
        assert expected in text, expected
    assert "7 % 29,00 € 2,03 €" in text

    monkeypatch.setattr(rt.settings, "return_auto_approve_limit", 0)
    order = await delivered_order(api, rt, customer)
    waiting = await requested(api, customer, request_input(order, 1, reason="WRONG_ITEM"))
    approved = await act(api, staff.token, APPROVE, returnId=waiting["id"])
    slip = await download(api, approved["return"]["slipUrl"])
    for expected in ("RÜCKSENDESCHEIN", f"RMA-Nummer {waiting['number']}", "Falscher Artikel", "Lösung Erstattung"):
        assert expected in slip, expected


async def test_a_customer_who_set_no_language_gets_english_whoever_downloads(
    api: Api, staff: Caller, customer: Caller
) -> None:
    offer = await new_offer(api, staff, customer)
    response = await api.client.get(offer["pdfUrl"], headers={"accept-language": "de-DE"})
    text = words(response.content)
    assert "OFFER" in text
    assert "65.54 EUR" in text
    assert "ANGEBOT" not in text
