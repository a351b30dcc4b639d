"""Invoices and receipts: sequential numbers per year, PDFs behind short-lived signed links."""

import io
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

from pypdf import PdfReader
from sqlalchemy import select
from sqlmodel import col

from app.documents.model import format_date
from app.runtime import Runtime
from app.services import invoices
from models.order import OrderStatus, OrderStatusChange
from models.payment import Invoice, Payment
from tests.orders.helpers import UPDATE_STATUS, order_input, order_key, push
from tests.payments.helpers import ORDER_PAYMENTS, codes, pay_order, save_card
from tests.support import Api, Caller


async def placed(api: Api, key: str, email: str, **changes: Any) -> dict[str, Any]:
    order: dict[str, Any] = (await push(api, key, order_input(uuid.uuid4().hex[:8], email, **changes)))["order"]
    return order


async def invoice_of(api: Api, caller: Caller, order_id: str) -> dict[str, Any]:
    invoice: dict[str, Any] = (await api.ok(ORDER_PAYMENTS, {"id": order_id}, token=caller.token))["node"]["invoice"]
    return invoice


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


async def test_every_order_gets_the_next_invoice_number_of_the_year(api: Api, rt: Runtime, customer: Caller) -> None:
    key = await order_key(rt)
    numbers = []
    for _ in range(3):
        order = await placed(api, key, customer.customer.email)
        numbers.append((await invoice_of(api, customer, order["id"]))["number"])
    year = datetime.now(UTC).year
    assert numbers == [f"{year}-000001", f"{year}-000002", f"{year}-000003"]
    paid_at_the_till = await placed(api, key, customer.customer.email, status="PAID", channel="POS")
    invoice = await invoice_of(api, customer, paid_at_the_till["id"])
    assert (invoice["number"], invoice["status"], invoice["amountDue"]["amount"]) == (f"{year}-000004", "PAID", "0.00")
    # Paid elsewhere, as the order system reports: nothing is due any more.
    unpaid = await placed(api, key, customer.customer.email)
    await api.ok(UPDATE_STATUS, {"i": {"orderId": unpaid["id"], "status": "PAID"}}, token=key)
    assert (await invoice_of(api, customer, unpaid["id"]))["status"] == "PAID"


async def test_invoice_and_receipt_pdfs_download_by_signed_link(api: Api, rt: Runtime, customer: Caller) -> None:
    key = await order_key(rt)
    order = await placed(
        api,
        key,
        customer.customer.email,
        billingAddress={
            "firstName": "Zoë",
            "lastName": "Łukasiewicz",
            "line1": "Hauptstr. 1",
            "city": "Berlin",
            "postalCode": "10115",
            "countryCode": "DE",
        },
    )
    invoice = await invoice_of(api, customer, order["id"])
    response = await api.client.get(path_of(invoice["downloadUrl"]))
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["cache-control"] == "no-store"
    text = pdf_text(response.content)
    for expected in (invoice["number"], "Zoë Łukasiewicz", "MUG-001", "TEE-1", rt.settings.seller_name):
        assert expected in text, expected
    assert "AMOUNT DUE" in text

    method = (await save_card(api, customer.token, "tok_visa"))["paymentMethod"]["id"]
    paid = await pay_order(api, customer.token, order["id"], "receipt-key-1", paymentMethodId=method)
    receipt = await api.client.get(path_of(paid["payment"]["receiptUrl"]))
    assert receipt.status_code == 200
    receipt_text = pdf_text(receipt.content)
    assert paid["payment"]["receiptNumber"] in receipt_text
    assert "4242" in receipt_text
    assert "4242 4242" not in receipt_text
    assert "PAID" in pdf_text((await api.client.get(path_of(paid["invoice"]["downloadUrl"]))).content)


async def test_documents_print_the_sellers_tax_id_and_the_date_of_supply(
    api: Api, rt: Runtime, customer: Caller
) -> None:
    key = await order_key(rt)
    order = await placed(api, key, customer.customer.email)
    invoice = await invoice_of(api, customer, order["id"])
    text = pdf_text((await api.client.get(path_of(invoice["downloadUrl"]))).content)
    assert "Tax ID: DE123456789" in text
    # Not delivered yet: the order date, labelled as such, never passed off as a delivery date.
    assert "Order date 2026-11-20" in text
    assert "Delivery date" not in text

    method = (await save_card(api, customer.token, "tok_visa"))["paymentMethod"]["id"]
    paid = await pay_order(api, customer.token, order["id"], "supply-date-1", paymentMethodId=method)
    receipt_number = paid["payment"]["receiptNumber"]
    assert receipt_number == f"PAY-{invoice['number']}-1"
    receipt = pdf_text((await api.client.get(path_of(paid["payment"]["receiptUrl"]))).content)
    for expected in (receipt_number, "Tax ID: DE123456789", "Order date 2026-11-20", order["number"]):
        assert expected in receipt, expected

    for status in ("PROCESSING", "SHIPPED", "DELIVERED"):
        moved = await api.ok(UPDATE_STATUS, {"i": {"orderId": order["id"], "status": status}}, token=key)
        assert moved["updateOrderStatus"]["userErrors"] == []
    async with rt.db.read() as session:
        delivered = await session.scalar(
            select(col(OrderStatusChange.created_at)).where(col(OrderStatusChange.to_status) == OrderStatus.DELIVERED)
        )
    assert delivered is not None
    text = pdf_text((await api.client.get(path_of(invoice["downloadUrl"]))).content)
    assert f"Delivery date {format_date(delivered)}" in text
    assert "Order date" not in text
    receipt = pdf_text((await api.client.get(path_of(paid["payment"]["receiptUrl"]))).content)
    assert f"Delivery date {format_date(delivered)}" in receipt


async def test_receipt_numbers_issued_before_the_new_prefix_stay_as_they_are(
    api: Api, rt: Runtime, customer: Caller
) -> None:
    order = await placed(api, await order_key(rt), customer.customer.email)
    method = (await save_card(api, customer.token, "tok_visa"))["paymentMethod"]["id"]
    paid = await pay_order(api, customer.token, order["id"], "old-receipt-1", paymentMethodId=method)
    old_number = f"R{paid['invoice']['number']}-1"  # the format receipts had before "PAY-"
    async with rt.db.unit_of_work() as session:
        payment = (await session.execute(select(Payment))).scalar_one()
        payment.receipt_number = old_number
        # An invoice issued before SELLER_TAX_ID was configured: the PDF still names the seller's tax id.
        stored = (await session.execute(select(Invoice))).scalar_one()
        stored.seller = {**stored.seller, "tax_id": None}
    payments = (await api.ok(ORDER_PAYMENTS, {"id": order["id"]}, token=customer.token))["node"]["payments"]
    assert [p["receiptNumber"] for p in payments] == [old_number]
    receipt = pdf_text((await api.client.get(path_of(paid["payment"]["receiptUrl"]))).content)
    assert f"Receipt number {old_number}" in receipt
    assert "PAY-" not in receipt
    assert "Tax ID: DE123456789" in receipt


async def test_expired_tampered_or_moved_links_are_refused(
    api: Api, rt: Runtime, customer: Caller, other_customer: Caller
) -> None:
    key = await order_key(rt)
    mine = await invoice_of(api, customer, (await placed(api, key, customer.customer.email))["id"])
    theirs_order = await placed(api, key, other_customer.customer.email)
    theirs = await invoice_of(api, other_customer, theirs_order["id"])
    url = path_of(mine["downloadUrl"])
    query = parse_qs(urlsplit(url).query)

    tampered = url.replace(query["signature"][0], query["signature"][0][:-2] + "AA")
    assert (await api.client.get(tampered)).status_code == 403
    longer = url.replace(f"expires={query['expires'][0]}", f"expires={int(query['expires'][0]) + 3600}")
    assert (await api.client.get(longer)).status_code == 403
    # The signature of my invoice does not open another customer's.
    their_id = uuid.UUID(_node_id(theirs["id"]))
    moved = url.replace(str(uuid.UUID(_node_id(mine["id"]))), str(their_id))
    assert (await api.client.get(moved)).status_code == 403
    expired = invoices.links(rt).url(
        invoices.INVOICE_LINK, _node_id(mine["id"]), datetime.now(UTC) - timedelta(seconds=1)
    )
    answer = await api.client.get(path_of(expired))
    assert (answer.status_code, answer.json()["errors"][0]["extensions"]["code"]) == (410, "LINK_EXPIRED")
    # A genuine link to nothing, and a receipt link for an invoice id.
    nothing = invoices.invoice_url(rt, uuid.uuid4())
    assert (await api.client.get(path_of(nothing))).status_code == 404
    assert (await api.client.get(path_of(invoices.receipt_url(rt, their_id)))).status_code == 404
    assert (await api.client.head(url)).status_code in (403, 405)
    # Another customer never sees my invoice, so never gets a link to it.
    assert (await api.ok("query($id: ID!) { node(id: $id) { id } }", {"id": mine["id"]}, token=other_customer.token))[
        "node"
    ] is None


async def test_a_paid_invoice_is_not_paid_again(api: Api, rt: Runtime, customer: Caller) -> None:
    order = await placed(api, await order_key(rt), customer.customer.email, status="PAID")
    method = (await save_card(api, customer.token, "tok_visa"))["paymentMethod"]["id"]
    assert codes(await pay_order(api, customer.token, order["id"], "paid-key-12", paymentMethodId=method)) == [
        "ALREADY_PAID"
    ]


def _node_id(global_id: str) -> str:
    from strawberry import relay

    return relay.GlobalID.from_id(global_id).node_id


async def test_a_guest_orders_invoice_follows_the_order_to_its_account(api: Api, rt: Runtime) -> None:
    from tests.support import login, make_customer

    key = await order_key(rt)
    email = f"guest-{uuid.uuid4().hex[:8]}@example.com"
    value = order_input("guest-inv", email, status="PAID")
    await push(api, key, value)
    row = await make_customer(rt, email_address=email)  # registers and confirms the address later
    token = await login(api, email, "a perfectly fine passphrase")
    order = (await push(api, key, value))["order"]  # sent again: now matched to the account
    assert order["isGuestOrder"] is False
    invoice = (await api.ok(ORDER_PAYMENTS, {"id": order["id"]}, token=token))["node"]["invoice"]
    found = await api.ok(
        "query($id: ID!) { node(id: $id) { ... on Invoice { number } } }", {"id": invoice["id"]}, token=token
    )
    assert found["node"] == {"number": invoice["number"]}
    assert row.email == email
