"""Administrators create and change customer groups and move customers between them, with a recorded reason."""

import asyncio

import pytest

from app.runtime import Runtime
from tests.support import Api, Caller, global_id, login

ERRORS = "userErrors { field message code }"
GROUP = (
    "id code name activationMode selfRegistration paymentTermsDays updatedAt defaultCreditLimit { amount currencyCode }"
)
CREATE = f"""mutation($input: CreateCustomerGroupInput!) {{
  createCustomerGroup(input: $input) {{ customerGroup {{ {GROUP} }} {ERRORS} }}
}}"""
UPDATE = f"""mutation($input: UpdateCustomerGroupInput!) {{
  updateCustomerGroup(input: $input) {{ customerGroup {{ {GROUP} }} {ERRORS} }}
}}"""
MOVE = f"""mutation($input: MoveCustomerToGroupInput!) {{
  moveCustomerToGroup(input: $input) {{
    customer {{ id group {{ code }} }} move {{ reason fromGroup {{ code }} toGroup {{ code }} actor {{ id }} }} {ERRORS}
  }}
}}"""
HISTORY = """query($id: ID!) { node(id: $id) { ... on Customer {
  group { code } groupHistory { reason createdAt fromGroup { code } toGroup { code } actor { id } }
} } }"""
GROUPS = f"{{ customerGroups {{ {GROUP} }} }}"
STORE_CREDIT = """query($id: ID!) { node(id: $id) { ... on Customer {
  storeCredit(currencyCode: EUR) { creditLimit { amount currencyCode } }
} } }"""
ADJUST = """mutation($input: AdjustStoreCreditInput!) {
  adjustStoreCredit(input: $input) { storeCredit { creditLimit { amount } } userErrors { code } }
}"""
SECURITY_EVENTS = (
    """query($id: ID!) { node(id: $id) { ... on Customer { securityEvents { edges { node { type } } } } } }"""
)

WHOLESALE = {
    "code": "wholesale-eu",
    "name": "Wholesale EU",
    "activationMode": "ADMIN_APPROVAL",
    "selfRegistration": False,
    "defaultCreditLimit": {"amount": "5000.00", "currencyCode": "EUR"},
    "paymentTermsDays": 30,
}


def codes(payload: dict[str, object]) -> list[object]:
    return [e["code"] for e in payload["userErrors"]]  # type: ignore[attr-defined]


async def test_admin_creates_and_updates_a_b2b_group(api: Api, admin: Caller, staff: Caller, customer: Caller) -> None:
    created = (await api.ok(CREATE, {"input": WHOLESALE}, token=admin.token))["createCustomerGroup"]
    assert created["userErrors"] == []
    group = created["customerGroup"]
    assert group["code"] == "wholesale-eu"
    assert group["activationMode"] == "ADMIN_APPROVAL"
    assert group["selfRegistration"] is False
    assert group["paymentTermsDays"] == 30
    assert group["defaultCreditLimit"] == {"amount": "5000.00", "currencyCode": "EUR"}

    # Staff see it and its default limit; customers see neither (not open to self-registration).
    seen_by_staff = {g["code"]: g for g in (await api.ok(GROUPS, token=staff.token))["customerGroups"]}
    assert seen_by_staff["wholesale-eu"]["defaultCreditLimit"]["amount"] == "5000.00"
    seen_by_customer = (await api.ok(GROUPS, token=customer.token))["customerGroups"]
    assert "wholesale-eu" not in [g["code"] for g in seen_by_customer]

    updated = (
        await api.ok(
            UPDATE,
            {
                "input": {
                    "groupId": group["id"],
                    "name": "Wholesale Europe",
                    "selfRegistration": True,
                    "paymentTermsDays": 60,
                }
            },
            token=admin.token,
        )
    )["updateCustomerGroup"]
    assert updated["userErrors"] == []
    after = updated["customerGroup"]
    assert (after["name"], after["selfRegistration"], after["paymentTermsDays"]) == ("Wholesale Europe", True, 60)
    assert after["activationMode"] == "ADMIN_APPROVAL"  # left out: unchanged
    assert after["defaultCreditLimit"]["amount"] == "5000.00"
    assert after["updatedAt"] > group["updatedAt"]
    # The group is now open to self-registration: customers see it, without the credit default.
    open_to_all = {g["code"]: g for g in (await api.ok(GROUPS, token=customer.token))["customerGroups"]}
    assert open_to_all["wholesale-eu"]["defaultCreditLimit"] is None

    cleared = (
        await api.ok(
            UPDATE,
            {"input": {"groupId": group["id"], "defaultCreditLimit": None, "paymentTermsDays": None}},
            token=admin.token,
        )
    )["updateCustomerGroup"]["customerGroup"]
    assert cleared["defaultCreditLimit"] is None
    assert cleared["paymentTermsDays"] is None


@pytest.mark.parametrize(
    ("change", "field", "code"),
    [
        ({"code": ""}, "code", "REQUIRED"),
        ({"code": "Has Spaces"}, "code", "INVALID"),
        ({"code": "x"}, "code", "INVALID"),
        ({"code": "a" * 65}, "code", "INVALID"),
        ({"name": "  "}, "name", "REQUIRED"),
        ({"name": "n" * 201}, "name", "TOO_LONG"),
        ({"defaultCreditLimit": {"amount": "-1.00", "currencyCode": "EUR"}}, "defaultCreditLimit", "INVALID"),
        ({"defaultCreditLimit": {"amount": "1.001", "currencyCode": "EUR"}}, "defaultCreditLimit", "INVALID"),
        ({"paymentTermsDays": -1}, "paymentTermsDays", "INVALID"),
        ({"paymentTermsDays": 366}, "paymentTermsDays", "INVALID"),
    ],
)
async def test_bad_group_input_is_a_typed_error(
    api: Api, admin: Caller, change: dict[str, object], field: str, code: str
) -> None:
    result = (await api.ok(CREATE, {"input": {**WHOLESALE, **change}}, token=admin.token))["createCustomerGroup"]
    assert result["customerGroup"] is None
    assert [(e["field"], e["code"]) for e in result["userErrors"]] == [(["input", field], code)]


async def test_terms_of_0_and_365_days_are_accepted(api: Api, admin: Caller) -> None:
    for days, code in ((0, "net-0"), (365, "net-365")):
        result = (
            await api.ok(CREATE, {"input": {**WHOLESALE, "code": code, "paymentTermsDays": days}}, token=admin.token)
        )["createCustomerGroup"]
        assert result["customerGroup"]["paymentTermsDays"] == days


async def test_a_code_is_taken_once_even_by_two_creates_at_once(api: Api, admin: Caller) -> None:
    first = (await api.ok(CREATE, {"input": WHOLESALE}, token=admin.token))["createCustomerGroup"]
    assert first["userErrors"] == []
    again = (await api.ok(CREATE, {"input": WHOLESALE}, token=admin.token))["createCustomerGroup"]
    assert codes(again) == ["CODE_TAKEN"]

    race = {**WHOLESALE, "code": "raced"}
    both = await asyncio.gather(*(api.ok(CREATE, {"input": race}, token=admin.token) for _ in range(2)))
    outcomes = sorted(codes(r["createCustomerGroup"]) for r in both)
    assert outcomes == [[], ["CODE_TAKEN"]]


async def test_unknown_group_is_not_found(api: Api, admin: Caller, customer: Caller) -> None:
    for group_id in ("nonsense", global_id("CustomerGroup", "00000000-0000-0000-0000-000000000000")):
        updated = (await api.ok(UPDATE, {"input": {"groupId": group_id, "name": "x"}}, token=admin.token))[
            "updateCustomerGroup"
        ]
        assert [(e["field"], e["code"]) for e in updated["userErrors"]] == [(["input", "groupId"], "NOT_FOUND")]
        moved = (
            await api.ok(
                MOVE, {"input": {"customerId": customer.gid, "groupId": group_id, "reason": "r"}}, token=admin.token
            )
        )["moveCustomerToGroup"]
        assert [(e["field"], e["code"]) for e in moved["userErrors"]] == [(["input", "groupId"], "NOT_FOUND")]


async def test_moving_a_customer_records_reason_actor_and_audit_event(
    api: Api, rt: Runtime, admin: Caller, staff: Caller, customer: Caller
) -> None:
    group = (await api.ok(CREATE, {"input": WHOLESALE}, token=admin.token))["createCustomerGroup"]["customerGroup"]
    before = (await api.ok(HISTORY, {"id": customer.gid}, token=staff.token))["node"]
    home = before["group"]["code"]
    assert before["groupHistory"] == []

    target = {"customerId": customer.gid, "groupId": group["id"]}
    no_reason = (await api.ok(MOVE, {"input": {**target, "reason": " "}}, token=admin.token))["moveCustomerToGroup"]
    assert [(e["field"], e["code"]) for e in no_reason["userErrors"]] == [(["input", "reason"], "REQUIRED")]
    unknown = {"customerId": global_id("Customer", "00000000-0000-0000-0000-000000000000"), "groupId": group["id"]}
    missing = (await api.ok(MOVE, {"input": {**unknown, "reason": "r"}}, token=admin.token))["moveCustomerToGroup"]
    assert [(e["field"], e["code"]) for e in missing["userErrors"]] == [(["input", "customerId"], "NOT_FOUND")]

    moved = (await api.ok(MOVE, {"input": {**target, "reason": "signed a trade contract"}}, token=admin.token))[
        "moveCustomerToGroup"
    ]
    assert moved["userErrors"] == []
    assert moved["customer"]["group"]["code"] == "wholesale-eu"
    assert moved["move"] == {
        "reason": "signed a trade contract",
        "fromGroup": {"code": home},
        "toGroup": {"code": "wholesale-eu"},
        "actor": {"id": admin.gid},
    }
    same = (await api.ok(MOVE, {"input": {**target, "reason": "again"}}, token=admin.token))["moveCustomerToGroup"]
    assert [(e["field"], e["code"]) for e in same["userErrors"]] == [(["input", "groupId"], "SAME_GROUP")]

    history = (await api.ok(HISTORY, {"id": customer.gid}, token=staff.token))["node"]["groupHistory"]
    assert [(h["fromGroup"]["code"], h["toGroup"]["code"], h["reason"]) for h in history] == [
        (home, "wholesale-eu", "signed a trade contract")
    ]
    # The customer's reasons are internal: the customer sees no history.
    own = (await api.ok(HISTORY, {"id": customer.gid}, token=customer.token))["node"]
    assert own["group"]["code"] == "wholesale-eu"
    assert own["groupHistory"] == []
    # The session lives on: the move changes neither sign-in nor the token.
    await api.ok("{ me { id } }", token=customer.token)
    await login(api, customer.customer.email, customer.password)

    events = (await api.ok(SECURITY_EVENTS, {"id": customer.gid}, token=admin.token))["node"]["securityEvents"]
    assert "CUSTOMER_GROUP_CHANGED" in [e["node"]["type"] for e in events["edges"]]


async def test_the_group_default_limit_applies_to_accounts_opened_afterwards_only(
    api: Api, rt: Runtime, admin: Caller, customer: Caller, other_customer: Caller
) -> None:
    group = (await api.ok(CREATE, {"input": WHOLESALE}, token=admin.token))["createCustomerGroup"]["customerGroup"]
    # The customer already has an EUR account (limit 0) before the move: it keeps its limit.
    opened = await api.ok(
        ADJUST,
        {"input": {"customerId": customer.gid, "amount": "10.00", "currencyCode": "EUR", "note": "goodwill"}},
        token=admin.token,
    )
    assert opened["adjustStoreCredit"]["storeCredit"]["creditLimit"]["amount"] == "0.00"
    for who in (customer, other_customer):
        moved = await api.ok(
            MOVE, {"input": {"customerId": who.gid, "groupId": group["id"], "reason": "B2B"}}, token=admin.token
        )
        assert moved["moveCustomerToGroup"]["userErrors"] == []
    kept = (await api.ok(STORE_CREDIT, {"id": customer.gid}, token=admin.token))["node"]["storeCredit"]
    assert kept["creditLimit"]["amount"] == "0.00"
    # A member without an EUR account opens one with the group's default.
    shown = (await api.ok(STORE_CREDIT, {"id": other_customer.gid}, token=other_customer.token))["node"]["storeCredit"]
    assert shown["creditLimit"] == {"amount": "5000.00", "currencyCode": "EUR"}
    new = await api.ok(
        ADJUST,
        {"input": {"customerId": other_customer.gid, "amount": "1.00", "currencyCode": "EUR", "note": "welcome"}},
        token=admin.token,
    )
    assert new["adjustStoreCredit"]["storeCredit"]["creditLimit"]["amount"] == "5000.00"
