"""No English inside a German mail: every template rendered with the values its service really hands over (words
as Text, amounts as Money, moments as datetimes, the services' own word tables), compared sentence by sentence
with its English rendering."""

import re
from datetime import UTC, datetime

import pytest
from jinja2 import meta

from app.i18n import MessageLocale
from app.services.customers import ROLE_WORDS
from app.services.messages import SUPPORT_TEAM
from app.services.returns import DESTINATION_LABELS
from app.services.tickets import CATEGORY_WORDS, STATE_WORDS
from app.templates import (
    EMAIL_TEMPLATES,
    TEMPLATE_DIR,
    Brand,
    MessageValue,
    Minutes,
    Money,
    Text,
    _environment,
    render_email,
)
from models.customer import Role
from models.returns import ReturnRefundDestination
from models.support import TicketCategory, TicketState

GERMAN = MessageLocale.of("de-CH", "Europe/Zurich")
MOMENT = datetime(2031, 7, 1, 22, 30, tzinfo=UTC)
REFUND = Money(6_254, "EUR")
# The customer's or staff member's own words, numbers and codes: the same in every language, left out of the
# comparison (they are not ours to translate).
OWN = {
    "name": "Zoë",
    "link": "https://shop.test/x?a=1&b=2",
    "number": "R-00004711",
    "order_number": "#1042",
    "customer_email": "zoe@example.com",
    "customer": "Toni Händler",
    "group": "Großhandel",
    "new_email": "zoe.neu@example.com",
    "items": "1 x Becher, 2 x T-Shirt",
    "subject": "Lieferung fehlt",
    "body": "Wo bleibt\nmein Paket?",
    "reason": "Zu spät bestellt",
    "code": "482913",
    "count": "3",
    "currency": "EUR",
    "summary": "CREDENTIAL_STUFFING: 12 Konten",
    "brand": "Bäckerei Zoë",
    "decision": "ABOVE_AUTO_APPROVE_LIMIT",
    "url": "https://erp.example.com/hooks",
    "failures": "20",
}
BRAND = Brand(OWN["brand"])
OURS: dict[str, MessageValue] = {
    "valid_for": Minutes(60 * 24),
    "minutes": Minutes(15),
    "valid_until": MOMENT,
    "since": MOMENT,
    "until": MOMENT,
    "total": Money(6_554, "EUR"),
    "amount": Money(500_000, "EUR"),
    "value": Money(5_400, "EUR"),
    "refund": REFUND,
    "destination": Text(DESTINATION_LABELS[ReturnRefundDestination.ORIGINAL_PAYMENT]),
    "money_line": Text(
        "Once the goods arrive we refund %(refund)s %(destination)s.",
        {"refund": REFUND, "destination": Text(DESTINATION_LABELS[ReturnRefundDestination.STORE_CREDIT])},
    ),
    "next_step": Text("We are refunding %(refund)s to your card now.", {"refund": REFUND}),
    "event": Text("was approved automatically"),
    "detail": Text("Routed to staff: %(decision)s.", {"decision": OWN["decision"]}),
    "state": Text(STATE_WORDS[TicketState.PENDING_CUSTOMER]),
    "category": Text(CATEGORY_WORDS[TicketCategory.RETURN]),
    "role": Text(ROLE_WORDS[Role.AFFILIATE]),
    "author": Text("Our support team"),
}
# Where a template reads a value in another way (the greeting's name of the shared staff mailbox, a ticket's
# next step when it closes).
SPECIAL: dict[str, dict[str, MessageValue]] = {
    "offer_staff_notice": {"name": SUPPORT_TEAM, "event": Text("was sent"), "detail": Text("It was not accepted in time.")},
    "return_staff_notice": {"name": SUPPORT_TEAM},
    "ticket_customer_message": {"name": SUPPORT_TEAM},
    "ticket_state_changed": {"next_step": Text("Open a new ticket whenever you need us again.")},
    "return_received": {"next_step": Text("Your replacement is on its way.")},
    "return_approved": {"money_line": Text("Nothing is refunded: we send you a replacement.")},
}  # fmt: skip


def variables(template: str) -> set[str]:
    source = (TEMPLATE_DIR / f"{template}.mail").read_text()
    return meta.find_undeclared_variables(_environment("en").parse(source)) - {"_", "para", "gettext", "ngettext"}


def context(template: str) -> dict[str, MessageValue]:
    wanted = variables(template) | {"name", "link"}
    unknown = wanted - set(OWN) - set(OURS)
    assert not unknown, f"{template} reads {sorted(unknown)}: add a realistic value here"
    values: dict[str, MessageValue] = {name: OWN.get(name) or OURS[name] for name in wanted}
    return {**values, **SPECIAL.get(template, {})}


def sentences(text: str) -> list[str]:
    """The English text's fragments of two words or more, the customer's own words cut out first."""
    for own in sorted(OWN.values(), key=len, reverse=True):
        text = text.replace(own, "\n")
    parts = re.split(r"[.,:;!?()\[\]\n—]+|\d[\d,.]*", text)
    return [part.strip() for part in parts if len(re.findall(r"[A-Za-z]{2,}", part)) >= 2]


@pytest.mark.parametrize("template", sorted(EMAIL_TEMPLATES))
def test_a_german_mail_holds_no_sentence_of_the_english_one(template: str) -> None:
    values = context(template)
    english = render_email(template, values, brand=BRAND)
    german = render_email(template, values, GERMAN, BRAND)
    fragments = sentences(f"{english.subject}\n{english.text}")
    assert fragments, "nothing English to compare"
    left = [fragment for fragment in fragments if fragment in f"{german.subject}\n{german.text}\n{german.html}"]
    assert left == [], f"English left in the German {template} mail: {left}"
    # Amounts in the Swiss way, never the English "62.54 EUR".
    assert not re.search(r"\d EUR", german.text), german.text


def test_the_comparison_finds_english_a_service_composes() -> None:
    """The check itself: an English sentence handed over as a plain string is caught."""
    values = {**context("return_received"), "next_step": "Your replacement is on its way."}
    german = render_email("return_received", values, GERMAN)
    english = render_email("return_received", values)
    assert "Your replacement is on its way" in [f for f in sentences(english.text) if f in german.text]


def test_a_german_customers_ticket_mail_keeps_the_line_breaks_they_typed() -> None:
    german = render_email("ticket_customer_message", context("ticket_customer_message"), GERMAN)
    assert "Wo bleibt<br>\nmein Paket?" in german.html
    assert "(Rücksendung)" in german.text
    assert german.text.startswith("Hallo Support-Team,")
