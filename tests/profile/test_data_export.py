"""exportMyData: everything held about the customer, nothing of anyone else's, no secrets; the link."""

import json
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select

from app.runtime import Runtime
from app.services.data_export import EXCLUDED_COLUMNS, LINK_KIND, child_tables, customer_tables, links
from app.services.products import ProductData, upsert_products
from models.base import utcnow
from models.security import STAFF_WORK
from tests.orders.helpers import order_input, order_key, push
from tests.support import Api, Caller, Mailbox, count_statements, text_body
from tests.tickets.helpers import REPLY, call, open_ticket
from tests.tickets.test_internal_notes import NOTE

EXPORT = """mutation { exportMyData {
  dataExport { id createdAt expiresAt downloadUrl downloadCount } userErrors { field message code } } }"""
EXPORTS = "{ me { dataExports { id downloadCount lastDownloadedAt } } }"


async def fill_every_area(api: Api, rt: Runtime, caller: Caller, tag: str) -> None:
    """Data in each self-service area that exists: profile, address, settings, consents, wishlist, views,
    an affiliate request; sign-ins and security events come with them."""
    token = caller.token
    await upsert_products(rt, [ProductData(f"P-{tag}", f"Product {tag}", 990, "EUR")])
    steps: list[tuple[str, dict[str, Any]]] = [
        (
            "mutation($i: UpdateProfileInput!) { updateProfile(input: $i) { userErrors { code } } }",
            {"i": {"lastName": f"Last{tag}", "company": f"Company {tag}", "dateOfBirth": "1990-04-05"}},
        ),
        (
            "mutation($i: CreateAddressInput!) { createAddress(input: $i) { userErrors { code } } }",
            {
                "i": {
                    "countryCode": "DE",
                    "line1": f"Street {tag}",
                    "city": "Berlin",
                    "postalCode": "10115",
                    "phone": "+4930123456",
                }
            },
        ),
        (
            "mutation($i: UpdateSettingsInput!) { updateSettings(input: $i) { userErrors { code } } }",
            {"i": {"language": "de-DE", "currency": "EUR", "timezone": "Europe/Berlin"}},
        ),
        (
            "mutation($i: SetConsentInput!) { setConsent(input: $i) { userErrors { code } } }",
            {"i": {"purpose": "MARKETING_EMAIL", "granted": True, "policyVersion": "2026-01", "source": "test"}},
        ),
        (
            "mutation($i: AddToWishlistInput!) { addToWishlist(input: $i) { userErrors { code } } }",
            {"i": {"sku": f"P-{tag}"}},
        ),
        (
            "mutation($i: RecordProductViewInput!) { recordProductView(input: $i) { userErrors { code } } }",
            {"i": {"sku": f"P-{tag}"}},
        ),
        (
            "mutation($i: RequestAffiliateStatusInput!) { requestAffiliateStatus(input: $i) { userErrors { code } } }",
            {"i": {"message": f"affiliate {tag}"}},
        ),
    ]
    for query, variables in steps:
        result = await api.ok(query, variables, token=token)
        assert all(not payload["userErrors"] for payload in result.values()), result


async def download(api: Api, url: str) -> Any:
    response = await api.client.get(url)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    assert response.headers["content-disposition"].startswith('attachment; filename="my-data-')
    assert response.headers["cache-control"] == "no-store"
    return response


async def test_export_holds_everything_about_the_customer_and_nothing_else(
    api: Api, rt: Runtime, customer: Caller, other_customer: Caller, staff: Caller, mailbox: Mailbox
) -> None:
    await fill_every_area(api, rt, customer, "mine")
    # Staff work on the account (an internal note, an answer) is the audit log's, not the customer's.
    ticket = await open_ticket(api, customer.token)
    assert (await call(api, NOTE, staff.token, ticketId=ticket["id"], body="internal only"))["userErrors"] == []
    assert (await call(api, REPLY, staff.token, ticketId=ticket["id"], body="On its way."))["userErrors"] == []
    await fill_every_area(api, rt, other_customer, "theirs")
    key = await order_key(rt)
    await push(api, key, order_input("mine-1", customer.customer.email))
    await push(api, key, order_input("theirs-1", other_customer.customer.email))
    await api.ok(
        "mutation($i: UpdateProfileInput!) { updateProfile(input: $i) { userErrors { code } } }",
        {"i": {"phone": "+14155550199"}},
        token=customer.token,
    )
    payload = (await api.ok(EXPORT, token=customer.token))["exportMyData"]
    assert payload["userErrors"] == []
    url = payload["dataExport"]["downloadUrl"]
    assert url.startswith(f"{rt.settings.effective_public_url}/files/{LINK_KIND}/")

    # The link is mailed to the account's address (in the German the settings above chose), and works.
    message = await mailbox.wait_for(customer.customer.email, "Ihr Datenexport ist bereit")
    assert url in text_body(message)

    response = await download(api, url)
    document = response.json()
    text = response.text
    assert "internal only" not in text
    assert document["format"] == "customer-accounts-export/1"
    me = document["customer"]
    assert (me["email"], me["last_name"], me["phone"], me["date_of_birth"]) == (
        customer.customer.email,
        "Lastmine",
        "+14155550199",
        "1990-04-05",
    )
    # Every table that names a customer is in the export, with every row of this customer's.
    tables = document["tables"]
    assert set(tables) == {t.name for t in customer_tables()} | {t.name for t, _, _ in child_tables()}
    assert "security_alert" not in tables
    assert not EXCLUDED_COLUMNS & set(me)
    async with rt.db.read() as session:
        for table in customer_tables():
            theirs = table.c.customer_id == customer.customer.id
            if table.name == "security_event":
                staff_work = await session.execute(
                    select(func.count()).select_from(table).where(theirs, table.c.type.in_(list(STAFF_WORK)))
                )
                assert staff_work.scalar_one() == 2  # the note and the answer: held, and left out below
                theirs = theirs & table.c.type.not_in(list(STAFF_WORK))
            held = (await session.execute(select(func.count()).select_from(table).where(theirs))).scalar_one()
            assert len(tables[table.name]) == held, table.name
            assert all(row["customer_id"] == str(customer.customer.id) for row in tables[table.name])
    order_ids = {row["id"] for row in tables["customer_order"]}
    assert len(order_ids) == 1
    assert len(tables["order_line"]) == 2
    assert {row["order_id"] for row in tables["order_line"] + tables["order_status_change"]} == order_ids
    for area in [
        "address",
        "customer_settings",
        "consent_event",
        "wishlist_item",
        "product_view",
        "affiliate_request",
        "auth_session",
        "security_event",
        "customer_role",
        "data_export",
        "customer_order",
    ]:
        assert tables[area], f"no {area} rows exported"
    assert tables["address"][0]["phone"] == "+4930123456"
    # Nothing of the other customer's, and no secret or ciphertext of anyone's.
    assert str(other_customer.customer.id) not in text
    assert other_customer.customer.email not in text
    assert "theirs" not in text
    assert "$argon2" not in text
    assert "v1." not in text  # ciphertexts look like v1.<kid>.…
    assert not any(key.endswith(("_hash", "_encrypted", "_index")) for key in me)
    for rows in tables.values():
        for row in rows:
            assert not any(key.endswith(("_hash", "_encrypted", "_index")) for key in row)

    exports = (await api.ok(EXPORTS, token=customer.token))["me"]["dataExports"]
    assert [e["downloadCount"] for e in exports] == [1]
    assert exports[0]["lastDownloadedAt"] is not None


async def test_download_reads_in_a_bounded_number_of_statements(api: Api, rt: Runtime, customer: Caller) -> None:
    consent = "mutation($i: SetConsentInput!) { setConsent(input: $i) { userErrors { code } } }"

    async def statements_for_download() -> int:
        url = (await api.ok(EXPORT, token=customer.token))["exportMyData"]["dataExport"]["downloadUrl"]
        with count_statements(rt) as statements:
            await download(api, url)
        return len(statements)

    few = await statements_for_download()
    for n in range(12):
        await api.ok(
            consent,
            {"i": {"purpose": "DATA_SHARING", "granted": n % 2 == 0, "policyVersion": str(n)}},
            token=customer.token,
        )
    many = await statements_for_download()
    # The link check and its bookkeeping, the customer, then one query per table: never per row.
    assert few == many
    assert many <= len(customer_tables()) + len(child_tables()) + 8


async def test_tampered_expired_and_foreign_links_are_refused(
    api: Api, rt: Runtime, customer: Caller, other_customer: Caller
) -> None:
    url = (await api.ok(EXPORT, token=customer.token))["exportMyData"]["dataExport"]["downloadUrl"]
    theirs = (await api.ok(EXPORT, token=other_customer.token))["exportMyData"]["dataExport"]
    path, _, query = url.partition("?")
    their_path = theirs["downloadUrl"].partition("?")[0]
    tampered = [
        f"{path}?{query[:-2]}xx",  # signature changed
        f"{their_path}?{query}",  # my signature on their export
        path,  # no signature at all
        f"{path}?expires=9999999999&{query.partition('&')[2]}",  # expiry pushed out
        f"{path}?expires=abc&signature=x",
    ]
    for bad in tampered:
        response = await api.client.get(bad)
        assert (response.status_code, response.json()["errors"][0]["extensions"]["code"]) == (403, "LINK_INVALID"), bad
        assert "customer" not in response.text

    export_id = path.rsplit("/", 1)[1]
    expired = links(rt).url(LINK_KIND, export_id, utcnow() - timedelta(seconds=1))
    response = await api.client.get(expired)
    assert (response.status_code, response.json()["errors"][0]["extensions"]["code"]) == (410, "LINK_EXPIRED")
    unknown = links(rt).url(LINK_KIND, "00000000-0000-0000-0000-000000000000", utcnow() + timedelta(minutes=5))
    assert (await api.client.get(unknown)).status_code == 404
    forged_id = links(rt).url(LINK_KIND, "not-a-uuid", utcnow() + timedelta(minutes=5))
    assert (await api.client.get(forged_id)).status_code == 403

    # Another customer's export does not resolve by id; nothing was downloaded.
    node = await api.ok(f'{{ node(id: "{theirs["id"]}") {{ id }} }}', token=customer.token)
    assert node["node"] is None
    assert [e["downloadCount"] for e in (await api.ok(EXPORTS, token=customer.token))["me"]["dataExports"]] == [0]


async def test_exports_per_day_are_limited_and_need_a_signed_in_customer(
    api: Api, rt: Runtime, customer: Caller
) -> None:
    for _ in range(rt.settings.data_exports_per_day):
        assert (await api.ok(EXPORT, token=customer.token))["exportMyData"]["userErrors"] == []
    refused = (await api.ok(EXPORT, token=customer.token))["exportMyData"]
    assert refused["dataExport"] is None
    assert [e["code"] for e in refused["userErrors"]] == ["TOO_MANY_EXPORTS"]
    assert len((await api.ok(EXPORTS, token=customer.token))["me"]["dataExports"]) == rt.settings.data_exports_per_day
    assert (await api(EXPORT)).error_codes == ["UNAUTHENTICATED"]


async def test_downloads_per_export_are_capped_and_head_does_not_count(api: Api, rt: Runtime, customer: Caller) -> None:
    url = (await api.ok(EXPORT, token=customer.token))["exportMyData"]["dataExport"]["downloadUrl"]
    assert (await api.client.head(url)).status_code == 405
    for _ in range(rt.settings.data_export_max_downloads):
        await download(api, url)
    assert (await api.client.get(url)).status_code == 410
    # Odd digits and overlong values are refused as invalid, never a server error.
    path = url.partition("?")[0]
    for query in ["expires=%C2%B2&signature=x", "expires=" + "9" * 40 + "&signature=x", "signature=" + "a" * 5000]:
        assert (await api.client.get(f"{path}?{query}")).status_code == 403


async def test_staff_never_see_a_customers_download_link(
    api: Api, rt: Runtime, customer: Caller, staff: Caller
) -> None:
    export_id = (await api.ok(EXPORT, token=customer.token))["exportMyData"]["dataExport"]["id"]
    query = f'{{ node(id: "{export_id}") {{ ... on DataExport {{ id downloadUrl }} }} }}'
    assert (await api.ok(query, token=staff.token))["node"] == {"id": export_id, "downloadUrl": None}
    assert (await api.ok(query, token=customer.token))["node"]["downloadUrl"]


async def test_deleting_the_account_ends_its_export_links(api: Api, rt: Runtime, customer: Caller) -> None:
    url = (await api.ok(EXPORT, token=customer.token))["exportMyData"]["dataExport"]["downloadUrl"]
    deleted = await api.ok(
        "mutation($i: DeleteAccountInput!) { deleteAccount(input: $i) { deleted } }",
        {"i": {"password": customer.password}},
        token=customer.token,
    )
    assert deleted["deleteAccount"]["deleted"] is True
    response = await api.client.get(url)
    assert (response.status_code, response.json()["errors"][0]["extensions"]["code"]) == (404, "NOT_FOUND")
    assert json.loads(response.text)["errors"][0]["message"]
