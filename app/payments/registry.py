"""Gateways by configured name (kept apart from gateway.py, which the gateways themselves import)."""

from app.payments.gateway import GatewayConfigurationError, PaymentGateway
from app.payments.sandbox import SandboxGateway

GATEWAY_NAMES = ("sandbox",)


def gateway_for(name: str, *, production: bool) -> PaymentGateway:
    """A new gateway; it remembers idempotency keys, so create one per process and keep it."""
    if name == "sandbox":
        return SandboxGateway(production)
    raise GatewayConfigurationError(f"Unknown payment gateway {name!r}; known: {', '.join(GATEWAY_NAMES)}.")
