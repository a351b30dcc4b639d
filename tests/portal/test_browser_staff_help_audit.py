"""The help centre and audit log of the staff console in a real browser.

A support agent writes a help article whose preview shows, as they type, what customers will read
(paragraphs and line breaks as the public page renders them), keeps it a draft (no anonymous reader finds
it), publishes it (the public search finds it, the public page reads as the preview did), edits it,
unpublishes and deletes it. An administrator reads the audit log of staff actions (who, what, on whom, why),
filters it, and handles a security alert; the agent sees only their own actions, in German, and is refused
the alerts."""

import re
import uuid
from datetime import UTC, datetime, timedelta

import httpx
from playwright.async_api import Page, expect

from app.config import Settings
from app.runtime import Runtime
from app.services.service_accounts import create_service_account
from models.base import utcnow
from models.customer import Role
from models.security import (
    SecurityAlert,
    SecurityAlertKind,
    SecurityEvent,
    SecurityEventOutcome,
    SecurityEventType,
)
from tests.live import live_server
from tests.portal.browser import PASSWORD, Watched, browser_test, chromium, sign_in_at, watched_page
from tests.portal.staff import make_staff, open_console
from tests.portal.test_operations import STAFF_OPERATIONS
from tests.support import Api, global_id, login, make_customer

pytestmark = browser_test

BODY = "Pack the parcel well.\nUse the label we mailed you.\n\nDrop it at any post office:\nwe refund within a week."
SUSPEND = """mutation($i: SuspendCustomerInput!) { suspendCustomer(input: $i) { userErrors { code } } }"""
CREATE_ACCOUNT = """mutation($i: CreateCustomerAccountInput!) {
  createCustomerAccount(input: $i) { userErrors { code message } } }"""
GERMAN = 'mutation { updateSettings(input: {language: "de"}) { userErrors { code } } }'


async def paragraphs(page: Page, selector: str) -> list[str]:
    texts: list[str] = await page.locator(selector).evaluate_all("(nodes) => nodes.map((node) => node.textContent)")
    return texts


async def public_search(anonymous: Watched, base: str, words: str) -> None:
    await anonymous.page.goto(f"{base}/account/help?q={words}")
    await expect(anonymous.page.get_by_role("heading", name=f"Results for “{words}”")).to_be_visible()


async def test_an_agent_writes_previews_publishes_and_removes_a_help_article(
    settings: Settings, setup_rt: Runtime
) -> None:
    with live_server(settings) as server:
        base = server.http_url
        agent = await make_staff(setup_rt)
        customer = await make_customer(setup_rt, password=PASSWORD)
        async with httpx.AsyncClient(base_url=base, timeout=10) as client:
            # The API refuses each page's data to a customer (the pages then say the area is for staff).
            api = Api(client)
            token = await login(api, customer.email, PASSWORD)
            for name, variables in (
                ("STAFF_HELP_PAGE", {"first": 20}),
                ("STAFF_HELP_NEW_PAGE", {}),
                ("STAFF_HELP_ARTICLE_PAGE", {"id": global_id("HelpArticle", uuid.uuid4())}),
                ("STAFF_AUDIT_PAGE", {"first": 25}),
                ("STAFF_ALERTS_PAGE", {"first": 20}),
            ):
                refused = await api(STAFF_OPERATIONS[name], variables, token)
                assert refused.errors, name
                assert refused.errors[0]["extensions"]["code"] == "FORBIDDEN", name
        async with chromium() as browser:
            watched = await watched_page(browser)
            anonymous = await watched_page(browser)
            page = await open_console(watched, base, agent.email, "/staff/help")
            await expect(page.get_by_role("heading", name="Help centre")).to_be_visible()
            await expect(page.get_by_text("There is no article yet.")).to_be_visible()
            await watched.opens_with_one_request(
                page.get_by_role("link", name="Write an article").click(), "New help article"
            )

            # The preview follows the typing, without asking the server anything.
            before = len(watched.graphql_requests)
            await page.get_by_label("Title").fill("Returning a parcel")
            await page.get_by_label("Category").fill("Returns")
            await page.get_by_label("Article text").fill(BODY)
            preview = page.locator(".staff-help-preview")
            await expect(preview.get_by_role("heading", name="Returning a parcel")).to_be_visible()
            written = [
                "Pack the parcel well.\nUse the label we mailed you.",
                "Drop it at any post office:\nwe refund within a week.",
            ]
            assert await paragraphs(page, ".staff-help-preview .help-body") == written
            assert len(watched.graphql_requests) == before
            await watched.check("staff-help-article")

            # A draft: saved, but no customer (nor anyone signed out) finds it.
            await page.get_by_role("button", name="Save as draft").click()
            await expect(page.get_by_text("Draft saved. Customers do not see it.")).to_be_visible()
            await expect(page.get_by_role("heading", name="Returning a parcel", exact=True).first).to_be_visible()
            assert "/account/staff/help/" in page.url
            assert not page.url.endswith("/new")
            await public_search(anonymous, base, "parcel")
            await expect(anonymous.page.get_by_text("No article matches your search.")).to_be_visible()
            await anonymous.page.goto(f"{base}/account/help/returning-a-parcel")
            await expect(anonymous.page.get_by_role("heading", name="We cannot find this article.")).to_be_visible()

            # Published: the public search finds it, and its page reads as the preview did.
            await page.get_by_role("button", name="Publish").click()
            await expect(page.get_by_text("Published: customers find it in the help centre now.")).to_be_visible()
            await expect(page.get_by_role("link", name="Public page: /account/help/returning-a-parcel")).to_be_visible()
            await watched.check("staff-help-article-published")
            await public_search(anonymous, base, "parcel")
            await anonymous.page.get_by_role("link", name="Returning a parcel").click()
            await expect(anonymous.page.get_by_role("heading", name="Returning a parcel")).to_be_visible()
            assert await paragraphs(anonymous.page, ".help-body") == written

            # Edited: a new title, and a reload opens the article by its id with what was saved.
            await page.get_by_label("Title").fill("Returning a parcel for free")
            await page.get_by_role("button", name="Save changes").click()
            await expect(page.get_by_text("Changes saved and published.")).to_be_visible()
            await page.reload()
            await expect(page.get_by_label("Title")).to_have_value("Returning a parcel for free")
            await expect(page.get_by_label("Article text")).to_have_value(BODY)

            # The list: every article with its state; the search finds drafts and published ones alike.
            await watched.opens_with_one_request(
                page.get_by_role("link", name="All help articles").click(), "Help centre"
            )
            row = page.locator("[data-article='returning-a-parcel']")
            await expect(row.get_by_text("Published")).to_be_visible()
            await expect(row.get_by_text("Returns")).to_be_visible()
            await page.get_by_label("Words in the title, category or text").fill("refund")
            await page.get_by_role("button", name="Find").click()
            await expect(page).to_have_url(f"{base}/account/staff/help?q=refund")
            await watched.check("staff-help")

            # Unpublished: a draft again, gone from the public search.
            await page.get_by_role("link", name="Returning a parcel for free").click()
            await page.get_by_role("button", name="Unpublish").click()
            await expect(page.get_by_text("Unpublished: it is a draft again")).to_be_visible()
            await expect(page.get_by_role("link", name="Public page: /account/help/returning-a-parcel")).to_have_count(
                0
            )
            await public_search(anonymous, base, "parcel")
            await expect(anonymous.page.get_by_text("No article matches your search.")).to_be_visible()

            # Deleted, after a confirm step (Keep it changes nothing).
            await page.get_by_role("button", name="Delete article").click()
            await page.get_by_role("button", name="Keep it").click()
            await page.get_by_role("button", name="Delete article").click()
            await expect(
                page.get_by_role("heading", name="Delete “Returning a parcel for free” for good?")
            ).to_be_visible()
            await page.get_by_role("button", name="Delete for good").click()
            await expect(page.get_by_text("The article was deleted.")).to_be_visible()
            await expect(page.get_by_text("There is no article yet.")).to_be_visible()
            watched.assert_clean()
            anonymous.assert_clean()


async def test_the_audit_log_shows_who_did_what_to_whom_and_why(settings: Settings, setup_rt: Runtime) -> None:
    with live_server(settings) as server:
        base = server.http_url
        admin = await make_staff(setup_rt, Role.ADMIN, first_name="Alma")
        agent = await make_staff(setup_rt, Role.SUPPORT, first_name="Sam")
        customer = await make_customer(setup_rt, first_name="Carl", password=PASSWORD)
        async with httpx.AsyncClient(base_url=base, timeout=10) as client:
            api = Api(client)
            admin_token = await login(api, admin.email, PASSWORD)
            agent_token = await login(api, agent.email, PASSWORD)
            suspended = await api.ok(
                SUSPEND,
                {"i": {"customerId": global_id("Customer", customer.id), "reason": "The bank reported card fraud"}},
                admin_token,
            )
            assert suspended["suspendCustomer"]["userErrors"] == []
            created = await api.ok(
                CREATE_ACCOUNT,
                {"i": {"email": "dora@example.com", "firstName": "Dora", "reason": "Asked for an account by phone"}},
                agent_token,
            )
            assert created["createCustomerAccount"]["userErrors"] == []
            german = await api.ok(GERMAN, token=agent_token)
            assert german["updateSettings"]["userErrors"] == []
        # A warehouse system received Carl's return with its API key (tests/security/test_staff_actions.py
        # does it through the API): its work is listed under the system's name.
        warehouse = await create_service_account(setup_rt, "Warehouse Nord", ["returns:write"])
        # Two alerts the audit job would raise (tests/security/test_anomalies.py raises them for real).
        now = utcnow()
        async with setup_rt.db.unit_of_work() as session:
            session.add(
                SecurityEvent(
                    type=SecurityEventType.RETURN_RECEIVED,
                    outcome=SecurityEventOutcome.SUCCESS,
                    customer_id=customer.id,
                    service_account_id=warehouse.account.id,
                    detail="R-00000042: back to stock",
                    created_at=now - timedelta(hours=1),
                )
            )
            for index, kind in enumerate((SecurityAlertKind.CREDENTIAL_STUFFING, SecurityAlertKind.MANY_ADDRESSES)):
                session.add(
                    SecurityAlert(
                        kind=kind,
                        fingerprint=f"test:{index}",
                        customer_id=customer.id if kind is SecurityAlertKind.MANY_ADDRESSES else None,
                        ip_address="203.0.113.7" if kind is SecurityAlertKind.CREDENTIAL_STUFFING else None,
                        event_count=12,
                        detail=f"finding {index}",
                        window_start=now - timedelta(minutes=15),
                        window_end=now,
                        created_at=now - timedelta(minutes=index),
                    )
                )

        async with chromium() as browser:
            watched = await watched_page(browser)
            page = await open_console(watched, base, admin.email)
            await watched.opens_with_one_request(
                page.get_by_role("link", name="Audit log", exact=True).click(), "Audit log"
            )
            entries = page.locator(".staff-audit-entry")
            await expect(entries).to_have_count(3)
            received = page.locator(".staff-audit-entry[data-type='RETURN_RECEIVED']")
            await expect(received.locator("[data-field='who']")).to_have_text("The Warehouse Nord system (API key)")
            await expect(received.locator("[data-field='whom']")).to_contain_text("Carl")
            suspension = page.locator(".staff-audit-entry[data-type='ACCOUNT_SUSPENDED']")
            await expect(suspension.locator("[data-field='who']")).to_contain_text("Alma")
            await expect(suspension.locator("[data-field='what']")).to_have_text("Account suspended")
            await expect(suspension.locator("[data-field='whom']")).to_contain_text("Carl")
            await expect(suspension.locator("[data-field='why']")).to_have_text("The bank reported card fraud")
            carl = suspension.locator("[data-field='whom']").get_by_role("link", name="Carl", exact=True)
            await expect(carl).to_have_attribute(
                "href", f"/account/staff/customers/{global_id('Customer', customer.id)}"
            )
            created_entry = page.locator(".staff-audit-entry[data-type='ACCOUNT_REGISTERED']")
            await expect(created_entry.locator("[data-field='who']")).to_contain_text("Sam")
            await expect(created_entry.locator("[data-field='why']")).to_contain_text("Asked for an account by phone")
            await watched.check("staff-audit")

            # Filters live in the address: by action, by staff member, by days.
            await page.get_by_label("Action", exact=True).select_option("ACCOUNT_SUSPENDED")
            await page.get_by_role("button", name="Filter").click()
            await expect(page).to_have_url(f"{base}/account/staff/audit?type=ACCOUNT_SUSPENDED")
            await expect(entries).to_have_count(1)
            await expect(suspension).to_be_visible()
            await page.get_by_role("link", name="Clear all filters").click()
            await expect(entries).to_have_count(3)
            await page.get_by_role("link", name="(all by Sam)").first.click()
            await expect(entries).to_have_count(1)
            await expect(created_entry).to_be_visible()
            await expect(page.get_by_text("Actions by Sam.")).to_be_visible()
            await page.get_by_role("link", name="Every staff member").click()
            await expect(entries).to_have_count(3)
            await page.get_by_role("link", name="(all on Carl)").first.click()
            await expect(entries).to_have_count(2)
            await expect(suspension).to_be_visible()
            await expect(received).to_be_visible()
            await expect(page.get_by_text("Actions on Carl's account.")).to_be_visible()
            await page.get_by_role("link", name="Clear all filters").click()
            tomorrow = (datetime.now(UTC) + timedelta(days=1)).date().isoformat()
            await page.goto(f"{base}/account/staff/audit?since={tomorrow}")
            await expect(page.get_by_text("No action matches these filters.")).to_be_visible()
            yesterday = (datetime.now(UTC) - timedelta(days=1)).date().isoformat()
            await page.get_by_label("From (day)").fill(yesterday)
            await page.get_by_role("button", name="Filter").click()
            await expect(entries).to_have_count(3)

            # The alerts: an administrator's own page, one request; handling one leaves the other open.
            await watched.opens_with_one_request(
                page.get_by_role("link", name="Security alerts").click(), "Security alerts"
            )
            alerts = page.locator(".staff-alert")
            await expect(alerts).to_have_count(2)
            stuffing = page.locator(".staff-alert[data-kind='CREDENTIAL_STUFFING']")
            await expect(stuffing.get_by_text("From address 203.0.113.7")).to_be_visible()
            await expect(
                page.locator(".staff-alert[data-kind='MANY_ADDRESSES']").get_by_role("link", name="Carl")
            ).to_be_visible()
            await watched.check("staff-alerts")
            await stuffing.get_by_role("button", name="Mark as handled").click()
            # (Not get_by_text("Handled"): that also matches the button "Mark as handled" at once.)
            await expect(stuffing.locator(".staff-alert-handled")).to_have_text(re.compile(r"^Handled "))
            await expect(stuffing.get_by_role("button", name="Mark as handled")).to_have_count(0)
            await page.reload()
            await expect(alerts).to_have_count(1)
            await page.get_by_role("link", name="Show handled alerts too").click()
            await expect(alerts).to_have_count(2)
            watched.assert_clean()

            # The agent (German) sees only their own actions, and no alerts.
            support = await watched_page(browser)
            await sign_in_at(support.page, f"{base}/account/staff/audit", agent.email)
            await expect(support.page.get_by_role("heading", name="Protokoll")).to_be_visible()
            mine = support.page.locator(".staff-audit-entry")
            await expect(mine).to_have_count(1)
            await expect(mine.locator("[data-field='what']")).to_have_text("Konto erstellt")
            await expect(mine.locator("[data-field='why']")).to_contain_text("Asked for an account by phone")
            await expect(support.page.get_by_role("link", name="Sicherheitswarnungen")).to_have_count(0)
            await support.check("staff-audit-de")
            await support.page.goto(f"{base}/account/staff/audit/alerts")
            await expect(
                support.page.get_by_role("heading", name="Diese Seite ist für Administratoren")
            ).to_be_visible()
            await support.page.get_by_role("link", name="Zurück zum Mitarbeiterbereich").click()
            await expect(support.page).to_have_url(f"{base}/account/staff")
