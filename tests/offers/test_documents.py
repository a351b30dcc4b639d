"""The offer PDF behind a signed link, and `me.offers` with nested relations read through dataloaders."""

import io
import uuid
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from pypdf import PdfReader
from strawberry import relay

from app.runtime import Runtime
from app.services import invoices, offers
from tests.offers.helpers import accept, new_offer, offer_node
from tests.support import Api, Caller, Mailbox, count_statements, text_body


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def node_id(global_id: str) -> str:
    return relay.GlobalID.from_id(global_id).node_id


async def test_the_offer_pdf_downloads_by_signed_link(api: Api, staff: Caller, customer: Caller) -> None:
    offer = await new_offer(api, staff, customer, note="Delivery within 5 days")
    response = await api.client.get(path_of(offer["pdfUrl"]))
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["cache-control"] == "no-store"
    assert f'filename="offer-{offer["number"]}.pdf"' in response.headers["content-disposition"]
    text = pdf_text(response.content)
    for expected in (offer["number"], "MUG-001", "T-shirt", "65.54 EUR", "7.54 EUR", "Delivery within 5 days"):
        assert expected in text, expected
    assert offer["validUntil"][:10] in text
    # Once accepted the PDF says so.
    accepted = (await accept(api, customer, offer["id"]))["offer"]
    assert "ACCEPTED" in pdf_text((await api.client.get(path_of(accepted["pdfUrl"]))).content)


async def test_the_offer_pdf_names_the_buyers_address_and_the_tax_per_rate(
    api: Api, rt: Runtime, staff: Caller, customer: Caller
) -> None:
    created = await api.ok(
        "mutation($i: CreateAddressInput!) { createAddress(input: $i) { userErrors { code } } }",
        {
            "i": {
                "firstName": "Zoë",
                "lastName": "Łukasiewicz",
                "company": "Żółw Sp. z o.o.",
                "line1": "ul. Żółta 7",
                "city": "Warszawa",
                "postalCode": "00-001",
                "countryCode": "PL",
            }
        },
        token=customer.token,
    )
    assert created["createAddress"]["userErrors"] == []
    offer = await new_offer(api, staff, customer)
    text = pdf_text((await api.client.get(path_of(offer["pdfUrl"]))).content)
    for expected in (
        "Zoë Łukasiewicz",
        "Żółw Sp. z o.o.",
        "ul. Żółta 7",
        "00-001 Warszawa",
        "PL",
        customer.customer.email,
    ):
        assert expected in text, expected
    assert f"Tax ID: {rt.settings.seller_tax_id}" in text
    assert "Tax breakdown per rate" in text
    assert "7 % 29.00 EUR 2.03 EUR" in text
    assert "19 % 29.00 EUR 5.51 EUR" in text


async def test_tampered_expired_or_moved_offer_links_are_refused(
    api: Api, rt: Runtime, staff: Caller, customer: Caller, other_customer: Caller
) -> None:
    mine = await new_offer(api, staff, customer)
    theirs = await new_offer(api, staff, other_customer)
    url = path_of(mine["pdfUrl"])
    query = parse_qs(urlsplit(url).query)
    tampered = url.replace(query["signature"][0], query["signature"][0][:-2] + "AA")
    assert (await api.client.get(tampered)).status_code == 403
    longer = url.replace(f"expires={query['expires'][0]}", f"expires={int(query['expires'][0]) + 3600}")
    assert (await api.client.get(longer)).status_code == 403
    # My link's signature does not open another customer's offer, nor an invoice with the same id.
    moved = url.replace(node_id(mine["id"]), node_id(theirs["id"]))
    assert (await api.client.get(moved)).status_code == 403
    as_invoice = url.replace(f"/files/{offers.OFFER_LINK}/", f"/files/{invoices.INVOICE_LINK}/")
    assert (await api.client.get(as_invoice)).status_code == 403
    expired = invoices.links(rt).url(offers.OFFER_LINK, node_id(mine["id"]), datetime.now(UTC) - timedelta(seconds=1))
    answer = await api.client.get(path_of(expired))
    assert (answer.status_code, answer.json()["errors"][0]["extensions"]["code"]) == (410, "LINK_EXPIRED")
    assert (await api.client.get(path_of(offers.offer_url(rt, uuid.uuid4())))).status_code == 404
    assert (await api.client.get(url.replace("signature=", "sig="))).status_code == 403
    # The other customer never sees my offer, so never gets a link to it.
    assert await offer_node(api, other_customer, mine["id"]) is None


async def test_my_offers_with_lines_and_orders_take_the_same_statements_for_1_or_5(
    api: Api, rt: Runtime, staff: Caller, customer: Caller
) -> None:
    query = "{ me { offers { edges { node { number lines { sku } order { number } } } } } }"

    async def accepted_offer() -> None:
        offer = await new_offer(api, staff, customer)
        assert (await accept(api, customer, offer["id"]))["userErrors"] == []

    await accepted_offer()
    with count_statements(rt) as one:
        data = await api.ok(query, token=customer.token)
    assert len(data["me"]["offers"]["edges"]) == 1
    for _ in range(4):
        await accepted_offer()
    await new_offer(api, staff, customer)  # one not accepted: no order to read
    with count_statements(rt) as six:
        data = await api.ok(query, token=customer.token)
    edges = data["me"]["offers"]["edges"]
    assert len(edges) == 6
    assert edges[0]["node"]["order"] is None
    assert all(edge["node"]["order"]["number"] == f"#{edge['node']['number']}" for edge in edges[1:])
    assert all([line["sku"] for line in edge["node"]["lines"]] == ["MUG-001", "TEE-1"] for edge in edges)
    assert len(one) == len(six), six
    # session, roles, the customer, the page of offers, then one batch each: lines, orders
    assert len(six) <= 6, six
    tables = " ".join(six)
    assert "FROM order_line" not in tables
    assert "FROM invoice" not in tables


@pytest.mark.parametrize(("zone", "language"), [("Pacific/Kiritimati", "en"), ("Asia/Tokyo", "de")])
async def test_an_offer_valid_until_the_end_of_the_calendar_is_written_sent_and_printed(
    api: Api, staff: Caller, customer: Caller, mailbox: Mailbox, zone: str, language: str
) -> None:
    # 9999-12-31 23:59 UTC has no date on a clock ahead of UTC: the mail, the PDF and the revision show it in
    # UTC, where writing the offer's mail failed (an INTERNAL_SERVER_ERROR).
    settings = "mutation($i: UpdateSettingsInput!) { updateSettings(input: $i) { userErrors { code } } }"
    changed = await api.ok(settings, {"i": {"timezone": zone, "language": language}}, token=customer.token)
    assert changed["updateSettings"]["userErrors"] == []
    offer = await new_offer(api, staff, customer, validUntil="9999-12-31T23:59:59+00:00")
    assert offer["validUntil"].startswith("9999-12-31T23:59:59")
    mail = await mailbox.wait_for(customer.customer.email, offer["number"])
    assert "9999" in text_body(mail)
    response = await api.client.get(path_of(offer["pdfUrl"]))
    assert response.status_code == 200
    assert "9999" in pdf_text(response.content)
