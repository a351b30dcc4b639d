"""The staff console's webhook endpoints in a real browser, against a real receiver that verifies every request
with the standardwebhooks library (tests/integration/webhook_receiver.py; loopback URLs are allowed outside
production).

An administrator adds an endpoint (the API's refusal said beside the form; the signing secret shown once and
kept nowhere), sends a test event and sees it delivered, sees a customer's change delivered in the log, sees a
delivery fail while the receiver answers 500 and redelivers it once it recovers, redelivers everything since
yesterday, rotates the secret (the new one shown once, the old one valid for the overlap), disables the
endpoint (confirmed) and enables it again, and reads the pages in German. A support agent gets no nav entry
and is told the page is for administrators."""

import re
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from playwright.async_api import Locator, Page, expect

from app.config import Settings
from app.runtime import Runtime
from models.customer import Role
from tests.integration.webhook_receiver import running_receiver
from tests.live import live_server
from tests.portal.browser import PASSWORD, browser_test, chromium, sign_in_at, watched_page
from tests.portal.staff import make_staff, open_console
from tests.support import Api, login

pytestmark = browser_test

GERMAN = 'mutation { updateSettings(input: {language: "de"}) { userErrors { code } } }'
RENAME = "mutation($n: String!) { updateProfile(input: {firstName: $n}) { userErrors { code } } }"
# Retries every few hundredths of a second, a delivery gives up after about a second (FAILED), and no automatic
# disabling gets in the way.
FAST = {
    "webhook_retry_base_seconds": 0.02,
    "webhook_retry_max_seconds": 0.1,
    "webhook_retry_horizon_hours": 1 / 3600,
    "webhook_disable_after_failures": 10000,
}


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update=FAST)


async def refreshed_until(page: Page, shown: Callable[[], Awaitable[bool]], seconds: float = 15) -> None:
    """Clicks "Refresh the log" until `shown` holds (the dispatcher works in the background)."""
    for _ in range(int(seconds * 4)):
        if await shown():
            return
        await page.get_by_role("button", name="Refresh the log").click()
        await page.wait_for_timeout(250)
    assert await shown()


async def test_an_administrator_adds_tests_redelivers_rotates_and_disables_a_webhook_endpoint(
    settings: Settings, setup_rt: Runtime
) -> None:
    with live_server(settings) as server, running_receiver() as receiver:
        base = server.http_url
        admin = await make_staff(setup_rt, Role.ADMIN, first_name="Alma")
        agent = await make_staff(setup_rt, Role.SUPPORT, first_name="Sam")
        async with httpx.AsyncClient(base_url=base, timeout=10) as client, chromium() as browser:
            api = Api(client)
            admin_token = await login(api, admin.email, PASSWORD)
            agent_token = await login(api, agent.email, PASSWORD)
            assert (await api.ok(GERMAN, token=agent_token))["updateSettings"]["userErrors"] == []

            watched = await watched_page(browser)
            page = await open_console(watched, base, admin.email)
            await watched.opens_with_one_request(page.get_by_role("link", name="Webhooks").click(), "Webhook endpoints")
            await expect(page.get_by_text("No webhook endpoint yet.")).to_be_visible()

            # No event type chosen: the API's refusal, in words, beside the events.
            form = page.get_by_role("form", name="Add an endpoint")
            await form.get_by_label("URL").fill(receiver.url())
            await form.get_by_role("button", name="Add endpoint").click()
            await expect(form.locator("[data-error-for='eventTypes']")).to_have_text("Choose at least one event type.")

            await form.get_by_label("customer.updated").check()
            await form.get_by_label("Description (optional)").fill("ERP")
            await form.get_by_role("button", name="Add endpoint").click()
            await expect(page.get_by_text("it will not be shown again")).to_be_visible()
            secret = await page.get_by_label("The secret").input_value()
            assert secret.startswith("whsec_")
            receiver.secrets.append(secret)
            # Shown, never kept: not in the address, not in the tab's storage.
            assert secret not in page.url
            stored = await page.evaluate("JSON.stringify([{...sessionStorage}, {...localStorage}])")
            assert secret not in stored
            endpoints = page.locator(".staff-webhook")
            await expect(endpoints).to_have_count(1)
            await expect(endpoints.get_by_text("Receives: customer.updated")).to_be_visible()
            await expect(endpoints.get_by_text("Enabled")).to_be_visible()
            await watched.check("staff-webhooks")

            await watched.opens_with_one_request(
                page.get_by_role("link", name="Open the new endpoint").click(), "Webhook endpoint"
            )
            await expect(page.get_by_label("The secret")).to_have_count(0)

            # A test event: delivered, in the outcome and in the attempt log.
            tester = page.get_by_role("form", name="Send a test event")
            await tester.get_by_label("Event type").select_option("customer.updated")
            await tester.get_by_role("button", name="Send test event").click()
            await expect(tester.get_by_text("The test event was delivered.")).to_be_visible()
            await expect(tester.get_by_text("answered 204")).to_be_visible()
            recent = page.get_by_role("list", name="Latest attempts, test events included")
            await expect(recent.get_by_text("(test)")).to_be_visible()
            assert receiver.successes()[-1].webhook_id.startswith("test_")

            # A customer's change is delivered, and listed.
            await api.ok(RENAME, {"n": "Almira"}, admin_token)
            deliveries = page.locator(".staff-webhook-delivery")

            async def delivered() -> bool:
                return await page.locator(".staff-webhook-delivery [data-status='SUCCEEDED']").count() == 1

            await refreshed_until(page, delivered)
            await expect(deliveries.first.get_by_text("customer.updated")).to_be_visible()

            # The receiver breaks: the next change fails until the delivery gives up; redelivered once it is back.
            receiver.fail_first = 100000
            await api.ok(RENAME, {"n": "Alma"}, admin_token)
            failed_one = page.locator(".staff-webhook-delivery:has([data-status='FAILED'])")

            async def failed() -> bool:
                return await failed_one.count() == 1

            await refreshed_until(page, failed)
            await expect(failed_one.get_by_text("answered 500").first).to_be_visible()
            await expect(failed_one.locator(".staff-webhook-excerpt").first).to_have_text("receiver down")
            await watched.check("staff-webhook")
            redelivered = page.locator(
                f".staff-webhook-delivery[data-delivery='{await failed_one.get_attribute('data-delivery')}']"
            )
            receiver.fail_first = 0
            await redelivered.get_by_role("button", name="Redeliver").click()
            await expect(redelivered.get_by_text("Pending")).to_be_visible()

            async def all_delivered() -> bool:
                return await page.locator(".staff-webhook-delivery [data-status='SUCCEEDED']").count() == 2

            await refreshed_until(page, all_delivered)

            # Everything since yesterday, again.
            since = (datetime.now(UTC) - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
            again = page.get_by_role("form", name="Redeliver everything since")
            await again.get_by_label("Since (time zone").fill(since)
            await again.get_by_role("button", name="Redeliver events").click()
            await expect(again.get_by_text(re.compile(r"^\d+ event\(s\) queued again\.$"))).to_be_visible()

            # A new secret, shown once; the old one keeps signing for the overlap.
            rotate = page.get_by_role("form", name="Rotate the signing secret")
            await rotate.get_by_role("button", name="Rotate secret").click()
            await expect(rotate.get_by_text("The old secret stays valid until")).to_be_visible()
            await expect(rotate.get_by_text("it will not be shown again")).to_be_visible()
            rotated = await rotate.get_by_label("The secret").input_value()
            assert rotated.startswith("whsec_")
            assert rotated != secret
            await expect(page.get_by_text("still signs until")).to_be_visible()
            count_before = len(receiver.successes())
            await tester.get_by_role("button", name="Send test event").click()
            for _ in range(40):
                if len(receiver.successes()) > count_before:
                    break
                await page.wait_for_timeout(250)
            await expect(tester.get_by_text("answered 204")).to_be_visible()
            assert receiver.successes()[-1].verified == {secret: True}  # the old secret still signs
            receiver.secrets.append(rotated)

            # Disabling asks for a confirmation; enabling does not.
            disable = page.get_by_role("form", name="Disable")
            await disable.get_by_label("Reason (optional)").fill("Receiver maintenance")
            await disable.get_by_role("button", name="Disable endpoint").click()
            await expect(disable.get_by_text("Tick the box to confirm.")).to_be_visible()
            await disable.get_by_label("Yes, stop sending to this endpoint").check()
            await disable.get_by_role("button", name="Disable endpoint").click()
            await expect(page.get_by_text("The endpoint is disabled.")).to_be_visible()
            await expect(page.get_by_text("Reason: Receiver maintenance")).to_be_visible()
            await page.get_by_role("button", name="Enable endpoint").click()
            await expect(page.get_by_text("The endpoint is enabled.")).to_be_visible()
            details: Locator = page.locator(".staff-webhook-details")
            await expect(details.locator("[data-state='enabled']")).to_be_visible()
            watched.assert_clean()

            # In German: the list, and the API's refusal said by its code.
            assert (await api.ok(GERMAN, token=admin_token))["updateSettings"]["userErrors"] == []
            await page.goto(f"{base}/account/staff/webhooks")
            await expect(page.get_by_role("heading", name="Webhook-Empfänger", exact=True)).to_be_visible()
            await expect(page.get_by_role("link", name="Webhook-Empfänger")).to_be_visible()
            german_form = page.get_by_role("form", name="Empfänger hinzufügen")
            await german_form.get_by_label("Adresse (URL)").fill("http://user:pw@example.com/hook")
            await german_form.get_by_label("customer.created").check()
            await german_form.get_by_role("button", name="Empfänger hinzufügen").click()
            await expect(german_form.locator("[data-error-for='url']")).to_have_text(
                "Geben Sie eine vollständige URL ohne Benutzername, Passwort oder #Fragment ein."
            )
            await watched.check("staff-webhooks-de")

            # A support agent: no nav entry, and the page is for administrators.
            support = await watched_page(browser)
            await sign_in_at(support.page, f"{base}/account/staff", agent.email)
            await expect(support.page.get_by_role("navigation", name="Mitarbeiterbereich")).to_be_visible()
            await expect(support.page.get_by_role("link", name="Webhook-Empfänger")).to_have_count(0)
            await support.page.goto(f"{base}/account/staff/webhooks")
            await expect(
                support.page.get_by_role("heading", name="Diese Seite ist für Administratoren")
            ).to_be_visible()
            await support.check("staff-webhooks-refused-de")
            await support.page.get_by_role("link", name="Zurück zum Mitarbeiterbereich").click()
            await expect(support.page).to_have_url(f"{base}/account/staff")
            await expect(support.page.get_by_role("link", name="Webhook-Empfänger")).to_have_count(0)
