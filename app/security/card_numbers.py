"""Spotting a payment card number (PAN) in free text, so that it is never stored.

The text is NFKC-normalised first (fullwidth and mathematical digits become ASCII ones, "①" and "²" plain
digits, non-breaking and ideographic spaces plain spaces); any Unicode digit counts ("٤", "४", "➀").
Invisible characters are skipped as if absent: format characters (category Cf: zero-width space and
joiners, soft hyphen, word joiner, BOM, bidi controls), combining marks (keycaps, variation selectors) and
the other default-ignorable code points (Hangul fillers, unassigned tags).

A *run* is a maximal sequence of digits in which up to five separator characters (anything that is not a
digit nor a letter: spaces, line breaks, dashes, dots, commas, slashes, colons, brackets, symbols) may
separate groups, as people type "4242 4242 4242 4242", "4242,4242,4242,4242" or "4242 - 4242 / 4242". Groups
joined by whitespace, dashes, dots, commas and underscores may have any length; other separators (colons,
slashes, brackets, symbols) join a run only in a card's own grouping (4-4-4-4[-3], 4-6-5, 4-6-4), so times
and dates ("2025-01-01 04:19:00", "01/02/2025") are not read as cards. The text looks like a card number
when some run has 13 to 19 digits and passes the Luhn check, except that

- a run of more than 19 digits is not one (order or account numbers, IBAN-like strings);
- a run right after "+" of at most 15 digits is a phone number (E.164 allows no more);
- a run touching an ASCII letter is part of an identifier (hex hashes, UUIDs, SKUs, IBANs).

One pass over the text, no regular expression: linear time on any input.
"""

import unicodedata

MIN_DIGITS = 13
MAX_DIGITS = 19
MAX_PHONE_DIGITS = 15  # E.164
MAX_SEPARATORS = 5  # between two groups: "4242    4242" still joins, a paragraph of punctuation does not
_IGNORED_CATEGORIES = frozenset({"Cf", "Mn", "Me"})
# Default-ignorable code points outside those categories: rendered as nothing, so they hide nothing either.
_IGNORED_CHARACTERS = frozenset("\u115f\u1160\u2065\u3164\uffa0" + "".join(map(chr, range(0xFFF0, 0xFFF9))))
_IGNORED_PLANE_14 = ("\U000e0000", "\U000e0fff")
# Separators that may join groups of any length; any other one needs a card's grouping.
_PLAIN_SEPARATORS = frozenset(" \t\n\r-.,_")


def luhn_valid(digits: str) -> bool:
    """Whether a string of decimal digits (no separators) passes the Luhn checksum."""
    if not digits.isdecimal():
        return False
    return _luhn([unicodedata.decimal(char) for char in digits])


def is_invisible(char: str) -> bool:
    """Whether a character renders as nothing (or only changes its neighbour): skipped by the scan."""
    if char < "\x80":
        return False
    low, high = _IGNORED_PLANE_14
    return unicodedata.category(char) in _IGNORED_CATEGORIES or char in _IGNORED_CHARACTERS or low <= char <= high


def looks_like_card_number(text: str) -> bool:
    run: list[int] = []  # the current run's digits, up to MAX_DIGITS + 1 (beyond that it cannot qualify)
    count = 0
    separators = 0  # separator characters since the last digit
    blocked = False  # the run started right after an ASCII letter
    after_plus = False  # the run started right after "+"
    previous = ""  # the last visible character
    groups: list[int] = []  # digits per group of the current run
    exotic = False  # some separator in the run was not a plain one
    for char in unicodedata.normalize("NFKC", text):
        if char.isdigit():
            if count == 0:
                blocked = _is_ascii_letter(previous)
                after_plus = previous == "+"
            if count <= MAX_DIGITS:
                run.append(unicodedata.digit(char))
            if separators or not groups:
                groups.append(0)
            groups[-1] += 1
            count += 1
            separators = 0
            previous = char
            continue
        if char >= "\x80" and is_invisible(char):
            continue  # as if absent: neither a separator, nor a letter, nor "previous"
        if count:
            if char.isalpha():
                # A letter right after the last digit blocks the run; after a separator it does not.
                ends_in_letter = not separators and _is_ascii_letter(char)
                if not ends_in_letter and _qualifies(run, count, blocked, after_plus, groups, exotic):
                    return True
                run, count, separators, groups, exotic = [], 0, 0, [], False
            elif separators < MAX_SEPARATORS:
                separators += 1
                exotic = exotic or char not in _PLAIN_SEPARATORS
            else:
                if _qualifies(run, count, blocked, after_plus, groups, exotic):
                    return True
                run, count, separators, groups, exotic = [], 0, 0, [], False
        previous = char
    return _qualifies(run, count, blocked, after_plus, groups, exotic)


def _qualifies(run: list[int], count: int, blocked: bool, after_plus: bool, groups: list[int], exotic: bool) -> bool:
    if blocked or not MIN_DIGITS <= count <= MAX_DIGITS:
        return False
    if exotic and not _card_grouping(groups):
        return False
    return (not after_plus or count > MAX_PHONE_DIGITS) and _luhn(run)


def _card_grouping(groups: list[int]) -> bool:
    """Whether digit groups are laid out as cards print them: 4-4-4-4 (and a last group of up to 4), 4-6-5,
    4-6-4, or all in one."""
    if len(groups) == 1 or groups in ([4, 6, 5], [4, 6, 4]):
        return True
    return all(size == 4 for size in groups[:-1]) and 1 <= groups[-1] <= 4


def _is_ascii_letter(char: str) -> bool:
    return char.isascii() and char.isalpha()


def _luhn(digits: list[int]) -> bool:
    total = 0
    for position, digit in enumerate(reversed(digits)):
        if position % 2:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return total % 10 == 0
