"""updateProfile (partial), updateSettings (typed and validated), consents with history."""

from datetime import date, timedelta
from typing import Any

from sqlalchemy import text

from app.runtime import Runtime
from app.services.profile import may_contact
from models.profile import ConsentPurpose
from tests.support import Api, Caller, make_customer

ERRORS = "userErrors { field message code }"
UPDATE = f"mutation($i: UpdateProfileInput!) {{ updateProfile(input: $i) {{ customer {{ firstName lastName company phone phoneVerified dateOfBirth }} {ERRORS} }} }}"
SETTINGS = f"mutation($i: UpdateSettingsInput!) {{ updateSettings(input: $i) {{ settings {{ language currency timezone emailNotifications smsNotifications }} {ERRORS} }} }}"
CONSENT = f"mutation($i: SetConsentInput!) {{ setConsent(input: $i) {{ consent {{ purpose granted policyVersion source }} {ERRORS} }} }}"
MINE = "{ me { firstName lastName company phone dateOfBirth settings { language currency timezone emailNotifications } consents { purpose granted policyVersion } consentHistory { purpose granted source } } }"


def codes(payload: dict[str, Any]) -> list[tuple[str | None, str]]:
    return [(e["field"][-1] if e["field"] else None, e["code"]) for e in payload["userErrors"]]


async def test_partial_profile_updates(api: Api, customer: Caller) -> None:
    first = (
        await api.ok(
            UPDATE, {"i": {"lastName": "Smith", "company": "ACME", "dateOfBirth": "1990-05-17"}}, token=customer.token
        )
    )["updateProfile"]
    assert first["userErrors"] == []
    assert first["customer"] == {
        "firstName": "Casey",
        "lastName": "Smith",
        "company": "ACME",
        "phone": None,
        "phoneVerified": False,
        "dateOfBirth": "1990-05-17",
    }
    second = (await api.ok(UPDATE, {"i": {"company": None}}, token=customer.token))["updateProfile"]["customer"]
    assert (second["firstName"], second["lastName"], second["company"], second["dateOfBirth"]) == (
        "Casey",
        "Smith",
        None,
        "1990-05-17",
    )


async def test_profile_errors(api: Api, customer: Caller, rt: Runtime) -> None:
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    cases: list[tuple[dict[str, Any], list[tuple[str | None, str]]]] = [
        ({"phone": "12345"}, [("phone", "INVALID_PHONE")]),
        ({"firstName": "x" * 101}, [("firstName", "TOO_LONG")]),
        ({"lastName": "tab\there"}, [("lastName", "INVALID")]),
        ({"dateOfBirth": tomorrow}, [("dateOfBirth", "INVALID_DATE_OF_BIRTH")]),
        ({"dateOfBirth": "1850-01-01"}, [("dateOfBirth", "INVALID_DATE_OF_BIRTH")]),
        (
            {"dateOfBirth": (date.today() - timedelta(days=365 * 5)).isoformat()},
            [("dateOfBirth", "INVALID_DATE_OF_BIRTH")],
        ),
    ]
    for data, expected in cases:
        assert codes((await api.ok(UPDATE, {"i": data}, token=customer.token))["updateProfile"]) == expected, data
    not_a_date = await api(UPDATE, {"i": {"dateOfBirth": "17/05/1990"}}, token=customer.token)
    assert not_a_date.error_codes == ["BAD_USER_INPUT"]
    await make_customer(rt, phone="+14155550123")
    taken = (await api.ok(UPDATE, {"i": {"phone": "+1 415 555 0123"}}, token=customer.token))["updateProfile"]
    assert codes(taken) == [("phone", "PHONE_TAKEN")]
    me = (await api.ok(MINE, token=customer.token))["me"]
    assert (me["phone"], me["dateOfBirth"]) == (None, None)


async def test_a_new_phone_is_encrypted_and_unverified(api: Api, rt: Runtime, customer: Caller) -> None:
    result = (
        await api.ok(UPDATE, {"i": {"phone": "+44 20 7183 8750", "dateOfBirth": "1990-05-17"}}, token=customer.token)
    )["updateProfile"]
    assert (result["customer"]["phone"], result["customer"]["phoneVerified"]) == ("+442071838750", False)
    async with rt.db.read() as session:
        [(phone, born)] = (
            await session.execute(
                text("SELECT phone_encrypted, date_of_birth_encrypted FROM customer WHERE phone_encrypted IS NOT NULL")
            )
        ).all()
    assert "2071838750" not in phone
    assert "1990" not in born


async def test_settings_are_typed_and_validated(api: Api, customer: Caller) -> None:
    ok = (
        await api.ok(
            SETTINGS,
            {"i": {"language": "de-AT", "currency": "eur", "timezone": "Europe/Vienna", "emailNotifications": False}},
            token=customer.token,
        )
    )["updateSettings"]
    assert ok["settings"] == {
        "language": "de-AT",
        "currency": "EUR",
        "timezone": "Europe/Vienna",
        "emailNotifications": False,
        "smsNotifications": False,
    }
    partial = (await api.ok(SETTINGS, {"i": {"timezone": None}}, token=customer.token))["updateSettings"]["settings"]
    assert (partial["language"], partial["timezone"]) == ("de-AT", None)
    bad = (
        await api.ok(
            SETTINGS,
            {"i": {"language": "klingon-xx", "currency": "XYZ", "timezone": "Mars/Olympus", "smsNotifications": None}},
            token=customer.token,
        )
    )["updateSettings"]
    assert codes(bad) == [
        ("language", "INVALID_LANGUAGE"),
        ("currency", "INVALID_CURRENCY"),
        ("timezone", "INVALID_TIMEZONE"),
        ("smsNotifications", "REQUIRED"),
    ]
    for not_tender in ("XXX", "XAU", "XTS"):  # "no currency", gold, the testing code: nothing prices are in
        assert codes(
            (await api.ok(SETTINGS, {"i": {"currency": not_tender}}, token=customer.token))["updateSettings"]
        ) == [("currency", "INVALID_CURRENCY")]
    for hostile in ("../../etc/passwd", "/etc/localtime", "x" * 300):
        assert codes(
            (await api.ok(SETTINGS, {"i": {"timezone": hostile}}, token=customer.token))["updateSettings"]
        ) == [("timezone", "INVALID_TIMEZONE")]
    assert (await api.ok(MINE, token=customer.token))["me"]["settings"]["language"] == "de-AT"


async def test_consents_with_history_and_marketing_gate(
    api: Api, rt: Runtime, customer: Caller, other_customer: Caller
) -> None:
    mine = (await api.ok(MINE, token=customer.token))["me"]
    assert all(c["granted"] is False for c in mine["consents"])
    assert {c["purpose"] for c in mine["consents"]} == {p.value for p in ConsentPurpose}
    assert not await may_contact(rt, customer.customer.id, ConsentPurpose.MARKETING_EMAIL)

    granted = (
        await api.ok(
            CONSENT,
            {"i": {"purpose": "MARKETING_EMAIL", "granted": True, "policyVersion": "2026-11", "source": "checkout"}},
            token=customer.token,
        )
    )["setConsent"]
    assert granted["consent"] == {
        "purpose": "MARKETING_EMAIL",
        "granted": True,
        "policyVersion": "2026-11",
        "source": "checkout",
    }
    assert await may_contact(rt, customer.customer.id, ConsentPurpose.MARKETING_EMAIL)
    assert not await may_contact(rt, other_customer.customer.id, ConsentPurpose.MARKETING_EMAIL)
    await api.ok(
        CONSENT,
        {"i": {"purpose": "MARKETING_EMAIL", "granted": False, "policyVersion": "2026-11"}},
        token=customer.token,
    )
    assert not await may_contact(rt, customer.customer.id, ConsentPurpose.MARKETING_EMAIL)

    mine = (await api.ok(MINE, token=customer.token))["me"]
    email = next(c for c in mine["consents"] if c["purpose"] == "MARKETING_EMAIL")
    assert (email["granted"], email["policyVersion"]) == (False, "2026-11")
    assert [(h["granted"], h["source"]) for h in mine["consentHistory"]] == [(False, "api"), (True, "checkout")]
    bad = (
        await api.ok(
            CONSENT,
            {"i": {"purpose": "DATA_SHARING", "granted": True, "policyVersion": "no spaces allowed"}},
            token=customer.token,
        )
    )["setConsent"]
    assert codes(bad) == [("policyVersion", "INVALID")]
    unknown = await api(
        CONSENT, {"i": {"purpose": "SELL_MY_SOUL", "granted": True, "policyVersion": "1"}}, token=customer.token
    )
    assert unknown.error_codes == ["BAD_USER_INPUT"]
    assert (await api.ok(MINE, token=other_customer.token))["me"]["consentHistory"] == []
