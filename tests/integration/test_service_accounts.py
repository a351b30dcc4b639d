"""Service accounts: scoped API keys for the integration API (products first)."""

from pathlib import Path

import pytest

from app.config import Settings
from app.runtime import Runtime
from app.services.service_accounts import ServiceAccountError, create_service_account, revoke_service_account
from tests.support import Api, Caller, assert_token_refused
from tests.test_cli import cli_env, run_cli

__all__ = ["cli_env"]

UPSERT = """mutation($i: UpsertProductsInput!) { upsertProducts(input: $i) {
  products { sku name price { amount currencyCode } imageUrl category active } userErrors { field message code } } }"""


def product(sku: str, amount: str = "12.50", currency: str = "EUR", **extra: object) -> dict[str, object]:
    return {"sku": sku, "name": f"Name of {sku}", "price": {"amount": amount, "currencyCode": currency}, **extra}


async def test_upsert_products_creates_then_updates_by_sku(api: Api, rt: Runtime) -> None:
    key = (await create_service_account(rt, "order system", ["products:write"])).api_key
    created = await api.ok(UPSERT, {"i": {"products": [product("A-1"), product("B-2", "990", "JPY")]}}, token=key)
    assert created["upsertProducts"]["userErrors"] == []
    assert [p["price"] for p in created["upsertProducts"]["products"]] == [
        {"amount": "12.50", "currencyCode": "EUR"},
        {"amount": "990", "currencyCode": "JPY"},
    ]
    changed = product("A-1", "14", category="Mugs", active=False, imageUrl="https://img.example.com/a.png")
    updated = (await api.ok(UPSERT, {"i": {"products": [changed]}}, token=key))["upsertProducts"]
    assert updated["products"] == [
        {
            "sku": "A-1",
            "name": "Name of A-1",
            "price": {"amount": "14.00", "currencyCode": "EUR"},
            "imageUrl": "https://img.example.com/a.png",
            "category": "Mugs",
            "active": False,
        }
    ]
    assert (await api.ok('{ product(sku: "A-1") { active } }'))["product"] == {"active": False}


async def test_upsert_products_refuses_bad_input_and_saves_nothing(api: Api, rt: Runtime) -> None:
    key = (await create_service_account(rt, "pos", ["products:write"])).api_key
    batch = [
        product("OK-1"),
        product("YEN", "1.5", "JPY"),
        product("NEG", "-1"),
        product("", "1"),
        product("IMG", imageUrl="javascript:alert(1)"),
    ]
    payload = (await api.ok(UPSERT, {"i": {"products": batch}}, token=key))["upsertProducts"]
    assert payload["products"] == []
    assert [(e["code"], e["field"]) for e in payload["userErrors"]] == [
        ("INVALID_PRICE", ["input", "products", "1", "price", "amount"]),
    ]
    batch.pop(1)
    payload = (await api.ok(UPSERT, {"i": {"products": batch}}, token=key))["upsertProducts"]
    assert [(e["code"], e["field"]) for e in payload["userErrors"]] == [
        ("INVALID_PRICE", ["input", "products", "1", "price"]),
        ("REQUIRED", ["input", "products", "2", "sku"]),
        ("INVALID_URL", ["input", "products", "3", "imageUrl"]),
    ]
    twice = (await api.ok(UPSERT, {"i": {"products": [product("D"), product("D")]}}, token=key))["upsertProducts"]
    assert [e["code"] for e in twice["userErrors"]] == ["INVALID"]
    many = await api.ok(UPSERT, {"i": {"products": [product(f"M{n}") for n in range(101)]}}, token=key)
    assert [e["code"] for e in many["upsertProducts"]["userErrors"]] == ["INVALID"]
    assert (await api.ok('{ product(sku: "OK-1") { id } }'))["product"] is None


async def test_scopes_and_revocation(api: Api, rt: Runtime, customer: Caller, admin: Caller) -> None:
    writer = (await create_service_account(rt, "writer", ["products:write"])).api_key
    reader = (await create_service_account(rt, "reader", ["customers:read"])).api_key
    variables = {"i": {"products": [product("S-1")]}}
    assert (await api(UPSERT, variables)).error_codes == ["UNAUTHENTICATED"]
    assert (await api(UPSERT, variables, token=customer.token)).error_codes == ["FORBIDDEN"]
    assert (await api(UPSERT, variables, token=admin.token)).error_codes == ["FORBIDDEN"]
    assert (await api(UPSERT, variables, token=reader)).error_codes == ["FORBIDDEN"]
    # An unknown API key is refused as such (401), never taken for an anonymous caller.
    assert (await api(UPSERT, variables, token=writer + "x", status=401)).error_codes == ["API_KEY_INVALID"]
    # A service account is nobody's account: customer fields see no one.
    assert (await api.ok("{ me { id } }", token=writer))["me"] is None
    assert (
        await api('mutation { addToWishlist(input: {sku: "S-1"}) { userErrors { code } } }', token=writer)
    ).error_codes == ["UNAUTHENTICATED"]
    assert await revoke_service_account(rt, "writer")
    assert not await revoke_service_account(rt, "writer")
    await assert_token_refused(api, writer, "API_KEY_INVALID")


async def test_service_account_names_and_scopes_are_checked(rt: Runtime) -> None:
    await create_service_account(rt, "erp", ["orders:write"])
    for name, scopes in [("erp", ["orders:write"]), ("", ["orders:write"]), ("x", []), ("y", ["root"])]:
        with pytest.raises(ServiceAccountError):
            await create_service_account(rt, name, scopes)


async def test_cli_prints_the_key_once(cli_env: Settings, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    import asyncio

    loop = asyncio.get_running_loop()
    assert await loop.run_in_executor(None, run_cli, "migrate") == 0
    code = await loop.run_in_executor(
        None, run_cli, "create-service-account", "pos", "--scope", "orders:write", "--scope", "products:write"
    )
    assert code == 0
    key = capsys.readouterr().out.strip().splitlines()[-1]
    assert key.startswith("ca_sk_")
    assert len(key) > 40
    assert await loop.run_in_executor(None, run_cli, "create-service-account", "bad", "--scope", "nope") == 2
    assert "unknown or missing scopes" in capsys.readouterr().err
    assert await loop.run_in_executor(None, run_cli, "revoke-service-account", "pos") == 0
    assert await loop.run_in_executor(None, run_cli, "revoke-service-account", "pos") == 2
