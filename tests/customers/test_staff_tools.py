"""Staff account tools (issue 19): resetting two-factor authentication after identity checks, with the cool-down
of sensitive changes that follows; creating accounts for customers; accounts waiting for approval."""

import asyncio
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import update

from app.cli import main
from app.config import Settings
from app.runtime import Runtime
from models.base import utcnow
from models.customer import ActivationMode, Role
from models.security import SecurityEvent, SecurityEventType
from tests.accounts.queries import REGISTER
from tests.security.test_two_factor import enrol
from tests.support import (
    Api,
    Caller,
    Mailbox,
    assert_token_refused,
    link_token,
    login,
    make_caller,
    make_group,
    read_sms,
    text_body,
)

ERRORS = "userErrors { field message code }"
RESET_2FA = f"""mutation($input: ResetTwoFactorInput!) {{
  resetTwoFactor(input: $input) {{ customer {{ id }} coolDownEndsAt {ERRORS} }} }}"""
SECURITY_EVENTS = """query($filter: SecurityEventFilterInput) { securityEvents(filter: $filter) { edges { node {
  type outcome reason detail actor { id } } } } }"""
STATUS = "{ twoFactor { enabled recoveryCodesLeft } }"
ENABLE = f"mutation {{ enableTotp {{ secret {ERRORS} }} }}"
CHANGE_EMAIL = f"mutation($input: RequestEmailChangeInput!) {{ requestEmailChange(input: $input) {{ {ERRORS} }} }}"
CHANGE_PASSWORD = f"mutation($input: ChangePasswordInput!) {{ changePassword(input: $input) {{ {ERRORS} }} }}"
UPDATE_PROFILE = f"mutation($input: UpdateProfileInput!) {{ updateProfile(input: $input) {{ {ERRORS} }} }}"
ADD_CARD = f"mutation($input: AddPaymentMethodInput!) {{ addPaymentMethod(input: $input) {{ {ERRORS} }} }}"
BEGIN_SETUP = f"""mutation($input: BeginPaymentMethodSetupInput) {{
  beginPaymentMethodSetup(input: $input) {{ {ERRORS} }} }}"""
REQUEST_RESET = f"mutation($input: RequestPasswordResetInput!) {{ requestPasswordReset(input: $input) {{ {ERRORS} }} }}"
RESET_PASSWORD = f"mutation($input: ResetPasswordInput!) {{ resetPassword(input: $input) {{ {ERRORS} }} }}"
PHONE = "+4915112345678"


async def wait_for_sms(directory: Path, phone: str) -> list[str]:
    """The texts sent to the phone, once there is one (the outbox delivers them a moment after the commit)."""
    for _ in range(200):
        if texts := read_sms(directory, phone):
            return texts
        await asyncio.sleep(0.05)
    raise AssertionError(f"no SMS to {phone}")


def codes(payload: dict[str, list[dict[str, str]]]) -> list[str]:
    return [error["code"] for error in payload["userErrors"]]


async def test_staff_reset_two_factor_after_identity_checks_and_sensitive_changes_wait(
    api: Api, rt: Runtime, staff: Caller, admin: Caller, mailbox: Mailbox, sms_dir: Path
) -> None:
    owner = await make_caller(api, rt, phone=PHONE, first_name="Lena")
    await enrol(api, owner)
    target = {"customerId": owner.gid}

    # A customer may not; checks are required; 2FA must be on; nobody resets their own.
    refused = await api(RESET_2FA, {"input": {**target, "identityChecks": ["ORDER_DETAILS"]}}, token=owner.token)
    assert refused.errors
    assert refused.errors[0]["extensions"]["code"] == "FORBIDDEN"
    no_checks = await api.ok(RESET_2FA, {"input": {**target, "identityChecks": [], "note": "x"}}, token=staff.token)
    assert no_checks["resetTwoFactor"]["userErrors"] == [
        {
            "field": ["input", "identityChecks"],
            "message": "Record at least one identity check you performed.",
            "code": "REQUIRED",
        }
    ]
    own = await api.ok(
        RESET_2FA, {"input": {"customerId": staff.gid, "identityChecks": ["ID_DOCUMENT"]}}, token=staff.token
    )
    assert codes(own["resetTwoFactor"]) == ["CANNOT_CHANGE_OWN_ACCOUNT"]
    # Support cannot reset an administrator's (nor another staff account's) two-factor authentication.
    other_admin = await make_caller(api, rt, roles=(Role.ADMIN,))
    await enrol(api, other_admin)
    staff_on_admin = await api(
        RESET_2FA, {"input": {"customerId": other_admin.gid, "identityChecks": ["ID_DOCUMENT"]}}, token=staff.token
    )
    assert staff_on_admin.errors
    assert staff_on_admin.errors[0]["extensions"]["code"] == "FORBIDDEN"
    every_check = ["ORDER_DETAILS", "BILLING_ADDRESS", "ID_DOCUMENT", "PHONE_CALLBACK"]  # all fit the log's reason
    admin_on_admin = await api.ok(
        RESET_2FA, {"input": {"customerId": other_admin.gid, "identityChecks": every_check}}, token=admin.token
    )
    assert admin_on_admin["resetTwoFactor"]["userErrors"] == []

    done = await api.ok(
        RESET_2FA,
        {
            "input": {
                **target,
                "identityChecks": ["PHONE_CALLBACK", "ORDER_DETAILS", "ORDER_DETAILS"],
                "note": "lost phone; named order 1042 and its total",
            }
        },
        token=staff.token,
    )
    assert done["resetTwoFactor"]["userErrors"] == []
    assert done["resetTwoFactor"]["coolDownEndsAt"] is not None
    again = await api.ok(RESET_2FA, {"input": {**target, "identityChecks": ["ID_DOCUMENT"]}}, token=staff.token)
    assert codes(again["resetTwoFactor"]) == ["TWO_FACTOR_NOT_ENABLED"]

    # Signed out everywhere; told by mail and by SMS to the verified phone.
    await assert_token_refused(api, owner.token)
    mail = await mailbox.wait_for(owner.customer.email, "Your two-factor authentication was reset")
    assert "wait until" in mail.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    assert "Support reset your two-factor authentication" in (await wait_for_sms(sms_dir, PHONE))[-1]

    # The log names the actor and the checks; the note is the detail.
    log = await api.ok(
        SECURITY_EVENTS, {"filter": {"customerId": owner.gid, "type": "TWO_FACTOR_RESET"}}, token=admin.token
    )
    [event] = [edge["node"] for edge in log["securityEvents"]["edges"]]
    assert event == {
        "type": "TWO_FACTOR_RESET",
        "outcome": "SUCCESS",
        "reason": "ORDER_DETAILS,PHONE_CALLBACK",
        "detail": "lost phone; named order 1042 and its total",
        "actor": {"id": staff.gid},
    }

    # The password alone signs in now; sensitive changes wait, securing the account does not.
    token = await login(api, owner.customer.email, owner.password)
    assert (await api.ok(STATUS, token=token))["twoFactor"] == {"enabled": False, "recoveryCodesLeft": 0}
    waits = [
        (CHANGE_EMAIL, {"newEmail": "elsewhere@example.com"}, "requestEmailChange"),
        (
            CHANGE_PASSWORD,
            {"currentPassword": owner.password, "newPassword": "a brand new passphrase"},
            "changePassword",
        ),
        (UPDATE_PROFILE, {"phone": "+4915199999999"}, "updateProfile"),
        (ADD_CARD, {"gatewayToken": "tok_visa"}, "addPaymentMethod"),
        (BEGIN_SETUP, {"kinds": ["CARD"]}, "beginPaymentMethodSetup"),
    ]
    for query, values, field in waits:
        answer = await api.ok(query, {"input": values}, token=token)
        assert codes(answer[field]) == ["COOL_DOWN"], field
    await api.ok(REQUEST_RESET, {"input": {"email": owner.customer.email}})
    link = link_token(await mailbox.wait_for(owner.customer.email, "Reset"), "/reset-password")
    by_link = await api.ok(RESET_PASSWORD, {"input": {"token": link, "newPassword": "a brand new passphrase"}})
    assert codes(by_link["resetPassword"]) == ["COOL_DOWN"]
    allowed = await api.ok(UPDATE_PROFILE, {"input": {"firstName": "Lena Marie"}}, token=token)
    assert allowed["updateProfile"]["userErrors"] == []
    assert (await api.ok(ENABLE, token=token))["enableTotp"]["userErrors"] == []

    # Once the cool-down is over, the change goes through (the reset link, still valid, too).
    async with rt.db.unit_of_work() as session:
        await session.execute(
            update(SecurityEvent)
            .where(SecurityEvent.type == SecurityEventType.TWO_FACTOR_RESET)  # type: ignore[arg-type]
            .values(created_at=utcnow() - timedelta(hours=rt.settings.two_factor_reset_cool_down_hours, minutes=1))
        )
    by_link = await api.ok(RESET_PASSWORD, {"input": {"token": link, "newPassword": "a brand new passphrase"}})
    assert by_link["resetPassword"]["userErrors"] == []
    await login(api, owner.customer.email, "a brand new passphrase")


PENDING = "{ pendingApprovals { count oldestWaitingSince } }"


async def test_accounts_waiting_for_approval_are_counted_and_every_approver_is_mailed_on_arrival(
    api: Api, rt: Runtime, staff: Caller, admin: Caller, customer: Caller, mailbox: Mailbox
) -> None:
    german_admin = await make_caller(api, rt, roles=(Role.ADMIN,), first_name="Greta")
    await api.ok(
        'mutation { updateSettings(input: {language: "de"}) { userErrors { code } } }', token=german_admin.token
    )
    refused = await api(PENDING, token=customer.token)
    assert refused.errors
    assert refused.errors[0]["extensions"]["code"] == "FORBIDDEN"
    assert (await api.ok(PENDING, token=staff.token))["pendingApprovals"] == {"count": 0, "oldestWaitingSince": None}

    await make_group(rt, "wholesale", ActivationMode.ADMIN_APPROVAL)
    for number, address in enumerate(["first@trade.example", "second@trade.example"], start=1):
        registered = await api.ok(
            REGISTER,
            {
                "input": {
                    "email": address,
                    "password": "a fine trade passphrase",
                    "firstName": "Toni",
                    "lastName": f"Trader {number}",
                    "customerGroup": "wholesale",
                }
            },
        )
        assert registered["register"]["userErrors"] == []
        english = await mailbox.wait_for(admin.customer.email, "An account is waiting for approval")
        german = await mailbox.wait_for(german_admin.customer.email, "Ein Konto wartet auf Freigabe")
        for mail in (english, german):
            assert address in text_body(mail)
        assert f"Accounts waiting for approval now: {number}." in text_body(english)
        assert staff.customer.email not in {to for to, _ in mailbox.subjects()}  # support does not approve
        mailbox.clear()
    waiting = (await api.ok(PENDING, token=staff.token))["pendingApprovals"]
    assert waiting["count"] == 2
    assert waiting["oldestWaitingSince"] is not None


CREATE = f"""mutation($input: CreateCustomerAccountInput!) {{
  createCustomerAccount(input: $input) {{ customer {{ id email status }} {ERRORS} }} }}"""


async def test_staff_create_an_account_and_the_customer_chooses_a_password_from_the_mail(
    api: Api, rt: Runtime, staff: Caller, admin: Caller, customer: Caller, mailbox: Mailbox
) -> None:
    new = {
        "email": "kunde@example.com",
        "firstName": "Karl",
        "lastName": "Kunde",
        "language": "de",
        "reason": "phone order",
    }
    refused = await api(CREATE, {"input": new}, token=customer.token)
    assert refused.errors
    assert refused.errors[0]["extensions"]["code"] == "FORBIDDEN"
    bad = await api.ok(
        CREATE,
        {"input": {"email": "not an address", "language": "xx-!!", "reason": " ", "groupId": "bogus"}},
        token=staff.token,
    )
    assert sorted(codes(bad["createCustomerAccount"])) == ["GROUP_NOT_FOUND", "INVALID", "INVALID_EMAIL", "REQUIRED"]

    created = await api.ok(CREATE, {"input": {**new, "phone": "+4915155550000"}}, token=staff.token)
    assert created["createCustomerAccount"]["userErrors"] == []
    account = created["createCustomerAccount"]["customer"]
    assert account["status"] == "ACTIVE"
    taken = await api.ok(CREATE, {"input": {**new, "email": "KUNDE@example.com"}}, token=admin.token)
    assert codes(taken["createCustomerAccount"]) == ["EMAIL_TAKEN"]

    # No password yet: nobody signs in until the customer chooses one from the mail (in their language).
    early = await api.ok(
        'mutation { login(input: {email: "kunde@example.com", password: "a guessed passphrase"}) { userErrors { code } } }'
    )
    assert codes(early["login"]) == ["INVALID_CREDENTIALS"]
    mail = await mailbox.wait_for("kunde@example.com", "Ihr Kundenkonto ist bereit")
    assert "7 Tage" in text_body(mail)
    assert "Danach melden Sie sich mit Ihrer E-Mail-Adresse und diesem Passwort an." in text_body(mail)
    token = link_token(mail, "/reset-password")
    chosen = await api.ok(RESET_PASSWORD, {"input": {"token": token, "newPassword": "a cheerful river passphrase"}})
    assert chosen["resetPassword"]["userErrors"] == []
    await login(api, "kunde@example.com", "a cheerful river passphrase")

    # Support cannot approve: an account they open in a group that needs approval waits, and approvers hear of it.
    await make_group(rt, "wholesale", ActivationMode.ADMIN_APPROVAL)
    groups = (await api.ok("{ customerGroups { id code } }", token=staff.token))["customerGroups"]
    wholesale = next(group["id"] for group in groups if group["code"] == "wholesale")
    trade = {"email": "trade@example.com", "reason": "trade fair", "groupId": wholesale}
    waiting = await api.ok(CREATE, {"input": trade}, token=staff.token)
    assert waiting["createCustomerAccount"]["customer"]["status"] == "PENDING_APPROVAL"
    await mailbox.wait_for(admin.customer.email, "An account is waiting for approval")
    # Its owner is told that approval comes first, not to sign in at once.
    told = text_body(await mailbox.wait_for("trade@example.com", "Your customer account is ready"))
    assert "we will email you once yours is approved" in told
    assert "Then sign in" not in told
    by_admin = await api.ok(CREATE, {"input": {**trade, "email": "trade2@example.com"}}, token=admin.token)
    assert by_admin["createCustomerAccount"]["customer"]["status"] == "ACTIVE"

    log = await api.ok(
        SECURITY_EVENTS, {"filter": {"customerId": account["id"], "type": "ACCOUNT_REGISTERED"}}, token=admin.token
    )
    [event] = [edge["node"] for edge in log["securityEvents"]["edges"]]
    assert event == {
        "type": "ACCOUNT_REGISTERED",
        "outcome": "SUCCESS",
        "reason": "CREATED_BY_STAFF",
        "detail": "phone order",
        "actor": {"id": staff.gid},
    }


async def test_create_customer_command(
    api: Api, settings: Settings, mailbox: Mailbox, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert settings.secret_key is not None
    assert settings.encryption_keys is not None
    monkeypatch.setenv("ENVIRONMENT", "test")
    monkeypatch.setenv("DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("DATABASE_URL", settings.effective_database_url)
    monkeypatch.setenv("SECRET_KEY", settings.secret_key.get_secret_value())
    monkeypatch.setenv("ENCRYPTION_KEYS", settings.encryption_keys.get_secret_value())
    assert settings.storefront_url is not None
    monkeypatch.setenv("STOREFRONT_URL", settings.storefront_url)
    loop = asyncio.get_running_loop()

    async def cli(*args: str) -> int:
        return await loop.run_in_executor(None, main, ["create-customer", *args])

    assert await cli("walk-in@example.com", "--reason", "signed up at the counter", "--first-name", "Wanda") == 0
    assert "created: walk-in@example.com" in capsys.readouterr().out
    assert await cli("walk-in@example.com", "--reason", "again") == 2
    assert "EMAIL_TAKEN" in capsys.readouterr().err
    assert await cli("other@example.com", "--reason", "x", "--group", "nope") == 2
    assert "GROUP_NOT_FOUND" in capsys.readouterr().err
    mail = await mailbox.wait_for("walk-in@example.com", "Your customer account is ready")
    chosen = await api.ok(
        RESET_PASSWORD, {"input": {"token": link_token(mail, "/reset-password"), "newPassword": "a counter passphrase"}}
    )
    assert chosen["resetPassword"]["userErrors"] == []
    await login(api, "walk-in@example.com", "a counter passphrase")
