"""Which kinds of payment method can pay where: cards wherever the gateway account takes the currency;
SEPA Direct Debit in euros, for customers in the SEPA zone."""

from app.payments.gateway import MethodKind, PaymentGateway

# The SEPA Direct Debit scheme's countries (EU and EEA members, Switzerland, the UK, and the microstates
# and territories the European Payments Council lists).
SEPA_COUNTRIES = frozenset(
    [
        "AT",
        "BE",
        "BG",
        "CY",
        "CZ",
        "DE",
        "DK",
        "EE",
        "ES",
        "FI",
        "FR",
        "GR",
        "HR",
        "HU",
        "IE",
        "IT",
        "LT",
        "LU",
        "LV",
        "MT",
        "NL",
        "PL",
        "PT",
        "RO",
        "SE",
        "SI",
        "SK",
        "IS",
        "LI",
        "NO",
        "CH",
        "GB",
        "MC",
        "SM",
        "VA",
        "AD",
        "GI",
        "JE",
        "GG",
        "IM",
    ]
)


def country_allows(kind: MethodKind, country: str | None) -> bool:
    """Whether a customer in `country` (None: not known) may use this kind of method."""
    if kind is MethodKind.SEPA_DEBIT:
        return country is not None and country.upper() in SEPA_COUNTRIES
    return True


def available_kinds(gateway: PaymentGateway | None, currency: str, country: str | None) -> list[MethodKind]:
    if gateway is None:
        return []
    return [kind for kind in MethodKind if gateway.supports(kind, currency) and country_allows(kind, country)]
