"""Every kind of security event is actually written by some flow of the public API."""

import time
from pathlib import Path

import pyotp

from app.runtime import Runtime
from models.customer import ActivationMode, CustomerStatus
from models.security import STAFF_WORK, SecurityEventType
from tests.accounts.queries import ACTIVATE, LOGIN, REGISTER, REQUEST_RESET, RESET, REVOKE_SESSION, SESSIONS
from tests.support import Api, Caller, Mailbox, link_token, login, make_customer, make_group, wait_for_sms_code

TYPES = """query($after: String) { securityEvents(first: 100, after: $after) {
  edges { node { type } } pageInfo { hasNextPage endCursor } } }"""


async def all_types(api: Api, token: str) -> set[str]:
    seen: set[str] = set()
    after = None
    while True:
        page = (await api.ok(TYPES, {"after": after}, token=token))["securityEvents"]
        seen |= {edge["node"]["type"] for edge in page["edges"]}
        if not page["pageInfo"]["hasNextPage"]:
            return seen
        after = page["pageInfo"]["endCursor"]


async def gql(
    api: Api, query: str, variables: dict[str, object] | None = None, token: str | None = None
) -> dict[str, object]:
    return await api.ok(query, variables, token=token)  # type: ignore[no-any-return]


async def test_every_event_type_is_recorded_by_some_flow(
    api: Api, rt: Runtime, admin: Caller, mailbox: Mailbox, sms_dir: Path
) -> None:
    # Registration, activation (with a wrong code first), sign-in failure and success, sign-out.
    await make_group(rt, "mobile", ActivationMode.SMS_CODE)
    await gql(
        api,
        REGISTER,
        {
            "input": {
                "email": "all@example.com",
                "password": "a fine passphrase",
                "phone": "+14155550123",
                "customerGroup": "mobile",
            }
        },
    )
    code = await wait_for_sms_code(sms_dir, "+14155550123")
    await gql(api, ACTIVATE, {"input": {"phone": "+14155550123", "code": "000000" if code != "000000" else "111111"}})
    await gql(api, ACTIVATE, {"input": {"phone": "+14155550123", "code": code}})
    await gql(api, LOGIN, {"input": {"email": "all@example.com", "password": "wrong password"}})
    token = await login(api, "all@example.com", "a fine passphrase")
    second = await login(api, "all@example.com", "a fine passphrase")
    await gql(api, "mutation { logout { userErrors { code } } }", token=second)
    other = await login(api, "all@example.com", "a fine passphrase")
    other_id = next(s["id"] for s in (await gql(api, SESSIONS, token=other))["sessions"] if s["current"])  # type: ignore[attr-defined]
    await gql(api, REVOKE_SESSION, {"input": {"sessionId": other_id}}, token=token)

    # Password change, reset request and reset.
    await gql(
        api,
        "mutation($i: ChangePasswordInput!) { changePassword(input: $i) { userErrors { code } } }",
        {"i": {"currentPassword": "a fine passphrase", "newPassword": "another fine passphrase"}},
        token=token,
    )
    await gql(api, REQUEST_RESET, {"input": {"email": "all@example.com"}})
    reset = link_token(await mailbox.wait_for("all@example.com", "Reset your password"), "/reset-password")
    await gql(api, RESET, {"input": {"token": reset, "newPassword": "a third fine passphrase"}})
    token = await login(api, "all@example.com", "a third fine passphrase")

    # Two-factor: enable, step up, regenerate, challenge with a recovery code and a trusted device, revoke it, disable.
    secret = (await gql(api, "mutation { enableTotp { secret } }", token=token))["enableTotp"]["secret"]  # type: ignore[index]
    codes = (
        await gql(
            api,
            "mutation($i: ConfirmTotpInput!) { confirmTotp(input: $i) { recoveryCodes } }",
            {"i": {"code": pyotp.TOTP(secret).now()}},
            token=token,
        )
    )["confirmTotp"]["recoveryCodes"]  # type: ignore[index]
    await gql(
        api,
        "mutation($i: StepUpInput!) { stepUp(input: $i) { verifiedUntil } }",
        {"i": {"password": "a third fine passphrase"}},
        token=token,
    )
    codes = (await gql(api, "mutation { regenerateRecoveryCodes { recoveryCodes } }", token=token))[
        "regenerateRecoveryCodes"
    ]["recoveryCodes"]  # type: ignore[index]
    challenge = (
        await gql(
            api,
            "mutation($i: LoginInput!) { login(input: $i) { twoFactorChallenge { id } } }",
            {"i": {"email": "all@example.com", "password": "a third fine passphrase"}},
        )
    )["login"]["twoFactorChallenge"]["id"]  # type: ignore[index]
    done = await gql(
        api,
        "mutation($i: CompleteTwoFactorLoginInput!) { completeTwoFactorLogin(input: $i) { token } }",
        {"i": {"challengeId": challenge, "recoveryCode": codes[0], "trustDevice": True}},
    )
    token = done["completeTwoFactorLogin"]["token"]  # type: ignore[index]
    device = (await gql(api, "{ trustedDevices { id } }", token=token))["trustedDevices"][0]["id"]  # type: ignore[index]
    await gql(
        api,
        "mutation($i: RevokeTrustedDeviceInput!) { revokeTrustedDevice(input: $i) { userErrors { code } } }",
        {"i": {"deviceId": device}},
        token=token,
    )
    await gql(
        api,
        "mutation($i: DisableTotpInput!) { disableTotp(input: $i) { userErrors { code } } }",
        {"i": {"code": pyotp.TOTP(secret).at(time.time() + 30)}},
        token=token,
    )

    # Profile: a new phone number, and a consent.
    await gql(
        api,
        "mutation($i: UpdateProfileInput!) { updateProfile(input: $i) { userErrors { code } } }",
        {"i": {"phone": "+14155550199"}},
        token=token,
    )
    await gql(
        api,
        "mutation($i: SetConsentInput!) { setConsent(input: $i) { userErrors { code } } }",
        {"i": {"purpose": "MARKETING_SMS", "granted": True, "policyVersion": "1"}},
        token=token,
    )

    # Email change: requested (held: the password was reset today), approved, confirmed, undone.
    # The other signals (new address, change velocity) depend on how fast the steps above ran: make the
    # reset alone decide, so the change is always held, never refused.
    rt.settings.__dict__.update(risk_hold_score=40, risk_refuse_score=1000)
    await gql(
        api,
        "mutation($i: RequestEmailChangeInput!) { requestEmailChange(input: $i) { status } }",
        {"i": {"newEmail": "moved@example.com"}},
        token=token,
    )
    approve = link_token(await mailbox.wait_for("all@example.com", "Approve"), "/approve-email-change")
    await gql(
        api,
        "mutation($i: ConfirmEmailChangeInput!) { confirmEmailChange(input: $i) { status } }",
        {"i": {"token": approve}},
    )
    confirm = link_token(await mailbox.wait_for("moved@example.com", "Confirm"), "/confirm-email")
    await gql(
        api,
        "mutation($i: ConfirmEmailChangeInput!) { confirmEmailChange(input: $i) { status } }",
        {"i": {"token": confirm}},
    )
    undo = link_token(await mailbox.wait_for("all@example.com", "Your email address was changed"), "/undo-email-change")
    await gql(
        api,
        "mutation($i: UndoEmailChangeInput!) { undoEmailChange(input: $i) { userErrors { code } } }",
        {"i": {"token": undo}},
    )

    # Administration: approve, suspend, reactivate, grant and revoke a role.
    pending = await make_customer(rt, status=CustomerStatus.PENDING_APPROVAL)
    from tests.support import global_id

    target = global_id("Customer", pending.id)
    for query, extra in [
        ("mutation($i: ApproveCustomerInput!) { approveCustomer(input: $i) { userErrors { code } } }", {}),
        ("mutation($i: SuspendCustomerInput!) { suspendCustomer(input: $i) { userErrors { code } } }", {"reason": "r"}),
        ("mutation($i: ReactivateCustomerInput!) { reactivateCustomer(input: $i) { userErrors { code } } }", {}),
        (
            "mutation($i: GrantRoleInput!) { grantRole(input: $i) { userErrors { code } } }",
            {"role": "SUPPORT", "reason": "r"},
        ),
        (
            "mutation($i: RevokeRoleInput!) { revokeRole(input: $i) { userErrors { code } } }",
            {"role": "SUPPORT", "reason": "r"},
        ),
    ]:
        result = await gql(api, query, {"i": {"customerId": target, **extra}}, token=admin.token)
        assert all(not payload["userErrors"] for payload in result.values()), result  # type: ignore[index]

    # A move to another customer group, with the reason.
    await make_group(rt, "trade", ActivationMode.ADMIN_APPROVAL)
    trade_id = next(
        g["id"]
        for g in (await gql(api, "{ customerGroups { id code } }", token=admin.token))["customerGroups"]  # type: ignore[attr-defined]
        if g["code"] == "trade"
    )
    moved = await gql(
        api,
        "mutation($i: MoveCustomerToGroupInput!) { moveCustomerToGroup(input: $i) { userErrors { code } } }",
        {"i": {"customerId": target, "groupId": trade_id, "reason": "trade contract"}},
        token=admin.token,
    )
    assert moved["moveCustomerToGroup"]["userErrors"] == []  # type: ignore[index]

    # Lockout: enough wrong passwords on one account.
    from tests.security.helpers import wait_out_backoff

    victim = await make_customer(rt, email_address="victim@example.com")
    for _ in range(rt.settings.sign_in_lock_after):
        await wait_out_backoff(rt, 600)
        await gql(api, LOGIN, {"input": {"email": victim.email, "password": "wrong password"}})

    # A data export, asked for and downloaded.
    export = await gql(api, "mutation { exportMyData { dataExport { downloadUrl } } }", token=admin.token)
    url = export["exportMyData"]["dataExport"]["downloadUrl"]  # type: ignore[index]
    assert (await api.client.get(url)).status_code == 200

    # A card saved, then removed.
    saved = await gql(
        api,
        'mutation { addPaymentMethod(input: {gatewayToken: "tok_visa"}) { paymentMethod { id } } }',
        token=admin.token,
    )
    method_id = saved["addPaymentMethod"]["paymentMethod"]["id"]  # type: ignore[index]
    await gql(
        api,
        "mutation($i: PaymentMethodIdInput!) { removePaymentMethod(input: $i) { userErrors { code } } }",
        {"i": {"paymentMethodId": method_id}},
        token=admin.token,
    )

    # A new version of the privacy policy, published by an administrator.
    await gql(
        api,
        "mutation($i: PublishPrivacyPolicyInput!) { publishPrivacyPolicy(input: $i) { userErrors { code } } }",
        {"i": {"version": "2027-01", "text": "We keep your data safe."}},
        token=admin.token,
    )

    # A webhook endpoint registered, then its signing secret rotated.
    hook = await gql(
        api,
        "mutation($i: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $i) { endpoint { id } } }",
        {"i": {"url": "https://hooks.example.com/in", "eventTypes": ["*"]}},
        token=admin.token,
    )
    await gql(
        api,
        "mutation($i: RotateWebhookSecretInput!) { rotateWebhookSecret(input: $i) { userErrors { code } } }",
        {"i": {"endpointId": hook["createWebhookEndpoint"]["endpoint"]["id"]}},  # type: ignore[index]
        token=admin.token,
    )

    # An offer revised, then withdrawn, by staff.
    from tests.offers.helpers import CREATE_OFFER, in_days

    offer_lines = [{"sku": "S-1", "name": "Service", "quantity": 1, "unitPrice": "10.00", "taxRateBp": 1900}]
    offer_values: dict[str, object] = {"lines": offer_lines, "validUntil": in_days(7).isoformat()}
    written = await gql(
        api, CREATE_OFFER, {"i": {"customerId": target, "currency": "EUR", **offer_values}}, token=admin.token
    )
    offer_id = written["createOffer"]["offer"]["id"]  # type: ignore[index]
    changes: list[tuple[str, dict[str, object]]] = [
        ("mutation($i: ReviseOfferInput!) { reviseOffer(input: $i) { userErrors { code } } }", offer_values),
        ("mutation($i: WithdrawOfferInput!) { withdrawOffer(input: $i) { userErrors { code } } }", {}),
    ]
    for offer_query, offer_extra in changes:
        offer_change = await gql(
            api, offer_query, {"i": {"offerId": offer_id, "reason": "staff console", **offer_extra}}, token=admin.token
        )
        assert all(not payload["userErrors"] for payload in offer_change.values()), offer_change  # type: ignore[index]

    # Support resets two-factor authentication after identity checks (issue 19).
    own = await login(api, pending.email, "a perfectly fine passphrase")
    secret = (await gql(api, "mutation { enableTotp { secret } }", token=own))["enableTotp"]["secret"]  # type: ignore[index]
    await gql(
        api,
        "mutation($i: ConfirmTotpInput!) { confirmTotp(input: $i) { recoveryCodes } }",
        {"i": {"code": pyotp.TOTP(secret).now()}},
        token=own,
    )
    reset_2fa = await gql(
        api,
        "mutation($i: ResetTwoFactorInput!) { resetTwoFactor(input: $i) { userErrors { code } } }",
        {"i": {"customerId": target, "identityChecks": ["ID_DOCUMENT"]}},
        token=admin.token,
    )
    assert reset_2fa["resetTwoFactor"]["userErrors"] == []  # type: ignore[index]

    # Deletion, by an administrator on request.
    await gql(
        api,
        "mutation($i: DeleteCustomerInput!) { deleteCustomer(input: $i) { userErrors { code } } }",
        {"i": {"customerId": target, "reason": "request"}},
        token=admin.token,
    )

    seen = await all_types(api, admin.token)
    # Staff work on tickets, returns, offers, money and help articles: test_staff_work_audit.py covers it.
    missing = {member.value for member in SecurityEventType if member not in STAFF_WORK} - seen
    assert not missing, f"never recorded: {sorted(missing)}"
