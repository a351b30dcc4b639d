"""The storefront route contract: one table builds every mailed link, values encoded, the portal by default."""

from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from pydantic import SecretStr

from app.config import ConfigurationError, Settings
from app.links import Route, storefront_link
from app.templates import EMAIL_TEMPLATES
from tests.support import route_pattern

README = (Path(__file__).parent.parent / "README.md").read_text()
# Templates whose link is not a storefront page: the data export downloads from this server (PUBLIC_URL).
ELSEWHERE = {"data_export_ready"}
HOSTILE_TOKEN = "a+b/c=d&token=evil#frag ?%20é"
HOSTILE_NUMBER = "T-1/../../admin?x=1#y"


def settings(**values: Any) -> Settings:
    return Settings(_env_file=None, **values)


def build(route: Route, base: str = "https://shop.test", number: str = "T-000123", token: str = "tok") -> str:
    query = dict.fromkeys(route.query, token)
    return storefront_link(settings(storefront_url=base), route, number=number if route.takes_number else None, **query)


@pytest.mark.parametrize("route", list(Route))
def test_every_route_builds_base_path_and_query(route: Route) -> None:
    link = build(route)
    parts = urlsplit(link)
    assert (parts.scheme, parts.netloc, parts.fragment) == ("https", "shop.test", "")
    assert parts.path == route.path.format(number="T-000123")
    assert parse_qs(parts.query) == {name: ["tok"] for name in route.query}
    assert route_pattern(route).fullmatch(link.removeprefix("https://shop.test"))


@pytest.mark.parametrize("route", list(Route))
def test_values_are_encoded_so_they_cannot_change_the_path_or_add_parameters(route: Route) -> None:
    link = build(route, number=HOSTILE_NUMBER, token=HOSTILE_TOKEN)
    parts = urlsplit(link)
    assert parts.fragment == ""
    assert parse_qs(parts.query) == {name: [HOSTILE_TOKEN] for name in route.query}
    if route.takes_number:
        prefix = route.path.removesuffix("{number}")
        assert parts.path.startswith(prefix)
        assert unquote(parts.path.removeprefix(prefix)) == HOSTILE_NUMBER
        assert "/" not in parts.path.removeprefix(prefix)
    else:
        assert parts.path == route.path


def test_a_storefront_under_a_path_keeps_it_and_a_trailing_slash_is_dropped() -> None:
    assert build(Route.ACTIVATE, base="https://example.com/shop/") == "https://example.com/shop/activate?token=tok"


@pytest.mark.parametrize("route", list(Route))
def test_a_missing_or_extra_value_is_a_bug_not_a_broken_link(route: Route) -> None:
    config = settings(storefront_url="https://shop.test")
    with pytest.raises(ValueError, match=route.name):
        storefront_link(config, route, number=None if route.takes_number else "T-1")
    with pytest.raises(ValueError, match=route.name):
        storefront_link(config, route, number="T-1" if route.takes_number else None, unexpected="x")


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({}, "http://localhost:8000/account"),
        ({"port": 9123}, "http://localhost:9123/account"),
        ({"host": "0.0.0.0"}, "http://localhost:8000/account"),  # noqa: S104 (a value under test)
        ({"host": "::1"}, "http://localhost:8000/account"),
        ({"host": "accounts.internal", "port": 80}, "http://accounts.internal:80/account"),
        ({"host": "2001:db8::1"}, "http://[2001:db8::1]:8000/account"),
        ({"public_url": "https://accounts.example.com/"}, "https://accounts.example.com/account"),
        ({"storefront_url": ""}, "http://localhost:8000/account"),
        ({"storefront_url": "https://shop.example.com/"}, "https://shop.example.com"),
    ],
)
def test_storefront_url_defaults_to_the_portal_under_our_own_address(values: dict[str, Any], expected: str) -> None:
    assert settings(**values).effective_storefront_url == expected


def test_the_default_reads_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("STOREFRONT_URL", raising=False)
    monkeypatch.setenv("PUBLIC_URL", "https://accounts.example.com")
    assert storefront_link(settings(), Route.TICKET, number="T-000123") == (
        "https://accounts.example.com/account/tickets/T-000123"
    )


def production(tmp_path: Path, **changes: Any) -> Settings:
    values: dict[str, Any] = {
        "environment": "production",
        "data_dir": tmp_path,
        "secret_key": SecretStr("k" * 40),
        "encryption_keys": SecretStr("k1:" + "A" * 43 + "="),
        "smtp_url": SecretStr("smtp://mail.example.com"),
        "public_url": "https://accounts.example.com",
        "mail_from": "Example Shop <no-reply@shop.example.com>",
        "seller_name": "Example Shop GmbH",
        "seller_address": "Hauptstrasse 5|80331 Munich|Germany",
        "seller_tax_id": "DE811907980",
        **changes,
    }
    return settings(**values)


def test_production_with_the_portal_needs_only_public_url(tmp_path: Path) -> None:
    assert production(tmp_path).with_secrets().effective_storefront_url == "https://accounts.example.com/account"


def test_production_refuses_the_default_portal_on_this_machine(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError) as raised:
        production(tmp_path, public_url=None).with_secrets()
    assert (
        "STOREFRONT_URL (unset, so http://localhost:8000/account from PUBLIC_URL or HOST and PORT) points at this"
        in str(raised.value)
    )


def test_every_mail_with_a_link_names_its_route_and_every_route_is_used() -> None:
    linked = {name: template for name, template in EMAIL_TEMPLATES.items() if template.link_label}
    assert {name for name, template in linked.items() if template.link_route is None} == ELSEWHERE
    assert all(template.link_label for template in EMAIL_TEMPLATES.values() if template.link_route)
    assert {template.link_route for template in linked.values()} - {None} == set(Route)


def test_the_readme_lists_every_route_with_the_mails_that_use_it() -> None:
    section = README.split("### Storefront routes (the mail link contract)", 1)[1].split("\n## ", 1)[0]
    rows = {line.split("|")[1].strip(): line for line in section.splitlines() if line.startswith("| `")}
    for route in Route:
        row = rows.get(f"`{route.name}`")
        assert row is not None, f"{route.name} missing from the README's route table"
        assert f"`{route.path.replace('{number}', '<number>')}`" in row
        for name in route.query:
            assert f"`{name}`" in row
        for template, found in EMAIL_TEMPLATES.items():
            if found.link_route is route:
                assert f"`{template}`" in row, f"{template} missing from the README row of {route.name}"
