"""Fixtures of the payment tests: the Stripe adapter against the local stand-in of Stripe's API (the
stand-in's own fixture, `stripe_standin`, is in tests/conftest.py: the app fixtures use it too)."""

from collections.abc import AsyncIterator

import pytest

from app.payments.stripe_gateway import StripeGateway
from tests.payments.stripe_standin import StripeStandin


@pytest.fixture
async def stripe_gateway(stripe_standin: StripeStandin) -> AsyncIterator[StripeGateway]:
    """A StripeGateway talking to the stand-in (short timeout, no retries: the tests retry themselves)."""
    gateway = StripeGateway(
        secret_key=stripe_standin.secret_key,
        publishable_key=stripe_standin.publishable_key,
        webhook_secret=stripe_standin.webhook_secret,
        api_base=stripe_standin.base_url,
        timeout_seconds=5.0,
    )
    yield gateway
    await gateway.aclose()
