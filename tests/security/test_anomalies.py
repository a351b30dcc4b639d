"""The audit job on seeded attacks: alerts stored once, administrators emailed and able to query them."""

from typing import Any

import pyotp
from httpx import ASGITransport, AsyncClient

from app.runtime import Runtime
from app.services.anomalies import scan
from tests.accounts.queries import LOGIN
from tests.support import Api, Caller, Mailbox, login

ALERTS = """query($ack: Boolean) { securityAlerts(acknowledged: $ack) { edges { node {
  id kind detail eventCount ipAddress customer { id } acknowledgedAt
} } } }"""
ACK = "mutation($input: AcknowledgeSecurityAlertInput!) { acknowledgeSecurityAlert(input: $input) { alert { acknowledgedAt } userErrors { code } } }"


async def test_credential_stuffing_from_one_address_is_flagged(
    api: Api, rt: Runtime, admin: Caller, mailbox: Mailbox
) -> None:
    for i in range(rt.settings.stuffing_min_accounts):
        await api.ok(LOGIN, {"input": {"email": f"victim{i}@example.com", "password": "Summer2026!!"}})
    [alert] = await scan(rt)
    assert alert.kind.value == "CREDENTIAL_STUFFING"
    assert alert.ip_address == "127.0.0.1"
    # Running again (or on another worker) raises nothing new.
    assert await scan(rt) == []
    notice = await mailbox.wait_for(admin.customer.email, "Security alerts: 1 new")
    assert "CREDENTIAL_STUFFING" in notice.get_body(("plain",)).get_content()  # type: ignore[union-attr]

    listed = (await api.ok(ALERTS, token=admin.token))["securityAlerts"]["edges"]
    assert [edge["node"]["kind"] for edge in listed] == ["CREDENTIAL_STUFFING"]
    alert_id = listed[0]["node"]["id"]
    acked = await api.ok(ACK, {"input": {"alertId": alert_id}}, token=admin.token)
    assert acked["acknowledgeSecurityAlert"]["alert"]["acknowledgedAt"]
    again = await api.ok(ACK, {"input": {"alertId": alert_id}}, token=admin.token)
    assert again["acknowledgeSecurityAlert"]["userErrors"] == [{"code": "INVALID_STATUS"}]
    assert (await api.ok(ALERTS, {"ack": False}, token=admin.token))["securityAlerts"]["edges"] == []
    missing = await api.ok(ACK, {"input": {"alertId": "nope"}}, token=admin.token)
    assert missing["acknowledgeSecurityAlert"]["userErrors"] == [{"code": "NOT_FOUND"}]


async def test_a_few_failures_raise_nothing(api: Api, rt: Runtime, customer: Caller) -> None:
    for _ in range(3):
        await api.ok(LOGIN, {"input": {"email": customer.customer.email, "password": "wrong password!!"}})
    assert await scan(rt) == []


async def test_two_factor_brute_force_is_flagged(api: Api, app_factory: Any, customer: Caller) -> None:
    application, api2 = await app_factory(two_factor_failure_threshold=4)
    rt2: Runtime = application.state.app_state.rt
    secret = (await api2.ok("mutation { enableTotp { secret } }", token=customer.token))["enableTotp"]["secret"]
    await api2.ok(
        "mutation($input: ConfirmTotpInput!) { confirmTotp(input: $input) { recoveryCodes } }",
        {"input": {"code": pyotp.TOTP(secret).now()}},
        token=customer.token,
    )
    login_q = "mutation($input: LoginInput!) { login(input: $input) { twoFactorChallenge { id } } }"
    complete = "mutation($input: CompleteTwoFactorLoginInput!) { completeTwoFactorLogin(input: $input) { userErrors { code } } }"
    for _ in range(2):
        challenge = await api2.ok(login_q, {"input": {"email": customer.customer.email, "password": customer.password}})
        for _ in range(2):
            await api2.ok(
                complete, {"input": {"challengeId": challenge["login"]["twoFactorChallenge"]["id"], "code": "000000"}}
            )
    [alert] = await scan(rt2)
    assert alert.kind.value == "TWO_FACTOR_BRUTE_FORCE"
    assert alert.customer_id == customer.customer.id


async def test_sign_ins_from_many_addresses_are_flagged(app_factory: Any, customer: Caller) -> None:
    application, _ = await app_factory(trusted_proxies="1", many_addresses_threshold=3)
    rt2: Runtime = application.state.app_state.rt
    transport = ASGITransport(app=application)
    async with AsyncClient(transport=transport, base_url="http://t") as http:
        api = Api(http)
        for ip in ("198.51.100.1", "198.51.100.2", "203.0.113.9"):
            await login(api, customer.customer.email, customer.password, x_forwarded_for=ip)
    [alert] = await scan(rt2)
    assert alert.kind.value == "MANY_ADDRESSES"
    assert "4 different addresses" in alert.detail  # the three above and the fixture's own sign-in


async def test_the_cli_runs_the_scan(api: Api, rt: Runtime, settings: Any, monkeypatch: Any, capsys: Any) -> None:
    import asyncio

    from app.cli import main

    for i in range(rt.settings.stuffing_min_accounts):
        await api.ok(LOGIN, {"input": {"email": f"v{i}@example.com", "password": "Summer2026!!"}})
    monkeypatch.setenv("DATABASE_URL", settings.effective_database_url)
    monkeypatch.setenv("DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("SECRET_KEY", settings.secret_key.get_secret_value())
    monkeypatch.setenv("ENCRYPTION_KEYS", settings.encryption_keys.get_secret_value())
    monkeypatch.setenv("LOG_FORMAT", "json")
    assert await asyncio.get_running_loop().run_in_executor(None, main, ["audit-anomalies"]) == 0
    assert "1 new security alert(s)" in capsys.readouterr().out
