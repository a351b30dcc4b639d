"""Encrypted fields hold ciphertext in the database (read raw), and rotate-keys moves them to a new key."""

import time
from typing import Any

import pyotp
from pydantic import SecretStr
from sqlalchemy import text

from app.config import Settings, generate_encryption_key
from app.runtime import Runtime
from app.services.key_rotation import rotate_keys
from models.customer import ActivationMode
from tests.accounts.queries import LOGIN, REGISTER
from tests.orders.helpers import order_input, order_key, push
from tests.payments.helpers import pay_order, save_card
from tests.support import Api, Caller, login, make_group

ENABLE = "mutation { enableTotp { secret } }"
CONFIRM = "mutation($input: ConfirmTotpInput!) { confirmTotp(input: $input) { recoveryCodes } }"


async def raw(rt: Runtime, sql: str) -> list[Any]:
    async with rt.db.read() as session:
        return list((await session.execute(text(sql))).all())


async def test_phone_numbers_are_ciphertext_with_a_blind_index(api: Api, rt: Runtime) -> None:
    await make_group(rt, "instant", ActivationMode.NONE)
    await api.ok(
        REGISTER,
        {
            "input": {
                "email": "p@example.com",
                "password": "a fine passphrase",
                "phone": "+14155550123",
                "customerGroup": "instant",
            }
        },
    )
    [(sealed, index)] = await raw(rt, "SELECT phone_encrypted, phone_index FROM customer")
    assert sealed.startswith("v1.")
    assert "4155550123" not in sealed
    assert "4155550123" not in index
    # An unverified number signs nobody in (it may be mistyped, and belong to someone else) ...
    unverified = await api.ok(LOGIN, {"input": {"phone": "+14155550123", "password": "a fine passphrase"}})
    assert [e["code"] for e in unverified["login"]["userErrors"]] == ["INVALID_CREDENTIALS"]
    async with rt.db.unit_of_work() as session:
        await session.execute(text("UPDATE customer SET phone_verified_at = CURRENT_TIMESTAMP"))
    # ... a verified one does: sign-in by phone finds the account through the index.
    result = await api.ok(LOGIN, {"input": {"phone": "+1 (415) 555-0123", "password": "a fine passphrase"}})
    assert result["login"]["token"]
    me = await api.ok("{ me { phone } }", token=result["login"]["token"])
    assert me["me"]["phone"] == "+14155550123"


async def test_a_ciphertext_moved_to_another_account_does_not_open(
    api: Api, rt: Runtime, customer: Caller, other_customer: Caller
) -> None:
    sealed, _ = rt.fields.seal_phone(customer.customer.id, "+14155550123")
    async with rt.db.unit_of_work() as session:
        await session.execute(
            text("UPDATE customer SET phone_encrypted = :sealed WHERE id = :id"),
            {
                "sealed": sealed,
                "id": other_customer.customer.id.hex
                if "sqlite" in rt.settings.effective_database_url
                else other_customer.customer.id,
            },
        )
    result = await api("{ me { phone } }", token=other_customer.token)
    assert result.error_codes == ["INTERNAL_SERVER_ERROR"]  # tampering is an alarm, not data


async def test_rotate_keys_re_encrypts_everything_under_the_new_key(
    api: Api, rt: Runtime, settings: Settings, app_factory: Any, customer: Caller
) -> None:
    await make_group(rt, "instant", ActivationMode.NONE)
    await api.ok(
        REGISTER,
        {
            "input": {
                "email": "p@example.com",
                "password": "a fine passphrase",
                "phone": "+14155550123",
                "customerGroup": "instant",
            }
        },
    )
    secret = (await api.ok(ENABLE, token=customer.token))["enableTotp"]["secret"]
    await api.ok(CONFIRM, {"input": {"code": pyotp.TOTP(secret).now()}}, token=customer.token)
    [(totp_sealed,)] = await raw(rt, "SELECT secret_encrypted FROM totp_credential")
    assert totp_sealed.startswith("v1.t1.")
    assert secret not in totp_sealed

    async with rt.db.unit_of_work() as session:
        await session.execute(text("UPDATE customer SET phone_verified_at = CURRENT_TIMESTAMP"))
    saved = await save_card(api, customer.token, "tok_visa")
    method_id = saved["paymentMethod"]["id"]
    old = settings.encryption_keys.get_secret_value() if settings.encryption_keys else ""
    rotated = settings.model_copy(update={"encryption_keys": SecretStr(generate_encryption_key("t2") + "," + old)})
    runtime = Runtime.create(rotated)
    try:
        counts = await rotate_keys(runtime, batch_size=1)
        assert counts["customer.phone"] == 1
        assert counts["totp_credential.secret"] == 1
        assert counts["payment_method.token"] == 1
        assert await rotate_keys(runtime) == dict.fromkeys(counts, 0)  # nothing left to do
        phones = await raw(runtime, "SELECT phone_encrypted FROM customer WHERE phone_encrypted IS NOT NULL")
        secrets_ = await raw(runtime, "SELECT secret_encrypted FROM totp_credential")
        assert all(value.startswith("v1.t2.") for (value,) in phones + secrets_)
    finally:
        await runtime.close()

    # With the old key gone entirely, everything still works.
    new_only = SecretStr(rotated.encryption_keys.get_secret_value().split(",")[0])  # type: ignore[union-attr]
    _, api2 = await app_factory(encryption_keys=new_only)
    result = await api2.ok(LOGIN, {"input": {"phone": "+14155550123", "password": "a fine passphrase"}})
    assert result["login"]["token"]
    challenge = await api2.ok(
        "mutation($input: LoginInput!) { login(input: $input) { twoFactorChallenge { id } } }",
        {"input": {"email": customer.customer.email, "password": customer.password}},
    )
    challenge_id = challenge["login"]["twoFactorChallenge"]["id"]
    done = await api2.ok(
        "mutation($input: CompleteTwoFactorLoginInput!) { completeTwoFactorLogin(input: $input) { token } }",
        {"input": {"challengeId": challenge_id, "code": pyotp.TOTP(secret).at(time.time() + 30)}},
    )
    assert done["completeTwoFactorLogin"]["token"]
    assert await login(api2, "p@example.com", "a fine passphrase")
    # The saved card's gateway token was re-encrypted too: it still pays.
    order = (await push(api2, await order_key(rt, "rotation shop"), order_input("rotated", customer.customer.email)))[
        "order"
    ]
    paid = await pay_order(api2, customer.token, order["id"], "rotated-key-1", paymentMethodId=method_id)
    assert paid["payment"]["status"] == "SUCCEEDED", paid


def test_every_encrypted_column_is_rotated() -> None:
    from sqlmodel import SQLModel

    import models  # noqa: F401  (registers every table)
    from app.services.key_rotation import encrypted_columns

    rotated = {(target.column.table.name, target.column.name) for target in encrypted_columns()}
    sealed = {
        (table.name, column.name)
        for table in SQLModel.metadata.tables.values()
        for column in table.columns
        if column.name.endswith("_encrypted")
    }
    assert sealed <= rotated, sealed - rotated
