"""Production refuses to start with values that would reach customers' mail and legal documents:
links on this machine, the demo seller, no seller tax id, a sender at localhost. One message names them all."""

from pathlib import Path
from typing import Any

import pytest
from httpx import ASGITransport, AsyncClient
from pydantic import SecretStr

from app.cli import main
from app.config import DEMO_SELLER_ADDRESS, DEMO_SELLER_NAME, ConfigurationError, Settings
from app.main import create_app


def production(tmp_path: Path, **changes: Any) -> Settings:
    values: dict[str, Any] = {
        "environment": "production",
        "data_dir": tmp_path,
        "secret_key": SecretStr("k" * 40),
        "encryption_keys": SecretStr("k1:" + "A" * 43 + "="),
        "smtp_url": SecretStr("smtp://mail.example.com"),
        "storefront_url": "https://shop.example.com",
        "public_url": "https://accounts.example.com",
        "mail_from": "Example Shop <no-reply@shop.example.com>",
        "seller_name": "Example Shop GmbH",
        "seller_address": "Hauptstrasse 5|80331 Munich|Germany",
        "seller_tax_id": "DE811907980",
        **changes,
    }
    return Settings(**values)


def refusal(settings: Settings) -> str:
    with pytest.raises(ConfigurationError) as raised:
        settings.with_secrets()
    return str(raised.value)


def test_a_complete_production_configuration_is_accepted(tmp_path: Path) -> None:
    settings = production(tmp_path).with_secrets()
    assert settings.is_production


@pytest.mark.parametrize(
    "host",
    [
        "localhost",
        "LOCALHOST.",
        "localhost:3000",
        "shop.localhost",
        "127.0.0.1",
        "127.0.0.1:8000",
        "127.1",
        "127.255.255.254",
        "2130706433",
        "0x7f000001",
        "0.0.0.0",  # noqa: S104 (a value under test, not a bind address)
        "0",
        "[::1]",
        "[::1]:8000",
        "[::]",
        "[::ffff:127.0.0.1]",
        "[0:0:0:0:0:0:0:1]",
    ],
)
@pytest.mark.parametrize("setting", ["storefront_url", "public_url"])
def test_links_on_this_machine_are_refused(tmp_path: Path, setting: str, host: str) -> None:
    message = refusal(production(tmp_path, **{setting: f"http://{host}/shop"}))
    assert f"{setting.upper()} (http://{host}/shop) points at this machine" in message


@pytest.mark.parametrize(
    "value", ["shop.example.com", "ftp://shop.example.com", "https://", "https://shop.example.com:99999"]
)
def test_links_that_are_not_web_urls_are_refused(tmp_path: Path, value: str) -> None:
    assert "STOREFRONT_URL" in refusal(production(tmp_path, storefront_url=value))


def test_an_unset_public_url_takes_host_and_port_and_is_refused_on_a_wildcard(tmp_path: Path) -> None:
    message = refusal(production(tmp_path, public_url=None, host="0.0.0.0"))  # noqa: S104
    assert "PUBLIC_URL (unset, so http://0.0.0.0:8000 from HOST and PORT) points at this machine" in message
    assert production(tmp_path, public_url=None, host="accounts.example.com").with_secrets()


@pytest.mark.parametrize(
    "url", ["https://localhost.example.com", "https://127.example.com", "http://10.0.0.5:8000", "https://[2001:db8::1]"]
)
def test_names_that_only_look_local_are_accepted(tmp_path: Path, url: str) -> None:
    assert production(tmp_path, storefront_url=url, public_url=url).with_secrets()


@pytest.mark.parametrize(
    ("changes", "named"),
    [
        ({"seller_name": DEMO_SELLER_NAME}, "SELLER_NAME"),
        ({"seller_name": "   "}, "SELLER_NAME"),
        ({"seller_address": DEMO_SELLER_ADDRESS}, "SELLER_ADDRESS"),
        ({"seller_address": ""}, "SELLER_ADDRESS"),
        ({"seller_tax_id": None}, "SELLER_TAX_ID"),
        ({"seller_tax_id": "  "}, "SELLER_TAX_ID"),
    ],
)
def test_the_demo_seller_and_a_missing_tax_id_are_refused(tmp_path: Path, changes: dict[str, Any], named: str) -> None:
    message = refusal(production(tmp_path, **changes))
    assert named in message
    assert message.count(";") == 0  # only that one problem


@pytest.mark.parametrize(
    "sender",
    [
        "no-reply@localhost",
        "Customer Accounts <no-reply@localhost>",
        "Shop <no-reply@LOCALHOST>",
        "no-reply@127.0.0.1",
        "no-reply@[127.0.0.1]",
        "no-reply@[IPv6:::1]",
        "no-reply@mail.localhost",
        "no-reply",
        "",
    ],
)
def test_a_sender_at_localhost_is_refused(tmp_path: Path, sender: str) -> None:
    assert "MAIL_FROM" in refusal(production(tmp_path, mail_from=sender))


def test_a_seller_email_at_localhost_is_refused(tmp_path: Path) -> None:
    assert "SELLER_EMAIL (billing@localhost)" in refusal(production(tmp_path, seller_email="billing@localhost"))
    assert production(tmp_path, seller_email="billing@shop.example.com").with_secrets()


def test_the_defaults_are_named_all_at_once_in_one_line(tmp_path: Path) -> None:
    message = refusal(
        Settings(
            environment="production",
            data_dir=tmp_path,
            secret_key=SecretStr("k" * 40),
            encryption_keys=SecretStr("k1:" + "A" * 43 + "="),
            smtp_url=SecretStr("smtp://mail.example.com"),
        )
    )
    assert "\n" not in message
    assert message.startswith("refusing to start in production: ")
    for name in ("STOREFRONT_URL", "PUBLIC_URL", "SELLER_NAME", "SELLER_ADDRESS", "SELLER_TAX_ID", "MAIL_FROM"):
        assert name in message, name


def test_development_keeps_its_defaults(tmp_path: Path) -> None:
    settings = Settings(environment="development", data_dir=tmp_path).with_secrets()
    assert (settings.seller_name, settings.mail_from) == (DEMO_SELLER_NAME, "Customer Accounts <no-reply@localhost>")


def test_the_server_does_not_start(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="SELLER_TAX_ID"):
        create_app(production(tmp_path, seller_tax_id=None))


def test_the_command_line_says_what_is_wrong(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for name, value in {
        "ENVIRONMENT": "production",
        "DATA_DIR": str(tmp_path),
        "SECRET_KEY": "k" * 40,
        "ENCRYPTION_KEYS": "k1:" + "A" * 43 + "=",
        "SMTP_URL": "smtp://mail.example.com",
        "STOREFRONT_URL": "http://localhost:3000",
        "PUBLIC_URL": "https://accounts.example.com",
        "MAIL_FROM": "Shop <no-reply@localhost>",
        "SELLER_NAME": "Example Shop GmbH",
        "SELLER_ADDRESS": "Hauptstrasse 5|80331 Munich|Germany",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("SELLER_TAX_ID", raising=False)
    assert main(["migrate"]) == 2
    error = capsys.readouterr().err
    assert "refusing to start in production" in error
    assert all(name in error for name in ("STOREFRONT_URL", "MAIL_FROM", "SELLER_TAX_ID"))
    assert "PUBLIC_URL" not in error
    assert "SELLER_NAME" not in error


async def test_a_complete_production_configuration_serves(app_factory: Any) -> None:
    application, _ = await app_factory(environment="production")
    async with AsyncClient(transport=ASGITransport(app=application), base_url="http://t") as http:
        assert (await http.get("/healthz")).json() == {"status": "ok"}
