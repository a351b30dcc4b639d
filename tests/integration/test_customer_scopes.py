"""Every integration scope through the public API: what each grants and what it refuses; customers:read
(CustomerRecord lookups and the updatedSince sync) and customers:write (upsertCustomer)."""

from typing import Any

import pytest

from app.runtime import Runtime
from app.services.service_accounts import SCOPES, create_service_account
from models.customer import ActivationMode
from tests.accounts.queries import LOGIN, REQUEST_RESET, RESET
from tests.orders.helpers import UPSERT_ORDER, order_input
from tests.support import Api, Caller, Mailbox, global_id, link_token, login, make_group, text_body

ERRORS = "userErrors { field message code }"
RECORD = """id customerId externalReference email emailVerified firstName lastName phone company status updatedAt
  settings { language currency emailNotifications } consents { purpose granted policyVersion source }"""
UPSERT_CUSTOMER = f"""mutation($i: UpsertCustomerInput!) {{ upsertCustomer(input: $i) {{
  customer {{ {RECORD} }} created {ERRORS} }} }}"""
BY = f"""query($id: ID, $email: String, $ref: String) {{
  customerRecord(customerId: $id, email: $email, externalReference: $ref) {{ {RECORD} }} }}"""
SINCE = """query($since: DateTime, $first: Int, $after: String) {
  customerRecords(updatedSince: $since, first: $first, after: $after) {
    edges { node { externalReference email updatedAt } } pageInfo { hasNextPage endCursor } } }"""
UPSERT_PRODUCTS = """mutation($i: UpsertProductsInput!) { upsertProducts(input: $i) { userErrors { code } } }"""

# One operation per scope, each with variables that succeed for a key holding that scope.
OPERATIONS: dict[str, tuple[str, dict[str, Any]]] = {
    "orders:write": (UPSERT_ORDER, {"i": order_input("SCOPE-1")}),
    "products:write": (
        UPSERT_PRODUCTS,
        {"i": {"products": [{"sku": "S-1", "name": "Mug", "price": {"amount": "1", "currencyCode": "EUR"}}]}},
    ),
    "customers:read": (SINCE, {"first": 5}),
    "customers:write": (UPSERT_CUSTOMER, {"i": {"externalReference": "POS-1", "email": "pos1@example.com"}}),
}


async def key(rt: Runtime, *scopes: str) -> str:
    return (await create_service_account(rt, "-".join(s.replace(":", "-") for s in scopes), list(scopes))).api_key


def test_every_advertised_scope_is_tested() -> None:
    # returns:write has its own tests (tests/returns/test_access.py).
    assert set(SCOPES) - {"returns:write"} == set(OPERATIONS)


@pytest.mark.parametrize("scope", sorted(OPERATIONS))
async def test_a_scope_grants_its_operations_and_nothing_else(
    api: Api, rt: Runtime, scope: str, customer: Caller, staff: Caller, admin: Caller
) -> None:
    token = await key(rt, scope)
    for other, (query, variables) in OPERATIONS.items():
        result = await api(query, variables, token=token)
        if other == scope:
            assert result.errors is None, result.errors
        else:
            assert result.error_codes == ["FORBIDDEN"], (scope, other)
    query, variables = OPERATIONS[scope]
    # Nobody else gets in: anonymous callers must sign in, people (even administrators) are refused.
    assert (await api(query, variables)).error_codes == ["UNAUTHENTICATED"]
    for person in (customer, staff, admin):
        assert (await api(query, variables, token=person.token)).error_codes == ["FORBIDDEN"]


async def test_customers_read_sees_settings_and_consents_and_nothing_more(
    api: Api, rt: Runtime, customer: Caller, staff: Caller
) -> None:
    settings = 'mutation { updateSettings(input: {language: "de-DE", currency: "CHF"}) { userErrors { code } } }'
    assert (await api.ok(settings, token=customer.token))["updateSettings"]["userErrors"] == []
    consent = """mutation { setConsent(input: {purpose: MARKETING_EMAIL, granted: true, policyVersion: "2026-11"})
      { userErrors { code } } }"""
    assert (await api.ok(consent, token=customer.token))["setConsent"]["userErrors"] == []
    reader = await key(rt, "customers:read")

    email = customer.customer.email
    found = (await api.ok(BY, {"email": email.upper()}, token=reader))["customerRecord"]
    assert found["customerId"] == customer.gid
    assert found["email"] == email
    assert found["settings"] == {"language": "de-DE", "currency": "CHF", "emailNotifications": True}
    consents = {c["purpose"]: c for c in found["consents"]}
    assert consents["MARKETING_EMAIL"] == {
        "purpose": "MARKETING_EMAIL",
        "granted": True,
        "policyVersion": "2026-11",
        "source": "api",
    }
    assert consents["MARKETING_SMS"]["granted"] is False
    assert (await api.ok(BY, {"id": customer.gid}, token=reader))["customerRecord"] == found
    node = f"query($id: ID!) {{ node(id: $id) {{ ... on CustomerRecord {{ {RECORD} }} }} }}"
    assert (await api.ok(node, {"id": found["id"]}, token=reader))["node"] == found
    # The record is for keys only; the Customer itself stays the customer's and staff's.
    assert (await api.ok(node, {"id": found["id"]}, token=customer.token))["node"] is None
    assert (await api.ok(node, {"id": found["id"]}, token=staff.token))["node"] is None
    assert (await api.ok("query($id: ID!) { node(id: $id) { id } }", {"id": customer.gid}, token=reader))[
        "node"
    ] is None
    # Unknown, malformed or ambiguous lookups.
    assert (await api.ok(BY, {"email": "nobody@example.com"}, token=reader))["customerRecord"] is None
    assert (await api.ok(BY, {"email": "not an email"}, token=reader))["customerRecord"] is None
    assert (await api.ok(BY, {"ref": "unknown"}, token=reader))["customerRecord"] is None
    assert (await api.ok(BY, {"id": global_id("Order", customer.customer.id)}, token=reader))["customerRecord"] is None
    assert (await api(BY, {}, token=reader)).error_codes == ["BAD_USER_INPUT"]
    assert (await api(BY, {"email": email, "ref": "x"}, token=reader)).error_codes == ["BAD_USER_INPUT"]

    # Field by field: what a mailing system needs, none of the account's secrets or history.
    fields = await api.ok('{ __type(name: "CustomerRecord") { fields { name } } }')
    assert {f["name"] for f in fields["__type"]["fields"]} == {
        "id",
        "customerId",
        "externalReference",
        "email",
        "emailVerified",
        "firstName",
        "lastName",
        "phone",
        "company",
        "status",
        "createdAt",
        "updatedAt",
        "settings",
        "consents",
    }
    # A key with customers:read is still nobody's account.
    assert (await api.ok("{ me { id } }", token=reader))["me"] is None
    staff_list = "{ customers(first: 5) { edges { node { id } } } }"
    assert (await api(staff_list, token=reader)).error_codes == ["UNAUTHENTICATED"]  # as for any staff field


async def test_customer_records_sync_by_updated_since(api: Api, rt: Runtime, customer: Caller) -> None:
    writer, reader = await key(rt, "customers:write"), await key(rt, "customers:read")
    for n in range(3):
        variables = {"i": {"externalReference": f"POS-{n}", "email": f"pos{n}@example.com"}}
        assert (await api.ok(UPSERT_CUSTOMER, variables, token=writer))["upsertCustomer"]["created"]
    everyone = (await api.ok(SINCE, {"first": 100}, token=reader))["customerRecords"]
    stamps = [(e["node"]["updatedAt"]) for e in everyone["edges"]]
    assert stamps == sorted(stamps)
    assert [e["node"]["externalReference"] for e in everyone["edges"]][-3:] == ["POS-0", "POS-1", "POS-2"]
    since = everyone["edges"][-3]["node"]["updatedAt"]

    seen: list[str] = []
    after = None
    while True:
        page = (await api.ok(SINCE, {"since": since, "first": 2, "after": after}, token=reader))["customerRecords"]
        seen += [e["node"]["externalReference"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == ["POS-0", "POS-1", "POS-2"]

    # A change of settings, consents or profile moves the customer to the end of the sync.
    consent = """mutation { setConsent(input: {purpose: MARKETING_SMS, granted: true, policyVersion: "2026-11"})
      { userErrors { code } } }"""
    assert (await api.ok(consent, token=customer.token))["setConsent"]["userErrors"] == []
    page = (await api.ok(SINCE, {"since": since, "first": 10, "after": after}, token=reader))["customerRecords"]
    assert [e["node"]["email"] for e in page["edges"]] == ["pos2@example.com", customer.customer.email]
    cursor = page["pageInfo"]["endCursor"]
    settings = 'mutation { updateSettings(input: {language: "fr"}) { userErrors { code } } }'
    assert (await api.ok(settings, token=customer.token))["updateSettings"]["userErrors"] == []
    moved = (await api.ok(SINCE, {"after": cursor}, token=reader))["customerRecords"]["edges"]
    assert [e["node"]["email"] for e in moved] == [customer.customer.email]
    profile = 'mutation { updateProfile(input: {company: "Acme"}) { userErrors { code } } }'
    assert (await api.ok(profile, token=customer.token))["updateProfile"]["userErrors"] == []
    cursor = (await api.ok(SINCE, {"after": cursor}, token=reader))["customerRecords"]["pageInfo"]["endCursor"]
    assert (await api.ok(SINCE, {"after": cursor}, token=reader))["customerRecords"]["edges"] == []

    assert (await api(SINCE, {"after": "garbage"}, token=reader)).error_codes == ["BAD_USER_INPUT"]
    assert (await api(SINCE, {"first": 101}, token=reader)).error_codes == ["BAD_USER_INPUT"]


async def test_upsert_customer_is_idempotent_on_the_reference(api: Api, rt: Runtime) -> None:
    writer, reader = await key(rt, "customers:write"), await key(rt, "customers:read")
    full = {
        "externalReference": "POS-7",
        "email": "Kim@Example.COM",
        "firstName": "Kim",
        "lastName": "Lee",
        "phone": "+14155550123",
        "company": "Shop",
        "language": "en-GB",
        "currency": "eur",
    }
    made = (await api.ok(UPSERT_CUSTOMER, {"i": full}, token=writer))["upsertCustomer"]
    assert made["userErrors"] == []
    assert made["created"] is True
    record = made["customer"]
    assert (record["email"], record["phone"], record["settings"]["currency"]) == (
        "Kim@example.com",
        "+14155550123",
        "EUR",
    )
    assert record["emailVerified"] is False
    again = (await api.ok(UPSERT_CUSTOMER, {"i": full}, token=writer))["upsertCustomer"]
    assert again["created"] is False
    assert again["customer"]["id"] == record["id"]
    # Fields left out stay; null clears; a new email starts unverified.
    change = {"externalReference": "POS-7", "email": "kim.lee@example.com", "company": None}
    changed = (await api.ok(UPSERT_CUSTOMER, {"i": change}, token=writer))["upsertCustomer"]["customer"]
    assert (changed["email"], changed["firstName"], changed["company"]) == ("kim.lee@example.com", "Kim", None)
    assert changed["settings"]["language"] == "en-GB"
    assert (await api.ok(BY, {"ref": "POS-7"}, token=reader))["customerRecord"] == changed


async def test_upsert_customer_validates_like_registration(api: Api, rt: Runtime, customer: Caller) -> None:
    writer = await key(rt, "customers:write")

    async def errors(**fields: Any) -> list[tuple[str, list[str]]]:
        value = {"externalReference": "POS-9", "email": "nine@example.com", **fields}
        payload = (await api.ok(UPSERT_CUSTOMER, {"i": value}, token=writer))["upsertCustomer"]
        assert payload["customer"] is None or not payload["userErrors"]
        return [(e["code"], e["field"]) for e in payload["userErrors"]]

    assert await errors(email="not-an-email") == [("INVALID_EMAIL", ["input", "email"])]
    assert await errors(externalReference=" ") == [("REQUIRED", ["input", "externalReference"])]
    assert await errors(externalReference="x" * 101) == [("TOO_LONG", ["input", "externalReference"])]
    assert await errors(phone="0301234567") == [("INVALID_PHONE", ["input", "phone"])]
    assert await errors(firstName="x" * 101) == [("TOO_LONG", ["input", "firstName"])]
    assert await errors(lastName="Evil\u202e") == [("INVALID", ["input", "lastName"])]
    assert await errors(language="klingon!", currency="XXXX") == [
        ("INVALID", ["input", "language"]),
        ("INVALID", ["input", "currency"]),
    ]
    # Another customer's email (in any case) is refused as taken: the key is a trusted integration.
    assert await errors(email=customer.customer.email.upper()) == [("EMAIL_TAKEN", ["input", "email"])]
    assert await errors() == []
    assert await errors(externalReference="POS-10", email="ten@example.com", phone="+14155550199") == []
    assert await errors(phone="+14155550199") == [("PHONE_TAKEN", ["input", "phone"])]
    assert await errors(email=customer.customer.email) == [("EMAIL_TAKEN", ["input", "email"])]
    # A card number is refused before the resolver runs, like anywhere else.
    result = await api(
        UPSERT_CUSTOMER,
        {"i": {"externalReference": "POS-11", "email": "c@example.com", "company": "4111 1111 1111 1111"}},
        token=writer,
    )
    assert result.error_codes == ["BAD_USER_INPUT"]


async def test_a_customer_made_by_a_pos_gets_in_through_a_password_reset(
    api: Api, rt: Runtime, admin: Caller, mailbox: Mailbox
) -> None:
    writer, reader = await key(rt, "customers:write"), await key(rt, "customers:read")
    value = {"externalReference": "POS-20", "email": "walk.in@example.com", "firstName": "Wal"}
    made = (await api.ok(UPSERT_CUSTOMER, {"i": value}, token=writer))["upsertCustomer"]["customer"]
    assert made["status"] == "PENDING_ACTIVATION"  # the default group activates by email link
    # No password: nobody signs in to it, whatever they send.
    refused = await api(LOGIN, {"input": {"email": "walk.in@example.com", "password": "correct horse battery"}})
    assert [e["code"] for e in refused.data["login"]["userErrors"]] == ["INVALID_CREDENTIALS"]
    # No activation mail went out; a password reset sets the password and activates the account.
    requested = await api.ok(REQUEST_RESET, {"input": {"email": "walk.in@example.com"}})
    assert requested["requestPasswordReset"]["userErrors"] == []
    message = await mailbox.wait_for("walk.in@example.com", "Reset your password")
    assert mailbox.to("walk.in@example.com") == [message]
    token = link_token(message, "/reset-password")
    done = await api.ok(RESET, {"input": {"token": token, "newPassword": "a walk in the park 2026"}})
    assert done["resetPassword"]["userErrors"] == []
    await login(api, "walk.in@example.com", "a walk in the park 2026")
    after_reset = (await api.ok(BY, {"ref": "POS-20"}, token=reader))["customerRecord"]
    assert (after_reset["status"], after_reset["emailVerified"]) == ("ACTIVE", True)
    assert after_reset["updatedAt"] > made["updatedAt"]
    # A status change by an administrator moves updatedAt too.
    suspend = (
        """mutation($id: ID!) { suspendCustomer(input: {customerId: $id, reason: "fraud"}) { userErrors { code } } }"""
    )
    assert (await api.ok(suspend, {"id": made["customerId"]}, token=admin.token))["suspendCustomer"]["userErrors"] == []
    suspended = (await api.ok(BY, {"ref": "POS-20"}, token=reader))["customerRecord"]
    assert suspended["status"] == "SUSPENDED"
    assert suspended["updatedAt"] > after_reset["updatedAt"]


async def test_a_customer_a_pos_adds_to_a_group_that_needs_approval_waits_and_approvers_hear_of_it(
    api: Api, rt: Runtime, admin: Caller, mailbox: Mailbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    await make_group(rt, "trade", ActivationMode.ADMIN_APPROVAL)
    monkeypatch.setattr(rt.settings, "default_customer_group", "trade")
    writer = await key(rt, "customers:write")
    value = {"externalReference": "POS-31", "email": "trade.buyer@example.com", "firstName": "Tia"}
    made = (await api.ok(UPSERT_CUSTOMER, {"i": value}, token=writer))["upsertCustomer"]
    assert made["customer"]["status"] == "PENDING_APPROVAL"
    told = text_body(await mailbox.wait_for(admin.customer.email, "An account is waiting for approval"))
    assert "trade.buyer@example.com" in told
    # Sent again (the POS retries): no second mail, the account is not new.
    again = (await api.ok(UPSERT_CUSTOMER, {"i": value}, token=writer))["upsertCustomer"]
    assert again["created"] is False
    pending = await api.ok("{ pendingApprovals { count } }", token=admin.token)
    assert pending["pendingApprovals"]["count"] == 1
    assert len(mailbox.to(admin.customer.email)) == 1


async def test_concurrent_upserts_of_one_reference_make_one_customer(api: Api, rt: Runtime) -> None:
    import asyncio

    writer, reader = await key(rt, "customers:write"), await key(rt, "customers:read")
    values = [{"externalReference": "POS-30", "email": "same@example.com", "firstName": f"N{n}"} for n in range(4)]
    results = await asyncio.gather(*(api.ok(UPSERT_CUSTOMER, {"i": v}, token=writer) for v in values))
    payloads = [r["upsertCustomer"] for r in results]
    assert [p["userErrors"] for p in payloads] == [[]] * 4
    assert sorted(p["created"] for p in payloads) == [False, False, False, True]
    assert len({p["customer"]["id"] for p in payloads}) == 1
    found = (await api.ok(BY, {"email": "same@example.com"}, token=reader))["customerRecord"]
    assert found["externalReference"] == "POS-30"
