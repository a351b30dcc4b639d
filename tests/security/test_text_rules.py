"""The rules for names and free text: bidi controls and noncharacters refused in names, removed from text."""

import pytest

from app.services.errors import AccountErrorCode, ErrorDetail
from app.services.validation import BIDI_CONTROLS, clean_text, is_noncharacter, neutralize_text

NONCHARACTERS = [chr(code) for code in range(0xFDD0, 0xFDF0)] + [
    chr(plane << 16 | low) for plane in range(17) for low in (0xFFFE, 0xFFFF)
]
UNSAFE = sorted(BIDI_CONTROLS) + NONCHARACTERS


def test_the_unsafe_sets_are_exactly_what_the_standards_name() -> None:
    assert sorted(BIDI_CONTROLS) == [chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))]
    assert len(NONCHARACTERS) == 66  # Unicode: 32 in the Arabic block, 2 at the end of each of 17 planes
    everything = [chr(code) for code in range(0x110000) if not 0xD800 <= code <= 0xDFFF]
    assert [char for char in everything if is_noncharacter(char)] == NONCHARACTERS


@pytest.mark.parametrize("char", UNSAFE, ids=lambda c: f"U+{ord(c):04X}")
def test_names_refuse_each_character_wherever_it_is(char: str) -> None:
    for value in (char, f"{char}Anna", f"An{char}na", f"Anna{char}", f"  Anna Lang {char} "):
        errors: list[ErrorDetail] = []
        assert clean_text(value, ("firstName",), errors, label="First name") is None
        assert [(e.code, e.field) for e in errors] == [(AccountErrorCode.INVALID, ("firstName",))], repr(value)


@pytest.mark.parametrize(
    "name",
    [
        "Zoë Łukasiewicz",
        "\u05d3\u05d5\u05d3 \u05db\u05d4\u05df\u200f",  # Hebrew with a right-to-left mark
        "\u0645\u0631\u064a\u0645\u061c",  # Arabic letter mark
        "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645",  # Persian with a zero-width non-joiner
        "\u0915\u094d\u200d\u0937",  # Devanagari with a zero-width joiner
        "O'Brien-Smith Jr.",
        "\U0001f469\u200d\U0001f4bb Ada",  # emoji sequence
    ],
)
def test_real_names_pass(name: str) -> None:
    errors: list[ErrorDetail] = []
    assert clean_text(name, ("firstName",), errors) == name
    assert errors == []


@pytest.mark.parametrize("char", UNSAFE, ids=lambda c: f"U+{ord(c):04X}")
def test_free_text_loses_each_character(char: str) -> None:
    assert neutralize_text(f"{char}Where{char} is {char}{char}my parcel?{char}") == "Where is my parcel?"
    assert neutralize_text(char * 3) == ""


def test_free_text_keeps_everything_else() -> None:
    text = "Hello \u05e9\u05dc\u05d5\u05dd\u200f, line\nbreaks\tand tabs, \u200b\u200c\u200d, \U0001f600 \ufffd"
    assert neutralize_text(text) is text  # untouched: the common case allocates nothing
    assert neutralize_text(None) is None
    assert neutralize_text("") == ""
