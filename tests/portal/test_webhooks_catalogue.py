"""The console's webhooks pages offer exactly the event catalogue's types (app/integration/catalogue.py), in its
order: a type added to the catalogue without the page would be one administrators could not choose."""

import re
from pathlib import Path

from app.integration.catalogue import CATALOGUE

PARTS = Path(__file__).resolve().parents[2] / "portal" / "src" / "staff" / "webhooks-parts.js"


def test_the_pages_offer_every_type_of_the_catalogue() -> None:
    source = PARTS.read_text(encoding="utf-8")
    listed = re.search(r"export const EVENT_TYPES = \[(.*?)\];", source, re.DOTALL)
    assert listed
    assert re.findall(r'"([\w.]+)"', listed.group(1)) == list(CATALOGUE)
