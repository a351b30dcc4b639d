"""Customer events through the public API: opened (registration, an integration, the command line), activated
(email link, administrator, password reset, at once), updated (contact, settings, status, group; not on a
sign-in, not when nothing changed), consents, deleted (ids only); refused changes record nothing."""

from typing import Any

from app.runtime import Runtime
from app.services.service_accounts import create_service_account
from models.customer import ActivationMode
from tests.accounts.queries import ACTIVATE, REGISTER, REQUEST_RESET, RESET
from tests.integration.events_support import Events, covers, no_secrets, of, one, types
from tests.support import Api, Caller, Mailbox, link_token, login, make_group

ERRORS = "userErrors { field code }"
UPDATE = f"mutation($i: UpdateProfileInput!) {{ updateProfile(input: $i) {{ {ERRORS} }} }}"
SETTINGS = f"mutation($i: UpdateSettingsInput!) {{ updateSettings(input: $i) {{ {ERRORS} }} }}"
CONSENT = f"mutation($i: SetConsentInput!) {{ setConsent(input: $i) {{ {ERRORS} }} }}"
DELETE_OWN = f"mutation($i: DeleteAccountInput!) {{ deleteAccount(input: $i) {{ deleted {ERRORS} }} }}"
UPSERT = f"""mutation($i: UpsertCustomerInput!) {{ upsertCustomer(input: $i) {{
  customer {{ customerId }} created {ERRORS} }} }}"""
SUSPEND = f"mutation($i: SuspendCustomerInput!) {{ suspendCustomer(input: $i) {{ {ERRORS} }} }}"
REACTIVATE = f"mutation($i: ReactivateCustomerInput!) {{ reactivateCustomer(input: $i) {{ {ERRORS} }} }}"
APPROVE = f"mutation($i: ApproveCustomerInput!) {{ approveCustomer(input: $i) {{ customer {{ id }} {ERRORS} }} }}"
MOVE = f"mutation($i: MoveCustomerToGroupInput!) {{ moveCustomerToGroup(input: $i) {{ {ERRORS} }} }}"
DELETE = f"mutation($i: DeleteCustomerInput!) {{ deleteCustomer(input: $i) {{ deletedCustomerId {ERRORS} }} }}"
CUSTOMER_KEYS = {
    "customerId",
    "externalReference",
    "email",
    "emailVerified",
    "firstName",
    "lastName",
    "company",
    "status",
    "groupCode",
    "language",
    "currency",
    "timezone",
    "emailNotifications",
    "smsNotifications",
}


def _variables(mutation: str, value: dict[str, Any]) -> dict[str, Any]:
    return {"input" if "$input" in mutation else "i": value}


async def ok(api: Api, mutation: str, token: str | None, /, **value: Any) -> dict[str, Any]:
    payload: dict[str, Any] = next(iter((await api.ok(mutation, _variables(mutation, value), token=token)).values()))
    assert payload["userErrors"] == [], payload
    return payload


async def refused(api: Api, mutation: str, token: str | None, /, **value: Any) -> list[str]:
    payload = next(iter((await api.ok(mutation, _variables(mutation, value), token=token)).values()))
    assert payload["userErrors"], payload
    return [error["code"] for error in payload["userErrors"]]


@covers("customer.created", "customer.activated", "customer.updated", "customer.consent_changed", "customer.deleted")
async def test_a_customer_from_registration_to_deletion(api: Api, rt: Runtime, mailbox: Mailbox) -> None:
    events = Events(rt)
    email = "casey.events@example.com"
    await ok(api, REGISTER, None, email=email, password="a perfectly fine passphrase", firstName="Casey")
    opened = one(await events.new(), "customer.created")
    assert set(opened) == CUSTOMER_KEYS | {"origin", "createdAt"}
    assert (opened["origin"], opened["status"], opened["email"], opened["emailVerified"], opened["groupCode"]) == (
        "REGISTRATION",
        "PENDING_ACTIVATION",
        email,
        False,
        "shop",
    )
    assert opened["createdAt"].endswith("Z")

    token = link_token(await mailbox.wait_for(email, "Activate"), "/activate")
    assert (await api.ok(ACTIVATE, {"input": {"token": token}}))["activateAccount"]["userErrors"] == []
    activated = await events.new()
    assert types(activated) == ["customer.activated"]
    assert (activated[0]["data"]["method"], activated[0]["data"]["customerId"]) == ("EMAIL_LINK", opened["customerId"])

    session = await login(api, email, "a perfectly fine passphrase")
    me = (await api.ok("{ me { id } }", token=session))["me"]
    assert me["id"] == opened["customerId"]  # the API's own global id
    assert await events.new() == []  # a sign-in is no change

    await ok(api, UPDATE, session, lastName="Jones", phone="+44 20 7183 8750", dateOfBirth="1990-05-17")
    updated = one(await events.new(), "customer.updated")
    assert updated["changedFields"] == ["dateOfBirth", "lastName", "phone"]
    assert (updated["lastName"], updated["status"]) == ("Jones", "ACTIVE")
    assert set(updated) == CUSTOMER_KEYS | {"changedFields", "updatedAt"}  # no phone, no date of birth
    await ok(api, UPDATE, session, lastName="Jones")  # the same again: nothing changed
    assert await refused(api, UPDATE, session, phone="12345") == ["INVALID_PHONE"]
    await ok(api, SETTINGS, session, language="de-DE", currency="EUR", smsNotifications=False)  # SMS off already
    settings = one(await events.new(), "customer.updated")
    assert (settings["changedFields"], settings["language"], settings["currency"]) == (
        ["currency", "language"],
        "de-DE",
        "EUR",
    )

    await ok(api, CONSENT, session, purpose="MARKETING_EMAIL", granted=True, policyVersion="2026-11", source="portal")
    consent = one(await events.new(), "customer.consent_changed")
    assert {k: consent[k] for k in ("email", "purpose", "granted", "policyVersion", "source")} == {
        "email": email,
        "purpose": "MARKETING_EMAIL",
        "granted": True,
        "policyVersion": "2026-11",
        "source": "portal",
    }

    earlier = await events.all()
    wrong = (await api.ok(DELETE_OWN, {"i": {"password": "not my password"}}, token=session))["deleteAccount"]
    assert [e["code"] for e in wrong["userErrors"]] == ["INCORRECT_PASSWORD"]
    assert await events.new() == []
    await ok(api, DELETE_OWN, session, password="a perfectly fine passphrase")
    deleted = one(await events.new(), "customer.deleted")
    assert deleted == {
        "customerId": opened["customerId"],
        "externalReference": None,
        "deletedBy": "CUSTOMER",
        "deletedAt": deleted["deletedAt"],
    }
    # Earlier events stay as they were recorded (the receivers were told to forget by customer.deleted).
    assert [e["raw"] for e in (await events.all())[: len(earlier)]] == [e["raw"] for e in earlier]


@covers("customer.created", "customer.activated", "customer.updated", "customer.deleted")
async def test_integration_and_administrator_paths(api: Api, rt: Runtime, admin: Caller, mailbox: Mailbox) -> None:
    events = Events(rt)
    # The administrator was made on the command line (create_account): opened and active at once.
    made = await events.new()
    assert types(made) == ["customer.created", "customer.activated"]
    assert (made[0]["data"]["origin"], made[1]["data"]["method"]) == ("COMMAND_LINE", "AT_CREATION")

    pos = (await create_service_account(rt, "pos", ["customers:write"])).api_key
    value = {"externalReference": "POS-20", "email": "walk.in@example.com", "firstName": "Wal"}
    customer_id = (await ok(api, UPSERT, pos, **value))["customer"]["customerId"]
    opened = one(await events.new(), "customer.created")
    assert (opened["origin"], opened["externalReference"], opened["customerId"], opened["status"]) == (
        "INTEGRATION",
        "POS-20",
        customer_id,
        "PENDING_ACTIVATION",  # the default group activates by email: not active yet
    )
    await ok(api, UPSERT, pos, **value)  # sent again, unchanged
    assert await events.new() == []
    await ok(api, UPSERT, pos, **value, lastName="Walker", language="en-GB")
    assert one(await events.new(), "customer.updated")["changedFields"] == ["language", "lastName"]
    assert await refused(api, UPSERT, pos, externalReference="POS-21", email="walk.in@example.com") == ["EMAIL_TAKEN"]
    assert await events.new() == []

    # A POS-made account gets in through a password reset, which activates it.
    await ok(api, REQUEST_RESET, None, email="walk.in@example.com")
    token = link_token(await mailbox.wait_for("walk.in@example.com", "Reset your password"), "/reset-password")
    await ok(api, RESET, None, token=token, newPassword="a walk in the park 2026")
    activated = one(await events.new(), "customer.activated")
    assert (activated["method"], activated["externalReference"]) == ("PASSWORD_RESET", "POS-20")

    await ok(api, SUSPEND, admin.token, customerId=customer_id, reason="chargebacks")
    assert await refused(api, SUSPEND, admin.token, customerId=customer_id, reason="again") == ["INVALID_STATUS"]
    await ok(api, REACTIVATE, admin.token, customerId=customer_id)
    moves = of(await events.new(), "customer.updated")
    assert [(m["changedFields"], m["status"]) for m in moves] == [(["status"], "SUSPENDED"), (["status"], "ACTIVE")]

    await make_group(rt, "wholesale", ActivationMode.ADMIN_APPROVAL)
    groups = (await api.ok("{ customerGroups { id code } }", token=admin.token))["customerGroups"]
    wholesale = next(group["id"] for group in groups if group["code"] == "wholesale")
    await ok(api, MOVE, admin.token, customerId=customer_id, groupId=wholesale, reason="a trade account")
    moved = one(await events.new(), "customer.updated")
    assert (moved["changedFields"], moved["groupCode"]) == (["groupCode"], "wholesale")

    buyer = {"email": "buyer@example.com", "password": "a perfectly fine passphrase", "customerGroup": "wholesale"}
    await ok(api, REGISTER, None, **buyer)
    waiting = one(await events.new(), "customer.created")
    assert waiting["status"] == "PENDING_APPROVAL"
    await ok(api, APPROVE, admin.token, customerId=waiting["customerId"])
    assert one(await events.new(), "customer.activated")["method"] == "ADMIN_APPROVAL"

    await ok(api, DELETE, admin.token, customerId=customer_id, reason="asked by phone")
    gone = await events.new()
    assert types(gone) == ["customer.deleted"]
    assert gone[0]["data"]["deletedBy"] == "ADMINISTRATOR"
    no_secrets(gone, "walk.in", "Walker")  # no personal data
    assert gone[0]["data"]["externalReference"] == "POS-20"
