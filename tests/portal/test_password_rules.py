"""The portal's copy of the common passwords is the server's: the ones long enough to pass the length rule."""

import json
import re
from pathlib import Path

from app.security.passwords import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH, common_passwords

MODULE = Path(__file__).resolve().parents[2] / "portal" / "src" / "common-passwords.js"
LIST = re.compile(r"new Set\(\[\n(.*)\n\]\);", re.DOTALL)


def expected() -> list[str]:
    return sorted(p for p in common_passwords() if MIN_PASSWORD_LENGTH <= len(p) <= MAX_PASSWORD_LENGTH)


def test_the_portal_lists_the_servers_common_passwords() -> None:
    found = LIST.search(MODULE.read_text(encoding="utf-8"))
    assert found, f"no list in {MODULE}"
    portal = json.loads(f"[{found.group(1).rstrip().rstrip(',')}]")
    assert portal == expected(), "paste the server's list: " + json.dumps(expected())
