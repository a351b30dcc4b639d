"""The customer-accounts command: migrate, seed-demo, create-admin, export-schema."""

import io
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlmodel import col

from app.cli import main
from app.config import Settings
from app.runtime import Runtime
from models.customer import Customer, CustomerRole, Role
from models.help import HelpArticle
from models.privacy import PrivacyPolicy


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Settings:
    database = tmp_path / "cli.db"
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{database}")
    monkeypatch.setenv("ENVIRONMENT", "development")
    monkeypatch.setenv("ARGON2_MEMORY_KIB", "64")
    monkeypatch.setenv("ARGON2_TIME_COST", "1")
    monkeypatch.setenv("LOG_FORMAT", "json")
    return Settings().with_secrets()


async def roles_by_email(settings: Settings) -> dict[str, set[Role]]:
    rt = Runtime.create(settings)
    try:
        async with rt.db.read() as session:
            found = await session.execute(select(col(Customer.email), col(CustomerRole.role)).join(CustomerRole))
            result: dict[str, set[Role]] = {}
            for email, role in found:
                result.setdefault(email, set()).add(role)
            return result
    finally:
        await rt.close()


async def help_slugs(settings: Settings) -> list[str]:
    rt = Runtime.create(settings)
    try:
        async with rt.db.read() as session:
            return list(
                (await session.execute(select(col(HelpArticle.slug)).order_by(col(HelpArticle.slug)))).scalars()
            )
    finally:
        await rt.close()


async def policy_versions(settings: Settings) -> list[str]:
    rt = Runtime.create(settings)
    try:
        async with rt.db.read() as session:
            return list((await session.execute(select(col(PrivacyPolicy.version)))).scalars())
    finally:
        await rt.close()


def run_cli(*args: str) -> int:
    return main(list(args))


async def test_migrate_seed_and_create_admin(
    cli_env: Settings, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import asyncio

    loop = asyncio.get_running_loop()
    assert await loop.run_in_executor(None, run_cli, "migrate") == 0
    assert await loop.run_in_executor(None, run_cli, "seed-demo") == 0
    out = capsys.readouterr().out
    assert "alex.demo@example.com" in out
    assert "admin@example.com" in out
    assert "support@example.com" in out
    assert await loop.run_in_executor(None, run_cli, "seed-demo") == 0  # idempotent
    assert await policy_versions(cli_env) == ["demo-1"]
    assert await help_slugs(cli_env) == [
        "can-i-pay-by-invoice",
        "how-do-i-return-an-item",
        "when-will-i-get-my-refund",
        "where-is-my-parcel",
    ]

    monkeypatch.setattr("sys.stdin", io.StringIO("a long admin passphrase\n"))
    assert (
        await loop.run_in_executor(None, run_cli, "create-admin", "--email", "Boss@Example.com", "--password-stdin")
        == 0
    )
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    assert (
        await loop.run_in_executor(None, run_cli, "create-admin", "--email", "weak@example.com", "--password-stdin")
        == 2
    )
    assert "at least 10 characters" in capsys.readouterr().err

    roles = await roles_by_email(cli_env)
    assert roles["Boss@example.com"] == {Role.ADMIN}
    assert roles["admin@example.com"] == {Role.ADMIN}
    assert roles["alex.demo@example.com"] == {Role.CUSTOMER}
    assert "weak@example.com" not in roles


def test_export_schema_writes_the_sdl(tmp_path: Path) -> None:
    target = tmp_path / "schema.graphql"
    assert run_cli("export-schema", "--output", str(target)) == 0
    assert "type Query" in target.read_text()


def test_production_without_secrets_is_refused(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ENVIRONMENT", "production")
    monkeypatch.setenv("DATA_DIR", str(tmp_path))
    monkeypatch.delenv("SECRET_KEY", raising=False)
    assert run_cli("migrate") == 2
    assert "refusing to start in production" in capsys.readouterr().err


async def test_worker_process_delivers_the_outbox_and_stops_on_sigterm(settings: Settings, mailbox: object) -> None:
    """`customer-accounts worker` is the scale-out path: a separate process draining the same outbox."""
    import asyncio
    import os
    import signal
    import sys

    from app.outbox import enqueue_email
    from tests.support import Mailbox

    assert isinstance(mailbox, Mailbox)
    rt = Runtime.create(settings)
    try:
        async with rt.db.unit_of_work() as session:
            enqueue_email(
                session,
                rt.keyring,
                "account_approved",
                "worker@example.com",
                {"name": "W", "link": "https://shop.test/login"},
            )
    finally:
        await rt.close()
    assert settings.smtp_url is not None
    assert settings.secret_key is not None
    assert settings.encryption_keys is not None
    env = {
        **os.environ,
        "ENVIRONMENT": "test",
        "DATA_DIR": str(settings.data_dir),
        "DATABASE_URL": settings.effective_database_url,
        "SMTP_URL": settings.smtp_url.get_secret_value(),
        "SECRET_KEY": settings.secret_key.get_secret_value(),
        "ENCRYPTION_KEYS": settings.encryption_keys.get_secret_value(),
        "OUTBOX_POLL_SECONDS": "0.2",
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "app.cli",
        "worker",
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        await mailbox.wait_for("worker@example.com", "Your account is approved", timeout=30)
    finally:
        process.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.wait_for(process.communicate(), timeout=20)
    assert process.returncode == 0, stderr.decode()
    assert b"outbox dispatcher stopped" in stderr


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("postgresql+asyncpg://app:s3cret@db:5432/shop", "postgresql+asyncpg://***@db:5432/shop"),
        ("postgresql+asyncpg://app@db/shop?password=s3cret", "postgresql+asyncpg://***@db/shop?password=***"),
        ("redis://r:6379/0?password=s3cret&db=2", "redis://r:6379/0?password=***&db=2"),
        ("rediss://:p@ss@word@r:6380", "rediss://***@r:6380"),
        ("redis://default:s3cret@r", "redis://***@r"),
        ("sqlite+aiosqlite:///var/customer-accounts.db", "sqlite+aiosqlite:///var/customer-accounts.db"),
    ],
)
def test_connection_urls_in_log_lines_hide_every_secret(url: str, shown: str) -> None:
    from app.runtime import redact_url

    assert redact_url(url) == shown
    assert "s3cret" not in redact_url(url)
    assert "ss@word" not in redact_url(url)


async def test_groups_commands_create_update_list_and_move(
    settings: Settings, rt: Runtime, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`customer-accounts groups …` against the test database (SQLite or PostgreSQL), through the same
    service functions and validation as the GraphQL mutations."""
    import asyncio

    from models.customer import ActivationMode, CustomerGroupMove
    from tests.support import make_customer, make_group

    assert settings.secret_key is not None
    assert settings.encryption_keys is not None
    monkeypatch.setenv("ENVIRONMENT", "test")
    monkeypatch.setenv("DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("DATABASE_URL", settings.effective_database_url)
    monkeypatch.setenv("SECRET_KEY", settings.secret_key.get_secret_value())
    monkeypatch.setenv("ENCRYPTION_KEYS", settings.encryption_keys.get_secret_value())
    monkeypatch.setenv("DEFAULT_CURRENCY", "EUR")
    await make_group(rt, "retail", ActivationMode.EMAIL_LINK)
    customer = await make_customer(rt, group_code="retail")
    loop = asyncio.get_running_loop()

    async def cli(*args: str) -> int:
        return await loop.run_in_executor(None, run_cli, "groups", *args)

    create = ("create", "trade", "--name", "Trade", "--activation-mode", "ADMIN_APPROVAL", "--self-registration", "no")
    assert await cli(*create, "--credit-limit", "2500.50", "--payment-terms-days", "30") == 0
    assert await cli(*create) == 2
    assert "CODE_TAKEN" in capsys.readouterr().err
    assert await cli("create", "Bad Code", "--name", "x", "--activation-mode", "NONE") == 2
    assert (
        await cli("create", "ok-code", "--name", "x", "--activation-mode", "NONE", "--payment-terms-days", "400") == 2
    )
    assert await cli("create", "ok-code", "--name", "x", "--activation-mode", "NONE", "--credit-limit", "-5") == 2
    err = capsys.readouterr().err
    assert "INVALID: Payment terms are 0 to 365 days. (paymentTermsDays)" in err
    assert "INVALID: The credit limit cannot be negative. (defaultCreditLimit)" in err

    assert await cli("update", "trade", "--name", "Trade customers", "--payment-terms-days", "none") == 0
    assert await cli("update", "nope", "--name", "x") == 2
    assert "NOT_FOUND" in capsys.readouterr().err
    assert await cli("list") == 0
    listed = capsys.readouterr().out
    trade = next(line for line in listed.splitlines() if line.startswith("trade "))
    assert trade.split()[:2] == ["trade", "ADMIN_APPROVAL"]
    assert "2500.50 EUR" in trade
    assert trade.endswith("Trade customers")
    assert "net 30" not in trade

    assert await cli("move", "--email", customer.email, "--group", "trade", "--reason", " ") == 2
    assert await cli("move", "--email", "nobody@example.com", "--group", "trade", "--reason", "r") == 2
    assert await cli("move", "--email", customer.email.upper(), "--group", "trade", "--reason", "contract") == 0
    assert await cli("move", "--email", customer.email, "--group", "trade", "--reason", "again") == 2
    assert "SAME_GROUP" in capsys.readouterr().err
    async with rt.db.read() as session:
        moves = list((await session.execute(select(CustomerGroupMove))).scalars())
    assert [(m.customer_id, m.reason, m.actor_id) for m in moves] == [(customer.id, "contract", None)]
