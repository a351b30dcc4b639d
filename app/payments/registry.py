"""Gateways by configured name (kept apart from gateway.py, which the gateways themselves import)."""

from app.config import Settings
from app.payments.gateway import GatewayConfigurationError, PaymentGateway
from app.payments.sandbox import SandboxGateway
from app.payments.stripe_gateway import StripeGateway

GATEWAY_NAMES = ("sandbox", "stripe")


def gateway_for(settings: Settings) -> PaymentGateway:
    """A new gateway for PAYMENT_GATEWAY; it remembers idempotency keys and holds a connection pool, so
    create one per process and keep it."""
    name = settings.effective_payment_gateway
    if name == "sandbox":
        return SandboxGateway(
            settings.is_production,
            currencies=settings.payment_currency_codes or None,
            base_url=settings.effective_public_url,
        )
    if name == "stripe":
        return StripeGateway.from_settings(settings)
    raise GatewayConfigurationError(f"Unknown payment gateway {name!r}; known: {', '.join(GATEWAY_NAMES)}.")
