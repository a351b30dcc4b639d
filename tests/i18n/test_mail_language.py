"""Mail follows the recipient's language through the real SMTP server: the customer's setting, else the
language the request carried, else English."""

import pytest

from app.runtime import Runtime
from tests.accounts.queries import REGISTER, REQUEST_RESET
from tests.offers.helpers import new_offer
from tests.support import Api, Caller, Mailbox, html_body, text_body

SETTINGS = "mutation($i: UpdateSettingsInput!) { updateSettings(input: $i) { userErrors { code } } }"
PASSWORD = "a long enough passphrase"


async def speaks(api: Api, caller: Caller, language: str, timezone: str | None = None) -> None:
    changes = {"language": language, **({"timezone": timezone} if timezone else {})}
    assert (await api.ok(SETTINGS, {"i": changes}, token=caller.token))["updateSettings"]["userErrors"] == []


async def test_a_german_customer_gets_the_reset_mail_in_german_and_an_english_one_in_english(
    api: Api, customer: Caller, other_customer: Caller, mailbox: Mailbox
) -> None:
    await speaks(api, customer, "de-CH")
    for caller in (customer, other_customer):
        await api.ok(REQUEST_RESET, {"input": {"email": caller.customer.email}})

    german = await mailbox.wait_for(customer.customer.email, "Setzen Sie Ihr Passwort zurück")
    assert text_body(german).startswith("Hallo Casey,")
    assert "Der Link ist 1 Stunde gültig" in text_body(german)
    assert '<html lang="de">' in html_body(german)
    assert ">Neues Passwort wählen</a>" in html_body(german)
    english = await mailbox.wait_for(other_customer.customer.email, "Reset your password")
    assert "valid for 1 hour" in text_body(english)


async def test_registration_mails_in_the_language_of_the_request_then_the_setting_wins(
    api: Api, mailbox: Mailbox
) -> None:
    sent = await api(
        REGISTER, {"input": {"email": "neu@example.com", "password": PASSWORD}}, accept_language="de-DE,en;q=0.5"
    )
    assert sent.data["register"]["userErrors"] == []
    german = await mailbox.wait_for("neu@example.com", "Aktivieren Sie Ihr Konto")
    assert "Danke für Ihre Registrierung" in text_body(german)

    await api(REGISTER, {"input": {"email": "new@example.com", "password": PASSWORD}}, accept_language="fr, xx")
    await mailbox.wait_for("new@example.com", "Activate your account")


async def test_the_offer_mail_writes_money_and_time_the_german_way(
    api: Api, rt: Runtime, staff: Caller, customer: Caller, mailbox: Mailbox
) -> None:
    await speaks(api, customer, "de", "Europe/Berlin")
    offer = await new_offer(api, staff, customer, validUntil="2031-07-01T22:30:00Z")
    mail = text_body(await mailbox.wait_for(customer.customer.email, f"Ihr Angebot {offer['number']}"))
    assert "65,54\xa0€" in mail
    assert "gültig bis 2. Juli 2031, 00:30:00 MESZ" in mail
    # The support address reads English, whoever the customer is.
    assert "65.54 EUR" in text_body(await mailbox.wait_for(rt.settings.support_email, offer["number"]))


async def test_staff_notices_are_written_in_the_staff_mailboxs_language_not_the_customers(
    api: Api, rt: Runtime, staff: Caller, customer: Caller, mailbox: Mailbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(rt.settings, "support_language", "de")
    monkeypatch.setattr(rt.settings, "support_timezone", "Europe/Berlin")
    offer = await new_offer(api, staff, customer, validUntil="2031-07-01T22:30:00Z")  # the customer reads English
    notice = text_body(await mailbox.wait_for(rt.settings.support_email, f"Angebot {offer['number']}: wurde gesendet"))
    assert notice.startswith("Hallo Support-Team,")
    assert "Gültig bis 2. Juli 2031, 00:30:00 MESZ." in notice
    assert "65,54\xa0€" in notice
    assert "65.54 EUR" in text_body(await mailbox.wait_for(customer.customer.email, f"Your offer {offer['number']}"))


@pytest.mark.parametrize("zone", ["Pacific/Kiritimati", "Etc/GMT+12", "Europe/Berlin"])
@pytest.mark.parametrize("language", ["en", "de"])
def test_moments_at_the_edges_of_the_calendar_are_shown_in_utc_when_the_clock_has_no_date(
    zone: str, language: str
) -> None:
    from datetime import UTC, datetime

    from app.i18n import MessageLocale, format_day, format_day_and_time, format_moment, local_time

    locale = MessageLocale.of(language, zone)
    for moment in (datetime.max.replace(tzinfo=UTC), datetime.min.replace(tzinfo=UTC), datetime.max):
        shown = local_time(moment, locale)
        assert shown.replace(tzinfo=None) - shown.utcoffset() == moment.replace(tzinfo=None)  # type: ignore[operator]
        for text in (format_moment(moment, locale), format_day(moment, locale), format_day_and_time(moment, locale)):
            assert str(moment.year) in text
