"""The account statement page in a real browser: from the account home, this month's balances and entries, a
period the server refuses with its error next to the field, the PDF downloaded, and the same in German."""

import io
import re
from datetime import UTC, datetime, timedelta

import httpx
from playwright.async_api import Page, expect
from pypdf import PdfReader

from app.config import Settings
from app.runtime import Runtime
from app.services import store_credit
from models.credit import CreditTransactionReason
from models.customer import Role
from tests.live import live_server
from tests.portal.browser import PASSWORD, Watched, browser_test, chromium, sign_in, watched_page
from tests.portal.test_browser_payments import open_by_address, open_from_home
from tests.support import Api, login, make_customer

pytestmark = browser_test

ME = "{ me { id } }"
ADJUST = """mutation($i: AdjustStoreCreditInput!) { adjustStoreCredit(input: $i) { userErrors { code } } }"""
RECORD_PAYMENT = """mutation($i: RecordAccountPaymentInput!) {
  recordAccountPayment(input: $i) { userErrors { code } } }"""
SET_LANGUAGE = """mutation($i: UpdateSettingsInput!) { updateSettings(input: $i) { userErrors { code } } }"""


async def last_month_credit(rt: Runtime, customer_id: object) -> None:
    """100.00 EUR credited on the last day of last month (UTC): this month's opening balance."""
    first_of_month = datetime.now(UTC).replace(day=1, hour=12, minute=0, second=0, microsecond=0)
    async with rt.db.unit_of_work() as session:
        account = await store_credit.locked_account(session, customer_id, "EUR")  # type: ignore[arg-type]
        entry = await store_credit.post(session, account, 10000, CreditTransactionReason.ADJUSTMENT, note="Welcome")
        entry.created_at = first_of_month - timedelta(days=1)


async def download_text(page: Page, name: str) -> str:
    async with page.expect_download() as info:
        await page.get_by_role("link", name=name).click()
    download = await info.value
    path = await download.path()
    assert download.suggested_filename.startswith("statement-EUR-")
    content = path.read_bytes()
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages)
    return text.replace("\xa0", " ").replace("\u202f", " ")


async def test_the_statement_page_in_english_and_german_with_its_pdf(
    portal_settings: Settings, port: int, setup_rt: Runtime
) -> None:
    customer = await make_customer(setup_rt, first_name="Ada", password=PASSWORD)
    admin = await make_customer(setup_rt, roles=(Role.CUSTOMER, Role.ADMIN), password=PASSWORD)
    await last_month_credit(setup_rt, customer.id)
    with live_server(portal_settings, port) as server:
        async with httpx.AsyncClient(base_url=server.http_url, timeout=10) as client:
            api = Api(client)
            token = await login(api, customer.email, PASSWORD)
            customer_gid = (await api.ok(ME, token=token))["me"]["id"]
            admin_token = await login(api, admin.email, PASSWORD)
            spent = {"i": {"customerId": customer_gid, "amount": "-30.00", "note": "Goodwill corrected"}}
            assert (await api.ok(ADJUST, spent, token=admin_token))["adjustStoreCredit"]["userErrors"] == []
            paid = {"i": {"customerId": customer_gid, "amount": "12.50", "reference": "SEPA 118"}}
            assert (await api.ok(RECORD_PAYMENT, paid, token=admin_token))["recordAccountPayment"]["userErrors"] == []
        async with chromium() as browser:
            watched: Watched = await watched_page(browser)
            page = watched.page
            await page.goto(f"{server.http_url}/account/login")
            await sign_in(page, customer.email, PASSWORD)
            await open_from_home(watched, "Account statement Store credit", "Account statement", "statement-en")
            totals = page.locator(".statement-totals")
            await expect(totals).to_contain_text(re.compile(r"Opening balance on .*€100\.00"))
            await expect(totals).to_contain_text("Credits€12.50")
            await expect(totals).to_contain_text("Debits-€30.00")
            await expect(totals).to_contain_text(re.compile(r"Closing balance on .*€82\.50"))
            rows = page.locator(".statement-entries tbody tr")
            await expect(rows).to_have_count(2)
            await expect(rows.nth(0)).to_contain_text("Adjustment · Goodwill corrected")
            await expect(rows.nth(1)).to_contain_text("Payment received · SEPA 118")
            await expect(rows.nth(1)).to_contain_text("€82.50")
            await expect(page.get_by_label("Currency", exact=True)).to_have_value("EUR")

            text = await download_text(page, "Download PDF")
            for expected in (
                "STATEMENT",
                "Opening balance on",
                "100.00 EUR",
                "82.50 EUR",
                "Payment received · SEPA 118",
            ):
                assert expected in text, (expected, text)

            # Last month: the credit alone; a period the server refuses says why next to the field.
            await watched.opens_with_one_request(
                page.get_by_role("link", name="Last month").click(), "Account statement"
            )
            await expect(rows).to_have_count(1)
            await expect(totals).to_contain_text(re.compile(r"Closing balance on .*€100\.00"))
            await page.get_by_label("From", exact=True).fill("2026-03-02")
            await page.get_by_label("To", exact=True).fill("2026-03-01")
            await page.get_by_role("button", name="Show statement").click()
            await expect(page.locator('[data-error-for="to"]')).to_have_text(
                "The period must end on or after its first day."
            )
            await expect(page.get_by_label("To", exact=True)).to_have_attribute("aria-invalid", "true")
            await watched.check("statement-error-en")

            async with httpx.AsyncClient(base_url=server.http_url, timeout=10) as client:
                changed = await Api(client).ok(SET_LANGUAGE, {"i": {"language": "de-DE"}}, token=token)
                assert changed["updateSettings"] == {"userErrors": []}
            await open_by_address(watched, f"{server.http_url}/account/store-credit/statement", "Kontoauszug")
            await expect(totals).to_contain_text(re.compile(r"Anfangssaldo am .*100,00\s€"))
            await expect(totals).to_contain_text(re.compile(r"Endsaldo am .*82,50\s€"))
            await expect(rows.nth(1)).to_contain_text("Zahlung eingegangen · SEPA 118")
            await watched.check("statement-de")
            text = await download_text(page, "PDF herunterladen")
            for expected in ("KONTOAUSZUG", "Anfangssaldo am", "100,00 €", "82,50 €", "Zahlung eingegangen · SEPA 118"):
                assert expected in text, (expected, text)
            watched.assert_clean()
