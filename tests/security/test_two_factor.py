"""Two-factor sign-in with TOTP computed by pyotp in the test, recovery codes, challenges, trusted devices."""

import re
import time
from datetime import timedelta

import pyotp
from sqlalchemy import select, update

from app.runtime import Runtime
from models.auth import AuthSession
from models.base import utcnow
from models.two_factor import RecoveryCode, TotpCredential, TwoFactorChallenge
from tests.security.helpers import wait_out_backoff
from tests.support import Api, Caller, Mailbox, text_body

ERRORS = "userErrors { field message code }"
ENABLE = f"mutation {{ enableTotp {{ secret otpauthUri qrCodeSvg {ERRORS} }} }}"
CONFIRM = f"mutation($input: ConfirmTotpInput!) {{ confirmTotp(input: $input) {{ recoveryCodes {ERRORS} }} }}"
LOGIN = f"""mutation($input: LoginInput!) {{ login(input: $input) {{
  token twoFactorChallenge {{ id methods expiresAt }} {ERRORS} }} }}"""
COMPLETE = f"""mutation($input: CompleteTwoFactorLoginInput!) {{ completeTwoFactorLogin(input: $input) {{
  token expiresAt deviceToken customer {{ email }} {ERRORS} }} }}"""
SEND_CODE = f"mutation($input: SendTwoFactorCodeInput!) {{ sendTwoFactorCode(input: $input) {{ {ERRORS} }} }}"
DISABLE = f"mutation($input: DisableTotpInput!) {{ disableTotp(input: $input) {{ {ERRORS} }} }}"
REGENERATE = f"mutation {{ regenerateRecoveryCodes {{ recoveryCodes {ERRORS} }} }}"
STEP_UP = f"mutation($input: StepUpInput!) {{ stepUp(input: $input) {{ verifiedUntil {ERRORS} }} }}"
STATUS = "{ twoFactor { enabled recoveryCodesLeft } }"


def next_code(secret: str) -> str:
    """The code of the next 30-second step: still accepted (clock drift), and not yet used."""
    return pyotp.TOTP(secret).at(time.time() + 30)


async def enrol(api: Api, caller: Caller) -> tuple[str, list[str]]:
    setup = (await api.ok(ENABLE, token=caller.token))["enableTotp"]
    secret = setup["secret"]
    confirmed = await api.ok(CONFIRM, {"input": {"code": pyotp.TOTP(secret).now()}}, token=caller.token)
    codes: list[str] = confirmed["confirmTotp"]["recoveryCodes"]
    return secret, codes


async def challenge(api: Api, caller: Caller, **extra: str) -> str:
    data = await api.ok(LOGIN, {"input": {"email": caller.customer.email, "password": caller.password, **extra}})
    assert data["login"]["token"] is None, data
    challenge_id: str = data["login"]["twoFactorChallenge"]["id"]
    return challenge_id


async def complete(api: Api, challenge_id: str, **answer: object) -> dict[str, object]:
    data = await api.ok(COMPLETE, {"input": {"challengeId": challenge_id, **answer}})
    result: dict[str, object] = data["completeTwoFactorLogin"]
    return result


def codes_of(result: dict[str, object]) -> list[str]:
    return [e["code"] for e in result["userErrors"]]  # type: ignore[attr-defined]


async def test_enrolment_shows_secret_uri_and_qr_and_needs_a_right_code(
    api: Api, rt: Runtime, customer: Caller
) -> None:
    setup = (await api.ok(ENABLE, token=customer.token))["enableTotp"]
    assert re.fullmatch(r"[A-Z2-7]{32}", setup["secret"])
    assert setup["otpauthUri"].startswith("otpauth://totp/Customer%20Accounts:")
    assert f"secret={setup['secret']}" in setup["otpauthUri"]
    assert setup["qrCodeSvg"].startswith("data:image/svg+xml;base64,")
    assert (await api.ok(STATUS, token=customer.token))["twoFactor"] == {"enabled": False, "recoveryCodesLeft": 0}

    wrong = await api.ok(CONFIRM, {"input": {"code": "000000"}}, token=customer.token)
    assert codes_of(wrong["confirmTotp"]) == ["INVALID_CODE"]
    right = await api.ok(CONFIRM, {"input": {"code": pyotp.TOTP(setup["secret"]).now()}}, token=customer.token)
    codes = right["confirmTotp"]["recoveryCodes"]
    assert len(codes) == 10
    assert len(set(codes)) == 10
    assert all(re.fullmatch(r"[a-z2-9]{5}-[a-z2-9]{5}", code) for code in codes)
    assert (await api.ok(STATUS, token=customer.token))["twoFactor"] == {"enabled": True, "recoveryCodesLeft": 10}
    again = (await api.ok(ENABLE, token=customer.token))["enableTotp"]
    assert codes_of(again) == ["TWO_FACTOR_ALREADY_ENABLED"]

    # The secret and the recovery codes are not readable in the database.
    async with rt.db.read() as session:
        credential = (await session.execute(select(TotpCredential))).scalars().one()
        stored_codes = [row.code_hash for row in (await session.execute(select(RecoveryCode))).scalars()]
    assert setup["secret"] not in credential.secret_encrypted
    assert credential.secret_encrypted.startswith("v1.")
    assert not set(codes) & set(stored_codes)


async def test_sign_in_with_totp_and_no_replay(api: Api, customer: Caller) -> None:
    secret, _ = await enrol(api, customer)
    challenge_id = await challenge(api, customer)
    code = next_code(secret)
    signed_in = await complete(api, challenge_id, code=code)
    assert signed_in["userErrors"] == []
    assert str(signed_in["token"]).startswith("cas_")
    assert signed_in["customer"] == {"email": customer.customer.email}
    # The same code on a new sign-in is refused: a code works once.
    replay = await complete(api, await challenge(api, customer), code=code)
    assert codes_of(replay) == ["INVALID_CODE"]


async def test_challenge_dies_after_too_many_wrong_codes(api: Api, rt: Runtime, customer: Caller) -> None:
    secret, _ = await enrol(api, customer)
    challenge_id = await challenge(api, customer)
    answers = []
    for _ in range(rt.settings.two_factor_max_attempts):
        await wait_out_backoff(rt, 600)  # the account-wide limit is tested below
        answers.append(codes_of(await complete(api, challenge_id, code="123456")))
    assert answers[-1] == ["TOO_MANY_ATTEMPTS"]
    assert all(a == ["INVALID_CODE"] for a in answers[:-1])
    dead = await complete(api, challenge_id, code=next_code(secret))
    assert codes_of(dead) == ["CHALLENGE_NOT_FOUND"]


async def test_new_challenges_do_not_buy_more_guesses(api: Api, rt: Runtime, customer: Caller) -> None:
    await enrol(api, customer)
    answers = []
    for _ in range(3):
        challenge_id = await challenge(api, customer)
        for _ in range(2):
            answers.append(codes_of(await complete(api, challenge_id, code="123456"))[0])
    free = rt.settings.code_free_attempts - 1  # confirmTotp used one try
    assert answers[:free] == ["INVALID_CODE"] * free
    assert answers[free] == "THROTTLED"


async def test_challenge_expires(api: Api, rt: Runtime, customer: Caller) -> None:
    secret, _ = await enrol(api, customer)
    challenge_id = await challenge(api, customer)
    async with rt.db.unit_of_work() as session:
        await session.execute(update(TwoFactorChallenge).values(expires_at=utcnow() - timedelta(seconds=1)))
    assert codes_of(await complete(api, challenge_id, code=next_code(secret))) == ["CHALLENGE_EXPIRED"]
    assert codes_of(await complete(api, "garbage", code="123456")) == ["CHALLENGE_NOT_FOUND"]
    assert codes_of(await complete(api, challenge_id)) == ["REQUIRED"]


async def test_recovery_codes_work_once_each_until_exhausted(api: Api, rt: Runtime, customer: Caller) -> None:
    _, codes = await enrol(api, customer)
    first = await complete(api, await challenge(api, customer), recoveryCode=codes[0].upper())
    assert first["userErrors"] == []
    again = await complete(api, await challenge(api, customer), recoveryCode=codes[0])
    assert codes_of(again) == ["INVALID_CODE"]
    for code in codes[1:]:
        result = await complete(api, await challenge(api, customer), recoveryCode=code.replace("-", ""))
        assert result["userErrors"] == [], code
    token = str(result["token"])
    assert (await api.ok(STATUS, token=token))["twoFactor"] == {"enabled": True, "recoveryCodesLeft": 0}
    exhausted = await complete(api, await challenge(api, customer), recoveryCode=codes[-1])
    assert codes_of(exhausted) == ["INVALID_CODE"]


async def test_email_code_instead_of_the_authenticator(api: Api, customer: Caller, mailbox: Mailbox) -> None:
    await enrol(api, customer)
    challenge_id = await challenge(api, customer)
    sms = await api.ok(SEND_CODE, {"input": {"challengeId": challenge_id, "method": "SMS_CODE"}})
    assert codes_of(sms["sendTwoFactorCode"]) == ["METHOD_NOT_AVAILABLE"]
    sent = await api.ok(SEND_CODE, {"input": {"challengeId": challenge_id, "method": "EMAIL_CODE"}})
    assert sent["sendTwoFactorCode"]["userErrors"] == []
    message = await mailbox.wait_for(customer.customer.email, "Your sign-in code")
    found = re.search(r"code is (\d{6})", text_body(message))
    assert found
    assert (await complete(api, challenge_id, code=found.group(1)))["userErrors"] == []


async def test_trusted_device_skips_the_second_factor_until_revoked(api: Api, customer: Caller) -> None:
    secret, _ = await enrol(api, customer)
    result = await complete(api, await challenge(api, customer), code=next_code(secret), trustDevice=True)
    device_token = str(result["deviceToken"])
    assert device_token.startswith("cad_")
    direct = await api.ok(
        LOGIN, {"input": {"email": customer.customer.email, "password": customer.password, "deviceToken": device_token}}
    )
    token = direct["login"]["token"]
    assert token, direct
    devices = (await api.ok("{ trustedDevices { id userAgent expiresAt } }", token=token))["trustedDevices"]
    assert len(devices) == 1
    revoke = (
        "mutation($input: RevokeTrustedDeviceInput!) { revokeTrustedDevice(input: $input) { userErrors { code } } }"
    )
    assert (await api.ok(revoke, {"input": {"deviceId": devices[0]["id"]}}, token=token))["revokeTrustedDevice"][
        "userErrors"
    ] == []
    assert await challenge(api, customer, deviceToken=device_token)
    twice = await api.ok(revoke, {"input": {"deviceId": devices[0]["id"]}}, token=token)
    assert [e["code"] for e in twice["revokeTrustedDevice"]["userErrors"]] == ["NOT_FOUND"]


async def test_disabling_needs_a_code_or_the_password(api: Api, customer: Caller) -> None:
    secret, _ = await enrol(api, customer)
    nothing = await api.ok(DISABLE, {"input": {}}, token=customer.token)
    assert codes_of(nothing["disableTotp"]) == ["REQUIRED"]
    wrong = await api.ok(DISABLE, {"input": {"password": "not my password"}}, token=customer.token)
    assert codes_of(wrong["disableTotp"]) == ["INVALID_CODE"]
    ok = await api.ok(DISABLE, {"input": {"code": next_code(secret)}}, token=customer.token)
    assert ok["disableTotp"]["userErrors"] == []
    direct = await api.ok(LOGIN, {"input": {"email": customer.customer.email, "password": customer.password}})
    assert direct["login"]["token"]
    off = await api.ok(DISABLE, {"input": {"password": customer.password}}, token=customer.token)
    assert codes_of(off["disableTotp"]) == ["TWO_FACTOR_NOT_ENABLED"]


async def test_recovery_codes_can_be_regenerated_after_a_step_up(api: Api, rt: Runtime, customer: Caller) -> None:
    _, old_codes = await enrol(api, customer)
    async with rt.db.unit_of_work() as session:
        await session.execute(update(AuthSession).values(verified_at=utcnow() - timedelta(hours=1)))
    stale = await api.ok(REGENERATE, token=customer.token)
    assert codes_of(stale["regenerateRecoveryCodes"]) == ["STEP_UP_REQUIRED"]
    bad = await api.ok(STEP_UP, {"input": {"password": "wrong password"}}, token=customer.token)
    assert codes_of(bad["stepUp"]) == ["INVALID_CREDENTIALS"]
    good = await api.ok(STEP_UP, {"input": {"password": customer.password}}, token=customer.token)
    assert good["stepUp"]["verifiedUntil"]
    new_codes = (await api.ok(REGENERATE, token=customer.token))["regenerateRecoveryCodes"]["recoveryCodes"]
    assert len(new_codes) == 10
    assert not set(new_codes) & set(old_codes)
    assert codes_of(await complete(api, await challenge(api, customer), recoveryCode=old_codes[0])) == ["INVALID_CODE"]
    assert (await complete(api, await challenge(api, customer), recoveryCode=new_codes[0]))["userErrors"] == []


async def test_two_factor_events_are_audited(api: Api, customer: Caller) -> None:
    secret, _ = await enrol(api, customer)
    await complete(api, await challenge(api, customer), code="000000")
    result = await complete(api, await challenge(api, customer), code=next_code(secret))
    events = await api.ok(
        "{ me { securityEvents(first: 10) { edges { node { type outcome reason } } } } }", token=str(result["token"])
    )
    kinds = [(e["node"]["type"], e["node"]["outcome"]) for e in events["me"]["securityEvents"]["edges"]]
    assert ("TWO_FACTOR_ENABLED", "SUCCESS") in kinds
    assert ("TWO_FACTOR_CHALLENGE", "FAILURE") in kinds
    assert kinds[0] == ("SIGN_IN", "SUCCESS")
