"""The `customer-accounts` command: serve, worker, migrate, create-admin, create-service-account, seed-demo, …"""

import argparse
import asyncio
import getpass
import os
import signal
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from app.config import ConfigurationError, Settings, load_settings
from app.logs import configure_logging
from app.outages import ServiceUnavailableError
from app.runtime import Runtime
from app.services.errors import AccountError
from models.customer import Role


def _runtime(*, worker: bool = False) -> Runtime:
    settings = load_settings()
    configure_logging(settings.log_level, settings.effective_log_format)
    return Runtime.create(settings, worker=worker)


def _run(job: Callable[[Runtime], Awaitable[int]], *, worker: bool = False) -> int:
    async def _main() -> int:
        rt = _runtime(worker=worker)
        try:
            return await job(rt)
        finally:
            await rt.close()

    return asyncio.run(_main())


def cmd_migrate(args: argparse.Namespace) -> int:
    from app.migrate import current_revision, upgrade

    async def job(rt: Runtime) -> int:
        await upgrade(rt.db.engine)
        print(f"database at revision {await current_revision(rt.db.engine)}")
        return 0

    return _run(job)


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    # The app (and its workers) read settings from the environment: --host/--port must reach them too,
    # since links to this server (PUBLIC_URL's default) are built from them.
    if args.host:
        os.environ["HOST"] = args.host
    if args.port:
        os.environ["PORT"] = str(args.port)
    settings = load_settings()  # fail fast on bad settings before forking workers
    if args.workers > 1 and not settings.redis_url:
        print(
            "warning: several workers without REDIS_URL: subscribers only see events handled by their own process",
            file=sys.stderr,
        )
    if settings.portal_enabled:
        print(f"My Account portal: {settings.portal_url}", flush=True)
    uvicorn.run(
        "app.asgi:app",
        host=args.host or settings.host,
        port=args.port or settings.port,
        workers=args.workers,
        proxy_headers=False,  # client addresses come from TRUSTED_PROXIES, never blindly from headers
        log_config=None,
        **websocket_options(settings),
    )
    return 0


def websocket_options(settings: Settings) -> dict[str, Any]:
    """How uvicorn serves WebSockets, the same for `serve` and the test suite's live server."""
    return {
        "ws": "websockets-sansio",
        # The protocol layer drops a message past the limit before it is buffered whole; the app closes
        # smaller ones over MAX_REQUEST_BYTES with the same 1009.
        "ws_max_size": settings.max_request_bytes,
        # No permessage-deflate, even when the client offers it: its compression state costs about 43 KiB
        # per connection, held for as long as a subscriber stays idle, and our messages are small.
        "ws_per_message_deflate": False,
    }


def cmd_worker(args: argparse.Namespace) -> int:
    from app.worker import Worker

    async def job(rt: Runtime) -> int:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await Worker(rt).run(stop)
        return 0

    return _run(job, worker=True)


def _read_password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    from_env = os.environ.get("ADMIN_PASSWORD")
    if from_env:
        return from_env
    first = getpass.getpass("Password: ")
    if getpass.getpass("Repeat password: ") != first:
        raise SystemExit("passwords do not match")
    return first


def cmd_create_service_account(args: argparse.Namespace) -> int:
    from app.services.service_accounts import ServiceAccountError, create_service_account

    async def job(rt: Runtime) -> int:
        try:
            created = await create_service_account(rt, args.name, args.scope or [])
        except ServiceAccountError as error:
            print(f"error: {error}", file=sys.stderr)
            return 2
        print(f"created service account {created.account.name!r} with scopes: {created.account.scopes}")
        print("API key (shown only now; send it as 'Authorization: Bearer <key>'):")
        print(created.api_key)
        return 0

    return _run(job)


def cmd_revoke_service_account(args: argparse.Namespace) -> int:
    from app.services.service_accounts import revoke_service_account

    async def job(rt: Runtime) -> int:
        if await revoke_service_account(rt, args.name):
            print(f"revoked service account {args.name!r}")
            return 0
        print(f"error: no active service account named {args.name!r}", file=sys.stderr)
        return 2

    return _run(job)


def cmd_create_admin(args: argparse.Namespace) -> int:
    from app.services.setup import create_account

    password = _read_password(args)

    async def job(rt: Runtime) -> int:
        try:
            result = await create_account(
                rt,
                email=args.email,
                password=password,
                roles=[Role.ADMIN],
                first_name=args.first_name,
                last_name=args.last_name,
            )
        except AccountError as error:
            for detail in error.details:
                print(f"error: {detail.message}", file=sys.stderr)
            return 2
        verb = "created" if result.created else "granted ADMIN to existing account"
        print(f"{verb}: {result.customer.email}")
        return 0

    return _run(job)


def cmd_seed_demo(args: argparse.Namespace) -> int:
    from app.services.setup import seed_demo

    async def job(rt: Runtime) -> int:
        accounts = await seed_demo(rt)
        print("Demo data is in place. Sign in with:")
        for what, email, password in accounts:
            print(f"  {what:<14} {email}  /  {password}")
        return 0

    return _run(job)


def cmd_audit_anomalies(args: argparse.Namespace) -> int:
    from app.services.anomalies import scan

    async def job(rt: Runtime) -> int:
        alerts = await scan(rt)
        print(f"{len(alerts)} new security alert(s)")
        for alert in alerts:
            print(f"  {alert.kind.value:<24} {alert.detail}")
        return 0

    return _run(job)


def cmd_rotate_keys(args: argparse.Namespace) -> int:
    from app.services.key_rotation import rotate_keys

    async def job(rt: Runtime) -> int:
        counts = await rotate_keys(rt)
        print(f"re-encrypted under key {rt.keyring.current_kid!r}:")
        for name, count in counts.items():
            print(f"  {name:<26} {count}")
        return 0

    return _run(job)


def cmd_export_schema(args: argparse.Namespace) -> int:
    from schema.build import build_schema

    text = build_schema().as_str() + "\n"
    if args.output:
        Path(args.output).write_text(text)
    else:
        sys.stdout.write(text)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="customer-accounts", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="serve the GraphQL API with uvicorn")
    serve.add_argument("--host", default=None, help="default: HOST or 127.0.0.1")
    serve.add_argument("--port", type=int, default=None, help="default: PORT or 8000")
    serve.add_argument("--workers", type=int, default=1)
    serve.set_defaults(func=cmd_serve)

    commands.add_parser("worker", help="deliver the outbox (mail, SMS) as a separate process").set_defaults(
        func=cmd_worker
    )
    commands.add_parser("migrate", help="apply database migrations").set_defaults(func=cmd_migrate)

    admin = commands.add_parser("create-admin", help="create an administrator (password prompted, or ADMIN_PASSWORD)")
    admin.add_argument("--email", required=True)
    admin.add_argument("--first-name", default=None)
    admin.add_argument("--last-name", default=None)
    admin.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    admin.set_defaults(func=cmd_create_admin)

    service = commands.add_parser(
        "create-service-account", help="create an integration API key with scopes (printed once)"
    )
    service.add_argument("name")
    service.add_argument(
        "--scope", action="append", help="orders:write, products:write, customers:read (repeat for more)"
    )
    service.set_defaults(func=cmd_create_service_account)
    revoke = commands.add_parser("revoke-service-account", help="revoke a service account's API key")
    revoke.add_argument("name")
    revoke.set_defaults(func=cmd_revoke_service_account)

    commands.add_parser("seed-demo", help="create demo groups and accounts (not in production)").set_defaults(
        func=cmd_seed_demo
    )

    commands.add_parser(
        "audit-anomalies", help="scan the security log for attacks now and alert administrators"
    ).set_defaults(func=cmd_audit_anomalies)
    commands.add_parser(
        "rotate-keys", help="re-encrypt stored secrets under the first key of ENCRYPTION_KEYS (safe while serving)"
    ).set_defaults(func=cmd_rotate_keys)

    export = commands.add_parser("export-schema", help="print the GraphQL schema (SDL)")
    export.add_argument("--output", "-o", default=None)
    export.set_defaults(func=cmd_export_schema)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        result: Any = args.func(args)
    except ConfigurationError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except ServiceUnavailableError as error:
        print(f"error: {error.service} unreachable ({error.reason})", file=sys.stderr)
        return 1
    return int(result or 0)


if __name__ == "__main__":
    raise SystemExit(main())


__all__ = ["Settings", "main"]
