"""Capped and "one default" collections hold when a customer's requests arrive all at once.

Each test fires 10-30 mutations of one customer through the API with asyncio.gather: none may end in
INTERNAL_SERVER_ERROR (a unique clash), a cap is never passed, and exactly one default remains. On
PostgreSQL the requests really run side by side (row locks decide); on SQLite the write lock does.
"""

import asyncio
from typing import Any

import pyotp
from sqlalchemy import func, select
from sqlmodel import col

from app.runtime import Runtime
from app.services.payment_methods import MAX_PAYMENT_METHODS
from models.address import Address
from models.email_change import EmailChange, EmailChangeStatus
from models.payment import PaymentMethod
from models.two_factor import RecoveryCode, TotpCredential
from tests.payments.helpers import ADD_METHOD, MY_METHODS, SET_DEFAULT
from tests.profile.test_addresses import CREATE, DE, DEFAULT, DELETE, MINE
from tests.profile.test_profile import CONSENT, SETTINGS
from tests.profile.test_wishlist import ADD, wishlist_skus
from tests.security.test_two_factor import (
    CONFIRM,
    ENABLE,
    REGENERATE,
    STATUS,
    challenge,
    codes_of,
    complete,
    enrol,
    next_code,
)
from tests.support import Api, Caller, Result

CARD_TOKENS = ["tok_visa", "tok_mastercard", "tok_amex", "tok_discover", "tok_visa_expiring", "tok_declined"]


async def all_at_once(api: Api, caller: Caller, calls: list[tuple[str, dict[str, Any] | None]]) -> list[Any]:
    """Send the mutations concurrently; every answer is data, never a GraphQL error."""
    results: list[Result] = await asyncio.gather(*(api(query, variables, caller.token) for query, variables in calls))
    for result in results:
        assert result.errors is None, result.errors
    return [next(iter(result.data.values())) for result in results]


def user_codes(payloads: list[dict[str, Any]]) -> list[str]:
    return sorted(error["code"] for payload in payloads for error in payload["userErrors"])


async def count(rt: Runtime, model: Any, *where: Any) -> int:
    async with rt.db.read() as session:
        found: int = (await session.execute(select(func.count()).select_from(model).where(*where))).scalar_one()
    return found


async def test_concurrent_new_addresses_keep_the_cap_and_one_default_of_each_kind(
    app_factory: Any, rt: Runtime, customer: Caller
) -> None:
    _, api = await app_factory(max_addresses_per_customer=20)
    calls: list[tuple[str, dict[str, Any] | None]] = [
        (CREATE, {"i": {**DE, "line1": f"Unter den Linden {n}", "setAsDefaultBilling": n % 3 == 0}}) for n in range(30)
    ]
    payloads = await all_at_once(api, customer, calls)
    assert user_codes(payloads) == ["LIMIT_REACHED"] * 10
    mine = (await api.ok(MINE, token=customer.token))["me"]
    assert len(mine["addresses"]) == 20
    mine_id = customer.customer.id
    assert await count(rt, Address, col(Address.customer_id) == mine_id, col(Address.is_default_billing)) == 1
    assert await count(rt, Address, col(Address.customer_id) == mine_id, col(Address.is_default_shipping)) == 1


async def test_concurrent_default_changes_and_deletions_leave_one_default(
    api: Api, rt: Runtime, customer: Caller
) -> None:
    created = await all_at_once(api, customer, [(CREATE, {"i": {**DE, "line1": f"Weg {n}"}}) for n in range(10)])
    ids = [payload["address"]["id"] for payload in created]
    calls: list[tuple[str, dict[str, Any] | None]] = []
    for n, address_id in enumerate(ids):
        calls.append((DEFAULT, {"i": {"addressId": address_id, "kind": "BILLING" if n % 2 else "SHIPPING"}}))
        if n < 4:
            calls.append((DELETE, {"i": {"addressId": address_id}}))
    await all_at_once(api, customer, calls)
    mine = (await api.ok(MINE, token=customer.token))["me"]
    assert len(mine["addresses"]) == 6
    kept = {address["id"] for address in mine["addresses"]}
    assert mine["defaultBillingAddress"]["id"] in kept
    assert mine["defaultShippingAddress"]["id"] in kept
    mine_id = customer.customer.id
    assert await count(rt, Address, col(Address.customer_id) == mine_id, col(Address.is_default_billing)) == 1
    assert await count(rt, Address, col(Address.customer_id) == mine_id, col(Address.is_default_shipping)) == 1


async def test_concurrent_saved_cards_keep_one_default_and_no_duplicates(api: Api, customer: Caller) -> None:
    calls: list[tuple[str, dict[str, Any] | None]] = [
        (ADD_METHOD, {"i": {"gatewayToken": token, "makeDefault": True}}) for token in CARD_TOKENS * 3
    ]
    payloads = await all_at_once(api, customer, calls)
    assert user_codes(payloads) == ["ALREADY_SAVED"] * (len(calls) - len(CARD_TOKENS))
    methods = (await api.ok(MY_METHODS, token=customer.token))["me"]["paymentMethods"]
    assert len(methods) == len(CARD_TOKENS) <= MAX_PAYMENT_METHODS
    assert [m["isDefault"] for m in methods].count(True) == 1
    switches: list[tuple[str, dict[str, Any] | None]] = [
        (SET_DEFAULT, {"i": {"paymentMethodId": m["id"]}}) for m in methods * 3
    ]
    await all_at_once(api, customer, switches)
    methods = (await api.ok(MY_METHODS, token=customer.token))["me"]["paymentMethods"]
    assert [m["isDefault"] for m in methods].count(True) == 1


async def test_the_card_cap_holds_under_concurrent_saves(api: Api, rt: Runtime, customer: Caller) -> None:
    # Ten distinct cards fill the cap; the sandbox knows fewer kinds, so seed the rest as saved rows.
    filler = MAX_PAYMENT_METHODS - 4
    async with rt.db.unit_of_work() as session:
        for n in range(filler):
            session.add(
                PaymentMethod(
                    customer_id=customer.customer.id,
                    gateway="sandbox",
                    token_encrypted=None,
                    brand="VISA",
                    last4=f"{n:04d}",
                    exp_month=12,
                    exp_year=2030,
                    fingerprint=f"filler-{n}",
                    is_default=n == 0,
                )
            )
    calls: list[tuple[str, dict[str, Any] | None]] = [
        (ADD_METHOD, {"i": {"gatewayToken": token, "makeDefault": True}}) for token in CARD_TOKENS
    ]
    payloads = await all_at_once(api, customer, calls)
    assert user_codes(payloads) == ["TOO_MANY_PAYMENT_METHODS"] * (len(CARD_TOKENS) - 4)
    active = (col(PaymentMethod.customer_id) == customer.customer.id, col(PaymentMethod.removed_at).is_(None))
    assert await count(rt, PaymentMethod, *active) == MAX_PAYMENT_METHODS
    assert await count(rt, PaymentMethod, *active, col(PaymentMethod.is_default)) == 1


async def test_the_wishlist_cap_holds_under_concurrent_adds(app_factory: Any, rt: Runtime, customer: Caller) -> None:
    from app.services.products import ProductData, upsert_products

    await upsert_products(rt, [ProductData(f"RACE-{n}", f"Product {n}", 1000, "EUR") for n in range(25)])
    _, api = await app_factory(max_wishlist_items=10)
    calls: list[tuple[str, dict[str, Any] | None]] = [(ADD, {"i": {"sku": f"RACE-{n}"}}) for n in range(25)]
    calls += [(ADD, {"i": {"sku": "RACE-0"}})] * 5  # the same product several times: one entry
    payloads = await all_at_once(api, customer, calls)
    assert len(await wishlist_skus(api, customer.token)) == 10
    assert set(user_codes(payloads)) == {"LIMIT_REACHED"}


async def test_first_settings_and_consents_at_once(api: Api, customer: Caller) -> None:
    calls: list[tuple[str, dict[str, Any] | None]] = [
        (SETTINGS, {"i": {"language": "de-DE" if n % 2 else "en-GB", "timezone": "Europe/Berlin"}}) for n in range(10)
    ]
    calls += [
        (CONSENT, {"i": {"purpose": "MARKETING_EMAIL", "granted": n % 2 == 0, "policyVersion": "2026-11"}})
        for n in range(10)
    ]
    payloads = await all_at_once(api, customer, calls)
    assert user_codes(payloads) == []
    mine = await api.ok("{ me { settings { timezone } consentHistory { granted } } }", token=customer.token)
    assert mine["me"]["settings"]["timezone"] == "Europe/Berlin"
    assert len(mine["me"]["consentHistory"]) == 10


async def test_two_factor_enrolment_and_recovery_codes_at_once(api: Api, rt: Runtime, customer: Caller) -> None:
    setups = await all_at_once(api, customer, [(ENABLE, None)] * 10)
    assert user_codes(setups) == []
    assert await count(rt, TotpCredential, col(TotpCredential.customer_id) == customer.customer.id) == 1
    secret = (await api.ok(ENABLE, token=customer.token))["enableTotp"]["secret"]
    code = pyotp.TOTP(secret).now()
    confirmations = await all_at_once(api, customer, [(CONFIRM, {"input": {"code": code}})] * 5)
    assert sum(1 for payload in confirmations if payload["recoveryCodes"]) == 1
    assert await count(rt, RecoveryCode, col(RecoveryCode.customer_id) == customer.customer.id) == 10
    regenerated = await all_at_once(api, customer, [(REGENERATE, None)] * 10)
    assert user_codes(regenerated) == []
    # Each regeneration replaces the whole set: one set of ten is left, not several.
    assert await count(rt, RecoveryCode, col(RecoveryCode.customer_id) == customer.customer.id) == 10
    assert (await api.ok(STATUS, token=customer.token))["twoFactor"] == {"enabled": True, "recoveryCodesLeft": 10}


async def test_concurrent_email_changes_leave_one_open(api: Api, rt: Runtime, customer: Caller) -> None:
    request = "mutation($i: RequestEmailChangeInput!) { requestEmailChange(input: $i) { status userErrors { code } } }"
    calls: list[tuple[str, dict[str, Any] | None]] = [
        (request, {"i": {"newEmail": f"new-{n}@example.com"}}) for n in range(5)
    ]
    await all_at_once(api, customer, calls)
    open_statuses = (EmailChangeStatus.AWAITING_NEW_ADDRESS, EmailChangeStatus.AWAITING_OLD_ADDRESS)
    where = (col(EmailChange.customer_id) == customer.customer.id, col(EmailChange.status).in_(open_statuses))
    assert await count(rt, EmailChange, *where) == 1


async def test_concurrent_wrong_codes_at_one_challenge_count_every_try(app_factory: Any, customer: Caller) -> None:
    # The account-wide code throttle is tested elsewhere; here only the challenge's own count decides.
    _, api = await app_factory(two_factor_max_attempts=3, code_free_attempts=50, code_lock_after=60)
    secret, _ = await enrol(api, customer)
    challenge_id = await challenge(api, customer)
    tries = await asyncio.gather(*(complete(api, challenge_id, code="123456") for _ in range(8)))
    assert sorted(code for answer in tries for code in codes_of(answer)) == sorted(
        ["INVALID_CODE"] * 2 + ["TOO_MANY_ATTEMPTS"] + ["CHALLENGE_NOT_FOUND"] * 5
    )
    assert codes_of(await complete(api, challenge_id, code=next_code(secret))) == ["CHALLENGE_NOT_FOUND"]
