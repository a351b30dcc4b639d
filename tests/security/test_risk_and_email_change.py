"""Risk checks on sensitive changes, through the email change flow and password change."""

from datetime import timedelta
from typing import Any

from sqlalchemy import update

from app.runtime import Runtime
from models.auth import AuthSession
from models.base import utcnow
from tests.accounts.queries import CHANGE_PASSWORD, LOGIN, ME, REQUEST_RESET, RESET
from tests.support import Api, Caller, Mailbox, assert_token_refused, link_token, login, make_customer

ERRORS = "userErrors { field message code }"
REQUEST = f"mutation($input: RequestEmailChangeInput!) {{ requestEmailChange(input: $input) {{ status {ERRORS} }} }}"
CONFIRM = f"mutation($input: ConfirmEmailChangeInput!) {{ confirmEmailChange(input: $input) {{ status {ERRORS} }} }}"
UNDO = f"mutation($input: UndoEmailChangeInput!) {{ undoEmailChange(input: $input) {{ {ERRORS} }} }}"
DECISIONS = "{ me { securityEvents(first: 30) { edges { node { type outcome reason detail } } } } }"


def codes(payload: dict[str, object]) -> list[str]:
    return [e["code"] for e in payload["userErrors"]]  # type: ignore[attr-defined]


async def age_verification(rt: Runtime) -> None:
    async with rt.db.unit_of_work() as session:
        await session.execute(update(AuthSession).values(verified_at=utcnow() - timedelta(hours=1)))


async def test_email_change_confirmed_by_the_new_address_and_undone_from_the_old(
    api: Api, customer: Caller, mailbox: Mailbox
) -> None:
    old = customer.customer.email
    other_session = await login(api, old, customer.password)
    requested = await api.ok(REQUEST, {"input": {"newEmail": "New.Address@Example.com"}}, token=customer.token)
    assert requested["requestEmailChange"] == {"status": "AWAITING_NEW_ADDRESS", "userErrors": []}
    # Nothing changes until the new address confirms.
    assert (await api.ok(ME, token=customer.token))["me"]["email"] == old
    token = link_token(
        await mailbox.wait_for("New.Address@example.com", "Confirm your new email address"), "/confirm-email"
    )
    confirmed = await api.ok(CONFIRM, {"input": {"token": token}})
    assert confirmed["confirmEmailChange"] == {"status": "COMPLETED", "userErrors": []}
    assert codes((await api.ok(CONFIRM, {"input": {"token": token}}))["confirmEmailChange"]) == ["INVALID_TOKEN"]

    # Every session ends; the new address signs in, the old one no longer does.
    await assert_token_refused(api, other_session)
    new_token = await login(api, "new.address@example.com", customer.password)
    assert (await api.ok(ME, token=new_token))["me"]["email"] == "New.Address@example.com"
    refused = await api.ok(LOGIN, {"input": {"email": old, "password": customer.password}})
    assert codes(refused["login"]) == ["INVALID_CREDENTIALS"]

    # Whoever controls the new address asks for a reset link ...
    await api.ok(REQUEST_RESET, {"input": {"email": "new.address@example.com"}})
    stolen = link_token(await mailbox.wait_for("New.Address@example.com", "Reset your password"), "/reset-password")
    undo = link_token(await mailbox.wait_for(old, "Your email address was changed"), "/undo-email-change")
    assert (await api.ok(UNDO, {"input": {"token": undo}}))["undoEmailChange"]["userErrors"] == []
    await assert_token_refused(api, new_token)
    await login(api, old, customer.password)
    await mailbox.wait_for(old, "was undone")
    # ... and it dies with the undo.
    late = await api.ok(RESET, {"input": {"token": stolen, "newPassword": "taken over at last"}})
    assert codes(late["resetPassword"]) == ["INVALID_TOKEN"]
    assert codes((await api.ok(UNDO, {"input": {"token": undo}}))["undoEmailChange"]) == ["INVALID_TOKEN"]


async def test_email_change_input_errors(api: Api, customer: Caller, other_customer: Caller, mailbox: Mailbox) -> None:
    same = await api.ok(REQUEST, {"input": {"newEmail": customer.customer.email.upper()}}, token=customer.token)
    assert codes(same["requestEmailChange"]) == ["SAME_EMAIL"]
    bad = await api.ok(REQUEST, {"input": {"newEmail": "not an email"}}, token=customer.token)
    assert codes(bad["requestEmailChange"]) == ["INVALID_EMAIL"]
    assert codes((await api.ok(CONFIRM, {"input": {"token": ""}}))["confirmEmailChange"]) == ["REQUIRED"]
    assert codes((await api.ok(CONFIRM, {"input": {"token": "forged"}}))["confirmEmailChange"]) == ["INVALID_TOKEN"]
    assert (await api(REQUEST, {"input": {"newEmail": "x@example.com"}})).error_codes == ["UNAUTHENTICATED"]
    # Asking for an address another account holds reveals nothing until that address confirms.
    taken = other_customer.customer.email
    asked = await api.ok(REQUEST, {"input": {"newEmail": taken}}, token=customer.token)
    assert asked["requestEmailChange"]["status"] == "AWAITING_NEW_ADDRESS"
    token = link_token(await mailbox.wait_for(taken, "Confirm your new email address"), "/confirm-email")
    assert codes((await api.ok(CONFIRM, {"input": {"token": token}}))["confirmEmailChange"]) == ["EMAIL_TAKEN"]


async def test_a_stale_session_must_step_up_first(api: Api, rt: Runtime, customer: Caller) -> None:
    await age_verification(rt)
    first = await api.ok(REQUEST, {"input": {"newEmail": "n@example.com"}}, token=customer.token)
    assert codes(first["requestEmailChange"]) == ["STEP_UP_REQUIRED"]
    await api.ok(
        "mutation($i: StepUpInput!) { stepUp(input: $i) { verifiedUntil } }",
        {"i": {"password": customer.password}},
        token=customer.token,
    )
    second = await api.ok(REQUEST, {"input": {"newEmail": "n@example.com"}}, token=customer.token)
    assert second["requestEmailChange"]["status"] == "AWAITING_NEW_ADDRESS"
    events = [e["node"] for e in (await api.ok(DECISIONS, token=customer.token))["me"]["securityEvents"]["edges"]]
    decisions = [(e["reason"], e["detail"]) for e in events if e["type"] == "RISK_DECISION"]
    assert decisions[1] == ("STEP_UP", "EMAIL_CHANGE: score 30 (NEW_ADDRESS, NEW_DEVICE)")
    assert decisions[0][0] == "ALLOW"


async def reset_then_sign_in(api: Api, rt: Runtime, mailbox: Mailbox) -> tuple[str, str]:
    """A password reset in the last day, then a session: a risky moment for sensitive changes."""
    row = await make_customer(rt, first_name="Risky")
    await api.ok(REQUEST_RESET, {"input": {"email": row.email}})
    token = link_token(await mailbox.wait_for(row.email, "Reset"), "/reset-password")
    await api.ok(RESET, {"input": {"token": token, "newPassword": "a brand new passphrase"}})
    mailbox.clear()
    return row.email, await login(api, row.email, "a brand new passphrase")


async def test_a_risky_change_is_held_until_the_current_address_approves(
    api: Api, rt: Runtime, mailbox: Mailbox, app_factory: Any
) -> None:
    email, session = await reset_then_sign_in(api, rt, mailbox)
    held = await api.ok(REQUEST, {"input": {"newEmail": "elsewhere@example.com"}}, token=session)
    assert held["requestEmailChange"]["status"] == "AWAITING_OLD_ADDRESS"
    assert mailbox.to("elsewhere@example.com") == []
    approve = link_token(await mailbox.wait_for(email, "Approve the change"), "/approve-email-change")
    approved = await api.ok(CONFIRM, {"input": {"token": approve}})
    assert approved["confirmEmailChange"]["status"] == "AWAITING_NEW_ADDRESS"
    confirm = link_token(await mailbox.wait_for("elsewhere@example.com", "Confirm"), "/confirm-email")
    assert (await api.ok(CONFIRM, {"input": {"token": confirm}}))["confirmEmailChange"]["status"] == "COMPLETED"
    # The same risk holds a password change: it has to go through the emailed reset link instead. Signed in
    # from another address and browser, so the signals do not hang on how fast the test ran.
    _, proxied = await app_factory(trusted_proxies="1")
    session = await login(
        proxied, "elsewhere@example.com", "a brand new passphrase", x_forwarded_for="203.0.113.7", user_agent="Other"
    )
    # The change comes from that address and browser too: sent from the first one, the earlier sign-in there
    # would make it familiar as soon as it was more than a second old (on a loaded machine, it is).
    change = await proxied(
        CHANGE_PASSWORD,
        {"input": {"currentPassword": "a brand new passphrase", "newPassword": "yet another passphrase"}},
        session,
        x_forwarded_for="203.0.113.7",
        user_agent="Other",
    )
    assert change.errors is None, change.errors
    assert codes(change.data["changePassword"]) == ["CHANGE_REFUSED"]


async def test_a_very_risky_change_is_refused_and_recorded(api: Api, rt: Runtime, mailbox: Mailbox) -> None:
    _, session = await reset_then_sign_in(api, rt, mailbox)
    refused = await api.ok(REQUEST, {"input": {"newEmail": "throwaway@mailinator.com"}}, token=session)
    assert codes(refused["requestEmailChange"]) == ["CHANGE_REFUSED"]
    events = [e["node"] for e in (await api.ok(DECISIONS, token=session))["me"]["securityEvents"]["edges"]]
    decision = next(e for e in events if e["type"] == "RISK_DECISION")
    assert decision["outcome"] == "BLOCKED"
    assert decision["reason"] == "REFUSE"
    assert "DISPOSABLE_EMAIL" in decision["detail"]
    assert "RECENT_CREDENTIAL_CHANGE" in decision["detail"]
    assert mailbox.to("throwaway@mailinator.com") == []
