"""Every catalogue is complete: each text the code and the mail templates mark has a real translation."""

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po
from jinja2 import meta

from app.i18n import LOCALE_DIR, MessageLocale, available_languages, best_language, format_money
from app.templates import (
    EMAIL_TEMPLATES,
    SMS_TEMPLATES,
    TEMPLATE_DIR,
    Brand,
    MessageValue,
    Minutes,
    _environment,
    render_email,
    render_sms,
)

ROOT = Path(__file__).resolve().parents[2]
# Texts a translation may leave as they are, with the reason.
SAME_IN_EVERY_LANGUAGE: dict[str, str] = {
    # Brand names, "OK" and the like go here; texts of placeholders and punctuation only pass anyway.
    "RMA %(number)s": "RMA (return merchandise authorisation) is the code warehouses know in every language",
    "Status: %(state)s": "'Status' is the German word too; the state itself is translated",
}
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")
TRANSLATED = sorted(available_languages() - {"en"})


def source_messages() -> set[str]:
    """What `make messages` extracts, read from the sources now (so a new text cannot hide from the check)."""
    with (ROOT / "babel.cfg").open() as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)  # type: ignore[no-untyped-call]
    found = extract_from_dir(
        str(ROOT), method_map, options_map, keywords={"N_": None, "_": None, "gettext": None, "ngettext": (1, 2)}
    )
    return {message if isinstance(message, str) else message[0] for _, _, message, _, _ in found}


def catalogue(language: str) -> Catalog:
    with (LOCALE_DIR / language / "LC_MESSAGES" / "messages.po").open("rb") as po:
        return read_po(po, locale=language)


def needs_translation(message_id: str) -> bool:
    words = PLACEHOLDER.sub("", message_id)
    return bool(re.search(r"[A-Za-z]", words)) and message_id not in SAME_IN_EVERY_LANGUAGE


def test_german_is_there() -> None:
    assert "de" in TRANSLATED


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_message_has_a_real_translation(language: str) -> None:
    entries = {m.id if isinstance(m.id, str) else m.id[0]: m for m in catalogue(language) if m.id}
    missing = source_messages() - set(entries)
    assert not missing, f"not in app/locale/{language} (run `make messages`, then translate): {sorted(missing)}"
    problems: list[str] = []
    for key, entry in entries.items():
        strings = [entry.string] if isinstance(entry.string, str) else list(entry.string or ())
        sources = [entry.id] if isinstance(entry.id, str) else list(entry.id)
        if entry.fuzzy:
            problems.append(f"fuzzy: {key!r}")
        if not all(s and s.strip() for s in strings):
            problems.append(f"empty: {key!r}")
        elif needs_translation(key) and any(s in sources for s in strings):
            problems.append(f"same as English: {key!r}")
        if any(set(PLACEHOLDER.findall(s)) != set(PLACEHOLDER.findall(sources[0])) for s in strings if s):
            problems.append(f"placeholders differ: {key!r}")
    assert problems == []


@pytest.mark.parametrize("language", TRANSLATED)
def test_no_translation_is_left_for_a_text_the_code_no_longer_has(language: str) -> None:
    stale = {m.id if isinstance(m.id, str) else m.id[0] for m in catalogue(language) if m.id} - source_messages()
    assert stale == set()


def sample_values(template: str) -> dict[str, object]:
    source = (TEMPLATE_DIR / f"{template}.mail").read_text()
    names = meta.find_undeclared_variables(_environment("en").parse(source)) - {"_", "para", "gettext", "ngettext"}
    values: dict[str, object] = {name: f"<{name}>" for name in names}
    values.update(name="Anna", link="https://shop.test/x?a=1&b=2")
    return values


@pytest.mark.parametrize("template", sorted(EMAIL_TEMPLATES))
@pytest.mark.parametrize("language", TRANSLATED)
def test_every_mail_renders_translated(template: str, language: str) -> None:
    values = sample_values(template)
    english = render_email(template, values)  # type: ignore[arg-type]
    translated = render_email(template, values, MessageLocale.of(language))  # type: ignore[arg-type]
    assert translated.text != english.text
    assert f'<html lang="{language}">' in translated.html
    # Whatever the values hold is kept as typed in text and escaped in HTML.
    for name, value in values.items():
        if value == f"<{name}>":
            assert value in translated.text + translated.subject
            assert value not in translated.html
            assert f"&lt;{name}&gt;" in translated.html


@pytest.mark.parametrize("template", sorted(SMS_TEMPLATES))
def test_every_sms_renders_in_german(template: str) -> None:
    values: dict[str, MessageValue] = {"code": "123456", "valid_for": Minutes(60)}
    german = render_sms(template, values, MessageLocale.of("de"))
    if "%(code)s" in SMS_TEMPLATES[template]:
        assert "123456" in german
    if "%(valid_for)s" in SMS_TEMPLATES[template]:
        assert "1 Stunde" in german
    assert german != render_sms(template, values)


def test_the_line_breaks_a_customer_typed_survive_in_html_and_nothing_else_of_theirs_is_markup() -> None:
    values = {"name": "Anna", "number": "T-1", "subject": "Hi", "author": "Bob", "link": "https://shop.test/t"}
    email = render_email("ticket_staff_reply", {**values, "body": "first line\r\nsecond <b>bold</b>\nthird"})
    assert "<p>first line<br>\nsecond &lt;b&gt;bold&lt;/b&gt;<br>\nthird</p>" in email.html
    assert "first line\r\nsecond <b>bold</b>\nthird" in email.text


def test_the_greeting_uses_the_name_and_the_layout_the_shop() -> None:
    email = render_email("account_suspended", {"name": "Zoë"}, MessageLocale.of("de"), Brand("Bäckerei & Co"))
    assert email.text.startswith("Hallo Zoë,\n\n")
    assert email.text.endswith("— Bäckerei & Co\n")
    assert "Bäckerei &amp; Co" in email.html
    assert render_email("account_suspended", {"name": ""}).text.startswith("Hello there,\n\n")


def test_money_dates_and_durations_follow_the_locale() -> None:
    german = MessageLocale.of("de-DE", "Europe/Berlin")
    assert format_money(123450, "EUR", german) == "1.234,50\xa0€"
    assert format_money(123450, "EUR", MessageLocale.of("en")) == "1,234.50 EUR"
    assert format_money(1235, "JPY", german) == "1.235\xa0¥"
    email = render_email(
        "offer_expired",
        {"name": "", "number": "Q-1", "valid_until": datetime(2026, 7, 1, 22, 30, tzinfo=UTC)},
        german,
    )
    assert "2. Juli 2026, 00:30:00 MESZ" in email.text  # midnight in Berlin is still 1 July in UTC
    assert "1 Tag" in render_sms("sign_in_code", {"code": "1", "valid_for": Minutes(1440)}, german)


@pytest.mark.parametrize(
    ("language", "timezone", "expected"),
    [
        ("de-CH", "Europe/Zurich", ("de", "de_CH", "Europe/Zurich")),
        ("DE", None, ("de", "de", "UTC")),
        ("fr-FR", "Europe/Paris", ("en", "en", "Europe/Paris")),  # no French catalogue yet: English
        ("not a tag", "Mars/Olympus", ("en", "en", "UTC")),
        (None, None, ("en", "en", "UTC")),
    ],
)
def test_a_setting_we_cannot_use_falls_back_to_english_and_utc(
    language: str | None, timezone: str | None, expected: tuple[str, str, str]
) -> None:
    found = MessageLocale.of(language, timezone)
    assert (found.language, found.tag, found.timezone) == expected


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("de-CH,de;q=0.9,en;q=0.8", "de-CH"),
        ("fr;q=1, de;q=0.5", "de"),
        ("en;q=0.4, de;q=0.5", "de"),
        ("fr, it", None),
        ("de;q=0, en", "en"),
        ("*", None),
        ("de;q=abc, en", "en"),
        ("", None),
        ("x" * 5000, None),
    ],
)
def test_the_request_language_is_the_best_one_we_have(header: str, expected: str | None) -> None:
    assert best_language(header) == expected
