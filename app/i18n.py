"""The recipient's language for server-side messages: gettext catalogues, and Babel for money, dates and durations.

English is the source language (the msgids); every other language is one catalogue,
app/locale/<lang>/LC_MESSAGES/messages.po, compiled in memory the first time it is needed, so nothing
compiled is committed and nothing can drift from the .po.
"""

import io
import zoneinfo
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from decimal import Decimal
from functools import cache
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_datetime, format_time
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_currency, format_decimal
from babel.support import NullTranslations, Translations

from app.money import to_decimal

LOCALE_DIR = Path(__file__).parent / "locale"
SOURCE_LANGUAGE = "en"
DOMAIN = "messages"


def N_(message: str) -> str:
    """gettext's marker: extracted into the catalogue (`make messages`), translated where it is used."""
    return message


def available_languages() -> frozenset[str]:
    """English and every language with a catalogue."""
    found = {path.parent.parent.name for path in LOCALE_DIR.glob(f"*/LC_MESSAGES/{DOMAIN}.po")}
    return frozenset({SOURCE_LANGUAGE, *found})


@cache
def translations(language: str) -> NullTranslations:
    path = LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    if language == SOURCE_LANGUAGE or not path.is_file():
        return NullTranslations()
    with path.open("rb") as po:
        catalog = read_po(po, locale=language)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)  # fuzzy entries are left out, as gettext does
    compiled.seek(0)
    return Translations(fp=compiled, domain=DOMAIN)


def _parse(tag: str) -> Locale | None:
    try:
        return Locale.parse(tag.strip().replace("_", "-"), sep="-")
    except (ValueError, TypeError, UnknownLocaleError):
        return None


@dataclass(frozen=True)
class MessageLocale:
    """How one recipient reads: `language` picks the catalogue, `tag` the number and date formats
    (de-CH writes money unlike de-DE), `timezone` the clock of every moment."""

    language: str = SOURCE_LANGUAGE
    tag: str = SOURCE_LANGUAGE
    timezone: str = "UTC"

    @classmethod
    def of(cls, language: str | None, timezone: str | None = None) -> "MessageLocale":
        """From a BCP 47 tag and an IANA zone as customers store them; English and UTC for what we cannot use."""
        zone = timezone if timezone and _known_zone(timezone) else "UTC"
        parsed = _parse(language) if language else None
        if parsed is None or parsed.language not in available_languages():
            return cls(timezone=zone)
        return cls(language=parsed.language, tag=str(parsed), timezone=zone)

    @property
    def babel(self) -> Locale:
        return _parse(self.tag) or Locale.parse(SOURCE_LANGUAGE)

    @property
    def translations(self) -> NullTranslations:
        return translations(self.language)

    def gettext(self, message: str) -> str:
        return self.translations.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self.translations.ngettext(singular, plural, n)


ENGLISH = MessageLocale()


def _known_zone(name: str) -> bool:
    try:
        zoneinfo.ZoneInfo(name)
    except (ValueError, zoneinfo.ZoneInfoNotFoundError):
        return False
    return True


def best_language(accept_language: str | None) -> str | None:
    """The first language of an Accept-Language header we have a catalogue for (by q, then order)."""
    if not accept_language:
        return None
    weighted: list[tuple[float, int, str]] = []
    for index, part in enumerate(accept_language.split(",")[:20]):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                continue
        if tag and tag != "*" and quality > 0:
            weighted.append((-quality, index, tag.strip()))
    for _, _, tag in sorted(weighted):
        parsed = _parse(tag)
        if parsed is not None and parsed.language in available_languages():
            return str(parsed).replace("_", "-")
    return None


def format_money(amount_minor: int, currency: str, locale: MessageLocale) -> str:
    """Babel's format for the locale, with the currency's own decimal places: '1.234,50 €' in de.
    English keeps the ISO code after the amount ('1,234.50 EUR'), as the documents print it."""
    amount = to_decimal(amount_minor, currency)
    if locale.language == SOURCE_LANGUAGE:
        return format_currency(amount, currency, format="#,##0.00 ¤¤", locale=locale.babel, currency_digits=True)
    return format_currency(amount, currency, locale=locale.babel, currency_digits=True)


def _clock(moment: datetime, locale: MessageLocale) -> tuple[datetime, tzinfo]:
    """The moment (a naive time is taken to be UTC: we only store UTC) and the zone to show it in: the
    recipient's, unless the moment has no date there. A time at the edge of the calendar (an offer valid until
    9999-12-31 23:59 UTC, read on a clock ahead of UTC) is shown in UTC instead of failing the mail, page or
    document that shows it (an OverflowError)."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    zone = zoneinfo.ZoneInfo(locale.timezone)
    try:
        aware.astimezone(zone)
    except OverflowError:
        return aware, UTC
    return aware, zone


def format_moment(moment: datetime, locale: MessageLocale) -> str:
    """A moment on the recipient's clock, with its zone: '4. Dezember 2026 um 23:15:00 MEZ'."""
    aware, zone = _clock(moment, locale)
    return format_datetime(aware, "long", tzinfo=zone, locale=locale.babel)


def local_time(moment: datetime, locale: MessageLocale) -> datetime:
    """The moment on the recipient's clock; a naive time is taken to be UTC (we only store UTC)."""
    aware, zone = _clock(moment, locale)
    return aware.astimezone(zone)


def format_day(moment: datetime, locale: MessageLocale) -> str:
    """The calendar date on the recipient's clock, as documents print it: '16.12.2026' in German; English keeps
    the unambiguous ISO date ('2026-12-16'), which en-US and en-GB readers both read the same way."""
    local = local_time(moment, locale)
    if locale.language == SOURCE_LANGUAGE:
        return local.date().isoformat()
    return format_date(local, "medium", locale=locale.babel)


def format_day_and_time(moment: datetime, locale: MessageLocale) -> str:
    """Date, hours and minutes on the recipient's clock, with its zone: '2026-12-16 09:30 UTC', '16.12.2026 10:30 MEZ'."""
    local = local_time(moment, locale)
    return f"{format_day(moment, locale)} {format_time(local, 'HH:mm z', locale=locale.babel)}"


def format_rate(rate_bp: int, locale: MessageLocale) -> str:
    """A tax rate in basis points, the one way documents and messages write it: the number in the recipient's
    locale, a space, '%': 1900 → '19 %', 750 → '7.5 %' ('7,5 %' in German)."""
    return f"{format_decimal(Decimal(rate_bp).scaleb(-2), format='#,##0.##', locale=locale.babel)} %"


def describe_minutes(minutes: int, locale: MessageLocale = ENGLISH) -> str:
    """'2 hours', '1 Tag': the largest whole unit."""
    if minutes % (24 * 60) == 0:
        days = minutes // (24 * 60)
        return locale.ngettext("%(num)d day", "%(num)d days", days) % {"num": days}
    if minutes % 60 == 0:
        hours = minutes // 60
        return locale.ngettext("%(num)d hour", "%(num)d hours", hours) % {"num": hours}
    return locale.ngettext("%(num)d minute", "%(num)d minutes", minutes) % {"num": minutes}
