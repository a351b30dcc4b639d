"""Account statements (me.accountStatement): the on-account ledger in one currency over a period of days, its
balances, entries and totals, the errors for a bad period, who may read whose, and the PDF behind a signed link."""

import io
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

from pypdf import PdfReader

from app.runtime import Runtime
from app.services import invoices, statements, store_credit
from models.credit import CreditTransactionReason
from tests.i18n.test_mail_language import speaks
from tests.support import Api, Caller, count_statements

MONEY = "{ amount currencyCode }"
STATEMENT = f"""query($currency: CurrencyCode!, $from: Date!, $to: Date!, $first: Int = 20, $after: String) {{
  me {{ accountStatement(currencyCode: $currency, from: $from, to: $to) {{
    statement {{ currencyCode from to timezone entryCount downloadUrl
      openingBalance {MONEY} totalCredits {MONEY} totalDebits {MONEY} closingBalance {MONEY}
      entries(first: $first, after: $after) {{ pageInfo {{ hasNextPage endCursor }}
        edges {{ node {{ reason reference note createdAt amount {MONEY} balanceAfter {MONEY} }} }} }} }}
    userErrors {{ field message code }} }} }} }}"""
NODE_STATEMENT = """query($id: ID!) { node(id: $id) { ... on Customer {
  accountStatement(currencyCode: EUR, from: "2026-02-01", to: "2026-02-28") {
    statement { entryCount closingBalance { amount } } userErrors { code } } } } }"""
CURRENCIES = "{ me { storeCreditCurrencies } }"
SETTINGS = "mutation($i: UpdateSettingsInput!) { updateSettings(input: $i) { userErrors { code } } }"
ADJUST = """mutation($i: AdjustStoreCreditInput!) { adjustStoreCredit(input: $i) { userErrors { code } } }"""


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


async def post(
    rt: Runtime,
    caller: Caller,
    when: str,
    amount: int,
    reason: CreditTransactionReason = CreditTransactionReason.ADJUSTMENT,
    currency: str = "EUR",
    reference: str | None = None,
    note: str | None = None,
) -> None:
    """A ledger entry posted the way the services post them, dated `when` (UTC)."""
    async with rt.db.unit_of_work() as session:
        account = await store_credit.locked_account(session, caller.customer.id, currency)
        entry = await store_credit.post(session, account, amount, reason, reference=reference, note=note)
        entry.created_at = at(when)


async def ask(api: Api, caller: Caller, first_day: str, last_day: str, currency: str = "EUR", **extra: Any) -> Any:
    variables = {"currency": currency, "from": first_day, "to": last_day, **extra}
    return (await api.ok(STATEMENT, variables, token=caller.token))["me"]["accountStatement"]


def amounts(found: dict[str, Any]) -> dict[str, str]:
    keys = ("openingBalance", "totalCredits", "totalDebits", "closingBalance")
    return {key: found[key]["amount"] for key in keys}


def pdf_text(content: bytes) -> str:
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    return text.replace("\xa0", " ").replace("\u202f", " ")


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


async def january_to_march(rt: Runtime, caller: Caller) -> None:
    """Entries on both sides of February's edges (UTC), and one in another currency."""
    await post(rt, caller, "2026-01-10T12:00:00", 10000, reference="goodwill")
    await post(rt, caller, "2026-01-31T23:59:59.999999", -2500, CreditTransactionReason.PAYMENT, reference="invoice 1")
    await post(rt, caller, "2026-02-01T00:00:00", -1999, CreditTransactionReason.PAYMENT, reference="invoice 2")
    await post(rt, caller, "2026-02-14T09:30:00", 5000, CreditTransactionReason.PAYMENT_RECEIVED, reference="SEPA-77")
    await post(rt, caller, "2026-02-28T23:59:59.999999", 1999, CreditTransactionReason.REFUND, note="order cancelled")
    await post(rt, caller, "2026-03-01T00:00:00", -700, CreditTransactionReason.PAYMENT, reference="invoice 3")
    await post(rt, caller, "2026-02-10T10:00:00", 99900, currency="USD")


async def test_the_opening_balance_is_everything_before_the_period_and_the_entries_exactly_its_days(
    api: Api, rt: Runtime, customer: Caller
) -> None:
    await january_to_march(rt, customer)
    answer = await ask(api, customer, "2026-02-01", "2026-02-28")
    assert answer["userErrors"] == []
    found = answer["statement"]
    assert (found["currencyCode"], found["from"], found["to"], found["timezone"]) == (
        "EUR",
        "2026-02-01",
        "2026-02-28",
        "UTC",
    )
    assert amounts(found) == {
        "openingBalance": "75.00",  # 100.00 - 25.00, the last of it a microsecond before February
        "totalCredits": "69.99",
        "totalDebits": "-19.99",
        "closingBalance": "125.00",
    }
    entries = [edge["node"] for edge in found["entries"]["edges"]]
    assert [(e["reason"], e["amount"]["amount"], e["balanceAfter"]["amount"]) for e in entries] == [
        ("PAYMENT", "-19.99", "55.01"),
        ("PAYMENT_RECEIVED", "50.00", "105.01"),
        ("REFUND", "19.99", "125.00"),
    ]
    assert [e["reference"] for e in entries] == ["invoice 2", "SEPA-77", None]
    assert entries[2]["note"] == "order cancelled"
    assert found["entryCount"] == 3
    # The closing balance is the last entry's balance after it, and the next period opens with it.
    march = (await ask(api, customer, "2026-03-01", "2026-03-31"))["statement"]
    assert amounts(march)["openingBalance"] == "125.00"
    assert amounts(march)["closingBalance"] == "118.00"
    # One day at each edge.
    assert (await ask(api, customer, "2026-01-31", "2026-01-31"))["statement"]["entryCount"] == 1
    assert (await ask(api, customer, "2026-02-28", "2026-02-28"))["statement"]["entryCount"] == 1
    usd = (await ask(api, customer, "2026-02-01", "2026-02-28", currency="USD"))["statement"]
    assert (amounts(usd)["closingBalance"], usd["entryCount"]) == ("999.00", 1)
    assert (await api.ok(CURRENCIES, token=customer.token))["me"]["storeCreditCurrencies"] == ["EUR", "USD"]


async def test_the_days_are_the_customers_own_when_they_set_a_time_zone(
    api: Api, rt: Runtime, customer: Caller
) -> None:
    await january_to_march(rt, customer)
    await speaks(api, customer, "en", "Europe/Berlin")
    found = (await ask(api, customer, "2026-02-01", "2026-02-28"))["statement"]
    # Berlin is UTC+1 in winter: 23:59:59 UTC on 31 January is already 1 February there, and 23:59:59 UTC on
    # 28 February is 1 March.
    assert found["timezone"] == "Europe/Berlin"
    assert [edge["node"]["reference"] for edge in found["entries"]["edges"]] == ["invoice 1", "invoice 2", "SEPA-77"]
    assert amounts(found)["openingBalance"] == "100.00"
    assert amounts(found)["closingBalance"] == "105.01"


async def test_an_empty_period_and_a_currency_without_an_account_read_as_zero(
    api: Api, rt: Runtime, customer: Caller
) -> None:
    await january_to_march(rt, customer)
    quiet = (await ask(api, customer, "2026-05-01", "2026-05-31"))["statement"]
    assert amounts(quiet) == {
        "openingBalance": "118.00",
        "totalCredits": "0.00",
        "totalDebits": "0.00",
        "closingBalance": "118.00",
    }
    assert quiet["entries"]["edges"] == []
    assert quiet["entryCount"] == 0
    yen = (await ask(api, customer, "2026-02-01", "2026-02-28", currency="JPY"))["statement"]
    assert amounts(yen) == dict.fromkeys(amounts(yen), "0")  # JPY has no minor unit
    assert yen["currencyCode"] == "JPY"
    assert yen["entries"]["edges"] == []
    response = await api.client.get(path_of(yen["downloadUrl"]))
    assert response.status_code == 200
    assert "No entries in this period." in pdf_text(response.content)


async def test_long_periods_are_paged_oldest_first_with_nothing_lost_or_repeated(
    api: Api, rt: Runtime, customer: Caller
) -> None:
    start = at("2026-03-01T08:00:00")
    for index in range(25):
        await post(rt, customer, (start + timedelta(hours=index)).isoformat()[:19], 100 + index)
    seen: list[str] = []
    after = None
    while True:
        found = (await ask(api, customer, "2026-03-01", "2026-03-31", first=10, after=after))["statement"]
        page = found["entries"]
        seen += [edge["node"]["createdAt"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert len(seen) == 25 == len(set(seen)) == found["entryCount"]
    assert seen == sorted(seen)
    assert amounts(found)["totalCredits"] == str(Decimal(sum(100 + i for i in range(25))).scaleb(-2))
    # The totals are one query, whatever the number of entries; more than 100 a page is refused.
    with count_statements(rt) as executed:
        await ask(api, customer, "2026-03-01", "2026-03-31", first=1)
    with count_statements(rt) as executed_more:
        await ask(api, customer, "2026-03-01", "2026-03-31", first=100)
    assert len(executed) == len(executed_more)
    refused = await api(
        STATEMENT, {"currency": "EUR", "from": "2026-03-01", "to": "2026-03-31", "first": 101}, customer.token
    )
    assert refused.error_codes == ["BAD_USER_INPUT"]


async def test_bad_periods_and_currencies_are_typed_errors(api: Api, rt: Runtime, customer: Caller) -> None:
    backwards = await ask(api, customer, "2026-02-02", "2026-02-01")
    assert backwards["statement"] is None
    assert [(e["code"], e["field"]) for e in backwards["userErrors"]] == [("INVALID_PERIOD", ["to"])]
    too_long = await ask(api, customer, "2024-01-01", "2025-01-01")  # 367 days
    assert [(e["code"], e["field"]) for e in too_long["userErrors"]] == [("PERIOD_TOO_LONG", ["to"])]
    assert (await ask(api, customer, "2024-01-01", "2024-12-31"))["userErrors"] == []  # a leap year: 366 days
    ancient = await ask(api, customer, "0001-01-01", "0001-01-02")
    assert [(e["code"], e["field"]) for e in ancient["userErrors"]] == [("INVALID_PERIOD", ["from"])]
    for currency in ("EURO", "eur", "XXX", ""):
        result = await api(STATEMENT, {"currency": currency, "from": "2026-02-01", "to": "2026-02-28"}, customer.token)
        assert (result.data, result.error_codes) == (None, ["BAD_USER_INPUT"]), currency
    result = await api(STATEMENT, {"currency": "EUR", "from": "2026-02-30", "to": "2026-03-01"}, customer.token)
    assert result.data is None
    assert result.error_codes == ["BAD_USER_INPUT"]
    anonymous = await api(STATEMENT, {"currency": "EUR", "from": "2026-02-01", "to": "2026-02-28"})
    assert anonymous.data == {"me": None}


async def test_another_customers_ledger_is_never_visible_but_staff_read_it_through_the_customer(
    api: Api, rt: Runtime, customer: Caller, other_customer: Caller, staff: Caller
) -> None:
    await january_to_march(rt, customer)
    theirs = (await ask(api, other_customer, "2026-02-01", "2026-02-28"))["statement"]
    assert theirs["entryCount"] == 0
    assert amounts(theirs)["closingBalance"] == "0.00"
    assert (await api.ok(CURRENCIES, token=other_customer.token))["me"]["storeCreditCurrencies"] == []
    # Through the node of my customer record: nothing for another customer, everything for staff.
    assert (await api.ok(NODE_STATEMENT, {"id": customer.gid}, token=other_customer.token))["node"] is None
    seen = (await api.ok(NODE_STATEMENT, {"id": customer.gid}, token=staff.token))["node"]["accountStatement"]
    assert seen["statement"] == {"entryCount": 3, "closingBalance": {"amount": "125.00"}}


async def test_the_pdf_link_is_signed_and_prints_the_balances_in_the_customers_language(
    api: Api, rt: Runtime, customer: Caller, other_customer: Caller, admin: Caller
) -> None:
    await january_to_march(rt, customer)
    # One entry through the API as well, so the PDF shows what an administrator's adjustment writes.
    adjusted = await api.ok(
        ADJUST, {"i": {"customerId": customer.gid, "amount": "1.00", "note": "Kulanz"}}, token=admin.token
    )
    assert adjusted["adjustStoreCredit"]["userErrors"] == []
    found = (await ask(api, customer, "2026-02-01", "2026-02-28"))["statement"]
    url = path_of(found["downloadUrl"])
    assert url.startswith(f"/files/statement/{customer.customer.id}.EUR.20260201.20260228?expires=")

    response = await api.client.get(url)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["cache-control"] == "no-store"
    assert 'filename="statement-EUR-20260201-20260228.pdf"' in response.headers["content-disposition"]
    text = pdf_text(response.content)
    for expected in (
        "STATEMENT",
        "2026-02-01 \u2013 2026-02-28",
        "Opening balance on 2026-02-01 75.00 EUR",
        "Closing balance on 2026-02-28 125.00 EUR",
        "Credits 69.99 EUR",
        "Debits -19.99 EUR",
        "Payment received · SEPA-77",
        "Refund · order cancelled",
        customer.customer.email,
    ):
        assert expected in text, (expected, text)
    assert "invoice 1" not in text
    assert "invoice 3" not in text

    await speaks(api, customer, "de", "Europe/Berlin")
    german = (await ask(api, customer, "2026-02-01", "2026-02-28"))["statement"]
    text = pdf_text((await api.client.get(path_of(german["downloadUrl"]), headers={"accept-language": "en"})).content)
    for expected in ("KONTOAUSZUG", "Anfangssaldo am 01.02.2026 100,00 €", "Endsaldo am 28.02.2026 105,01 €"):
        assert expected in text, (expected, text)
    assert "Opening balance" not in text

    # Tampered, stretched, moved to another customer or period, expired: refused, never another ledger.
    query = parse_qs(urlsplit(url).query)
    signature, expires = query["signature"][0], query["expires"][0]
    assert (await api.client.get(url.replace(signature, signature[:-2] + "AA"))).status_code == 403
    assert (await api.client.get(url.replace(expires, str(int(expires) + 3600)))).status_code == 403
    moved = url.replace(str(customer.customer.id), str(other_customer.customer.id))
    assert (await api.client.get(moved)).status_code == 403
    assert (await api.client.get(url.replace("20260228", "20261231"))).status_code == 403
    assert (await api.client.get(url.replace(".EUR.", ".USD."))).status_code == 403
    signed = invoices.links(rt)
    object_id = f"{customer.customer.id}.EUR.20260201.20260228"
    expired = await api.client.get(
        path_of(signed.url("statement", object_id, datetime.now(UTC) - timedelta(seconds=1)))
    )
    assert (expired.status_code, expired.json()["errors"][0]["extensions"]["code"]) == (410, "LINK_EXPIRED")
    # An invoice's link for the same id does not open a statement, and a genuine link to nobody is 404.
    invoice_signature = signed.url("invoice", object_id, signed.expiry(5))
    assert (await api.client.get(path_of(invoice_signature).replace("/invoice/", "/statement/"))).status_code == 403
    nobody = signed.url("statement", f"{uuid.uuid4()}.EUR.20260201.20260228", signed.expiry(5))
    assert (await api.client.get(path_of(nobody))).status_code == 404
    assert (await api.client.head(url)).status_code in (403, 405)


async def test_a_period_with_more_entries_than_a_pdf_prints_has_no_link(
    api: Api, rt: Runtime, customer: Caller, monkeypatch: Any
) -> None:
    monkeypatch.setattr(statements, "PDF_MAX_ENTRIES", 2)
    monkeypatch.setattr(statements, "_CHUNK", 1)
    await post(rt, customer, "2026-04-01T10:00:00", 100)
    await post(rt, customer, "2026-04-02T10:00:00", 200)
    found = (await ask(api, customer, "2026-04-01", "2026-04-30"))["statement"]
    url = path_of(found["downloadUrl"])
    text = pdf_text((await api.client.get(url)).content)  # read in chunks of one entry
    assert "Closing balance on 2026-04-30 3.00 EUR" in text
    await post(rt, customer, "2026-04-03T10:00:00", 300)
    assert (await ask(api, customer, "2026-04-01", "2026-04-30"))["statement"]["downloadUrl"] is None
    assert (await api.client.get(url)).status_code == 404  # grew past the limit since the link was made


async def test_without_arguments_it_is_this_month_so_far_in_the_customers_currency(
    api: Api, rt: Runtime, customer: Caller
) -> None:
    await speaks(api, customer, "en", "Pacific/Kiritimati")  # UTC+14: often a day ahead of UTC
    today = datetime.now(ZoneInfo("Pacific/Kiritimati")).date()
    await post(rt, customer, "2020-01-01T00:00:00", 4200, currency="CHF")
    settings = await api.ok(SETTINGS, {"i": {"currency": "CHF"}}, token=customer.token)
    assert settings["updateSettings"]["userErrors"] == []
    query = f"{{ me {{ accountStatement {{ statement {{ currencyCode from to openingBalance {MONEY} }} }} }} }}"
    found = (await api.ok(query, token=customer.token))["me"]["accountStatement"]["statement"]
    assert (found["currencyCode"], found["from"], found["to"]) == ("CHF", str(today.replace(day=1)), str(today))
    assert found["openingBalance"]["amount"] == "42.00"
