"""Looking tickets, offers and returns up by the number our mails name, as a storefront link would."""

from typing import Any

from tests.support import Api

# Text that can never be a number: each reads as "not found" (null), never as an error or a 500.
JUNK = [
    "",
    "   ",
    "-",
    "%",
    "_",
    "T-%",
    "' OR '1'='1",
    "T-\u0661\u0662\u0663",  # Arabic-Indic digits
    "\u202eT-1",
    "T-1\n2",
    "😀",
    "9" * 33,
    "T-" + "1" * 10_240,
]


def lookup_query(field: str, selection: str) -> str:
    return f"query($n: String!) {{ {field}(number: $n) {{ {selection} }} }}"


async def find(api: Api, field: str, number: str, token: str | None, selection: str = "id number") -> Any:
    """The object (or None) the caller finds under `number`; asserts the lookup raised no error."""
    return (await api.ok(lookup_query(field, selection), {"n": number}, token=token))[field]


def variants(number: str) -> list[str]:
    """How a customer may type or paste a number: any case of the prefix, spaces around."""
    return [number, number.lower(), f"  {number}\t", f"\n{number.lower()} "]


def unicode_digits(number: str) -> str:
    """The number with its ASCII digits written as fullwidth digits (looks the same, is not the same)."""
    return "".join(chr(ord(c) - ord("0") + 0xFF10) if c.isdigit() else c for c in number)
