"""The portal's catalogues: every English message has a German one, filled in and actually translated."""

import re
from pathlib import Path

SOURCES = Path(__file__).resolve().parents[2] / "portal" / "src"
# The customer pages' catalogues, and the staff console's (loaded by console pages only).
CATALOGUE_FILES = (SOURCES / "i18n.js", SOURCES / "staff" / "messages.js")
CATALOGUE = re.compile(r"^  (\w+): \{\n(.*?)^  \},", re.MULTILINE | re.DOTALL)
ENTRY = re.compile(r'^\s+"([\w.]+)": "((?:[^"\\]|\\.)*)",$', re.MULTILINE)
# The same word in both languages.
SAME_IN_GERMAN = {"orders.status", "profile.role.ADMIN"}


def catalogues() -> dict[str, dict[str, str]]:
    found: dict[str, dict[str, str]] = {}
    for path in CATALOGUE_FILES:
        for language, body in CATALOGUE.findall(path.read_text(encoding="utf-8")):
            entries = dict(ENTRY.findall(body))
            clash = set(entries) & set(found.get(language, {}))
            assert not clash, f"{path.name} repeats keys of another catalogue: {sorted(clash)}"
            found.setdefault(language, {}).update(entries)
    return found


def test_both_catalogues_are_read() -> None:
    found = catalogues()
    assert set(found) == {"en", "de"}
    assert len(found["en"]) > 20


def test_every_message_is_translated() -> None:
    found = catalogues()
    english, german = found["en"], found["de"]
    assert sorted(set(english) - set(german)) == []
    assert sorted(set(german) - set(english)) == []
    assert [key for key, value in german.items() if not value.strip()] == []
    assert [key for key in english if german[key] == english[key] and key not in SAME_IN_GERMAN] == []


def test_placeholders_match() -> None:
    found = catalogues()
    for key, value in found["en"].items():
        assert set(re.findall(r"\{(\w+)\}", value)) == set(re.findall(r"\{(\w+)\}", found["de"][key])), key
