"""The link of every mail template is followed in the browser until its action completes.

FOLLOWED names, for every template in app/templates.py with a link, the browser test that triggers that real mail,
reads it from the test SMTP mailbox, opens its link in Chromium and completes what the link is for. A plain test
keeps the registry honest (every linked template named, each test present and about that mail and its page); the
browser tests below follow the links no other browser test follows.
"""

import ast
import asyncio
import re
from collections.abc import Awaitable, Callable
from email.message import EmailMessage
from functools import cache
from html import unescape
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pyotp
import pytest
from playwright.async_api import expect

from app.config import Settings
from app.links import Route
from app.runtime import Runtime
from app.templates import EMAIL_TEMPLATES, TEMPLATE_DIR
from models.customer import ActivationMode, Customer, CustomerStatus, Role
from tests.accounts.queries import CHANGE_PASSWORD, LOGIN, REGISTER, REQUEST_RESET, RESET
from tests.live import live_server
from tests.offers.helpers import ACCEPT_OFFER, OFFER_NODE, create_offer
from tests.payments.helpers import save_card
from tests.portal.browser import PASSWORD, Watched, browser_test, chromium, sign_in, watched_page
from tests.returns.helpers import APPROVE, RECEIVE, REJECT, act, delivered_order, request_input, requested
from tests.support import (
    Api,
    Caller,
    Mailbox,
    global_id,
    html_body,
    login,
    make_customer,
    make_group,
    route_pattern,
    text_body,
)

HERE = Path(__file__).name
TestFunction = TypeVar("TestFunction", bound=Callable[..., Awaitable[None]])
NEW_PASSWORD = "an entirely new passphrase"

# Template name -> the browser test ("file.py::test_name", in tests/portal/) that follows its mailed link.
FOLLOWED: dict[str, str] = {
    "activation": "test_browser_account_flows.py::test_register_follow_the_activation_link_and_sign_in",
    "password_reset": (
        "test_browser_account_flows.py::test_forgot_password_follow_the_reset_link_and_sign_in_with_the_new_one"
    ),
    "already_registered": f"{HERE}::test_a_reset_your_password_mail_leads_to_a_new_password",
    "password_changed": f"{HERE}::test_a_reset_your_password_mail_leads_to_a_new_password",
    "account_locked": f"{HERE}::test_a_reset_your_password_mail_leads_to_a_new_password",
    "email_change_undone": f"{HERE}::test_a_reset_your_password_mail_leads_to_a_new_password",
    "account_approved": f"{HERE}::test_a_sign_in_mail_leads_to_the_account",
    "account_reactivated": f"{HERE}::test_a_sign_in_mail_leads_to_the_account",
    "two_factor_reset": f"{HERE}::test_a_sign_in_mail_leads_to_the_account",
    "account_created": f"{HERE}::test_an_account_staff_created_is_opened_by_choosing_a_password_from_the_mail",
    "email_change_approve": f"{HERE}::test_a_held_email_change_is_approved_then_confirmed_from_the_mails",
    "email_change_confirm": (
        "test_browser_mailed_links.py::test_confirm_an_email_change_from_the_new_address_then_undo_it_from_the_old"
    ),
    "email_changed_undo": (
        "test_browser_mailed_links.py::test_confirm_an_email_change_from_the_new_address_then_undo_it_from_the_old"
    ),
    "claim_guest_orders": "test_browser_mailed_links.py::test_follow_the_claim_link_and_the_guest_orders_join_the_account",
    "data_export_ready": "test_browser_privacy.py::test_data_export_is_downloaded_and_the_account_deleted",
    "offer_sent": "test_browser_offers_returns.py::test_a_mailed_offer_is_viewed_downloaded_accepted_and_paid_another_declined",
    "offer_revised": "test_browser_offers_returns.py::test_a_mailed_offer_is_viewed_downloaded_accepted_and_paid_another_declined",
    "offer_accepted": f"{HERE}::test_the_accepted_offer_mail_leads_to_paying_it",
    "ticket_staff_reply": "test_browser_orders_tickets.py::test_the_mailed_ticket_link_opens_the_ticket",
    "ticket_state_changed": f"{HERE}::test_the_resolved_ticket_mail_leads_to_rating_the_help",
    "return_requested": f"{HERE}::test_every_return_decision_mail_opens_its_return",
    "return_approved": f"{HERE}::test_every_return_decision_mail_opens_its_return",
    "return_rejected": f"{HERE}::test_every_return_decision_mail_opens_its_return",
    "return_received": f"{HERE}::test_every_return_decision_mail_opens_its_return",
    "return_refunded": "test_browser_offers_returns.py::test_a_return_from_request_to_refund",
}

# A subject argument must carry at least this much fixed text to name a mail (not "Return ", not a bare number).
MIN_SUBJECT_TEXT = 8


# ── the registry's checks (no browser) ──


def linked_templates() -> set[str]:
    return {name for name, spec in EMAIL_TEMPLATES.items() if spec.link_label is not None}


def english_subject(template: str) -> str:
    """The template's English subject as written, placeholders shown as {} (what an f-string's value fills)."""
    source = (TEMPLATE_DIR / f"{template}.mail").read_text(encoding="utf-8")
    found = re.search(r'\{% block subject %\}\{\{ _\("(.*?)"', source)
    assert found, f"{template}: no subject block"
    return re.sub(r"%\(\w+\)s", "{}", found.group(1))


def fixed_subject_text(template: str) -> str:
    """The subject's words that do not depend on the mail's values (the ticket reply's subject has none)."""
    return re.sub(r"[\W_]+", " ", english_subject(template).replace("{}", " ")).strip()


def named_function(entry: str) -> ast.AsyncFunctionDef | ast.FunctionDef:
    file_name, _, name = entry.partition("::")
    assert file_name.startswith("test_browser_"), f"{entry}: not a browser test file"
    assert file_name.endswith(".py"), f"{entry}: not a Python file"
    path = Path(__file__).parent / file_name
    assert path.is_file(), f"{entry}: no file {file_name} in tests/portal"
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = [node for node in tree.body if isinstance(node, ast.AsyncFunctionDef | ast.FunctionDef)]
    for node in found:
        if node.name == name:
            return node
    raise AssertionError(f"{entry}: no test function {name} in {file_name}")


def string_pattern(node: ast.expr) -> str | None:
    """A str literal or f-string as it reads with every formatted value shown as {}; None for anything else."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(
            part.value if isinstance(part, ast.Constant) and isinstance(part.value, str) else "{}"
            for part in node.values
        )
    return None


def strings_in(nodes: list[ast.AST]) -> list[str]:
    found: list[str] = []
    for node in nodes:
        for child in ast.walk(node):
            text = string_pattern(child) if isinstance(child, ast.expr) else None
            if text is not None:
                found.append(text)
    return found


def mailbox_subjects(function: ast.AsyncFunctionDef | ast.FunctionDef) -> list[str]:
    """What the test's `mailbox.wait_for(address, subject)` calls wait for. A subject that is not written in
    the call (a parameter) stands for the strings of the test's decorators, where parametrize gives it."""
    subjects: list[str] = []
    for node in ast.walk(function):
        if not (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "wait_for"
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id == "mailbox"
        ):
            continue
        argument = (
            node.args[1] if len(node.args) > 1 else next((k.value for k in node.keywords if k.arg == "subject"), None)
        )
        written = string_pattern(argument) if argument is not None else ""
        # A subject not written in the call (a value of the test's) reads as "{}": any subject. A parameter's
        # values are written in the test's decorators, where parametrize gives them.
        subjects.append(written if written is not None else "{}")
        if written is None:
            subjects.extend(strings_in(list(function.decorator_list)))
    return subjects


ANY, WORD = object(), object()  # any text at all; a placeholder's value (one or more characters, no space)


def _tokens(text: str) -> list[object]:
    tokens: list[object] = []
    for index, piece in enumerate(text.split("{}")):
        if index:
            tokens.append(WORD)
        tokens.extend(piece)
    return tokens


def could_be_inside(waited: str, subject: str) -> bool:
    """Whether some mail with `subject` (its {} filled in) has a subject with `waited` (its {} filled in) in it,
    as `mailbox.wait_for` looks. A placeholder's value is taken to be one word (a number, a state)."""
    a, b = [ANY, *_tokens(waited), ANY], _tokens(subject)

    @cache
    def fits(i: int, j: int) -> bool:
        if i == len(a):
            return all(token is WORD for token in b[j:])
        if a[i] is ANY:
            return fits(i + 1, j) or (j < len(b) and fits(i, j + 1))
        if j == len(b):
            return all(token is ANY or token is WORD for token in a[i:])
        if a[i] is WORD:
            if b[j] is WORD or not str(b[j]).isspace():  # the word takes b's character (or word), goes on or ends
                return fits(i, j + 1) or fits(i + 1, j + 1)
            return fits(i + 1, j)  # no space in a word: it ends (taken as empty, which only errs towards yes)
        if b[j] is WORD:
            if not str(a[i]).isspace():
                return fits(i + 1, j) or fits(i + 1, j + 1)
            return fits(i, j + 1)
        return a[i] == b[j] and fits(i + 1, j + 1)

    return fits(0, 0)


def names_the_subject(waited: str, subject: str) -> bool:
    """`waited` picks out mails with `subject`: it carries enough fixed text, and it can be read in that subject."""
    if len(waited.replace("{}", "").strip()) < MIN_SUBJECT_TEXT:
        return False
    return could_be_inside(waited, subject)


def route_prefix(route: Route) -> str:
    """The fixed part of the route's path: /forgot-password, /returns/ (an object's number follows)."""
    return route.path.split("{")[0]


def calls_chromium(function: ast.AsyncFunctionDef | ast.FunctionDef) -> bool:
    return any(
        isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "chromium"
        for node in ast.walk(function)
    )


def test_every_template_with_a_link_is_followed_by_a_browser_test() -> None:
    assert sorted(linked_templates() - set(FOLLOWED)) == [], "a template with a link that no browser test follows"
    assert sorted(set(FOLLOWED) - linked_templates()) == [], "FOLLOWED names a template without a link"


@pytest.mark.parametrize("template", sorted(FOLLOWED))
def test_the_named_test_follows_that_mail_to_its_page(template: str) -> None:
    entry = FOLLOWED[template]
    function = named_function(entry)
    assert calls_chromium(function), f"{entry}: opens no browser"
    waited = mailbox_subjects(function)
    assert waited, f"{entry}: reads no mail from the mailbox"
    subject = english_subject(template)
    # A subject made only of the mail's values (a ticket reply's "[T-…] <the ticket's subject>") names no template
    # by its words: there the test must open the template's page, checked below.
    if len(fixed_subject_text(template)) >= MIN_SUBJECT_TEXT:
        assert any(names_the_subject(text, subject) for text in waited), (
            f"{entry}: waits for {waited}, none of which picks out {template}'s subject {subject!r}"
        )
    route = EMAIL_TEMPLATES[template].link_route
    if route is not None:
        prefix = route_prefix(route)
        strings = strings_in([function, *function.decorator_list])
        assert any(prefix in text for text in strings), f"{entry}: never names {template}'s page {prefix}"


def test_the_registry_checks_refuse_what_does_not_fit() -> None:
    """The checks above can fail: a subject that is too short or another mail's, a page not named."""
    assert names_the_subject("Return {} approved", english_subject("return_approved"))
    assert not names_the_subject("Return {} approved", english_subject("return_rejected"))
    assert not names_the_subject("Return {}", english_subject("return_approved"))
    assert names_the_subject("[{}] Your ticket is resolved", english_subject("ticket_state_changed"))
    assert not names_the_subject("[{}] Your ticket is resolved", english_subject("return_approved"))
    assert names_the_subject("You accepted offer {}", english_subject("offer_accepted"))
    assert not names_the_subject("Your offer {}", english_subject("offer_accepted"))
    assert not names_the_subject("Your account is active", english_subject("account_approved"))
    assert names_the_subject("Add your earlier orders", english_subject("claim_guest_orders"))
    assert fixed_subject_text("ticket_staff_reply") == ""
    tree = ast.parse(
        "async def test_x():\n"
        "    async with chromium() as browser:\n"
        "        await mailbox.wait_for(email, f'Return {number}')\n"
        "        await page.goto(f'{base}/account/offers/{number}')\n"
    )
    function = tree.body[0]
    assert isinstance(function, ast.AsyncFunctionDef)
    assert mailbox_subjects(function) == ["Return {}"]
    assert not any(names_the_subject(text, english_subject("return_approved")) for text in mailbox_subjects(function))
    assert not any(route_prefix(Route.RETURN) in text for text in strings_in([function]))
    assert calls_chromium(function)
    with pytest.raises(AssertionError, match="no test function"):
        named_function(f"{HERE}::test_that_does_not_exist")


# ── what the browser tests share ──


def in_the_browser(test: TestFunction) -> TestFunction:
    """The marks of every browser test (the registry's checks above run without a browser)."""
    for mark in browser_test:
        test = mark(test)
    return test


def portal_link(message: EmailMessage, base: str, route: Route) -> str:
    """The mail's one link into the portal (the text and HTML parts carry the same), checked to be `route`'s."""
    portal = f"{base}/account"
    text_links: set[str] = {link for link in re.findall(r"https?://\S+", text_body(message)) if link.startswith(portal)}
    html_links = {unescape(link) for link in re.findall(r'href="([^"]*)"', html_body(message))}
    assert len(text_links) == 1, f"{message['Subject']}: portal links {text_links}"
    link = next(iter(text_links))
    assert link in html_links, f"{message['Subject']}: {link} is not in the HTML part"
    assert route_pattern(route).fullmatch(link.removeprefix(portal)), f"{link} is not a {route.name} link"
    return link


async def caller(api: Api, rt: Runtime, **kwargs: Any) -> Caller:
    customer = await make_customer(rt, password=PASSWORD, **kwargs)
    return Caller(customer=customer, password=PASSWORD, token=await login(api, customer.email, PASSWORD))


def token_of(link: str) -> str:
    found = re.search(r"[?&]token=([A-Za-z0-9_-]+)", link)
    assert found, link
    return found.group(1)


CONFIRM_EMAIL_CHANGE = """mutation($i: ConfirmEmailChangeInput!) {
  confirmEmailChange(input: $i) { status userErrors { field message code } } }"""
UNDO_EMAIL_CHANGE = """mutation($i: UndoEmailChangeInput!) {
  undoEmailChange(input: $i) { userErrors { field message code } } }"""
REQUEST_EMAIL_CHANGE = """mutation($i: RequestEmailChangeInput!) {
  requestEmailChange(input: $i) { status userErrors { field message code } } }"""
APPROVE_CUSTOMER = """mutation($i: ApproveCustomerInput!) { approveCustomer(input: $i) {
  customer { status } userErrors { code } } }"""
SUSPEND_CUSTOMER = """mutation($i: SuspendCustomerInput!) { suspendCustomer(input: $i) {
  customer { status } userErrors { code } } }"""
RESET_TWO_FACTOR = """mutation($i: ResetTwoFactorInput!) { resetTwoFactor(input: $i) { userErrors { code } } }"""
CREATE_CUSTOMER_ACCOUNT = """mutation($i: CreateCustomerAccountInput!) { createCustomerAccount(input: $i) {
  customer { id } userErrors { code } } }"""
REACTIVATE_CUSTOMER = """mutation($i: ReactivateCustomerInput!) { reactivateCustomer(input: $i) {
  customer { status } userErrors { code } } }"""
OPEN_TICKET = """mutation($i: OpenTicketInput!) { openTicket(input: $i) {
  ticket { id number } userErrors { code } } }"""
SET_TICKET_STATE = """mutation($i: SetTicketStateInput!) { setTicketState(input: $i) {
  ticket { state } userErrors { code } } }"""
TICKET_RATING = "query($n: String!) { ticket(number: $n) { state rating { rating comment } } }"


async def sign_in_codes(api: Api, email: str, password: str) -> list[str | None]:
    result = await api.ok(LOGIN, {"input": {"email": email, "password": password}})
    return [error["code"] for error in result["login"]["userErrors"]] or [None]


# ── FORGOT_PASSWORD: "Reset your password" / "Choose a new password" ──


async def register_again(api: Api, rt: Runtime, customer: Customer, mailbox: Mailbox, base: str) -> None:
    """Someone registers with the address again: the owner is told, and nothing about the account changes."""
    again = await api.ok(REGISTER, {"input": {"email": customer.email, "password": "somebody else's passphrase"}})
    assert again["register"]["userErrors"] == []  # the same answer as for a new address: nothing leaks


async def change_the_password(api: Api, rt: Runtime, customer: Customer, mailbox: Mailbox, base: str) -> None:
    session = await login(api, customer.email, PASSWORD)
    changed = await api.ok(
        CHANGE_PASSWORD,
        {"input": {"currentPassword": PASSWORD, "newPassword": "the password in between"}},
        token=session,
    )
    assert changed["changePassword"]["userErrors"] == []


async def fail_to_sign_in_until_locked(api: Api, rt: Runtime, customer: Customer, mailbox: Mailbox, base: str) -> None:
    """The settings lock an account at its second wrong password (the first two attempts go without waiting)."""
    assert await sign_in_codes(api, customer.email, "not the password 1") == ["INVALID_CREDENTIALS"]
    assert await sign_in_codes(api, customer.email, "not the password 2") == ["INVALID_CREDENTIALS"]
    assert await sign_in_codes(api, customer.email, PASSWORD) == ["THROTTLED"]  # locked: even the right one waits


async def change_the_email_and_undo_it(api: Api, rt: Runtime, customer: Customer, mailbox: Mailbox, base: str) -> None:
    session = await login(api, customer.email, PASSWORD)
    asked = await api.ok(REQUEST_EMAIL_CHANGE, {"i": {"newEmail": "ada.elsewhere@example.com"}}, token=session)
    assert asked["requestEmailChange"]["status"] == "AWAITING_NEW_ADDRESS"
    confirm = await mailbox.wait_for("ada.elsewhere@example.com", "Confirm your new email address")
    confirmed = await api.ok(
        CONFIRM_EMAIL_CHANGE, {"i": {"token": token_of(portal_link(confirm, base, Route.CONFIRM_EMAIL))}}
    )
    assert confirmed["confirmEmailChange"]["status"] == "COMPLETED"
    undo = await mailbox.wait_for(customer.email, "Your email address was changed")
    undone = await api.ok(
        UNDO_EMAIL_CHANGE, {"i": {"token": token_of(portal_link(undo, base, Route.UNDO_EMAIL_CHANGE))}}
    )
    assert undone["undoEmailChange"]["userErrors"] == []


Trigger = Callable[[Api, Runtime, Customer, Mailbox, str], Awaitable[None]]


@in_the_browser
@pytest.mark.parametrize(
    ("template", "trigger", "subject"),
    [
        ("already_registered", register_again, "You already have an account"),
        ("password_changed", change_the_password, "Your password was changed"),
        ("account_locked", fail_to_sign_in_until_locked, "Sign-in to your account is paused"),
        ("email_change_undone", change_the_email_and_undo_it, "The change of your email address was undone"),
    ],
)
async def test_a_reset_your_password_mail_leads_to_a_new_password(
    portal_settings: Settings,
    port: int,
    setup_rt: Runtime,
    mailbox: Mailbox,
    template: str,
    trigger: Trigger,
    subject: str,
) -> None:
    settings = portal_settings.model_copy(update={"sign_in_free_attempts": 2, "sign_in_lock_after": 2})
    with live_server(settings, port) as server:
        base = server.http_url
        customer = await make_customer(setup_rt, first_name="Ada", password=PASSWORD)
        async with httpx.AsyncClient(base_url=base, timeout=15) as client:
            await trigger(Api(client), setup_rt, customer, mailbox, base)
        mail = await mailbox.wait_for(customer.email, subject)
        link = portal_link(mail, base, Route.FORGOT_PASSWORD)
        assert link == f"{base}/account/forgot-password"
        async with chromium() as browser:
            watched = await watched_page(browser)
            page = watched.page
            await page.goto(link)
            await expect(page.get_by_role("heading", name="Forgot your password?")).to_be_visible()
            await watched.check(f"mail-{template}-forgot-password")
            await page.get_by_label("Email address").fill(customer.email)
            await page.get_by_role("button", name="Send the link").click()
            await expect(page.get_by_role("heading", name="Check your email")).to_be_visible()

            reset = await mailbox.wait_for(customer.email, "Reset your password")
            await page.goto(portal_link(reset, base, Route.RESET_PASSWORD))
            await expect(page.get_by_role("heading", name="Choose a new password")).to_be_visible()
            await page.get_by_label("New password").fill(NEW_PASSWORD)
            await page.get_by_role("button", name="Save the new password").click()
            await expect(page.get_by_role("heading", name="Your password has been changed")).to_be_visible()
            await page.get_by_role("link", name="Sign in", exact=True).click()
            await sign_in(page, customer.email, NEW_PASSWORD)
            await expect(page.get_by_role("heading", name="Hello, Ada")).to_be_visible()
            await watched.check(f"mail-{template}-signed-in")


# ── SIGN_IN: "Sign in" ──


async def approve(api: Api, rt: Runtime, admin: str) -> Customer:
    await make_group(rt, "wholesale", ActivationMode.ADMIN_APPROVAL)
    pending = await make_customer(
        rt, first_name="Ada", status=CustomerStatus.PENDING_APPROVAL, group_code="wholesale", password=PASSWORD
    )
    assert await sign_in_codes(api, pending.email, PASSWORD) != [None]  # not before the approval
    approved = await api.ok(APPROVE_CUSTOMER, {"i": {"customerId": global_id("Customer", pending.id)}}, token=admin)
    assert approved["approveCustomer"] == {"customer": {"status": "ACTIVE"}, "userErrors": []}
    return pending


async def suspend_and_reactivate(api: Api, rt: Runtime, admin: str) -> Customer:
    customer = await make_customer(rt, first_name="Ada", password=PASSWORD)
    target = {"customerId": global_id("Customer", customer.id)}
    suspended = await api.ok(SUSPEND_CUSTOMER, {"i": {**target, "reason": "Unpaid invoices"}}, token=admin)
    assert suspended["suspendCustomer"]["userErrors"] == []
    assert await sign_in_codes(api, customer.email, PASSWORD) == ["ACCOUNT_SUSPENDED"]
    back = await api.ok(REACTIVATE_CUSTOMER, {"i": {**target, "reason": "Paid"}}, token=admin)
    assert back["reactivateCustomer"] == {"customer": {"status": "ACTIVE"}, "userErrors": []}
    return customer


async def reset_two_factor(api: Api, rt: Runtime, admin: str) -> Customer:
    owner = await caller(api, rt, first_name="Ada")
    secret = (await api.ok("mutation { enableTotp { secret } }", token=owner.token))["enableTotp"]["secret"]
    confirmed = await api.ok(
        "mutation($i: ConfirmTotpInput!) { confirmTotp(input: $i) { userErrors { code } } }",
        {"i": {"code": pyotp.TOTP(secret).now()}},
        token=owner.token,
    )
    assert confirmed["confirmTotp"]["userErrors"] == []
    reset = await api.ok(
        RESET_TWO_FACTOR,
        {"i": {"customerId": global_id("Customer", owner.customer.id), "identityChecks": ["ORDER_DETAILS"]}},
        token=admin,
    )
    assert reset["resetTwoFactor"]["userErrors"] == []
    return owner.customer


@in_the_browser
@pytest.mark.parametrize(
    ("template", "decide", "subject"),
    [
        ("account_approved", approve, "Your account is approved"),
        ("account_reactivated", suspend_and_reactivate, "Your account is active again"),
        ("two_factor_reset", reset_two_factor, "Your two-factor authentication was reset"),
    ],
)
async def test_a_sign_in_mail_leads_to_the_account(
    portal_settings: Settings,
    port: int,
    setup_rt: Runtime,
    mailbox: Mailbox,
    template: str,
    decide: Callable[[Api, Runtime, str], Awaitable[Customer]],
    subject: str,
) -> None:
    with live_server(portal_settings, port) as server:
        base = server.http_url
        async with httpx.AsyncClient(base_url=base, timeout=15) as client:
            api = Api(client)
            admin = await caller(api, setup_rt, roles=(Role.ADMIN,), first_name="Alex")
            customer = await decide(api, setup_rt, admin.token)
        mail = await mailbox.wait_for(customer.email, subject)
        link = portal_link(mail, base, Route.SIGN_IN)
        assert link == f"{base}/account/login"
        async with chromium() as browser:
            watched = await watched_page(browser)
            page = watched.page
            await page.goto(link)
            await expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
            await watched.check(f"mail-{template}-sign-in")
            await sign_in(page, customer.email)
            await expect(page.get_by_role("heading", name="Hello, Ada")).to_be_visible()
            await expect(page.get_by_text(f"Signed in as {customer.email}")).to_be_visible()
            await watched.check(f"mail-{template}-home")
            if template == "two_factor_reset":
                # After the reset a new phone number waits: the page says why in the catalogue's words.
                await page.goto(f"{base}/account/profile")
                await page.get_by_label("Mobile phone").fill("+49 30 1234567")
                await page.get_by_role("button", name="Save profile").click()
                await expect(
                    page.get_by_text("Support reset your two-step verification a short while ago")
                ).to_be_visible()


# ── RESET_PASSWORD: "Choose your password" of an account staff created ──


@in_the_browser
async def test_an_account_staff_created_is_opened_by_choosing_a_password_from_the_mail(
    portal_settings: Settings, port: int, setup_rt: Runtime, mailbox: Mailbox
) -> None:
    with live_server(portal_settings, port) as server:
        base = server.http_url
        async with httpx.AsyncClient(base_url=base, timeout=15) as client:
            api = Api(client)
            staff = await caller(api, setup_rt, roles=(Role.SUPPORT,), first_name="Sam")
            created = await api.ok(
                CREATE_CUSTOMER_ACCOUNT,
                {"i": {"email": "ada.new@example.com", "firstName": "Ada", "reason": "phone order"}},
                token=staff.token,
            )
            assert created["createCustomerAccount"]["userErrors"] == []
        mail = await mailbox.wait_for("ada.new@example.com", "Your customer account is ready")
        link = portal_link(mail, base, Route.RESET_PASSWORD)
        assert link.startswith(f"{base}/account/reset-password?token=")
        async with chromium() as browser:
            watched = await watched_page(browser)
            page = watched.page
            await page.goto(link)
            await expect(page.get_by_role("heading", name="Choose a new password")).to_be_visible()
            await page.get_by_label("New password").fill(NEW_PASSWORD)
            await page.get_by_role("button", name="Save the new password").click()
            await expect(page.get_by_role("heading", name="Your password has been changed")).to_be_visible()
            await page.get_by_role("link", name="Sign in", exact=True).click()
            await sign_in(page, "ada.new@example.com", NEW_PASSWORD)
            await expect(page.get_by_role("heading", name="Hello, Ada")).to_be_visible()
            await watched.check("mail-account_created-signed-in")


# ── APPROVE_EMAIL_CHANGE: a held change, approved from the current address, then confirmed from the new ──


@in_the_browser
async def test_a_held_email_change_is_approved_then_confirmed_from_the_mails(
    portal_settings: Settings, port: int, setup_rt: Runtime, mailbox: Mailbox
) -> None:
    with live_server(portal_settings, port) as server:
        base = server.http_url
        customer = await make_customer(setup_rt, first_name="Ada", password=PASSWORD)
        async with httpx.AsyncClient(base_url=base, timeout=15) as client:
            api = Api(client)
            # A password reset minutes ago makes an email change risky enough to be held for the current address.
            assert (await api.ok(REQUEST_RESET, {"input": {"email": customer.email}}))["requestPasswordReset"][
                "userErrors"
            ] == []
            reset = await mailbox.wait_for(customer.email, "Reset your password")
            token = token_of(portal_link(reset, base, Route.RESET_PASSWORD))
            assert (await api.ok(RESET, {"input": {"token": token, "newPassword": NEW_PASSWORD}}))["resetPassword"][
                "userErrors"
            ] == []
            session = await login(api, customer.email, NEW_PASSWORD)
            held = await api.ok(REQUEST_EMAIL_CHANGE, {"i": {"newEmail": "ada.new@example.com"}}, token=session)
            assert held["requestEmailChange"] == {"status": "AWAITING_OLD_ADDRESS", "userErrors": []}
        assert mailbox.to("ada.new@example.com") == []
        mail = await mailbox.wait_for(customer.email, "Approve the change of your email address")
        link = portal_link(mail, base, Route.APPROVE_EMAIL_CHANGE)
        async with chromium() as browser:
            watched = await watched_page(browser)
            page = watched.page
            await page.goto(link)
            await expect(page.get_by_role("heading", name="Email change approved")).to_be_visible()
            await expect(page.get_by_text("Status: waiting for the new address.")).to_be_visible()
            await expect(page).to_have_url(f"{base}/account/approve-email-change")  # the token left the address bar
            await watched.check("mail-email_change_approve")

            confirm = await mailbox.wait_for("ada.new@example.com", "Confirm your new email address")
            await page.goto(portal_link(confirm, base, Route.CONFIRM_EMAIL))
            await expect(page.get_by_role("heading", name="Your email address has been changed")).to_be_visible()
            await page.get_by_role("link", name="Sign in with the new address").click()
            await sign_in(page, "ada.new@example.com", NEW_PASSWORD)
            await expect(page.get_by_role("heading", name="Hello, Ada")).to_be_visible()
            watched.assert_clean()


# ── OFFER: "Pay your order" ──


@in_the_browser
async def test_the_accepted_offer_mail_leads_to_paying_it(
    portal_settings: Settings, port: int, setup_rt: Runtime, mailbox: Mailbox
) -> None:
    settings = portal_settings.model_copy(update={"public_url": f"http://127.0.0.1:{port}"})
    with live_server(settings, port) as server:
        base = server.http_url
        async with httpx.AsyncClient(base_url=base, timeout=15) as client:
            api = Api(client)
            staff = await caller(api, setup_rt, roles=(Role.SUPPORT,), first_name="Sam")
            customer = await caller(api, setup_rt, first_name="Ada")
            assert (await save_card(api, customer.token, "tok_visa"))["userErrors"] == []
            offer = (await create_offer(api, staff, customer))["offer"]
            # Accepted elsewhere (a storefront, the API): the mail asks for the payment.
            accepted = await api.ok(ACCEPT_OFFER, {"i": {"offerId": offer["id"]}}, token=customer.token)
            assert accepted["acceptOffer"]["userErrors"] == []
        number = offer["number"]
        mail = await mailbox.wait_for(customer.customer.email, f"You accepted offer {number}")
        link = portal_link(mail, base, Route.OFFER)
        assert link == f"{base}/account/offers/{number}"
        async with chromium() as browser:
            watched = await watched_page(browser)
            page = watched.page
            await page.goto(link)
            await sign_in(page, customer.customer.email)
            await expect(page.get_by_role("heading", name=f"Offer {number}")).to_be_visible()
            await watched.opens_with_one_request(page.goto(link), f"Offer {number}")
            await expect(page.locator(".summary .state")).to_have_text("Accepted, awaiting payment")
            await expect(page.get_by_label("Visa •••• 4242, expires")).to_be_checked()
            await watched.check("mail-offer_accepted")
            await page.get_by_role("button", name="Pay €65.54").click()
            await expect(page.get_by_role("status")).to_have_text("Thank you: €65.54 paid with Visa •••• 4242.")
            await expect(page.locator(".summary .state")).to_have_text("Paid")
            await watched.check("mail-offer_accepted-paid")
        async with httpx.AsyncClient(base_url=base, timeout=15) as client:
            paid = (await Api(client).ok(OFFER_NODE, {"id": offer["id"]}, token=customer.token))["node"]
            assert (paid["state"], paid["order"]["status"]) == ("PAID", "PAID")


# ── TICKET: "View the conversation" after a change of state ──


@in_the_browser
async def test_the_resolved_ticket_mail_leads_to_rating_the_help(
    portal_settings: Settings, port: int, setup_rt: Runtime, mailbox: Mailbox
) -> None:
    with live_server(portal_settings, port) as server:
        base = server.http_url
        async with httpx.AsyncClient(base_url=base, timeout=15) as client:
            api = Api(client)
            staff = await caller(api, setup_rt, roles=(Role.SUPPORT,), first_name="Sam")
            customer = await caller(api, setup_rt, first_name="Ada")
            opened = await api.ok(
                OPEN_TICKET,
                {"i": {"subject": "Parcel missing", "body": "It never came.", "category": "ORDER"}},
                token=customer.token,
            )
            ticket = opened["openTicket"]["ticket"]
            resolved = await api.ok(
                SET_TICKET_STATE, {"i": {"ticketId": ticket["id"], "state": "RESOLVED"}}, token=staff.token
            )
            assert resolved["setTicketState"] == {"ticket": {"state": "RESOLVED"}, "userErrors": []}
        number = ticket["number"]
        mail = await mailbox.wait_for(customer.customer.email, f"[{number}] Your ticket is resolved")
        link = portal_link(mail, base, Route.TICKET)
        assert link == f"{base}/account/tickets/{number}"
        async with chromium() as browser:
            watched = await watched_page(browser)
            page = watched.page
            await page.goto(link)
            await sign_in(page, customer.customer.email)
            await expect(page.get_by_role("heading", name="Parcel missing")).to_be_visible()
            await watched.opens_with_one_request(page.goto(link), "Parcel missing")
            await expect(page.locator(".ticket-meta")).to_contain_text("Resolved")
            await expect(page.get_by_role("heading", name="Rate our help")).to_be_visible()
            await watched.check("mail-ticket_state_changed")
            await page.get_by_label(re.compile("^4 ")).check()
            await page.get_by_role("button", name="Send rating").click()
            await expect(page.get_by_text("You rated our help 4 out of 5.")).to_be_visible()
            watched.assert_clean()
        async with httpx.AsyncClient(base_url=base, timeout=15) as client:
            stored = (await Api(client).ok(TICKET_RATING, {"n": number}, token=staff.token))["ticket"]
            assert stored["rating"] == {"rating": 4, "comment": None}


# ── RETURN: each decision's mail opens that return ──


async def open_return(watched: Watched, link: str, number: str, state: str, next_step: str) -> None:
    """The mailed return link shows that return, in `state`, after one GraphQL request (already signed in)."""
    await watched.opens_with_one_request(watched.page.goto(link), f"Return {number}")
    await expect(watched.page.locator(".summary .state")).to_have_text(state)
    await expect(watched.page.locator("p.next")).to_have_text(next_step)


@in_the_browser
async def test_every_return_decision_mail_opens_its_return(
    portal_settings: Settings, port: int, setup_rt: Runtime, mailbox: Mailbox
) -> None:
    # Every request waits for staff (nothing is approved automatically); slip links point at this server.
    settings = portal_settings.model_copy(
        update={"public_url": f"http://127.0.0.1:{port}", "return_auto_approve_limit": 0}
    )
    with live_server(settings, port) as server:
        base = server.http_url
        async with httpx.AsyncClient(base_url=base, timeout=15) as client:
            api = Api(client)
            staff = await caller(api, setup_rt, roles=(Role.SUPPORT,), first_name="Sam")
            customer = await caller(api, setup_rt, first_name="Ada")
            order = await delivered_order(api, setup_rt, customer)
            exchange = await requested(api, customer, request_input(order, 1, resolution="EXCHANGE"))
            refused = await requested(api, customer, request_input(order, 0, 1))
            assert (exchange["status"], refused["status"]) == ("REQUESTED", "REQUESTED")
        email = customer.customer.email
        mail = await mailbox.wait_for(email, f"Return {exchange['number']} received for review")
        link = portal_link(mail, base, Route.RETURN)
        assert link == f"{base}/account/returns/{exchange['number']}"
        async with chromium() as browser:
            watched = await watched_page(browser)
            page = watched.page
            await page.goto(link)
            await sign_in(page, email)
            await expect(page.get_by_role("heading", name=f"Return {exchange['number']}")).to_be_visible()
            await open_return(
                watched,
                link,
                exchange["number"],
                "Requested",
                "We are reviewing your request and will email you our decision.",
            )
            await expect(page.get_by_role("link", name="Download the return slip (PDF)")).to_have_count(0)
            await watched.check("mail-return_requested")

            async with httpx.AsyncClient(base_url=base, timeout=15) as client:
                api = Api(client)
                approved = await act(api, staff.token, APPROVE, returnId=exchange["id"])
                assert approved["userErrors"] == []
                rejected = await act(api, staff.token, REJECT, returnId=refused["id"], reason="Worn and washed.")
                assert rejected["userErrors"] == []

            mail = await mailbox.wait_for(email, f"Return {exchange['number']} approved")
            await open_return(
                watched,
                portal_link(mail, base, Route.RETURN),
                exchange["number"],
                "Approved",
                "Approved: print the return slip, put it in the parcel with the items and send it to us.",
            )
            async with page.expect_download() as started:
                await page.get_by_role("link", name="Download the return slip (PDF)").click()
            slip = await started.value
            assert slip.suggested_filename.endswith(".pdf")
            assert (await asyncio.to_thread(Path(await slip.path()).read_bytes)).startswith(b"%PDF")
            await watched.check("mail-return_approved")

            mail = await mailbox.wait_for(email, f"Return {refused['number']} declined")
            await open_return(
                watched,
                portal_link(mail, base, Route.RETURN),
                refused["number"],
                "Declined",
                "We could not accept this return.",
            )
            await expect(page.get_by_text("Our reason: Worn and washed.")).to_be_visible()
            await watched.check("mail-return_rejected")

            async with httpx.AsyncClient(base_url=base, timeout=15) as client:
                received = await act(Api(client), staff.token, RECEIVE, returnId=exchange["id"], note="In the parcel.")
                assert received["userErrors"] == [], received
                assert received["return"]["status"] == "RECEIVED"

            mail = await mailbox.wait_for(email, f"Return {exchange['number']} arrived")
            await open_return(
                watched,
                portal_link(mail, base, Route.RETURN),
                exchange["number"],
                "Received",
                "We have received the items and will send the exchange.",
            )
            await watched.check("mail-return_received")
