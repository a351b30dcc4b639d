"""The privacy page in a real browser at 360 px: consents with their history, the review a new privacy policy
asks for (published by an administrator through the API), a copy of the data downloaded from the page and the
mail, and deleting the account."""

import json

import httpx
from playwright.async_api import Page, expect

from app.config import Settings
from app.runtime import Runtime
from models.customer import Role
from tests.live import LiveServer, live_server
from tests.portal.browser import PASSWORD, Watched, browser_test, chromium, sign_in_at, watched_page
from tests.support import Api, Mailbox, login, make_customer, text_body

pytestmark = browser_test
PUBLISH = """mutation($i: PublishPrivacyPolicyInput!) { publishPrivacyPolicy(input: $i) {
    privacyPolicy { version } userErrors { code } } }"""


async def _publish(server: LiveServer, rt: Runtime, version: str, text: str) -> None:
    """An administrator publishes a policy through the API, as the shop's back office would."""
    admin = await make_customer(rt, roles=(Role.ADMIN,), password=PASSWORD)
    async with httpx.AsyncClient(base_url=server.http_url, timeout=10) as client:
        api = Api(client)
        token = await login(api, admin.email, PASSWORD)
        payload = (await api.ok(PUBLISH, {"i": {"version": version, "text": text}}, token=token))[
            "publishPrivacyPolicy"
        ]
    assert payload == {"privacyPolicy": {"version": version}, "userErrors": []}


async def _sign_in(watched: Watched, base: str, email: str) -> Page:
    await sign_in_at(watched.page, f"{base}/account/login", email)
    await expect(watched.page.get_by_role("heading", name="Hello, Ada")).to_be_visible()
    return watched.page


async def _open_privacy(watched: Watched, link: str) -> None:
    """Opening the page from a link costs one GraphQL request, and the page passes every check."""
    await watched.opens_with_one_request(watched.page.get_by_role("link", name=link).click(), "Privacy")


async def test_consents_history_and_the_review_a_new_policy_asks_for(settings: Settings, setup_rt: Runtime) -> None:
    with live_server(settings) as server:
        await _publish(server, setup_rt, "2027-01", "We keep your data safe.\n\nWe never sell it.")
        customer = await make_customer(setup_rt, first_name="Ada", password=PASSWORD)
        async with chromium() as browser:
            watched = await watched_page(browser)
            page = await _sign_in(watched, server.http_url, customer.email)
            await expect(page.get_by_text("Our privacy policy has changed")).to_have_count(0)
            await _open_privacy(watched, "Privacy Consents")
            await expect(page.get_by_text("You have not given or withdrawn a consent yet.")).to_be_visible()
            await expect(page.get_by_text("Version 2027-01, applies since")).to_be_visible()
            await watched.check("privacy")

            # Give two consents and withdraw one: each change is saved, and the history lists all three.
            await page.get_by_role("button", name="Give consent: Offers and news by email").click()
            await expect(page.get_by_role("status")).to_have_text("Your choice has been saved.")
            withdraw_email = page.get_by_role("button", name="Withdraw consent: Offers and news by email")
            await expect(withdraw_email).to_be_focused()
            await page.get_by_role("button", name="Give consent: Personal recommendations").click()
            await expect(page.get_by_role("button", name="Withdraw consent: Personal recommendations")).to_be_visible()
            await withdraw_email.click()
            await expect(page.get_by_role("button", name="Give consent: Offers and news by email")).to_be_visible()
            rows = page.locator("tbody tr")
            await expect(rows).to_have_count(3)
            await expect(rows.nth(0)).to_contain_text("Offers and news by email")
            await expect(rows.nth(0)).to_contain_text("Withdrawn")
            await expect(rows.nth(1)).to_contain_text("Personal recommendations")
            await expect(rows.nth(1)).to_contain_text("Given")
            await expect(rows.nth(1)).to_contain_text("2027-01")
            await expect(rows.nth(1)).to_contain_text("Your account")
            await page.reload()
            await expect(page.locator("tbody tr")).to_have_count(3)

            # An administrator publishes a new version: the account home asks the customer to review.
            await _publish(server, setup_rt, "2027-06", "A new paragraph about partners.\n\nWe still never sell it.")
            await watched.opens_with_one_request(
                page.get_by_role("link", name="Account", exact=True).click(), "Our privacy policy has changed"
            )
            await watched.check("home-privacy-review")
            await _open_privacy(watched, "Review your privacy choices")
            await expect(page.get_by_role("heading", name="Please review your consents")).to_be_visible()
            await expect(page.get_by_text("A new paragraph about partners.")).to_be_visible()  # the policy is open
            await watched.check("privacy-review")
            # "Read the privacy policy" jumps to it on the page, without asking the server again.
            before = len(watched.graphql_requests)
            await page.locator(".review-banner").get_by_role("button", name="Read the privacy policy").click()
            await expect(page.get_by_role("heading", name="Privacy policy")).to_be_focused()
            assert len(watched.graphql_requests) == before
            await page.get_by_role("button", name="Keep my choices under version 2027-06").click()
            await expect(page.get_by_role("status")).to_have_text(
                "Thank you: your consents now follow the current privacy policy."
            )
            await expect(page.get_by_role("heading", name="Please review your consents")).to_have_count(0)
            await expect(page.locator("tbody tr").nth(0)).to_contain_text("Policy review")
            await expect(page.locator("tbody tr").nth(0)).to_contain_text("2027-06")
            await page.get_by_role("link", name="Account", exact=True).click()
            await expect(page.get_by_role("heading", name="Hello, Ada")).to_be_visible()
            await expect(page.get_by_text("Our privacy policy has changed")).to_have_count(0)
            watched.assert_clean()


async def test_data_export_is_downloaded_and_the_account_deleted(
    portal_settings: Settings, port: int, setup_rt: Runtime, mailbox: Mailbox
) -> None:
    with live_server(portal_settings, port=port) as server:
        customer = await make_customer(setup_rt, first_name="Ada", password=PASSWORD)
        async with chromium() as browser:
            watched = await watched_page(browser)
            page = await _sign_in(watched, server.http_url, customer.email)
            await _open_privacy(watched, "Privacy Consents")
            await expect(page.get_by_text("The shop has not published a privacy policy yet.")).to_be_visible()
            await expect(page.get_by_text("You have not requested a copy yet.")).to_be_visible()

            # A copy of the data: requested on the page, mailed, listed with its status and downloaded.
            await page.get_by_role("button", name="Request a copy of my data").click()
            await expect(page.get_by_role("status")).to_contain_text("We have emailed you the link")
            await expect(page.get_by_text("Ready to download until")).to_be_visible()
            await watched.check("privacy-export")
            mail = await mailbox.wait_for(customer.email, "Your data export is ready")
            download_link = page.get_by_role("link", name="Download the copy of")
            mailed_url = next(word for word in text_body(mail).split() if "/files/data-export/" in word)
            assert await download_link.get_attribute("href") == mailed_url
            async with page.expect_download() as started:
                await download_link.click()
            download = await started.value
            saved = await download.path()
            document = json.loads(saved.read_text(encoding="utf-8"))
            assert document["customer"]["email"] == customer.email
            # The mailed link works in the browser too (the second download of the two).
            response = await page.context.request.get(mailed_url)
            assert response.status == 200
            assert (await response.json())["customer"]["id"] == str(customer.id)

            # Deleting the account: a confirmation step, the password, then signed out.
            await page.get_by_role("button", name="Delete my account…").click()
            password = page.get_by_label("Password")
            await expect(password).to_be_focused()
            await password.fill("not the password")
            await page.get_by_role("button", name="Delete my account for good").click()
            await expect(page.locator('[data-error-for="understood"]')).to_have_text(
                "Tick the box to confirm that you want to delete your account."
            )
            await page.get_by_label("I understand that my account will be deleted for good.").check()
            await page.get_by_role("button", name="Delete my account for good").click()
            await expect(password).to_have_attribute("aria-invalid", "true")
            await expect(page.locator('[data-error-for="password"]')).to_have_text("The password is not correct.")
            await watched.check("privacy-delete")
            await password.fill(PASSWORD)
            await page.get_by_role("button", name="Delete my account for good").click()
            await expect(page.get_by_role("heading", name="Your account has been deleted")).to_be_visible()
            await expect(page.get_by_role("link", name="Sign out")).to_have_count(0)
            await watched.check("account-deleted")
            await mailbox.wait_for(customer.email, "Your account was deleted")

            # Signed out for good: the account pages ask for sign-in, and the old password no longer works.
            await page.goto(f"{server.http_url}/account/privacy")
            await expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
            await page.get_by_label("Email address").fill(customer.email)
            await page.get_by_label("Password").fill(PASSWORD)
            await page.get_by_role("button", name="Sign in").click()
            await expect(page.get_by_role("alert")).not_to_be_empty()
            await expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
