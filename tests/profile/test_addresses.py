"""Addresses: validation per country, defaults, partial updates, ownership, the cap."""

from typing import Any

from app.runtime import Runtime
from tests.support import Api, Caller, count_statements

ERRORS = "userErrors { field message code }"
FIELDS = "id line1 line2 city region postalCode countryCode phone firstName isBilling isShipping isDefaultBilling isDefaultShipping"
CREATE = f"mutation($i: CreateAddressInput!) {{ createAddress(input: $i) {{ address {{ {FIELDS} }} {ERRORS} }} }}"
UPDATE = f"mutation($i: UpdateAddressInput!) {{ updateAddress(input: $i) {{ address {{ {FIELDS} }} {ERRORS} }} }}"
DELETE = f"mutation($i: DeleteAddressInput!) {{ deleteAddress(input: $i) {{ deletedAddressId {ERRORS} }} }}"
DEFAULT = f"mutation($i: SetDefaultAddressInput!) {{ setDefaultAddress(input: $i) {{ address {{ id }} {ERRORS} }} }}"
MINE = "{ me { addresses { id city } defaultBillingAddress { id } defaultShippingAddress { id } } }"

US = {
    "countryCode": "US",
    "line1": "1600 Amphitheatre Pkwy",
    "city": "Mountain View",
    "region": "California",
    "postalCode": "94043",
}
DE = {"countryCode": "de", "line1": "Unter den Linden 1", "city": "Berlin", "postalCode": "10115"}


async def create(api: Api, caller: Caller, **data: Any) -> dict[str, Any]:
    result: dict[str, Any] = (await api.ok(CREATE, {"i": data}, token=caller.token))["createAddress"]
    return result


def codes(payload: dict[str, Any]) -> list[tuple[str | None, str]]:
    return [(e["field"][-1] if e["field"] else None, e["code"]) for e in payload["userErrors"]]


async def test_create_validates_and_normalises(api: Api, customer: Caller) -> None:
    result = await create(api, customer, **US, phone="+1 650 253 0000", firstName="Casey")
    address = result["address"]
    assert result["userErrors"] == []
    assert (address["region"], address["city"], address["phone"]) == ("CA", "Mountain View", "+16502530000")
    assert (address["isDefaultBilling"], address["isDefaultShipping"]) == (True, True)
    german = (await create(api, customer, **DE))["address"]
    assert german["countryCode"] == "DE"
    assert german["isDefaultBilling"] is False


async def test_bad_addresses_get_typed_errors(api: Api, customer: Caller) -> None:
    cases: list[tuple[dict[str, Any], list[tuple[str | None, str]]]] = [
        ({**US, "countryCode": "XX"}, [("countryCode", "INVALID_COUNTRY")]),
        ({**US, "countryCode": "USA"}, [("countryCode", "INVALID_COUNTRY")]),
        ({**US, "postalCode": "9404"}, [("postalCode", "INVALID_POSTAL_CODE")]),
        ({**US, "region": "Atlantis"}, [("region", "INVALID_REGION")]),
        ({k: v for k, v in US.items() if k != "city"}, [("city", "REQUIRED")]),
        ({**DE, "region": "Bavaria-ish"}, [("region", "FIELD_NOT_USED")]),
        ({**DE, "phone": "12345"}, [("phone", "INVALID_PHONE")]),
        ({**DE, "line1": "x" * 201}, [("line1", "TOO_LONG")]),
        ({**DE, "line1": "   "}, [("line1", "REQUIRED")]),
        ({**DE, "isBilling": False, "isShipping": False}, [("isBilling", "NO_PURPOSE")]),
    ]
    for data, expected in cases:
        result = await create(api, customer, **data)
        assert codes(result) == expected, data
        assert result["address"] is None
    assert (await api.ok(MINE, token=customer.token))["me"]["addresses"] == []


async def test_another_customers_address_reads_as_missing(api: Api, customer: Caller, other_customer: Caller) -> None:
    theirs = (await create(api, other_customer, **DE))["address"]["id"]
    for query, extra in [(UPDATE, {"city": "Hamburg"}), (DELETE, {}), (DEFAULT, {"kind": "BILLING"})]:
        result = await api.ok(query, {"i": {"addressId": theirs, **extra}}, token=customer.token)
        payload = next(iter(result.values()))
        assert codes(payload) == [("addressId", "NOT_FOUND")]
    node = await api.ok("query($id: ID!) { node(id: $id) { id } }", {"id": theirs}, token=customer.token)
    assert node["node"] is None
    assert (await api.ok(MINE, token=other_customer.token))["me"]["addresses"][0]["city"] == "Berlin"


async def test_partial_update_changes_only_what_was_sent(api: Api, customer: Caller) -> None:
    created = (await create(api, customer, **DE, line2="Hinterhaus", phone="+493012345678"))["address"]
    updated = (
        await api.ok(
            UPDATE, {"i": {"addressId": created["id"], "city": "Hamburg", "postalCode": "20095"}}, token=customer.token
        )
    )["updateAddress"]
    assert updated["userErrors"] == []
    assert (updated["address"]["city"], updated["address"]["line2"], updated["address"]["phone"]) == (
        "Hamburg",
        "Hinterhaus",
        "+493012345678",
    )
    cleared = (
        await api.ok(UPDATE, {"i": {"addressId": created["id"], "line2": None, "phone": None}}, token=customer.token)
    )["updateAddress"]
    assert (cleared["address"]["line2"], cleared["address"]["phone"]) == (None, None)
    bad = (await api.ok(UPDATE, {"i": {"addressId": created["id"], "countryCode": "US"}}, token=customer.token))[
        "updateAddress"
    ]
    assert ("region", "REQUIRED") in codes(bad)
    assert (await api.ok(MINE, token=customer.token))["me"]["addresses"][0]["city"] == "Hamburg"


async def test_default_rules(api: Api, customer: Caller) -> None:
    first = (await create(api, customer, **DE))["address"]["id"]
    second = (await create(api, customer, **{**DE, "city": "Köln", "postalCode": "50667"}))["address"]["id"]
    billing_only = (await create(api, customer, **{**DE, "city": "Bonn", "postalCode": "53111"}, isShipping=False))[
        "address"
    ]["id"]
    mine = (await api.ok(MINE, token=customer.token))["me"]
    assert mine["defaultBillingAddress"]["id"] == first
    await api.ok(DEFAULT, {"i": {"addressId": second, "kind": "SHIPPING"}}, token=customer.token)
    await api.ok(DEFAULT, {"i": {"addressId": billing_only, "kind": "BILLING"}}, token=customer.token)
    mine = (await api.ok(MINE, token=customer.token))["me"]
    assert (mine["defaultBillingAddress"]["id"], mine["defaultShippingAddress"]["id"]) == (billing_only, second)
    # Deleting a default hands it to the most recently changed other address of that kind.
    await api.ok(DELETE, {"i": {"addressId": second}}, token=customer.token)
    mine = (await api.ok(MINE, token=customer.token))["me"]
    assert mine["defaultShippingAddress"]["id"] == first
    await api.ok(DELETE, {"i": {"addressId": billing_only}}, token=customer.token)
    await api.ok(DELETE, {"i": {"addressId": first}}, token=customer.token)
    mine = (await api.ok(MINE, token=customer.token))["me"]
    assert mine == {"addresses": [], "defaultBillingAddress": None, "defaultShippingAddress": None}


async def test_there_is_a_cap(app_factory: Any, customer: Caller) -> None:
    _, api = await app_factory(max_addresses_per_customer=2)
    for _ in range(2):
        assert (await create(api, customer, **DE))["userErrors"] == []
    assert codes(await create(api, customer, **DE)) == [(None, "LIMIT_REACHED")]


async def test_validation_rules_for_forms(api: Api) -> None:
    rules = (
        await api.ok(
            '{ addressValidationRules(countryCode: "us") { countryCode countryName requiredFields allowedFields regions { code name } regionType postalCodeType postalCodeExamples } }'
        )
    )["addressValidationRules"]
    assert rules["countryCode"] == "US"
    assert rules["countryName"] == "United States"
    assert set(rules["requiredFields"]) == {"line1", "city", "region", "postalCode"}
    assert {"code": "CA", "name": "California"} in rules["regions"]
    assert (rules["regionType"], rules["postalCodeType"]) == ("state", "zip")
    gb = (await api.ok('{ addressValidationRules(countryCode: "GB") { requiredFields allowedFields } }'))[
        "addressValidationRules"
    ]
    assert "region" not in gb["allowedFields"]
    assert (await api.ok('{ addressValidationRules(countryCode: "ZZ") { countryCode } }'))[
        "addressValidationRules"
    ] is None


async def test_addresses_load_in_one_batch(api: Api, rt: Runtime, customer: Caller, staff: Caller) -> None:
    for city, code in [("Berlin", "10115"), ("Köln", "50667"), ("Bonn", "53111")]:
        await create(api, customer, **{**DE, "city": city, "postalCode": code})
    query = "{ customers(first: 50) { edges { node { addresses { id } defaultBillingAddress { id } defaultShippingAddress { id } } } } }"
    with count_statements(rt) as statements:
        await api.ok(query, token=staff.token)
    address_queries = [s for s in statements if "FROM address" in s]
    assert len(address_queries) == 1
