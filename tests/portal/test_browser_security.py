"""The portal's security pages in a real browser at 360 px: two-step setup and the next sign-in with a code,
recovery codes shown once, signing out another device, a password change with its rules checked as typed,
an email change followed from the mailed link, and a sign-in with an emailed code that trusts the browser."""

import random
import re
import time
from datetime import timedelta

import httpx
import pyotp
from playwright.async_api import Page, expect
from sqlalchemy import update
from sqlmodel import col

from app.config import Settings
from app.runtime import Runtime
from app.security.passwords import common_passwords, password_problems
from models.auth import AuthSession
from models.base import utcnow
from tests.live import live_server
from tests.portal.browser import PASSWORD, Watched, browser_test, chromium, sign_in_at, watched_page
from tests.portal.test_browser_account_flows import mailed_link
from tests.security.test_two_factor import enrol
from tests.support import Api, Caller, Mailbox, assert_token_refused, login, make_customer, text_body

pytestmark = browser_test
FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0"


async def _sign_in(page: Page, base: str, email: str, password: str = PASSWORD) -> None:
    await sign_in_at(page, f"{base}/account/login", email, password)


async def _sign_out(page: Page) -> None:
    await page.get_by_role("link", name="Sign out").click()
    await expect(page.get_by_role("heading", name="You are signed out")).to_be_visible()


async def _open(watched: Watched, link: str, heading: str, name: str) -> None:
    """Opening a page from its link asks for its data in one GraphQL request; then the page passes every check."""
    await watched.opens_with_one_request(watched.page.get_by_role("link", name=link).click(), heading)
    await watched.check(name)


async def _to_security(watched: Watched) -> None:
    await expect(watched.page.get_by_role("heading", name="Hello, Ada")).to_be_visible()
    await _open(watched, "Security Password, two-step", "Security", "security")


async def _signed_in_long_ago(rt: Runtime, customer_id: object) -> None:
    """The last proof of identity in these sessions is an hour old: sensitive changes need a step-up."""
    async with rt.db.unit_of_work() as session:
        await session.execute(
            update(AuthSession)
            .where(col(AuthSession.customer_id) == customer_id)
            .values(verified_at=utcnow() - timedelta(hours=1))
        )


async def _save_recovery_codes(page: Page) -> list[str]:
    codes = page.locator(".recovery-codes li")
    await expect(codes).to_have_count(10)
    shown = [text.strip() for text in await codes.all_inner_texts()]
    done = page.get_by_role("button", name="Done")
    await expect(done).to_be_disabled()
    await page.get_by_label("I have saved my recovery codes").check()
    await done.click()
    await expect(page.locator(".recovery-codes")).to_have_count(0)
    return shown


async def test_two_step_setup_recovery_codes_once_and_the_next_sign_in_with_a_code(
    portal_settings: Settings, port: int, setup_rt: Runtime, mailbox: Mailbox
) -> None:
    with live_server(portal_settings, port) as server:
        customer = await make_customer(setup_rt, first_name="Ada", password=PASSWORD)
        async with chromium() as browser:
            watched = await watched_page(browser)
            page = watched.page
            await _sign_in(page, server.http_url, customer.email)
            await _to_security(watched)
            await expect(page.get_by_text("Off · add a second step to your sign-in")).to_be_visible()
            await _open(watched, "Two-step verification", "Two-step verification", "two-factor")

            await page.get_by_role("button", name="Set up two-step verification").click()
            qr = page.get_by_role("img", name="QR code that adds your account to an authenticator app")
            await expect(qr).to_be_visible()
            assert (await qr.get_attribute("src") or "").startswith("data:image/svg+xml;base64,")
            secret = (await page.locator(".secret").inner_text()).replace(" ", "")
            await watched.check("two-factor-setup")

            code = page.get_by_label("6-digit code from the app")
            await code.fill("000000")
            await page.get_by_role("button", name="Turn on").click()
            await expect(page.locator('[data-error-for="code"]')).to_have_text("The code is not correct.")
            await code.fill(pyotp.TOTP(secret).now())
            await page.get_by_role("button", name="Turn on").click()
            await expect(page.get_by_role("heading", name="Your recovery codes")).to_be_visible()
            await expect(page.get_by_role("link", name="Download as a text file")).to_have_attribute(
                "download", "recovery-codes.txt"
            )
            await watched.check("recovery-codes")
            recovery_codes = await _save_recovery_codes(page)
            await expect(page.get_by_text("You have 10 unused recovery codes.")).to_be_visible()

            # Shown once: opening the page again shows how many are left, never the codes.
            await page.reload()
            await expect(page.get_by_text("You have 10 unused recovery codes.")).to_be_visible()
            await expect(page.locator(".recovery-codes")).to_have_count(0)
            for shown in recovery_codes:
                await expect(page.get_by_text(shown)).to_have_count(0)

            # New codes need a recent proof of identity: the API says STEP_UP_REQUIRED, the page asks for it.
            await _signed_in_long_ago(setup_rt, customer.id)
            await page.get_by_role("button", name="Get new recovery codes").click()
            await page.get_by_role("button", name="Yes, get new codes").click()
            await expect(page.get_by_role("heading", name="Confirm it is you")).to_be_visible()
            await watched.check("step-up")
            step_up = page.locator(".panel")
            await step_up.get_by_label("Your password").fill("not my password")
            await step_up.get_by_role("button", name="Confirm", exact=True).click()
            await expect(step_up.locator('[data-error-for="password"]')).to_have_text(
                "The password or code is not correct."
            )
            await step_up.get_by_label("Your password").fill(PASSWORD)
            await step_up.get_by_role("button", name="Confirm", exact=True).click()
            new_codes = await _save_recovery_codes(page)
            assert set(new_codes).isdisjoint(recovery_codes)
            await expect(page.get_by_role("status")).to_have_text(
                "Your new recovery codes are ready; the old ones no longer work."
            )

            # The next sign-in asks for the second step; a code of the next 30-second step is a fresh one.
            await _sign_out(page)
            await _sign_in(page, server.http_url, customer.email)
            await expect(page.get_by_role("heading", name="Two-step verification")).to_be_visible()
            await watched.check("sign-in-two-step")
            next_code = pyotp.TOTP(secret).at(time.time() + 30)
            await page.get_by_label("Code from your app").fill(next_code)
            await page.get_by_role("button", name="Verify").click()
            await expect(page.get_by_role("heading", name="Hello, Ada")).to_be_visible()
            watched.assert_clean()


async def test_sign_out_another_device(
    portal_settings: Settings, port: int, setup_rt: Runtime, mailbox: Mailbox
) -> None:
    with live_server(portal_settings, port) as server:
        customer = await make_customer(setup_rt, first_name="Ada", password=PASSWORD)
        async with httpx.AsyncClient(base_url=server.http_url, headers={"user-agent": FIREFOX}) as client:
            other = await login(Api(client), customer.email, PASSWORD)
        async with chromium() as browser:
            watched = await watched_page(browser)
            page = watched.page
            await _sign_in(page, server.http_url, customer.email)
            await _to_security(watched)
            devices = page.locator('section[aria-labelledby="sessions-title"] .devices > li')
            await expect(devices).to_have_count(2)
            current = devices.filter(has_text="This device")
            await expect(current).to_have_count(1)
            await expect(current.get_by_role("button", name="Sign out")).to_have_count(0)

            firefox = devices.filter(has_text="Firefox on Windows")
            await firefox.get_by_role("button", name="Sign out").click()
            await expect(firefox.get_by_text("Sign out Firefox on Windows?")).to_be_visible()
            await firefox.get_by_role("button", name="Yes, sign it out").click()
            await expect(page.get_by_text("Firefox on Windows has been signed out.")).to_be_visible()
            await expect(devices).to_have_count(1)
            await page.reload()
            await expect(page.get_by_role("heading", name="Security", exact=True)).to_be_visible()
            await expect(devices).to_have_count(1)
            await expect(devices.filter(has_text="Firefox on Windows")).to_have_count(0)
            # The activity says so too.
            await expect(page.locator(".activity").get_by_text("Device signed out")).to_be_visible()
            watched.assert_clean()
        async with httpx.AsyncClient(base_url=server.http_url) as client:
            await assert_token_refused(Api(client), other)


async def test_change_the_password_with_its_rules_checked_as_typed(
    portal_settings: Settings, port: int, setup_rt: Runtime, mailbox: Mailbox
) -> None:
    new_password = "lighthouse keeper at dawn"
    with live_server(portal_settings, port) as server:
        customer = await make_customer(setup_rt, first_name="Ada", password=PASSWORD)
        async with chromium() as browser:
            watched = await watched_page(browser)
            page = watched.page
            await _sign_in(page, server.http_url, customer.email)
            await _to_security(watched)
            await _open(watched, "Password Change your password", "Change your password", "change-password")

            rule = page.locator(".password-rules li")
            length, common, predictable, email = (rule.nth(index) for index in range(4))
            field = page.get_by_label("New password")
            await field.press_sequentially("abc")
            await expect(length).to_have_class("rule-unmet")
            await field.fill("")
            await field.press_sequentially("1234567890ab")
            await expect(length).to_have_class("rule-met")
            await expect(predictable).to_have_class("rule-unmet")
            await field.fill("")
            await field.press_sequentially("iloveyou123")
            await expect(common).to_have_class("rule-unmet")
            await field.fill("")
            await field.press_sequentially(f"my {customer.email.split('@')[0]} pass")
            await expect(email).to_have_class("rule-unmet")
            await field.fill("")
            await field.press_sequentially(new_password)
            for each in (length, common, predictable, email):
                await expect(each).to_have_class("rule-met")
            await expect(email).to_contain_text("Met:")

            # The rules in the page say what the server says, on many passwords.
            samples = _password_samples(customer.email)
            found = await page.evaluate(
                """async (samples) => {
                    const main = document.querySelector('script[type="module"]').src;
                    const rules = await import(main.replace(/main\\.js$/, "password-rules.js"));
                    return samples.map(([password, email]) => rules.passwordProblems(password, email));
                }""",
                samples,
            )
            expected = [[f"PASSWORD_{p.value}" for p in password_problems(pw, em)] for pw, em in samples]
            assert found == expected

            # The server stays the authority: a wrong current password is said next to its field.
            await page.get_by_label("Current password").fill("not my password")
            await page.get_by_role("button", name="Change password").click()
            await expect(page.locator('[data-error-for="currentPassword"]')).to_have_text(
                "The current password is not correct."
            )
            await page.get_by_label("Current password").fill(PASSWORD)
            await page.get_by_role("button", name="Change password").click()
            await expect(page.get_by_role("heading", name="Your password has been changed")).to_be_visible()
            await watched.check("password-changed")

            await _sign_out(page)
            await _sign_in(page, server.http_url, customer.email, PASSWORD)
            await expect(page.locator(".form-error:not([hidden])")).not_to_be_empty()
            await _sign_in(page, server.http_url, customer.email, new_password)
            await expect(page.get_by_role("heading", name="Hello, Ada")).to_be_visible()
            watched.assert_clean()


def _password_samples(email: str) -> list[tuple[str, str | None]]:
    local = email.split("@")[0]
    fixed = [
        "",
        "short",
        "a" * 129,
        "aaaaaaaaaaaa",
        "abababababab",
        "1234567890ab",
        "qwertyuiop12",
        "zyxwvutsrqpo",
        "wordwordword",
        "correct horse battery staple",
        "Tr0ub4dor&3xyz",
        "".join(chr(0xFF00 + ord(char) - 0x20) for char in "password1234"),  # full-width: NFKC folds it
        "ÄÖÜäöüßéèêabc",
        f"{local}-and-more",
        f"{local.upper()} X",
        "The Quick Brown Fox 123",
        "asdfghjkl;'zz",
        "0987654321zz",
    ]
    rng = random.Random(15)
    long_common = sorted(p for p in common_passwords() if 10 <= len(p) <= 128)
    picked = rng.sample(long_common, 40)
    alphabet = "abcdefqwerty0123456789 !@#$"
    generated = ["".join(rng.choice(alphabet) for _ in range(rng.randint(8, 16))) for _ in range(60)]
    return [(password, email) for password in fixed + picked + generated] + [(password, None) for password in fixed]


async def test_change_the_email_address_after_a_step_up_and_follow_the_mailed_link(
    portal_settings: Settings, port: int, setup_rt: Runtime, mailbox: Mailbox
) -> None:
    with live_server(portal_settings, port) as server:
        customer = await make_customer(setup_rt, first_name="Ada", password=PASSWORD)
        async with chromium() as browser:
            watched = await watched_page(browser)
            page = watched.page
            await _sign_in(page, server.http_url, customer.email)
            await _to_security(watched)
            await _open(watched, f"Email address {customer.email}", "Change your email address", "change-email")
            await _signed_in_long_ago(setup_rt, customer.id)

            await page.get_by_label("New email address").fill(customer.email)
            await page.get_by_role("button", name="Send the link").click()
            await expect(page.locator('[data-error-for="newEmail"]')).to_have_text(
                "This is already your email address."
            )
            await page.get_by_label("New email address").fill("ada.new@example.com")
            await page.get_by_role("button", name="Send the link").click()
            # A new browser on an hour-old proof: the API wants a step-up first, the page asks for the password.
            await expect(page.get_by_role("heading", name="Confirm it is you")).to_be_visible()
            await page.get_by_label("Your password").fill(PASSWORD)
            await page.get_by_role("button", name="Confirm", exact=True).click()
            await expect(page.get_by_role("heading", name="Check your new inbox")).to_be_visible()
            await expect(page.get_by_role("status")).to_contain_text("ada.new@example.com")
            await watched.check("email-change-sent")

            confirm = await mailbox.wait_for("ada.new@example.com", "Confirm your new email address")
            await page.goto(mailed_link(confirm, server.http_url, "/confirm-email"))
            await expect(page.get_by_role("heading", name="Your email address has been changed")).to_be_visible()
            await _sign_in(page, server.http_url, "ada.new@example.com")
            await expect(page.get_by_role("heading", name="Hello, Ada")).to_be_visible()
            watched.assert_clean()


async def test_sign_in_with_an_emailed_code_and_trust_the_browser(
    portal_settings: Settings, port: int, setup_rt: Runtime, mailbox: Mailbox
) -> None:
    with live_server(portal_settings, port) as server:
        customer = await make_customer(setup_rt, first_name="Ada", password=PASSWORD)
        async with httpx.AsyncClient(base_url=server.http_url) as client:
            api = Api(client)
            token = await login(api, customer.email, PASSWORD)
            await enrol(api, Caller(customer, PASSWORD, token))
        async with chromium() as browser:
            watched = await watched_page(browser)
            page = watched.page
            await _sign_in(page, server.http_url, customer.email)
            await expect(page.get_by_role("heading", name="Two-step verification")).to_be_visible()
            await page.get_by_role("button", name="Email me a code instead").click()
            await expect(page.get_by_role("status")).to_have_text(
                "We have emailed you a code. It works for a few minutes."
            )
            await watched.check("sign-in-email-code")
            mail = await mailbox.wait_for(customer.email, "Your sign-in code")
            found = re.search(r"\b(\d{6})\b", text_body(mail))
            assert found, text_body(mail)
            await page.get_by_label("Code from the email").fill(found.group(1))
            await page.get_by_label("Trust this browser").check()
            await page.get_by_role("button", name="Verify").click()
            await expect(page.get_by_role("heading", name="Hello, Ada")).to_be_visible()

            # The next sign-in on this browser skips the second step.
            await _sign_out(page)
            await _sign_in(page, server.http_url, customer.email)
            await expect(page.get_by_role("heading", name="Hello, Ada")).to_be_visible()

            # Until the customer stops trusting it on the Security page.
            await _to_security(watched)
            trusted = page.locator('section[aria-labelledby="trusted-title"] .devices > li')
            await expect(trusted).to_have_count(1)
            await trusted.get_by_role("button", name="Stop trusting").click()
            await trusted.get_by_role("button", name="Yes, stop trusting it").click()
            await expect(trusted).to_have_count(0)
            await expect(page.get_by_role("status")).to_contain_text("no longer skips the second step")
            await _sign_out(page)
            await _sign_in(page, server.http_url, customer.email)
            await expect(page.get_by_role("heading", name="Two-step verification")).to_be_visible()
            watched.assert_clean()
