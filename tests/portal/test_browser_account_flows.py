"""Register, activate, forgot and reset password in the browser, each started from the REAL mailed link.

The live server's STOREFRONT_URL is its own /account, so the links in the test SMTP mailbox open the portal.
"""

import re
from email.message import EmailMessage
from pathlib import Path

from playwright.async_api import expect

from app.config import Settings
from app.runtime import Runtime
from models.customer import ActivationMode
from tests.live import live_server
from tests.portal.browser import PASSWORD, Watched, browser_test, chromium, sign_in, watched_page
from tests.support import Mailbox, html_body, make_customer, make_group, text_body, wait_for_sms_code

pytestmark = browser_test


def mailed_link(message: EmailMessage, base: str, path: str) -> str:
    """The link to `path` as the mail carries it (text and HTML parts agree), opened as a reader would."""
    pattern = rf"{re.escape(base)}/account{re.escape(path)}\?token=[A-Za-z0-9_-]+"
    found = re.search(pattern, text_body(message))
    assert found, f"no {path} link in: {text_body(message)}"
    assert found.group(0) in html_body(message)
    return found.group(0)


async def no_horizontal_scroll(watched: Watched) -> None:
    assert await watched.horizontal_overflow() <= 0


async def test_register_follow_the_activation_link_and_sign_in(
    portal_settings: Settings, port: int, mailbox: Mailbox
) -> None:
    with live_server(portal_settings, port) as server:
        async with chromium() as browser:
            watched = await watched_page(browser)
            page = watched.page
            await page.goto(f"{server.http_url}/account/login")
            await page.get_by_role("link", name="Create an account").click()
            await expect(page.get_by_role("heading", name="Create an account")).to_be_visible()
            await expect(page).to_have_url(f"{server.http_url}/account/register")
            await no_horizontal_scroll(watched)

            # Typed userErrors appear next to the fields they name, all of them at once.
            await page.get_by_label("Email address").fill("not an address")
            await page.get_by_label("Password", exact=True).fill("short")
            await page.get_by_role("button", name="Create account").click()
            await expect(page.get_by_label("Email address")).to_have_attribute("aria-invalid", "true")
            await expect(page.locator('[data-error-for="email"]')).not_to_be_empty()
            await expect(page.locator('[data-error-for="password"]')).not_to_be_empty()
            await expect(page.get_by_label("Password", exact=True)).to_have_attribute("aria-invalid", "true")

            await page.get_by_label("Email address").fill("new.reader@example.com")
            await page.get_by_label("Password", exact=True).fill(PASSWORD)
            await page.get_by_label("First name (optional)").fill("Grace")
            await page.get_by_role("button", name="Create account").click()
            await expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
            await expect(page.get_by_text("new.reader@example.com", exact=False)).to_be_visible()
            await no_horizontal_scroll(watched)

            message = await mailbox.wait_for("new.reader@example.com", "Activate your account")
            link = mailed_link(message, server.http_url, "/activate")
            await page.goto(link)
            await expect(page.get_by_role("heading", name="Your account is active")).to_be_visible()
            # The used token leaves the address bar (and the history).
            await expect(page).to_have_url(f"{server.http_url}/account/activate")
            await no_horizontal_scroll(watched)

            await page.get_by_role("link", name="Sign in", exact=True).click()
            await sign_in(page, "new.reader@example.com", PASSWORD)
            await expect(page.get_by_role("heading", name="Hello, Grace")).to_be_visible()
            await expect(page).to_have_url(f"{server.http_url}/account/")
            await expect(page.get_by_text("Signed in as new.reader@example.com")).to_be_visible()
            watched.assert_clean()


async def test_forgot_password_follow_the_reset_link_and_sign_in_with_the_new_one(
    portal_settings: Settings, port: int, setup_rt: Runtime, mailbox: Mailbox
) -> None:
    with live_server(portal_settings, port) as server:
        customer = await make_customer(setup_rt, first_name="Ada", password=PASSWORD)
        async with chromium() as browser:
            watched = await watched_page(browser)
            page = watched.page
            await page.goto(f"{server.http_url}/account/login")
            await page.get_by_role("link", name="Forgot your password?").click()
            await expect(page.get_by_role("heading", name="Forgot your password?")).to_be_visible()
            await no_horizontal_scroll(watched)
            await page.get_by_label("Email address").fill(customer.email)
            await page.get_by_role("button", name="Send the link").click()
            await expect(page.get_by_role("heading", name="Check your email")).to_be_visible()

            message = await mailbox.wait_for(customer.email, "Reset your password")
            await page.goto(mailed_link(message, server.http_url, "/reset-password"))
            await expect(page.get_by_role("heading", name="Choose a new password")).to_be_visible()
            await expect(page).to_have_url(f"{server.http_url}/account/reset-password")
            await no_horizontal_scroll(watched)

            # The password rules' typed error appears next to the field.
            new_password = page.get_by_label("New password")
            await new_password.fill("qwertyuiop")
            await page.get_by_role("button", name="Save the new password").click()
            await expect(new_password).to_have_attribute("aria-invalid", "true")
            await expect(page.locator('[data-error-for="newPassword"]')).not_to_be_empty()

            await new_password.fill("an entirely new passphrase")
            await page.get_by_role("button", name="Save the new password").click()
            await expect(page.get_by_role("heading", name="Your password has been changed")).to_be_visible()
            await page.get_by_role("link", name="Sign in", exact=True).click()

            # The old password no longer works; the new one does.
            await sign_in(page, customer.email, PASSWORD)
            await expect(page.get_by_role("alert")).to_have_text("The sign-in details are not correct.")
            await page.get_by_label("Password").fill("an entirely new passphrase")
            await page.get_by_role("button", name="Sign in").click()
            await expect(page.get_by_role("heading", name="Hello, Ada")).to_be_visible()
            watched.assert_clean()


async def test_register_in_an_sms_group_and_activate_with_the_texted_code(
    portal_settings: Settings, port: int, setup_rt: Runtime, sms_dir: Path
) -> None:
    await make_group(setup_rt, "mobile", ActivationMode.SMS_CODE)
    with live_server(portal_settings, port) as server:
        async with chromium() as browser:
            watched = await watched_page(browser)
            page = watched.page
            await page.goto(f"{server.http_url}/account/register")
            await page.get_by_label("Email address").fill("sms.reader@example.com")
            await page.get_by_label("Password", exact=True).fill(PASSWORD)
            await page.get_by_label("Mobile phone (optional)").fill("+14155550123")
            await page.get_by_label("Customer type").select_option("mobile")
            await page.get_by_role("button", name="Create account").click()
            await expect(page.get_by_role("heading", name="Enter the code we texted you")).to_be_visible()

            code = await wait_for_sms_code(sms_dir, "+14155550123")
            await page.get_by_label("Code from the SMS").fill("000000" if code != "000000" else "111111")
            await page.get_by_role("button", name="Activate").click()
            await expect(page.get_by_label("Code from the SMS")).to_have_attribute("aria-invalid", "true")

            # A new code from the SMS activation page replaces the first one.
            await page.goto(f"{server.http_url}/account/activate")
            await page.get_by_label("Mobile phone").last.fill("+14155550123")
            await page.get_by_role("button", name="Send a new code").click()
            await expect(page.get_by_role("status")).to_contain_text("we have texted it a new code")
            code = await wait_for_sms_code(sms_dir, "+14155550123", count=2)
            await page.get_by_label("Mobile phone").first.fill("+14155550123")
            await page.get_by_label("Code from the SMS").fill(code)
            await page.get_by_role("button", name="Activate").click()
            await expect(page.get_by_role("heading", name="Your account is active")).to_be_visible()
            await no_horizontal_scroll(watched)
            watched.assert_clean()


async def test_the_signed_out_pages_speak_the_browsers_german(portal_settings: Settings, port: int) -> None:
    with live_server(portal_settings, port) as server:
        async with chromium() as browser:
            watched = await watched_page(browser, locale="de-DE")
            page = watched.page
            await page.goto(f"{server.http_url}/account/login")
            await expect(page.get_by_role("heading", name="Anmelden")).to_be_visible()
            for link, heading in [
                ("Konto erstellen", "Konto erstellen"),
                ("Passwort vergessen?", "Passwort vergessen?"),
                ("Konto mit einem Code aus einer SMS aktivieren", "Konto aktivieren"),
            ]:
                await page.get_by_role("link", name=link).click()
                await expect(page.get_by_role("heading", name=heading)).to_be_visible()
                await no_horizontal_scroll(watched)
                await page.go_back()
                await expect(page.get_by_role("heading", name="Anmelden")).to_be_visible()
            await page.goto(f"{server.http_url}/account/reset-password")
            await expect(page.get_by_text("Diese Seite braucht den Link aus unserer E-Mail.")).to_be_visible()
            watched.assert_clean()


async def test_a_dead_activation_link_offers_a_new_one_and_only_the_newest_works(
    portal_settings: Settings, port: int, mailbox: Mailbox
) -> None:
    with live_server(portal_settings, port) as server:
        async with chromium() as browser:
            watched = await watched_page(browser)
            page = watched.page
            await page.goto(f"{server.http_url}/account/register")
            await page.get_by_label("Email address").fill("slow.reader@example.com")
            await page.get_by_label("Password", exact=True).fill(PASSWORD)
            await page.get_by_role("button", name="Create account").click()
            await expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
            first = mailed_link(await mailbox.wait_for("slow.reader@example.com"), server.http_url, "/activate")

            # A link that does not work any more: the page says so and offers a new one.
            await page.goto(f"{server.http_url}/account/activate?token=no-such-token")
            await expect(page.get_by_role("heading", name="We could not activate your account")).to_be_visible()
            await page.get_by_role("button", name="Send a new link").click()
            await expect(page.get_by_label("Email address")).to_have_attribute("aria-invalid", "true")
            await page.get_by_label("Email address").fill("slow.reader@example.com")
            await page.get_by_role("button", name="Send a new link").click()
            await expect(page.get_by_role("status")).to_contain_text("we have sent it a new link")
            await watched.check("activate-failed")
            for _ in range(50):
                if len(mailbox.to("slow.reader@example.com")) == 2:
                    break
                await page.wait_for_timeout(100)
            second = mailed_link(mailbox.to("slow.reader@example.com")[-1], server.http_url, "/activate")
            assert second != first

            # The new link revoked the first one.
            await page.goto(first)
            await expect(page.get_by_role("heading", name="We could not activate your account")).to_be_visible()
            await page.goto(second)
            await expect(page.get_by_role("heading", name="Your account is active")).to_be_visible()
            await watched.check("activated")


async def test_forgot_password_by_phone_with_the_texted_code(
    portal_settings: Settings, port: int, setup_rt: Runtime, sms_dir: Path
) -> None:
    customer = await make_customer(setup_rt, first_name="Ada", phone="+14155550188")
    with live_server(portal_settings, port) as server:
        async with chromium() as browser:
            watched = await watched_page(browser)
            page = watched.page
            await page.goto(f"{server.http_url}/account/forgot-password")
            await page.get_by_role("link", name="Use my mobile phone instead").click()
            await expect(page).to_have_url(f"{server.http_url}/account/forgot-password?by=phone")
            await page.get_by_label("Mobile phone").fill("+1 415 555 0188")
            await page.get_by_role("button", name="Text me a code").click()
            await expect(page.get_by_role("heading", name="Enter the code and your new password")).to_be_visible()
            await watched.check("forgot-password-phone")
            code = await wait_for_sms_code(sms_dir, "+14155550188")

            # A wrong code is refused next to its field; the right one sets the new password.
            await page.get_by_label("Code from the SMS").fill("000000" if code != "000000" else "111111")
            await page.get_by_label("New password").fill("an entirely new passphrase")
            await page.get_by_role("button", name="Save the new password").click()
            await expect(page.get_by_label("Code from the SMS")).to_have_attribute("aria-invalid", "true")
            await expect(page.locator('[data-error-for="code"]')).not_to_be_empty()
            await page.get_by_label("Code from the SMS").fill(code)
            # The password's rules are ticked off as it is typed, as on every password form.
            rules = page.locator(".password-rules li:not([hidden])")
            await expect(rules.first).to_have_class("rule-met")
            await page.get_by_label("New password").fill("short")
            await expect(rules.first).to_have_class("rule-unmet")
            await page.get_by_label("New password").fill("an entirely new passphrase")
            await expect(rules).to_have_class(["rule-met"] * await rules.count())
            await page.get_by_role("button", name="Save the new password").click()
            await expect(page.get_by_role("heading", name="Your password has been changed")).to_be_visible()
            await page.get_by_role("link", name="Sign in").click()
            await sign_in(page, customer.email, "an entirely new passphrase")
            await expect(page.get_by_role("heading", name="Hello, Ada")).to_be_visible()
            watched.assert_clean()
