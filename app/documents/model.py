"""What an invoice or receipt says, apart from its layout: frozen dataclasses (money in integer minor units), the tax
breakdown, and how amounts, rates, dates and caller-supplied strings are written out."""

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from app import i18n
from app.i18n import ENGLISH, MessageLocale

MAX_FIELD = 200  # characters: names, address lines, e-mail addresses, payment method and reference


@dataclass(frozen=True, slots=True)
class Party:
    name: str
    address_lines: tuple[str, ...]
    email: str | None = None
    tax_id: str | None = None


@dataclass(frozen=True, slots=True)
class DocumentLine:
    sku: str
    description: str
    quantity: int
    unit_price: int
    tax_rate_bp: int  # basis points: 1900 = 19 %
    tax_amount: int
    total: int  # net: quantity * unit price


@dataclass(frozen=True, slots=True)
class InvoiceDocument:
    number: str
    issued_at: datetime
    order_number: str
    currency: str
    seller: Party
    buyer: Party
    lines: tuple[DocumentLine, ...]
    subtotal: int
    discount_total: int
    shipping_total: int
    tax_total: int
    total: int
    amount_paid: int
    paid_at: datetime | None
    ordered_at: datetime | None = None
    delivered_at: datetime | None = None  # the order's delivery, when known: the date of supply

    @property
    def amount_due(self) -> int:
        return max(self.total - self.amount_paid, 0)


@dataclass(frozen=True, slots=True)
class ReceiptDocument:
    number: str
    paid_at: datetime
    currency: str
    amount: int
    method: str  # as the customer may see it, e.g. "Visa •••• 4242" or "Store credit"
    invoice_number: str | None  # the invoice this payment is for; None: the account balance in `currency`
    seller: Party
    buyer: Party
    order_number: str | None = None
    ordered_at: datetime | None = None
    delivered_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class TaxRateTotal:
    rate_bp: int
    net: int
    tax: int


def tax_breakdown(lines: Iterable[DocumentLine]) -> list[TaxRateTotal]:
    """One row per distinct tax rate, lowest rate first: the net line totals and the tax charged at that rate."""
    sums: dict[int, tuple[int, int]] = {}
    for line in lines:
        net, tax = sums.get(line.tax_rate_bp, (0, 0))
        sums[line.tax_rate_bp] = (net + line.total, tax + line.tax_amount)
    return [TaxRateTotal(rate_bp=rate, net=net, tax=tax) for rate, (net, tax) in sorted(sums.items())]


# 12 to 19 digits, optionally grouped by single spaces or hyphens: what a card number (PAN) looks like.
_PAN = re.compile(r"(?<!\d)\d(?:[ -]?\d){11,18}(?!\d)")


def format_money(amount_minor: int, currency: str, locale: MessageLocale = ENGLISH) -> str:
    """Money the one way mails and documents write it (app.i18n): '1,234.50 EUR' and '1,235 JPY' in English (the
    currency's own decimal places, then its ISO code), '1.234,50 €' in German."""
    return i18n.format_money(amount_minor, currency, locale)


def format_rate(rate_bp: int, locale: MessageLocale = ENGLISH) -> str:
    """Basis points as a percentage: 1900 → '19 %', 750 → '7.5 %' ('7,5 %' in German). The one way a tax rate is
    written, in documents and messages alike."""
    return i18n.format_rate(rate_bp, locale)


def supply_date(
    ordered_at: datetime | None, delivered_at: datetime | None, locale: MessageLocale = ENGLISH
) -> list[tuple[str, str]]:
    """The meta line saying when the goods were supplied: the delivery date once known, else the order date,
    labelled as such (never an order date passed off as a delivery date)."""
    _ = locale.gettext
    if delivered_at is not None:
        return [(_("Delivery date"), format_date(delivered_at, locale))]
    return [(_("Order date"), format_date(ordered_at, locale))] if ordered_at is not None else []


def format_date(moment: datetime, locale: MessageLocale = ENGLISH) -> str:
    """The calendar date on the reader's clock (UTC unless their settings say otherwise); a naive time is taken to
    be UTC already (we only store UTC)."""
    return i18n.format_day(moment, locale)


def utc(moment: datetime) -> datetime:
    """The same moment in UTC; a naive time is taken to be UTC already."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def clip(text: str, limit: int = MAX_FIELD) -> str:
    """Collapse whitespace (no caller-supplied line breaks or tabs) and shorten with an ellipsis."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def mask_card_numbers(text: str) -> str:
    """Defence in depth: a payment method string must never carry a full card number into a PDF."""
    return _PAN.sub(lambda m: "•••• " + re.sub(r"\D", "", m.group())[-4:], text)
