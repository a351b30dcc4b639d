"""The customer's settings are obeyed: emailNotifications / smsNotifications gate notifications (never security
or transaction messages), and settings.currency is the default currency of store credit."""

import uuid
from typing import Any

import pytest
from sqlalchemy import select
from sqlmodel import col

from app.runtime import Runtime
from app.services.messages import EMAIL_KINDS, SMS_KINDS, MessageKind, allowed
from app.templates import EMAIL_TEMPLATES, SMS_TEMPLATES
from models.outbox import OutboxMessage
from models.profile import CustomerSettings
from tests.offers.helpers import accept, new_offer
from tests.support import Api, Caller, Mailbox, text_body

SETTINGS = "mutation($i: UpdateSettingsInput!) { updateSettings(input: $i) { userErrors { code } } }"
EXPORT = "mutation { exportMyData { dataExport { id } userErrors { code } } }"
SUPPORT = "support@example.com"


async def change_settings(api: Api, caller: Caller, **values: Any) -> None:
    assert (await api.ok(SETTINGS, {"i": values}, token=caller.token))["updateSettings"]["userErrors"] == []


async def templates_queued(rt: Runtime, recipient: str) -> list[str]:
    async with rt.db.read() as session:
        rows = await session.execute(
            select(col(OutboxMessage.template)).where(col(OutboxMessage.recipient) == recipient)
        )
        return sorted(rows.scalars())


def test_every_message_has_a_kind() -> None:
    """A new template fails here until someone decides whether the notification settings apply to it."""
    assert set(EMAIL_KINDS) == set(EMAIL_TEMPLATES)
    assert set(SMS_KINDS) == set(SMS_TEMPLATES)


@pytest.mark.parametrize("kind", list(MessageKind))
def test_only_notifications_obey_the_settings(kind: MessageKind) -> None:
    everything_off = CustomerSettings(customer_id=uuid.uuid4(), email_notifications=False, sms_notifications=False)
    gated = kind is MessageKind.NOTIFICATION
    assert allowed(kind, "email", everything_off) is not gated
    assert allowed(kind, "sms", everything_off) is not gated
    # Never changed: mail on, SMS off (the columns' defaults).
    assert allowed(kind, "email", None) is True
    assert allowed(kind, "sms", None) is not gated
    assert allowed(kind, "sms", CustomerSettings(customer_id=uuid.uuid4(), sms_notifications=True)) is True


async def test_mail_notifications_off_only_notifications_stop(
    api: Api, rt: Runtime, staff: Caller, customer: Caller, mailbox: Mailbox
) -> None:
    address = customer.customer.email
    await change_settings(api, customer, emailNotifications=False)

    # A new offer is a notification: not mailed to the customer; the shop's own notice still goes out.
    offer = await new_offer(api, staff, customer)
    await mailbox.wait_for(SUPPORT, f"Offer {offer['number']} was sent")
    # Accepting it is a transaction (an order to pay): mailed whatever the settings say.
    assert (await accept(api, customer, offer["id"]))["userErrors"] == []
    accepted = await mailbox.wait_for(address, f"You accepted offer {offer['number']}")
    assert offer["number"] in text_body(accepted)
    # A data export's link is a security message: mailed too.
    assert (await api.ok(EXPORT, token=customer.token))["exportMyData"]["userErrors"] == []
    await mailbox.wait_for(address, "Your data export is ready")

    subjects = [subject for to, subject in mailbox.subjects() if to == address]
    assert not any(subject.startswith("Your offer") for subject in subjects), subjects
    assert await templates_queued(rt, address) == ["data_export_ready", "offer_accepted"]

    # Back on: the next offer is mailed again.
    await change_settings(api, customer, emailNotifications=True)
    second = await new_offer(api, staff, customer)
    await mailbox.wait_for(address, f"Your offer {second['number']}")


STORE_CREDIT = """query($c: CurrencyCode) { me {
    storeCredit(currencyCode: $c) { balance { currencyCode } available { amount currencyCode } } } }"""
REQUEST_LIMIT = """mutation($i: RequestCreditLimitInput!) { requestCreditLimit(input: $i) {
    request { amount { amount currencyCode } } userErrors { field code } } }"""


async def test_settings_currency_is_the_store_credit_default(api: Api, customer: Caller, rt: Runtime) -> None:
    default = rt.settings.default_currency
    shown = (await api.ok(STORE_CREDIT, token=customer.token))["me"]["storeCredit"]
    assert shown["balance"]["currencyCode"] == default

    await change_settings(api, customer, currency="CHF")
    shown = (await api.ok(STORE_CREDIT, token=customer.token))["me"]["storeCredit"]
    assert (shown["balance"]["currencyCode"], shown["available"]) == ("CHF", {"amount": "0.00", "currencyCode": "CHF"})
    named = (await api.ok(STORE_CREDIT, {"c": "USD"}, token=customer.token))["me"]["storeCredit"]
    assert named["balance"]["currencyCode"] == "USD"

    # A credit-limit request without a currency is in the customer's; an amount is read in that currency.
    asked = (await api.ok(REQUEST_LIMIT, {"i": {"amount": "250.50", "reason": "Trade fair"}}, token=customer.token))[
        "requestCreditLimit"
    ]
    assert asked == {"request": {"amount": {"amount": "250.50", "currencyCode": "CHF"}}, "userErrors": []}
    await change_settings(api, customer, currency="JPY")
    fraction = (await api.ok(REQUEST_LIMIT, {"i": {"amount": "10.5", "reason": "Yen"}}, token=customer.token))[
        "requestCreditLimit"
    ]
    assert fraction["request"] is None
    assert fraction["userErrors"] == [{"field": ["input", "amount"], "code": "INVALID_AMOUNT"}]
    named_request = (
        await api.ok(
            REQUEST_LIMIT, {"i": {"amount": "99", "currencyCode": "EUR", "reason": "Euro"}}, token=customer.token
        )
    )["requestCreditLimit"]
    assert named_request["request"]["amount"] == {"amount": "99.00", "currencyCode": "EUR"}
