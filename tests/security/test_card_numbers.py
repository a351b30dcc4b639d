"""The card-number detector: card numbers as people type them (or as an adversary hides them), and digit
strings that are not cards."""

import pytest

from app.security.card_numbers import looks_like_card_number, luhn_valid


@pytest.mark.parametrize(
    "text",
    [
        "4242424242424242",
        "4242 4242 4242 4242",
        "4242-4242-4242-4242",
        "4242 4242-4242 4242",
        "my card is 4242 4242 4242 4242, please charge it",
        "card:4242424242424242.",
        "(5555 5555 5555 4444)",
        "378282246310005",  # Amex, 15 digits
        "3782 822463 10005",  # Amex as printed
        "4000000000000002",
        "6011111111111117",  # Discover
        "4222222222222",  # Visa, 13 digits
        "6250941006528599",  # UnionPay, 16 digits
        "6212345678901234569",  # 19 digits
        "4242\u00a04242\u00a04242\u00a04242",  # non-breaking spaces
        "4242\u202f4242\u202f4242\u202f4242",  # narrow non-breaking spaces
        "4242\u20114242\u20114242\u20114242",  # non-breaking hyphens
        "4242\u20134242\u20134242\u20134242",  # en dashes, as autocorrect makes them
        "\uff14\uff12\uff14\uff12\uff14\uff12\uff14\uff12\uff14\uff12\uff14\uff12\uff14\uff12\uff14\uff12",  # fullwidth
        "カード番号は\uff14\uff12\uff14\uff12 \uff14\uff12\uff14\uff12 \uff14\uff12\uff14\uff12 \uff14\uff12\uff14\uff12です",
        "\u0664\u0662\u0664\u0662" * 4,  # Arabic-Indic digits
        "4242 4242 4242 4242-",
        "call me at 030 1234567 or use 4242424242424242",
        "4242 4242 4242 4242 exp 12/30",
        "4242  4242  4242  4242",  # double spaces
        "4242--4242--4242--4242",
        "4242.4242.4242.4242",
        "4242\n4242\n4242\n4242",
        "4242/4242/4242/4242",
        "4242_4242\t4242 - 4242",
    ],
)
def test_card_numbers_are_found(text: str) -> None:
    assert looks_like_card_number(text)


VISA = "4242424242424242"


def spaced(separator: str, groups: tuple[str, ...] = ("4242", "4242", "4242", "4242")) -> str:
    return separator.join(groups)


@pytest.mark.parametrize(
    "text",
    [
        # Invisible (format) characters, between groups or between every digit: skipped as if absent.
        spaced("\u200b"),  # zero-width space
        "\u200b".join(VISA),
        spaced("\u200c"),  # zero-width non-joiner
        spaced("\u200d"),  # zero-width joiner
        spaced("\u00ad"),  # soft hyphen
        "\u00ad".join(VISA),
        spaced("\u2060"),  # word joiner
        spaced("\ufeff"),  # byte order mark
        spaced("\u200e"),  # left-to-right mark
        spaced("\u202e"),  # right-to-left override
        spaced("\u2066") + "\u2069",  # isolates
        spaced("\u180e"),  # Mongolian vowel separator
        spaced("\U000e0020"),  # tag space
        spaced("\u3164"),  # Hangul filler (a "letter" that renders as nothing)
        spaced("\u200b" * 40),  # any number of them: they do not count as separators
        spaced(" \u200b \u00ad "),
        "\u034f".join(VISA),  # combining grapheme joiner
        "\ufe0f\u20e3".join(VISA) + "\ufe0f\u20e3",  # keycap emoji digits 4️⃣2️⃣…
        "\u0301".join(VISA),  # combining accents
        # Visible punctuation and symbols as separators, up to five in a row.
        spaced(","),
        spaced(", "),
        spaced(" , "),
        spaced("    "),  # four spaces
        spaced("     "),  # five
        spaced("\n    "),
        spaced(" - - "),
        spaced(":"),
        spaced(";"),
        spaced("|"),
        spaced("*"),
        spaced("·"),
        spaced("•"),
        spaced("\u2800"),  # braille blank
        spaced("\u3000"),  # ideographic space
        spaced("\u060c"),  # Arabic comma
        spaced("+"),
        "(4242) (4242) [4242] {4242}",
        "'4242' '4242' '4242' '4242'",
        "4,242,424,242,424,242",  # written like an amount
        "4242424242424242.",
        # A plus sign makes a phone number only up to E.164's 15 digits.
        "+4242424242424242",
        "+4242 4242 4242 4242",
        # Digits of other scripts and styles.
        "\uff14\uff12\uff14\uff12\uff0c\uff14\uff12\uff14\uff12\uff0c\uff14\uff12\uff14\uff12\uff0c\uff14\uff12\uff14\uff12",
        "\u096a\u0968\u096a\u0968" * 4,  # Devanagari
        "\u09ea\u09e8\u09ea\u09e8" * 4,  # Bengali
        "\u0e54\u0e52\u0e54\u0e52" * 4,  # Thai
        "\u06f4\u06f2\u06f4\u06f2" * 4,  # Extended Arabic-Indic (Persian)
        "\U0001d7d2\U0001d7d0\U0001d7d2\U0001d7d0" * 4,  # mathematical bold
        "\u2463\u2461\u2463\u2461" * 4,  # circled ④②
        "\u2783\u2781\u2783\u2781" * 4,  # dingbat circled ➃➁ (no compatibility mapping)
        "\u2074\u00b2\u2074\u00b2" * 4,  # superscripts
        "4242 \uff14\uff12\uff14\uff12 \u0664\u0662\u0664\u0662 4242",  # mixed
    ],
)
def test_hidden_card_numbers_are_found(text: str) -> None:
    assert looks_like_card_number(text)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "no digits here",
        "4242424242424241",  # fails Luhn
        "4242 4242 4242 4241",
        "424242424242",  # 12 digits
        "4242 4242 4242",
        "+49 30 1234567",
        "+1 (212) 555-0123",
        "+49 30 1234567 8907",  # after "+", at most 15 digits (passes Luhn): a phone number
        "+49301234567894",
        "+44 7911 123456",
        "0049 30 1234567",
        "2024-01-15",
        "2024-01-15T10:30:00Z",
        "from 2024-01-15 to 2024-02-16",
        "123e4567-e89b-12d3-a456-426614174000",
        "00000000-0000-0000-0000-000000000000",
        "a4242424242424242",  # part of an identifier
        "4242424242424242b",
        "sha 3a4242424242424242f9",
        "42424242424242424242",  # 20 digits
        "4242 4242 4242 4242 4242",
        "DE89 3704 0044 0532 0130 00",  # IBAN: letters, then 20 digits
        "12345678901234567890123",
        "4242      4242      4242      4242",  # six separators: groups of something else
        "4242\n\n\n\n\n\n4242\n\n\n\n\n\n4242\n\n\n\n\n\n4242",
        "order 1234567 of 2024-05-06, 3 items at 19.99",
        "DE89\u200b3704 0044 0532 0130 00",  # an IBAN stays an identifier with invisible characters too
        "4242424242424242\u200bx",  # touching a letter through an invisible character
        "1,299.00",
        "Prices: 1,299.00 and 2,499.00; shipping 4.99",
        "€ 1.299,00 / € 2.499,00",
        "15.01.2024",
        "from 15.01.2024 to 16.02.2024, 10:30-11:45",
        "Delivered 2024-01-15, 2024-02-16",  # 16 digits joined by ", " that fail Luhn
        "call 030 1234567 or 0171 2345678",
        "Sendungsnummer 0034 0434 1610 9404 2557",  # 20 digits
        "\u200b\u00ad\u2060",
        "\u0301" * 50,
        " ".join(["\uff14\uff12\uff14\uff12"] * 3 + ["\uff14\uff12\uff14\uff11"]),  # fails Luhn in fullwidth too
    ],
)
def test_other_digit_strings_are_not_card_numbers(text: str) -> None:
    assert not looks_like_card_number(text)


def test_the_amex_test_number_is_found_but_a_neighbour_is_not() -> None:
    assert looks_like_card_number("378282246310005")
    assert not looks_like_card_number("378282246310006")


def test_a_separator_ends_a_run_before_a_letter_only_when_it_touches() -> None:
    assert looks_like_card_number("4242424242424242-x")
    assert not looks_like_card_number("4242424242424242x")


def test_long_inputs_are_scanned_in_one_pass() -> None:
    # Patterns that make a backtracking regex explode: one huge run, and many runs each one digit short.
    assert not looks_like_card_number("1 " * 50_000)
    assert not looks_like_card_number(("4242 4242 4242 " + "x") * 7_000)
    assert looks_like_card_number("1-" * 50_000 + " .. .. 4242 4242 4242 4242")
    assert looks_like_card_number("\u200b" * 100_000 + "4242 4242 4242 4242")
    assert not looks_like_card_number(",\u200b" * 100_000)


@pytest.mark.parametrize(
    ("digits", "valid"),
    [
        ("4242424242424242", True),
        ("4242424242424241", False),
        ("79927398713", True),
        ("0", True),
        ("18", True),
        ("19", False),
        ("", False),
        ("4242 4242", False),
        ("42a2", False),
        ("\uff11\uff18", True),
    ],
)
def test_luhn(digits: str, valid: bool) -> None:
    assert luhn_valid(digits) is valid


@pytest.mark.parametrize(
    "text",
    [
        "Delivered on 2025-01-01 04:19:00, thanks",
        "shipped at 2026-11-30 23:59:58+00:00",
        "2026-12-04 21:07:08.891144+00:00",
        "from 01/02/2025 10:42:17 to 03/04/2025 11:00:02",
        "call 12:30:45:67:89:01:23",
    ],
)
def test_times_and_dates_are_not_card_numbers(text: str) -> None:
    assert not looks_like_card_number(text)


def test_times_and_dates_in_bulk_are_never_card_numbers() -> None:
    import random

    generator = random.Random(14)
    for _ in range(2000):
        stamp = (
            f"{generator.randint(1990, 2099)}-{generator.randint(1, 12):02d}-{generator.randint(1, 28):02d} "
            f"{generator.randint(0, 23):02d}:{generator.randint(0, 59):02d}:{generator.randint(0, 59):02d}"
        )
        assert not looks_like_card_number(f"Status changed {stamp}+00:00"), stamp
        assert not looks_like_card_number(f"{stamp[8:10]}/{stamp[5:7]}/{stamp[:4]} {stamp[11:]}"), stamp


@pytest.mark.parametrize(
    "text",
    ["4242:4242:4242:4242", "4242/4242/4242/4242", "(4242) 4242 4242 4242", "3782:822463:10005", "4242#4242#4242#4242"],
)
def test_cards_behind_other_separators_in_their_own_grouping_are_found(text: str) -> None:
    assert looks_like_card_number(text)
