"""Spotting a payment card number (PAN) in free text, so that it is never stored.

The text is NFKC-normalised first (fullwidth digits become ASCII ones, non-breaking spaces plain spaces);
any Unicode decimal digit counts. A *run* is a maximal sequence of digits in which up to three
separator characters (spaces, tabs, line breaks, dashes, dots, slashes, underscores) may separate
groups, as people type "4242 4242 4242 4242", "4242-4242-4242-4242" or "4242.4242 / 4242.4242". The text
looks like a card number when some run has 13 to 19 digits and passes the Luhn check, except that

- a run of more than 19 digits is not one (order or account numbers, IBAN-like strings);
- a run right after "+" is a phone number;
- a run touching an ASCII letter is part of an identifier (hex hashes, UUIDs, SKUs).

One pass over the text, no regular expression: linear time on any input.
"""

import unicodedata

MIN_DIGITS = 13
MAX_DIGITS = 19
# Hyphen-minus, hyphen (NFKC's form of the non-breaking hyphen), figure dash, en dash, minus sign.
_DASHES = frozenset("-\u2010\u2012\u2013\u2212")
_SEPARATORS = _DASHES | set(" \t\r\n./_")
MAX_SEPARATORS = 3  # between two groups


def luhn_valid(digits: str) -> bool:
    """Whether a string of decimal digits (no separators) passes the Luhn checksum."""
    if not digits.isdecimal():
        return False
    return _luhn([unicodedata.decimal(char) for char in digits])


def looks_like_card_number(text: str) -> bool:
    run: list[int] = []  # the current run's digits, up to MAX_DIGITS + 1 (beyond that it cannot qualify)
    count = 0
    separators = 0  # separator characters since the last digit
    blocked = False  # the run started right after "+" or an ASCII letter
    previous = ""
    for char in unicodedata.normalize("NFKC", text):
        if char.isdecimal():
            if count == 0:
                blocked = previous == "+" or _is_ascii_letter(previous)
            if count <= MAX_DIGITS:
                run.append(unicodedata.decimal(char))
            count += 1
            separators = 0
        elif char in _SEPARATORS and count and separators < MAX_SEPARATORS:
            separators += 1
        else:
            # A letter right after the last digit blocks the run; after a separator it does not.
            ends_in_letter = not separators and _is_ascii_letter(char)
            if count and not blocked and not ends_in_letter and _qualifies(run, count):
                return True
            run, count, separators = [], 0, 0
        previous = char
    return bool(count) and not blocked and _qualifies(run, count)


def _qualifies(run: list[int], count: int) -> bool:
    return MIN_DIGITS <= count <= MAX_DIGITS and _luhn(run)


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
