"""The README's Configuration table and app/config.py describe the same settings with the same defaults: a
setting missing from the table is one an operator cannot find, and a name or default in the table that the code
does not have sends them after something that does not exist."""

import re
from pathlib import Path
from typing import Any

from pydantic_core import PydanticUndefined

from app.config import Settings

README = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")

# Named in the table, read from the environment by something other than Settings (with the reason).
NOT_IN_SETTINGS = {
    "PROMETHEUS_MULTIPROC_DIR": "read by `serve` and prometheus_client from the process environment",
}
# Defaults the table states as the effective value, which Settings derives when the field is unset.
DERIVED_DEFAULTS = {"DATABASE_URL", "PUBLIC_URL"}
LITERAL = re.compile(r"^`([^`]*)`$")


def _rows() -> list[tuple[list[str], str]]:
    section = README.split("\n## Configuration\n", 1)[1].split("\n## ", 1)[0]
    rows = []
    for line in section.splitlines():
        if not line.startswith("| `"):
            continue
        cells = [cell.strip() for cell in re.split(r"(?<!\\)\|", line)[1:-1]]
        rows.append((re.findall(r"`([A-Z][A-Z0-9_]*)`", cells[0]), cells[1]))
    return rows


def _same(literal: str, default: Any) -> bool:
    if isinstance(default, bool):
        return literal == str(default).lower()
    if isinstance(default, int | float):
        return float(literal) == float(default)
    return literal == str(default)


def test_every_setting_is_in_the_table_and_every_name_in_the_table_is_a_setting() -> None:
    fields = {name.upper() for name in Settings.model_fields}
    named = {name for names, _ in _rows() for name in names}
    assert sorted(fields - named) == [], "settings missing from the README's Configuration table"
    assert sorted(named - fields - NOT_IN_SETTINGS.keys()) == [], "the README names settings app/config.py lacks"


def test_the_literal_defaults_of_the_table_are_the_code_s() -> None:
    fields = {name.upper(): field for name, field in Settings.model_fields.items()}
    checked = 0
    for names, default_cell in _rows():
        parts = [part.strip() for part in default_cell.split(", ")]
        if len(parts) != len(names):
            continue  # a default written as a sentence ("`sandbox`, or `none` in production")
        for name, part in zip(names, parts, strict=True):
            literal = LITERAL.match(part)
            if literal is None or name not in fields or name in DERIVED_DEFAULTS:
                continue
            default = fields[name].default
            assert default is not PydanticUndefined, f"{name} has a computed default; the table gives {part}"
            assert _same(literal.group(1), default), f"{name}: README says {part}, app/config.py {default!r}"
            checked += 1
    assert checked > 100
