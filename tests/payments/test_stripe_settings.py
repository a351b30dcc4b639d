"""PAYMENT_GATEWAY=stripe: what production refuses, PAYMENT_CURRENCIES, and the gateway the settings build."""

from pathlib import Path

import pytest
from pydantic import SecretStr, ValidationError

from app.config import Settings
from app.payments.gateway import MethodKind
from app.payments.registry import GATEWAY_NAMES, gateway_for
from app.payments.stripe_gateway import StripeGateway
from tests.payments.stripe_standin import StripeStandin
from tests.test_production_config import production, refusal

LIVE = {
    "payment_gateway": "stripe",
    "stripe_secret_key": SecretStr("sk_live_" + "a" * 24),
    "stripe_publishable_key": "pk_live_" + "a" * 24,
    "stripe_webhook_secret": SecretStr("whsec_" + "a" * 24),
}


def test_production_with_live_stripe_keys_is_accepted(tmp_path: Path) -> None:
    assert production(tmp_path, **LIVE).with_secrets().effective_payment_gateway == "stripe"


@pytest.mark.parametrize(
    ("changes", "named"),
    [
        ({"stripe_secret_key": None}, "STRIPE_SECRET_KEY must be set"),
        ({"stripe_secret_key": SecretStr("  ")}, "STRIPE_SECRET_KEY must be set"),
        ({"stripe_secret_key": SecretStr("sk_test_" + "a" * 24)}, "STRIPE_SECRET_KEY is a test-mode key"),
        ({"stripe_publishable_key": None}, "STRIPE_PUBLISHABLE_KEY must be set"),
        ({"stripe_publishable_key": "pk_test_abc"}, "STRIPE_PUBLISHABLE_KEY is a test-mode key"),
        ({"stripe_webhook_secret": None}, "STRIPE_WEBHOOK_SECRET must be set"),
        ({"stripe_webhook_secret": SecretStr("")}, "STRIPE_WEBHOOK_SECRET must be set"),
    ],
)
def test_production_refuses_stripe_without_live_keys(tmp_path: Path, changes: dict[str, object], named: str) -> None:
    message = refusal(production(tmp_path, **{**LIVE, **changes}))
    assert named in message
    assert "a" * 24 not in message  # the keys themselves are never shown


def test_all_missing_stripe_keys_are_named_at_once(tmp_path: Path) -> None:
    message = refusal(production(tmp_path, payment_gateway="stripe"))
    for name in ("STRIPE_SECRET_KEY", "STRIPE_PUBLISHABLE_KEY", "STRIPE_WEBHOOK_SECRET"):
        assert name in message


def test_test_keys_are_fine_outside_production(tmp_path: Path) -> None:
    settings = Settings(
        environment="development", data_dir=tmp_path, payment_gateway="stripe", stripe_secret_key=SecretStr("sk_test_x")
    )
    assert settings.with_secrets().effective_payment_gateway == "stripe"


def test_payment_currencies_are_iso_codes() -> None:
    assert Settings(payment_currencies=" eur, chf ,EUR,").payment_currency_codes == {"EUR", "CHF"}
    assert Settings(payment_currencies="").payment_currency_codes == frozenset()
    with pytest.raises(ValidationError, match="ZZZ"):
        Settings(payment_currencies="EUR,ZZZ")


def test_payment_gateway_stripe_builds_the_adapter(stripe_standin: StripeStandin) -> None:
    assert "stripe" in GATEWAY_NAMES
    settings = Settings(
        environment="test", payment_currencies="EUR,USD", stripe_webhook_tolerance_seconds=60
    ).model_copy(update=stripe_standin.settings_overrides())
    gateway = gateway_for(settings)
    assert isinstance(gateway, StripeGateway)
    assert gateway.name == "stripe"
    assert gateway.publishable_key() == stripe_standin.publishable_key
    assert gateway.supports(MethodKind.CARD, "USD")
    assert not gateway.supports(MethodKind.CARD, "JPY")
    assert gateway._tolerance == 60


async def test_the_built_adapter_talks_to_the_configured_api(stripe_standin: StripeStandin) -> None:
    settings = Settings(environment="test").model_copy(update=stripe_standin.settings_overrides())
    gateway = gateway_for(settings)
    assert isinstance(gateway, StripeGateway)
    customer_ref = await gateway.create_customer("c-1", None)
    assert customer_ref in stripe_standin.customers
    await gateway.aclose()
