"""changePassword, requestPasswordReset and resetPassword."""

from datetime import timedelta
from pathlib import Path

from sqlalchemy import update

from app.runtime import Runtime
from models.auth import VerificationToken
from models.base import utcnow
from models.customer import CustomerStatus
from tests.accounts.queries import CHANGE_PASSWORD, LOGIN, ME, REQUEST_RESET, RESET
from tests.support import (
    Api,
    Caller,
    Mailbox,
    assert_token_refused,
    link_token,
    login,
    make_customer,
    text_body,
    wait_for_sms_code,
)

NEW_PASSWORD = "an even better passphrase"


async def test_change_password_signs_out_other_sessions_and_tells_the_owner(
    api: Api, customer: Caller, mailbox: Mailbox
) -> None:
    elsewhere = await login(api, customer.customer.email, customer.password)
    result = await api.ok(
        CHANGE_PASSWORD,
        {"input": {"currentPassword": customer.password, "newPassword": NEW_PASSWORD}},
        token=customer.token,
    )
    assert result["changePassword"]["userErrors"] == []
    assert (await api.ok(ME, token=customer.token))["me"] is not None
    await assert_token_refused(api, elsewhere)
    await login(api, customer.customer.email, NEW_PASSWORD)
    old = await api.ok(LOGIN, {"input": {"email": customer.customer.email, "password": customer.password}})
    assert old["login"]["token"] is None
    await mailbox.wait_for(customer.customer.email, "Your password was changed")


async def test_change_password_errors(api: Api, customer: Caller) -> None:
    cases = [
        (
            {"currentPassword": "wrong password!", "newPassword": NEW_PASSWORD},
            ["currentPassword"],
            "INCORRECT_PASSWORD",
        ),
        ({"currentPassword": "", "newPassword": NEW_PASSWORD}, ["currentPassword"], "INCORRECT_PASSWORD"),
        ({"currentPassword": customer.password, "newPassword": "short"}, ["newPassword"], "PASSWORD_TOO_SHORT"),
        ({"currentPassword": customer.password, "newPassword": "q" * 129}, ["newPassword"], "PASSWORD_TOO_LONG"),
        ({"currentPassword": customer.password, "newPassword": "qwertyuiop"}, ["newPassword"], "PASSWORD_TOO_COMMON"),
        (
            {"currentPassword": customer.password, "newPassword": customer.password},
            ["newPassword"],
            "PASSWORD_UNCHANGED",
        ),
    ]
    local_part = customer.customer.email.split("@")[0]
    cases.append(
        (
            {"currentPassword": customer.password, "newPassword": f"{local_part}-forever"},
            ["newPassword"],
            "PASSWORD_CONTAINS_EMAIL",
        )
    )
    for data, field, code in cases:
        result = await api.ok(CHANGE_PASSWORD, {"input": data}, token=customer.token)
        errors = result["changePassword"]["userErrors"]
        assert [(e["field"], e["code"]) for e in errors] == [(["input", *field], code)], data
    # Nothing changed: the original password still signs in.
    await login(api, customer.customer.email, customer.password)


async def test_change_password_needs_a_session(api: Api) -> None:
    result = await api(CHANGE_PASSWORD, {"input": {"currentPassword": "a", "newPassword": "b"}})
    assert result.error_codes == ["UNAUTHENTICATED"]


async def test_reset_by_email_link(api: Api, customer: Caller, mailbox: Mailbox) -> None:
    other_session = await login(api, customer.customer.email, customer.password)
    requested = await api.ok(REQUEST_RESET, {"input": {"email": customer.customer.email.upper()}})
    assert requested["requestPasswordReset"]["userErrors"] == []
    message = await mailbox.wait_for(customer.customer.email, "Reset your password")
    assert "valid for 1 hour" in text_body(message)
    token = link_token(message, "/reset-password")

    weak = await api.ok(RESET, {"input": {"token": token, "newPassword": "password1234"}})
    assert [e["code"] for e in weak["resetPassword"]["userErrors"]] == ["PASSWORD_TOO_COMMON"]
    done = await api.ok(RESET, {"input": {"token": token, "newPassword": NEW_PASSWORD}})
    assert done["resetPassword"]["userErrors"] == []
    # Every session is signed out, the old password is dead, the new one works.
    await assert_token_refused(api, customer.token)
    await assert_token_refused(api, other_session)
    await login(api, customer.customer.email, NEW_PASSWORD)
    await mailbox.wait_for(customer.customer.email, "Your password was changed")

    reused = await api.ok(RESET, {"input": {"token": token, "newPassword": "yet another passphrase"}})
    assert [e["code"] for e in reused["resetPassword"]["userErrors"]] == ["INVALID_TOKEN"]


async def test_reset_refuses_a_password_containing_the_email_and_keeps_the_link_usable(
    api: Api, customer: Caller, mailbox: Mailbox
) -> None:
    await api.ok(REQUEST_RESET, {"input": {"email": customer.customer.email}})
    token = link_token(await mailbox.wait_for(customer.customer.email, "Reset"), "/reset-password")
    local_part = customer.customer.email.split("@")[0]
    refused = await api.ok(RESET, {"input": {"token": token, "newPassword": f"my {local_part} password"}})
    assert [e["code"] for e in refused["resetPassword"]["userErrors"]] == ["PASSWORD_CONTAINS_EMAIL"]
    assert (await api.ok(RESET, {"input": {"token": token, "newPassword": NEW_PASSWORD}}))["resetPassword"][
        "userErrors"
    ] == []


async def test_expired_reset_link_is_refused(api: Api, rt: Runtime, customer: Caller, mailbox: Mailbox) -> None:
    await api.ok(REQUEST_RESET, {"input": {"email": customer.customer.email}})
    token = link_token(await mailbox.wait_for(customer.customer.email, "Reset"), "/reset-password")
    async with rt.db.unit_of_work() as session:
        await session.execute(update(VerificationToken).values(expires_at=utcnow() - timedelta(seconds=1)))
    result = await api.ok(RESET, {"input": {"token": token, "newPassword": NEW_PASSWORD}})
    assert [e["code"] for e in result["resetPassword"]["userErrors"]] == ["TOKEN_EXPIRED"]
    await login(api, customer.customer.email, customer.password)


async def test_reset_answers_the_same_for_unknown_accounts(api: Api, customer: Caller, mailbox: Mailbox) -> None:
    known = await api.ok(REQUEST_RESET, {"input": {"email": customer.customer.email}})
    unknown = await api.ok(REQUEST_RESET, {"input": {"email": "ghost@example.com"}})
    unknown_phone = await api.ok(REQUEST_RESET, {"input": {"phone": "+14155550199"}})
    assert known == unknown
    assert unknown_phone["requestPasswordReset"] == known["requestPasswordReset"]
    await mailbox.wait_for(customer.customer.email, "Reset")
    assert mailbox.to("ghost@example.com") == []


async def test_reset_request_input_errors(api: Api) -> None:
    neither = await api.ok(REQUEST_RESET, {"input": {}})
    assert [e["code"] for e in neither["requestPasswordReset"]["userErrors"]] == ["REQUIRED"]
    bad_email = await api.ok(REQUEST_RESET, {"input": {"email": "@@"}})
    assert [e["code"] for e in bad_email["requestPasswordReset"]["userErrors"]] == ["INVALID_EMAIL"]
    bad_phone = await api.ok(REQUEST_RESET, {"input": {"phone": "12"}})
    assert [e["code"] for e in bad_phone["requestPasswordReset"]["userErrors"]] == ["INVALID_PHONE"]
    nothing = await api.ok(RESET, {"input": {"newPassword": NEW_PASSWORD}})
    assert [e["code"] for e in nothing["resetPassword"]["userErrors"]] == ["REQUIRED"]


async def test_reset_by_sms_code(api: Api, rt: Runtime, sms_dir: Path) -> None:
    row = await make_customer(rt, phone="+14155550123")
    await api.ok(REQUEST_RESET, {"input": {"phone": "+14155550123"}})
    code = await wait_for_sms_code(sms_dir, "+14155550123")
    wrong = "000000" if code != "000000" else "111111"
    bad = await api.ok(RESET, {"input": {"phone": "+14155550123", "code": wrong, "newPassword": NEW_PASSWORD}})
    assert [e["code"] for e in bad["resetPassword"]["userErrors"]] == ["INVALID_CODE"]
    good = await api.ok(RESET, {"input": {"phone": "+14155550123", "code": code, "newPassword": NEW_PASSWORD}})
    assert good["resetPassword"]["userErrors"] == []
    await login(api, row.email, NEW_PASSWORD)


async def test_reset_by_email_link_activates_a_pending_email_link_account(
    api: Api, rt: Runtime, mailbox: Mailbox
) -> None:
    row = await make_customer(rt, status=CustomerStatus.PENDING_ACTIVATION)
    await api.ok(REQUEST_RESET, {"input": {"email": row.email}})
    token = link_token(await mailbox.wait_for(row.email, "Reset"), "/reset-password")
    await api.ok(RESET, {"input": {"token": token, "newPassword": NEW_PASSWORD}})
    await login(api, row.email, NEW_PASSWORD)


async def test_reset_of_a_suspended_account_does_not_let_it_sign_in(api: Api, rt: Runtime, mailbox: Mailbox) -> None:
    row = await make_customer(rt, status=CustomerStatus.SUSPENDED)
    await api.ok(REQUEST_RESET, {"input": {"email": row.email}})
    token = link_token(await mailbox.wait_for(row.email, "Reset"), "/reset-password")
    await api.ok(RESET, {"input": {"token": token, "newPassword": NEW_PASSWORD}})
    result = await api.ok(LOGIN, {"input": {"email": row.email, "password": NEW_PASSWORD}})
    assert [e["code"] for e in result["login"]["userErrors"]] == ["ACCOUNT_SUSPENDED"]
