"""Running payment tests on both gateways: the sandbox, and the Stripe adapter against the local stand-in
of Stripe's API (tests/payments/stripe_standin.py).

A test marked `BOTH_GATEWAYS` runs twice (the `gateway_name` fixture of tests/conftest.py, which the
`settings` fixture reads). Its body names cards by the sandbox's client tokens through the `test_cards`
fixture (`test_cards["tok_declined"]`): on the sandbox that is the token itself, on Stripe the stand-in's
test PaymentMethod with the same behaviour (a new `pm_...` is made and attached to the customer when
addPaymentMethod sends it, as with a PaymentMethod id from Stripe.js). The gateways' own words differ in a
few places (Stripe's decline code of a plain decline is `generic_decline`): `decline_code` gives them.
`charged` and `refunded` read what the gateway itself holds, to check that money was moved once."""

from typing import Any

import pytest

from app.payments.gateway import Charge, ChargeStatus
from app.runtime import Runtime
from tests.payments.stripe_standin import StripeStandin

BOTH_GATEWAYS = pytest.mark.parametrize("gateway_name", ["sandbox", "stripe"])

# The sandbox's client tokens and the stand-in's test PaymentMethods that behave the same way.
STANDIN_CARDS = {
    "tok_visa": "pm_card_visa",
    "tok_mastercard": "pm_card_mastercard",
    "tok_amex": "pm_card_amex",
    "tok_discover": "pm_card_discover",
    "tok_declined": "pm_card_chargeDeclined",
    "tok_insufficient_funds": "pm_card_chargeDeclinedInsufficientFunds",
    "tok_do_not_honor": "pm_card_chargeDeclinedLostCard",
    "tok_network_error": "pm_card_standin_unreachable",
    "tok_network_flaky": "pm_card_standin_answerLost",
    "tok_visa_3ds": "pm_card_authenticationRequired",
}
# Direct debits: a SEPA PaymentMethod from one of Stripe's test IBANs (it settles when the test says so).
STANDIN_IBANS = {"tok_sepa_debit": "DE89370400440532013000", "tok_sepa_debit_fails": "AT861904300235473202"}
DECLINE_CODES = {
    "sandbox": {
        "tok_declined": "card_declined",
        "tok_insufficient_funds": "insufficient_funds",
        "tok_do_not_honor": "do_not_honor",
    },
    "stripe": {
        "tok_declined": "generic_decline",
        "tok_insufficient_funds": "insufficient_funds",
        "tok_do_not_honor": "lost_card",
    },
}


class TestCards:
    __test__ = False  # not a test class, despite its name

    def __init__(self, gateway_name: str, standin: StripeStandin | None) -> None:
        self.gateway_name = gateway_name
        self.standin = standin

    def __getitem__(self, sandbox_token: str) -> str:
        """The client token addPaymentMethod takes for this test card on the running gateway."""
        if self.standin is None:
            return sandbox_token
        if sandbox_token in STANDIN_IBANS:
            return self.standin.create_sepa_method(STANDIN_IBANS[sandbox_token])
        return STANDIN_CARDS[sandbox_token]

    def decline_code(self, sandbox_token: str) -> str:
        """The failure code a charge with this declined test card is recorded with."""
        return DECLINE_CODES[self.gateway_name][sandbox_token]

    def charged(self, rt: Runtime) -> int:
        """The minor units the gateway took in charges that succeeded at once (lost answers included)."""
        if self.standin is None:
            outcomes: dict[str, tuple[Any, Any]] = rt.gateway._charges  # type: ignore[union-attr]
            return sum(
                outcome.amount
                for _, outcome in outcomes.values()
                if isinstance(outcome, Charge) and outcome.status is ChargeStatus.SUCCEEDED
            )
        with self.standin._lock:
            return sum(int(intent["amount_received"]) for intent in self.standin.payment_intents.values())

    def refunded(self, rt: Runtime) -> int:
        """The minor units the gateway gave back."""
        if self.standin is None:
            return sum(rt.gateway._refunded.values())  # type: ignore[union-attr]
        with self.standin._lock:
            return sum(int(refund["amount"]) for refund in self.standin.refunds.values())
