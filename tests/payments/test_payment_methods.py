"""Saved cards: from gateway tokens only, one default, removal here and at the gateway, never a card number."""

from sqlalchemy import select

from app.runtime import Runtime
from models.payment import PaymentMethod
from tests.payments.helpers import MY_METHODS, REMOVE_METHOD, SET_DEFAULT, codes, save_card
from tests.support import Api, Caller


async def test_saved_cards_have_one_default_and_can_be_removed(api: Api, rt: Runtime, customer: Caller) -> None:
    visa = await save_card(api, customer.token, "tok_visa", billingAddress={"city": "Berlin", "countryCode": "DE"})
    assert visa["userErrors"] == []
    card = visa["paymentMethod"]
    assert (card["brand"], card["last4"], card["expMonth"], card["expYear"]) == ("VISA", "4242", 12, 2030)
    assert (card["isDefault"], card["isExpired"], card["billingAddress"]) == (True, False, {"city": "Berlin"})

    mastercard = (await save_card(api, customer.token, "tok_mastercard"))["paymentMethod"]
    assert mastercard["isDefault"] is False
    chosen = await api.ok(SET_DEFAULT, {"i": {"paymentMethodId": mastercard["id"]}}, token=customer.token)
    assert chosen["setDefaultPaymentMethod"]["paymentMethod"]["isDefault"] is True
    listed = (await api.ok(MY_METHODS, token=customer.token))["me"]["paymentMethods"]
    assert [(m["last4"], m["isDefault"]) for m in listed] == [("4444", True), ("4242", False)]

    removed = await api.ok(REMOVE_METHOD, {"i": {"paymentMethodId": mastercard["id"]}}, token=customer.token)
    assert removed["removePaymentMethod"]["removedPaymentMethodId"] == mastercard["id"]
    listed = (await api.ok(MY_METHODS, token=customer.token))["me"]["paymentMethods"]
    assert [(m["last4"], m["isDefault"]) for m in listed] == [("4242", True)]  # the default moved on

    async with rt.db.read() as session:
        rows = list((await session.execute(select(PaymentMethod))).scalars())
    kept = {row.last4: row for row in rows}
    assert kept["4444"].token_encrypted is None  # a removed card keeps no token
    assert kept["4242"].token_encrypted is not None
    assert "sbx_pm_" not in kept["4242"].token_encrypted  # stored sealed, never in the clear


async def test_tokens_the_gateway_refuses_are_typed_errors(api: Api, customer: Caller) -> None:
    assert codes(await save_card(api, customer.token, "tok_visa_expired")) == ["CARD_EXPIRED"]
    assert codes(await save_card(api, customer.token, "tok_unheard_of")) == ["INVALID_TOKEN"]
    assert codes(await save_card(api, customer.token, "")) == ["REQUIRED"]
    assert codes(await save_card(api, customer.token, "t" * 500)) == ["REQUIRED"]
    await save_card(api, customer.token, "tok_visa")
    assert codes(await save_card(api, customer.token, "tok_visa")) == ["ALREADY_SAVED"]
    long_city = await save_card(api, customer.token, "tok_amex", billingAddress={"city": "x" * 201})
    assert long_city["userErrors"] == [
        {"field": ["input", "billingAddress", "city"], "message": "Use at most 200 characters.", "code": "TOO_LONG"}
    ]


async def test_a_card_expiring_this_month_is_flagged(api: Api, customer: Caller) -> None:
    card = (await save_card(api, customer.token, "tok_visa_expiring"))["paymentMethod"]
    assert (card["expiresSoon"], card["isExpired"]) == (True, False)
    assert (await save_card(api, customer.token, "tok_visa"))["paymentMethod"]["expiresSoon"] is False


async def test_another_customers_card_is_not_found(api: Api, customer: Caller, other_customer: Caller) -> None:
    card = (await save_card(api, customer.token, "tok_visa"))["paymentMethod"]
    for mutation, name in ((REMOVE_METHOD, "removePaymentMethod"), (SET_DEFAULT, "setDefaultPaymentMethod")):
        answer = await api.ok(mutation, {"i": {"paymentMethodId": card["id"]}}, token=other_customer.token)
        assert codes(answer[name]) == ["NOT_FOUND"]
        malformed = await api.ok(mutation, {"i": {"paymentMethodId": "nonsense"}}, token=customer.token)
        assert codes(malformed[name]) == ["NOT_FOUND"]
    assert (await api.ok(MY_METHODS, token=other_customer.token))["me"]["paymentMethods"] == []
    assert len((await api.ok(MY_METHODS, token=customer.token))["me"]["paymentMethods"]) == 1


async def test_card_numbers_are_refused_in_any_text_field(api: Api, customer: Caller) -> None:
    update = "mutation($i: UpdateProfileInput!) { updateProfile(input: $i) { userErrors { code } } }"
    for number in ("4242 4242 4242 4242", "4242-4242-4242-4242", "my card is 378282246310005 thanks"):
        result = await api(update, {"i": {"firstName": number}}, token=customer.token)
        assert result.error_codes == ["BAD_USER_INPUT"], result.errors
        assert result.data is None
    literal = await api(
        'mutation { addPaymentMethod(input: {gatewayToken: "4000056655665556"}) { userErrors { code } } }',
        token=customer.token,
    )
    assert literal.error_codes == ["BAD_USER_INPUT"]
    # A number that fails the Luhn check is just a number.
    fine = await api(update, {"i": {"firstName": "4242 4242 4242 4241"}}, token=customer.token)
    assert fine.errors is None
    me = await api.ok("{ me { firstName } }", token=customer.token)
    assert me["me"]["firstName"] == "4242 4242 4242 4241"


async def test_the_data_export_names_saved_cards_without_tokens_or_fingerprints(api: Api, customer: Caller) -> None:
    await save_card(api, customer.token, "tok_visa")
    export = await api.ok("mutation { exportMyData { dataExport { downloadUrl } } }", token=customer.token)
    url = export["exportMyData"]["dataExport"]["downloadUrl"]
    body = (await api.client.get(url)).json()
    [card] = body["tables"]["payment_method"]
    assert (card["brand"], card["last4"]) == ("VISA", "4242")
    assert not {"fingerprint", "token_encrypted", "token"} & set(card)


async def test_the_card_guard_sees_defaults_and_spares_identifiers(api: Api, rt: Runtime, customer: Caller) -> None:
    sneaky = await api(
        'mutation($c: String = "4242.4242.4242.4242") { updateProfile(input: {company: $c}) { userErrors { code } } }',
        token=customer.token,
    )
    assert sneaky.error_codes == ["BAD_USER_INPUT"]
    # Identifiers that happen to pass Luhn are not cards: a UUID key, an EAN-13 SKU, a numeric order number.
    from tests.orders.helpers import order_input, order_key, push
    from tests.payments.helpers import pay_order

    key = await order_key(rt)
    line = {"sku": "4006381333931", "name": "Pen", "quantity": 4, "unitPrice": "2.00"}
    order = await push(
        api, key, order_input("4242424242424242", customer.customer.email, number="4242424242424242", lines=[line])
    )
    assert order["userErrors"] == [], order
    paid = await pay_order(
        api, customer.token, order["order"]["id"], "14997785-0026-4517-b0cc-27d4e9401eaf", useStoreCredit=True
    )
    assert [error["code"] for error in paid["userErrors"]] == ["INSUFFICIENT_CREDIT"]  # reached the service


async def test_deleting_the_account_removes_its_cards_at_the_gateway(api: Api, rt: Runtime, customer: Caller) -> None:
    import pytest

    from app.payments.gateway import InvalidTokenError
    from app.services.payment_methods import token_context

    await save_card(api, customer.token, "tok_visa")
    async with rt.db.read() as session:
        row = (await session.execute(select(PaymentMethod))).scalar_one()
    assert row.token_encrypted is not None
    token = rt.keyring.decrypt(row.token_encrypted, context=token_context(row.id))
    deleted = await api.ok(
        "mutation($i: DeleteAccountInput!) { deleteAccount(input: $i) { userErrors { code } } }",
        {"i": {"password": customer.password}},
        token=customer.token,
    )
    assert deleted["deleteAccount"]["userErrors"] == []
    assert rt.gateway is not None
    with pytest.raises(InvalidTokenError):
        await rt.gateway.charge(token, 100, "EUR", idempotency_key="after-deletion", description="x")
    async with rt.db.read() as session:
        gone = (await session.execute(select(PaymentMethod))).scalar_one()
    assert (gone.token_encrypted, gone.billing_address, gone.removed_at is not None) == (None, None, True)


async def test_naming_a_variable_after_an_identifier_field_spares_nothing(api: Api, customer: Caller) -> None:
    update = "mutation($sku: String) { updateProfile(input: {company: $sku}) { userErrors { code } } }"
    result = await api(update, {"sku": "4242 4242 4242 4242"}, token=customer.token)
    assert result.error_codes == ["BAD_USER_INPUT"]
    # Passed where an identifier goes, the same digits are fine, whatever the variable is called.
    pay = """mutation($c: String!) { payOrder(input: {orderId: "nope", useStoreCredit: true, idempotencyKey: $c})
      { userErrors { code } } }"""
    answer = await api(pay, {"c": "4242424242424242"}, token=customer.token)
    assert answer.errors is None
    assert [error["code"] for error in answer.data["payOrder"]["userErrors"]] == ["NOT_FOUND"]
