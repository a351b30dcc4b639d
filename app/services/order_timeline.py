"""What this server says in an order's timeline: a reason and the values its sentence needs.

The order system's entries carry its own words in `note`. The entries this server writes carry a reason
(`OrderTimelineReason`) and typed details, so every client words them in its reader's language; `note` still
gets the English sentence, for clients that only read the note.
"""

from dataclasses import dataclass
from typing import Any

from app.documents.model import clip, format_money
from models.order import OrderTimelineReason
from models.returns import ReturnRefundDestination

R = OrderTimelineReason
NOTE_LIMIT = 500
_FIXED_NOTES = {
    R.PLACED: "placed",
    R.PAID_ONLINE: "paid online",
    R.PAID_WITH_STORE_CREDIT: "paid on store credit",
    R.SHIPPING_STARTED: "shipping started",
    R.SHIPMENT_ADDED: "shipment added",
    R.DELIVERED: "delivered",
}


@dataclass(frozen=True)
class RefundPart:
    """Where part of a return's refund went: store credit, or a card (its label, e.g. "Visa •••• 4242")."""

    destination: ReturnRefundDestination
    amount: int
    payment_method: str | None = None


@dataclass(frozen=True)
class TimelineNote:
    """One entry this server writes. Which values are set depends on the reason: offer_number for
    PLACED_FROM_OFFER, payment_method for PAID_ONLINE, return_number / amount / currency / refunds for
    RETURN_REFUNDED."""

    reason: OrderTimelineReason
    offer_number: str | None = None
    payment_method: str | None = None
    return_number: str | None = None
    amount: int | None = None
    currency: str | None = None
    refunds: tuple[RefundPart, ...] = ()

    def english(self) -> str:
        """The sentence kept in `note` (the words this server wrote before entries had a reason)."""
        if self.reason is R.PLACED_FROM_OFFER:
            return f"placed from offer {self.offer_number}"
        if self.reason is R.RETURN_REFUNDED:
            currency = self.currency or ""
            note = f"Return {self.return_number}: {format_money(self.amount or 0, currency)} refunded"
            where = ", ".join(
                f"{format_money(part.amount, currency)} "
                + (
                    "as store credit"
                    if part.destination is ReturnRefundDestination.STORE_CREDIT
                    else f"to {part.payment_method}"
                )
                for part in self.refunds
            )
            return clip(f"{note} ({where})" if where else note, NOTE_LIMIT)
        return _FIXED_NOTES[self.reason]

    def details(self) -> dict[str, Any] | None:
        """The values stored with the entry (JSON), None when the reason needs none."""
        values: dict[str, Any] = {
            "offer_number": self.offer_number,
            "payment_method": self.payment_method,
            "return_number": self.return_number,
            "amount": self.amount,
            "currency": self.currency,
        }
        found = {key: value for key, value in values.items() if value is not None}
        if self.refunds:
            found["refunds"] = [
                {"destination": part.destination.value, "amount": part.amount, "payment_method": part.payment_method}
                for part in self.refunds
            ]
        return found or None

    @classmethod
    def read(cls, reason: OrderTimelineReason | str | None, details: dict[str, Any] | None) -> "TimelineNote | None":
        """The stored reason and details back (from a row or an event's payload); None for the order
        system's own entries. Values of an unexpected type are left out rather than trusted."""
        if reason is None:
            return None
        try:
            reason = OrderTimelineReason(reason)
        except ValueError:
            return None
        values = details if isinstance(details, dict) else {}
        parts: list[RefundPart] = []
        for part in values.get("refunds") or []:
            try:
                parts.append(
                    RefundPart(
                        ReturnRefundDestination(part["destination"]), int(part["amount"]), _text(part, "payment_method")
                    )
                )
            except (KeyError, TypeError, ValueError):
                continue
        amount = values.get("amount")
        return cls(
            reason,
            offer_number=_text(values, "offer_number"),
            payment_method=_text(values, "payment_method"),
            return_number=_text(values, "return_number"),
            amount=amount if isinstance(amount, int) else None,
            currency=_text(values, "currency"),
            refunds=tuple(parts),
        )


def _text(values: Any, key: str) -> str | None:
    value = values.get(key) if isinstance(values, dict) else None
    return value if isinstance(value, str) else None
