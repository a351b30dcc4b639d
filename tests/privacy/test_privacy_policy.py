"""The privacy policy: administrators publish versions, consents carry the version in force, and a customer
whose granted consents predate the current version is asked to review them until they confirm."""

from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlmodel import col

from app.runtime import Runtime
from models.base import utcnow
from models.privacy import PrivacyPolicy
from models.security import SecurityEvent, SecurityEventType
from tests.support import Api, Caller

ERRORS = "userErrors { field message code }"
PUBLISH = f"""mutation($i: PublishPrivacyPolicyInput!) {{ publishPrivacyPolicy(input: $i) {{
    privacyPolicy {{ version text effectiveFrom }} {ERRORS} }} }}"""
CURRENT = "{ privacyPolicy { version text effectiveFrom } }"
CONSENT = f"""mutation($i: SetConsentInput!) {{ setConsent(input: $i) {{
    consent {{ purpose granted policyVersion source }} {ERRORS} }} }}"""
CONFIRM = f"""mutation($i: ConfirmConsentsInput!) {{ confirmConsents(input: $i) {{
    customer {{ privacyReviewRequired consents {{ purpose granted policyVersion }} }} {ERRORS} }} }}"""
MINE = """{ me { privacyReviewRequired consents { purpose granted policyVersion }
    consentHistory { purpose granted policyVersion source } } }"""


def codes(payload: dict[str, Any]) -> list[tuple[str | None, str]]:
    return [(e["field"][-1] if e["field"] else None, e["code"]) for e in payload["userErrors"]]


async def publish(api: Api, admin: Caller, version: str, **extra: Any) -> dict[str, Any]:
    variables = {"i": {"version": version, "text": f"Policy {version}.\n\nWe keep your data safe.", **extra}}
    payload: dict[str, Any] = (await api.ok(PUBLISH, variables, token=admin.token))["publishPrivacyPolicy"]
    return payload


async def consent(api: Api, caller: Caller, purpose: str, granted: bool, version: str | None = None) -> dict[str, Any]:
    value: dict[str, Any] = {"purpose": purpose, "granted": granted}
    if version is not None:
        value["policyVersion"] = version
    payload: dict[str, Any] = (await api.ok(CONSENT, {"i": value}, token=caller.token))["setConsent"]
    return payload


async def test_published_policy_is_public_and_audited(api: Api, admin: Caller, rt: Runtime) -> None:
    assert (await api.ok(CURRENT))["privacyPolicy"] is None
    published = await publish(api, admin, "2027-01")
    assert published["userErrors"] == []
    assert published["privacyPolicy"]["version"] == "2027-01"
    current = (await api.ok(CURRENT))["privacyPolicy"]  # anonymous callers read it
    assert current["version"] == "2027-01"
    assert current["text"] == "Policy 2027-01.\n\nWe keep your data safe."
    async with rt.db.read() as session:
        events = list(
            (
                await session.execute(
                    select(SecurityEvent).where(col(SecurityEvent.type) == SecurityEventType.PRIVACY_POLICY_PUBLISHED)
                )
            ).scalars()
        )
    assert [(e.actor_id, e.customer_id) for e in events] == [(admin.customer.id, None)]
    assert events[0].detail is not None
    assert "2027-01" in events[0].detail


async def test_publishing_refuses_bad_input_and_changes_nothing(api: Api, admin: Caller, rt: Runtime) -> None:
    assert (await publish(api, admin, "v1"))["userErrors"] == []
    past = (utcnow() - timedelta(days=1)).isoformat()
    cases: list[tuple[dict[str, Any], list[tuple[str | None, str]]]] = [
        ({"version": "v1", "text": "Again."}, [("version", "VERSION_TAKEN")]),
        ({"version": "  ", "text": "Text."}, [("version", "REQUIRED")]),
        ({"version": "has spaces", "text": "Text."}, [("version", "INVALID_VERSION")]),
        ({"version": "x" * 33, "text": "Text."}, [("version", "INVALID_VERSION")]),
        ({"version": "v2", "text": "   "}, [("text", "REQUIRED")]),
        ({"version": "v2", "text": "x" * 100_001}, [("text", "TOO_LONG")]),
        ({"version": "v2", "text": "bidi \u202e trick"}, [("text", "INVALID")]),
        ({"version": "v2", "text": "Text.", "effectiveFrom": past}, [("effectiveFrom", "EFFECTIVE_IN_PAST")]),
    ]
    for value, expected in cases:
        payload = (await api.ok(PUBLISH, {"i": value}, token=admin.token))["publishPrivacyPolicy"]
        assert (codes(payload), payload["privacyPolicy"]) == (expected, None), value
    async with rt.db.read() as session:
        assert [p.version for p in (await session.execute(select(PrivacyPolicy))).scalars()] == ["v1"]
    assert (await api.ok(CURRENT))["privacyPolicy"]["version"] == "v1"


async def test_a_future_version_applies_from_its_date(api: Api, admin: Caller, customer: Caller, rt: Runtime) -> None:
    assert (await publish(api, admin, "v1"))["userErrors"] == []
    soon = (utcnow() + timedelta(days=30)).isoformat()
    assert (await publish(api, admin, "v2", effectiveFrom=soon))["userErrors"] == []
    assert (await api.ok(CURRENT))["privacyPolicy"]["version"] == "v1"
    # A consent given now is given under v1: v2 is not in force yet.
    assert (await consent(api, customer, "MARKETING_EMAIL", True))["consent"]["policyVersion"] == "v1"
    assert (await consent(api, customer, "DATA_SHARING", True, "v2"))["userErrors"][0]["code"] == "POLICY_OUTDATED"
    assert (await api.ok(MINE, token=customer.token))["me"]["privacyReviewRequired"] is False
    # Its date comes (moved here rather than waiting): v2 is in force, and the customer is asked again.
    async with rt.db.unit_of_work() as session:
        row = (await session.execute(select(PrivacyPolicy).where(col(PrivacyPolicy.version) == "v2"))).scalar_one()
        row.effective_from = utcnow()
        session.add(row)
    assert (await api.ok(CURRENT))["privacyPolicy"]["version"] == "v2"
    assert (await api.ok(MINE, token=customer.token))["me"]["privacyReviewRequired"] is True


async def test_consents_record_the_current_version(api: Api, admin: Caller, customer: Caller) -> None:
    # Before any policy is published the client names the version, as before.
    missing = await consent(api, customer, "MARKETING_EMAIL", True)
    assert codes(missing) == [("policyVersion", "REQUIRED")]
    assert (await consent(api, customer, "MARKETING_EMAIL", True, "legacy-1"))["userErrors"] == []
    assert (await publish(api, admin, "2027-01"))["userErrors"] == []
    given = await consent(api, customer, "PERSONALISATION", True)
    assert given["consent"] == {
        "purpose": "PERSONALISATION",
        "granted": True,
        "policyVersion": "2027-01",
        "source": "api",
    }
    stale = await consent(api, customer, "DATA_SHARING", True, "legacy-1")
    assert codes(stale) == [("policyVersion", "POLICY_OUTDATED")]
    assert (await consent(api, customer, "DATA_SHARING", True, "2027-01"))["userErrors"] == []
    history = (await api.ok(MINE, token=customer.token))["me"]["consentHistory"]
    assert [(h["purpose"], h["policyVersion"]) for h in history] == [
        ("DATA_SHARING", "2027-01"),
        ("PERSONALISATION", "2027-01"),
        ("MARKETING_EMAIL", "legacy-1"),
    ]


async def test_review_is_required_until_the_customer_confirms(
    api: Api, admin: Caller, customer: Caller, other_customer: Caller
) -> None:
    assert (await publish(api, admin, "v1"))["userErrors"] == []
    await consent(api, customer, "MARKETING_EMAIL", True)
    await consent(api, customer, "DATA_SHARING", True)
    await consent(api, customer, "PERSONALISATION", False)
    await consent(api, other_customer, "MARKETING_SMS", False)
    assert (await api.ok(MINE, token=customer.token))["me"]["privacyReviewRequired"] is False

    assert (await publish(api, admin, "v2"))["userErrors"] == []
    assert (await api.ok(MINE, token=customer.token))["me"]["privacyReviewRequired"] is True
    # A withdrawn consent allows nothing under any version: nothing to ask again.
    assert (await api.ok(MINE, token=other_customer.token))["me"]["privacyReviewRequired"] is False

    # Confirming what the customer read: an outdated page is refused, nothing changes.
    stale = (await api.ok(CONFIRM, {"i": {"policyVersion": "v1"}}, token=customer.token))["confirmConsents"]
    assert (codes(stale), stale["customer"]) == ([("policyVersion", "POLICY_OUTDATED")], None)
    assert (await api.ok(MINE, token=customer.token))["me"]["privacyReviewRequired"] is True

    # Changing one consent under v2 leaves the other to review.
    await consent(api, customer, "DATA_SHARING", False)
    assert (await api.ok(MINE, token=customer.token))["me"]["privacyReviewRequired"] is True
    done = (await api.ok(CONFIRM, {"i": {"policyVersion": "v2"}}, token=customer.token))["confirmConsents"]
    assert done["userErrors"] == []
    assert done["customer"]["privacyReviewRequired"] is False
    states = {c["purpose"]: (c["granted"], c["policyVersion"]) for c in done["customer"]["consents"]}
    assert states == {
        "MARKETING_EMAIL": (True, "v2"),
        "DATA_SHARING": (False, "v2"),
        "PERSONALISATION": (False, "v1"),
        "MARKETING_SMS": (False, None),
    }
    history = (await api.ok(MINE, token=customer.token))["me"]["consentHistory"]
    assert history[0] == {
        "purpose": "MARKETING_EMAIL",
        "granted": True,
        "policyVersion": "v2",
        "source": "privacy-review",
    }
    # Confirming again records nothing new.
    again = (await api.ok(CONFIRM, {"i": {"policyVersion": "v2"}}, token=customer.token))["confirmConsents"]
    assert again["userErrors"] == []
    assert len((await api.ok(MINE, token=customer.token))["me"]["consentHistory"]) == len(history)


async def test_confirming_without_a_policy_is_a_typed_error(api: Api, customer: Caller) -> None:
    payload = (await api.ok(CONFIRM, {"i": {"policyVersion": "v1"}}, token=customer.token))["confirmConsents"]
    assert codes(payload) == [(None, "NO_POLICY")]
