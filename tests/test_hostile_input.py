"""Hostile input never produces a server error: every string field of every mutation is fed junk."""

import re

import pytest

from tests.support import Api, Caller

JUNK = ["", " ", "x" * 20_000, "\u0000", "nul\u0000byte", "😀" * 50, "<script>alert(1)</script>", "' OR 1=1 --", "%_\\"]

MUTATIONS = [
    ("register", "RegisterInput", ["email", "password", "firstName", "lastName", "phone", "customerGroup"], None),
    ("activateAccount", "ActivateAccountInput", ["token", "email", "phone", "code"], None),
    ("resendActivation", "ResendActivationInput", ["email", "phone"], None),
    ("login", "LoginInput", ["email", "phone", "password"], None),
    ("requestPasswordReset", "RequestPasswordResetInput", ["email", "phone"], None),
    ("resetPassword", "ResetPasswordInput", ["token", "email", "phone", "code", "newPassword"], None),
    ("changePassword", "ChangePasswordInput", ["currentPassword", "newPassword"], "customer"),
    ("revokeSession", "RevokeSessionInput", ["sessionId"], "customer"),
    ("requestAffiliateStatus", "RequestAffiliateStatusInput", ["message"], "customer"),
    ("suspendCustomer", "SuspendCustomerInput", ["customerId", "reason"], "admin"),
    ("reactivateCustomer", "ReactivateCustomerInput", ["customerId", "reason"], "admin"),
    ("approveCustomer", "ApproveCustomerInput", ["customerId"], "admin"),
    ("grantRole", "GrantRoleInput", ["customerId", "reason"], "admin"),
    ("rejectAffiliateRequest", "RejectAffiliateRequestInput", ["requestId", "reason"], "admin"),
    ("completeTwoFactorLogin", "CompleteTwoFactorLoginInput", ["challengeId", "code", "recoveryCode"], None),
    ("sendTwoFactorCode", "SendTwoFactorCodeInput", ["challengeId"], None),
    ("confirmTotp", "ConfirmTotpInput", ["code"], "customer"),
    ("disableTotp", "DisableTotpInput", ["code", "password"], "customer"),
    ("stepUp", "StepUpInput", ["password", "code"], "customer"),
    ("revokeTrustedDevice", "RevokeTrustedDeviceInput", ["deviceId"], "customer"),
    ("requestEmailChange", "RequestEmailChangeInput", ["newEmail"], "customer"),
    ("confirmEmailChange", "ConfirmEmailChangeInput", ["token"], None),
    ("undoEmailChange", "UndoEmailChangeInput", ["token"], None),
    ("acknowledgeSecurityAlert", "AcknowledgeSecurityAlertInput", ["alertId"], "admin"),
    (
        "createAddress",
        "CreateAddressInput",
        ["countryCode", "line1", "line2", "city", "region", "postalCode", "phone", "company"],
        "customer",
    ),
    ("updateAddress", "UpdateAddressInput", ["addressId", "city", "postalCode"], "customer"),
    ("deleteAddress", "DeleteAddressInput", ["addressId"], "customer"),
    ("updateProfile", "UpdateProfileInput", ["firstName", "lastName", "company", "phone"], "customer"),
    ("updateSettings", "UpdateSettingsInput", ["language", "currency", "timezone"], "customer"),
    ("setConsent", "SetConsentInput", ["policyVersion", "source"], "customer"),
    ("deleteCustomer", "DeleteCustomerInput", ["customerId", "reason"], "admin"),
]
REQUIRED_EXTRAS: dict[str, dict[str, object]] = {
    "grantRole": {"role": "SUPPORT"},
    "sendTwoFactorCode": {"method": "EMAIL_CODE"},
    "setConsent": {"purpose": "DATA_SHARING", "granted": True},
}


@pytest.mark.parametrize(("name", "input_type", "fields", "caller"), MUTATIONS, ids=[m[0] for m in MUTATIONS])
async def test_junk_in_every_string_field_gets_typed_answers(
    api: Api, customer: Caller, admin: Caller, name: str, input_type: str, fields: list[str], caller: str | None
) -> None:
    token = {"customer": customer.token, "admin": admin.token, None: None}[caller]
    query = f"mutation($input: {input_type}!) {{ {name}(input: $input) {{ userErrors {{ field message code }} }} }}"
    for junk in JUNK:
        data = dict.fromkeys(fields, junk) | REQUIRED_EXTRAS.get(name, {})
        result = await api(query, {"input": data}, token=token)
        assert "INTERNAL_SERVER_ERROR" not in result.error_codes, (name, junk[:20], result.errors)
        if result.errors is None:
            for error in result.data[name]["userErrors"]:
                assert error["code"]
                assert error["message"]
    # The callers' accounts still work: nothing they own was damaged.
    assert (await api.ok("{ me { id } }", token=admin.token))["me"] is not None


async def test_oversized_documents_are_refused(api: Api) -> None:
    huge = "{ " + " ".join(["me { id }"] * 3000) + " }"
    result = await api(huge)
    assert result.error_codes
    assert result.error_codes[0] == "GRAPHQL_VALIDATION_FAILED"


async def test_non_json_and_wrong_methods_are_client_errors(api: Api) -> None:
    client = api.client
    assert (
        await client.post("/graphql", content=b"{not json", headers={"content-type": "application/json"})
    ).status_code == 400
    assert (
        await client.post("/graphql", content=b"query=x", headers={"content-type": "application/x-www-form-urlencoded"})
    ).status_code in (400, 415)
    assert (await client.put("/graphql", json={"query": "{ me { id } }"})).status_code == 405


async def test_nul_characters_are_refused_before_any_resolver(api: Api) -> None:
    query = "mutation($input: RegisterInput!) { register(input: $input) { activationMode } }"
    by_variable = await api(query, {"input": {"email": "a@example.com", "password": "long enough\u0000password"}})
    assert (by_variable.data, by_variable.error_codes) == (None, ["BAD_USER_INPUT"])
    literal = await api(
        'mutation { register(input: {email: "a\\u0000@example.com", password: "x"}) { activationMode } }'
    )
    assert (literal.data, literal.error_codes) == (None, ["BAD_USER_INPUT"])
    assert literal.errors is not None
    assert literal.errors[0]["message"] == "Text must not contain NUL (U+0000) characters."


# Moments that exist in their own offset but not in UTC, where everything is stored and compared.
OUT_OF_UTC = [
    "9999-12-31T23:59:59-14:00",
    "0001-01-01T00:00:00+14:00",
    "9999-12-31T24:00:00Z",
    "9999-12-31T24:00:00+01:00",
]
DATETIME_INPUTS = [
    "query($t: DateTime) { paymentStatistics(since: $t) { __typename } }",
    "query($t: DateTime) { paymentStatistics(until: $t) { __typename } }",
    "query($t: DateTime) { customerRecords(updatedSince: $t) { __typename } }",
    "query($t: DateTime) { staffActions(filter: {since: $t}) { __typename } }",
    "query($t: DateTime) { securityEvents(filter: {until: $t}) { __typename } }",
    'mutation($t: DateTime!) { createOffer(input: {customerId: "x", currency: EUR, validUntil: $t,'
    ' lines: [{sku: "S", name: "N", quantity: 1, unitPrice: "1"}]}) { userErrors { code } } }',
    'mutation($t: DateTime!) { reviseOffer(input: {offerId: "x", validUntil: $t, reason: "r",'
    ' lines: [{sku: "S", name: "N", quantity: 1, unitPrice: "1"}]}) { userErrors { code } } }',
    'mutation($t: DateTime!) { redeliverWebhookEvents(input: {endpointId: "x", since: $t}) { userErrors { code } } }',
]


@pytest.mark.parametrize("query", DATETIME_INPUTS, ids=lambda q: q.split("{")[1].split("(")[0].strip())
async def test_datetimes_outside_utc_range_are_bad_input(api: Api, admin: Caller, query: str) -> None:
    for moment in OUT_OF_UTC:
        by_variable = await api(query, {"t": moment}, token=admin.token)
        assert by_variable.error_codes == ["BAD_USER_INPUT"], (moment, by_variable.errors)
        inline = re.sub(r"^(query|mutation)\(\$t: DateTime!?\)", r"\1", query).replace("$t", f'"{moment}"')
        literal = await api(inline, token=admin.token)
        assert literal.error_codes[:1] in (["BAD_USER_INPUT"], ["GRAPHQL_VALIDATION_FAILED"]), (moment, literal.errors)
