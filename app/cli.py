"""The `customer-accounts` command: serve, worker, migrate, create-admin, create-customer, create-service-account, groups, webhooks, seed-demo, …"""

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
from models.customer import ActivationMode, Role


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

    from app.monitoring import serving_metrics

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
        print(f"Staff console: {settings.portal_url}staff", flush=True)
    # Workers write their metrics to files of a directory of this run, which every scrape adds up.
    with serving_metrics(settings, args.workers):
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


def cmd_mail_in(args: argparse.Namespace) -> int:
    from app.mail_in import start_mail_in

    async def job(rt: Runtime) -> int:
        if not rt.settings.mail_in_domain:
            print("error: set MAIL_IN_DOMAIN (the domain of the ticket reply addresses)", file=sys.stderr)
            return 2
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        server = await start_mail_in(rt, args.host, args.port)
        await stop.wait()
        server.close()
        await server.wait_closed()
        return 0

    return _run(job)


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


def cmd_create_customer(args: argparse.Namespace) -> int:
    """An account for a customer, who is mailed a link to choose a password (the createCustomerAccount service)."""
    from app.runtime import RequestMeta
    from app.services import staff_accounts
    from app.services.customer_groups import COMMAND_LINE

    async def job(rt: Runtime) -> int:
        data = staff_accounts.NewCustomer(
            email=args.email,
            reason=args.reason,
            first_name=args.first_name,
            last_name=args.last_name,
            phone=args.phone,
            group_code=args.group,
            language=args.language,
        )
        try:
            customer = await staff_accounts.create_customer_account(rt, COMMAND_LINE, RequestMeta(), data)
        except AccountError as error:
            return _print_errors(error)
        print(f"created: {customer.email} (mailed a link to choose a password)")
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


def cmd_analytics_rollup(args: argparse.Namespace) -> int:
    from app.services.analytics_rollup import run

    async def job(rt: Runtime) -> int:
        print(f"{await run(rt)} event(s) rolled up")
        return 0

    return _run(job, worker=True)


def cmd_rotate_keys(args: argparse.Namespace) -> int:
    from app.services.key_rotation import rotate_keys

    async def job(rt: Runtime) -> int:
        counts = await rotate_keys(rt)
        print(f"re-encrypted under key {rt.keyring.current_kid!r}:")
        for name, count in counts.items():
            print(f"  {name:<26} {count}")
        return 0

    return _run(job)


def _print_group(group: Any) -> None:
    from app.money import to_decimal

    limit = (
        f"{to_decimal(group.default_credit_limit or 0, group.default_credit_currency)} {group.default_credit_currency}"
        if group.default_credit_currency
        else "-"
    )
    terms = "-" if group.payment_terms_days is None else f"net {group.payment_terms_days}"
    open_to = "self-registration" if group.self_registration else "by administrators"
    print(f"{group.code:<20} {group.activation_mode.value:<15} {open_to:<18} {limit:<16} {terms:<8} {group.name}")


def _credit_arg(args: argparse.Namespace) -> Any:
    """The --credit-limit/--currency pair: a CreditDefault, None for 'none', or UNSET when not given."""
    from decimal import Decimal, InvalidOperation

    from app.money import to_minor
    from app.services.customer_groups import UNSET, CreditDefault
    from app.services.errors import AccountErrorCode

    if args.credit_limit is None:
        return UNSET
    if args.credit_limit.lower() == "none":
        return None
    currency = (args.currency or load_settings().default_currency).upper()
    try:
        return CreditDefault(to_minor(Decimal(args.credit_limit), currency), currency)
    except (ValueError, ArithmeticError, InvalidOperation) as exc:
        raise AccountError.one(
            AccountErrorCode.INVALID, f"Not an amount of {currency}.", ("defaultCreditLimit",)
        ) from exc


def _terms_arg(value: str | None) -> Any:
    from app.services.customer_groups import UNSET
    from app.services.errors import AccountErrorCode

    if value is None:
        return UNSET
    if value.lower() == "none":
        return None
    try:
        return int(value)
    except ValueError:
        raise AccountError.one(
            AccountErrorCode.INVALID, "Payment terms are whole days.", ("paymentTermsDays",)
        ) from None


def _print_errors(error: AccountError) -> int:
    for detail in error.details:
        field = ".".join(detail.field or ())
        print(f"error: {detail.code.value}: {detail.message}" + (f" ({field})" if field else ""), file=sys.stderr)
    return 2


def cmd_groups(args: argparse.Namespace) -> int:
    """Customer groups: the same service functions (and validation) as the GraphQL mutations."""
    from app.runtime import RequestMeta
    from app.services import customer_groups as groups
    from app.services.errors import AccountErrorCode
    from models.customer import ActivationMode

    async def job(rt: Runtime) -> int:
        try:
            if args.action == "list":
                for group in await groups.list_groups(rt):
                    _print_group(group)
                return 0
            if args.action == "create":
                credit = _credit_arg(args)
                terms = _terms_arg(args.payment_terms_days)
                group = await groups.create_group(
                    rt,
                    groups.COMMAND_LINE,
                    code=args.code,
                    name=args.name,
                    activation_mode=ActivationMode(args.activation_mode),
                    self_registration=args.self_registration != "no",
                    default_credit_limit=None if credit is groups.UNSET else credit,
                    payment_terms_days=None if terms is groups.UNSET else terms,
                )
                print("created:", end=" ")
                _print_group(group)
                return 0
            if args.action == "update":
                changes = groups.GroupChanges(
                    name=groups.UNSET if args.name is None else args.name,
                    activation_mode=groups.UNSET
                    if args.activation_mode is None
                    else ActivationMode(args.activation_mode),
                    self_registration=groups.UNSET
                    if args.self_registration is None
                    else args.self_registration == "yes",
                    default_credit_limit=_credit_arg(args),
                    payment_terms_days=_terms_arg(args.payment_terms_days),
                )
                group_id = await groups.group_id_by_code(rt, args.code)
                group = await groups.update_group(rt, groups.COMMAND_LINE, group_id, changes)
                print("updated:", end=" ")
                _print_group(group)
                return 0
            customer_id = await groups.customer_id_by_email(rt, args.email)
            if customer_id is None:
                raise AccountError.one(AccountErrorCode.NOT_FOUND, "No account with this email.", ("email",))
            group_id = await groups.group_id_by_code(rt, args.group)
            customer, _move = await groups.move_customer(
                rt, groups.COMMAND_LINE, RequestMeta(), customer_id, group_id, args.reason
            )
            print(f"moved {customer.email} to {args.group.strip()}")
            return 0
        except AccountError as error:
            return _print_errors(error)

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

    commands.add_parser(
        "worker", help="deliver the outbox (mail, SMS) and webhooks as a separate process"
    ).set_defaults(func=cmd_worker)
    commands.add_parser("migrate", help="apply database migrations").set_defaults(func=cmd_migrate)
    mail_in = commands.add_parser("mail-in", help="receive replies to ticket mails over SMTP (README: Tickets by mail)")
    mail_in.add_argument("--host", default=None, help="default: MAIL_IN_HOST or 127.0.0.1")
    mail_in.add_argument("--port", type=int, default=None, help="default: MAIL_IN_PORT or 2525")
    mail_in.set_defaults(func=cmd_mail_in)

    admin = commands.add_parser("create-admin", help="create an administrator (password prompted, or ADMIN_PASSWORD)")
    admin.add_argument("--email", required=True)
    admin.add_argument("--first-name", default=None)
    admin.add_argument("--last-name", default=None)
    admin.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    admin.set_defaults(func=cmd_create_admin)

    created = commands.add_parser(
        "create-customer", help="create a customer's account; they are mailed a link to choose a password"
    )
    created.add_argument("email")
    created.add_argument("--reason", required=True, help="why (recorded in the security log)")
    created.add_argument("--first-name", default=None)
    created.add_argument("--last-name", default=None)
    created.add_argument("--phone", default=None, help="E.164")
    created.add_argument("--group", default=None, help="the group's code (default: DEFAULT_CUSTOMER_GROUP)")
    created.add_argument("--language", default=None, help="BCP 47, e.g. de: the language of the mail and after")
    created.set_defaults(func=cmd_create_customer)

    service = commands.add_parser(
        "create-service-account", help="create an integration API key with scopes (printed once)"
    )
    service.add_argument("name")
    service.add_argument(
        "--scope",
        action="append",
        help="orders:write, products:write, customers:read, customers:write, returns:write (repeat)",
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
        "analytics-rollup", help="count the events not yet in the analytics rollups now (the worker does it too)"
    ).set_defaults(func=cmd_analytics_rollup)
    commands.add_parser(
        "rotate-keys", help="re-encrypt stored secrets under the first key of ENCRYPTION_KEYS (safe while serving)"
    ).set_defaults(func=cmd_rotate_keys)

    modes = [mode.value for mode in ActivationMode]
    groups = commands.add_parser("groups", help="list, create and update customer groups; move a customer")
    group_commands = groups.add_subparsers(dest="action", required=True)
    group_commands.add_parser("list", help="every group: code, activation, who registers, credit limit, terms")
    for action in ("create", "update"):
        creating = action == "create"
        sub = group_commands.add_parser(
            action, help="create a group" if creating else "change a group (its code never changes)"
        )
        sub.add_argument("code", help="2-64 of a-z 0-9 - _" if creating else "the group's code")
        sub.add_argument("--name", required=creating, default=None)
        sub.add_argument("--activation-mode", choices=modes, required=creating, default=None)
        sub.add_argument(
            "--self-registration",
            choices=["yes", "no"],
            default="yes" if creating else None,
            help="whether storefronts may register customers into it" + (" (default yes)" if creating else ""),
        )
        sub.add_argument(
            "--credit-limit",
            default=None,
            help="default credit limit of store credit accounts opened afterwards, e.g. 5000.00; 'none' clears",
        )
        sub.add_argument("--currency", default=None, help="of --credit-limit (default: DEFAULT_CURRENCY)")
        sub.add_argument("--payment-terms-days", default=None, help="net days 0-365; 'none' clears")
        sub.set_defaults(func=cmd_groups)
    move = group_commands.add_parser("move", help="move a customer to another group, with the reason")
    move.add_argument("--email", required=True)
    move.add_argument("--group", required=True, help="the code of the group to move to")
    move.add_argument("--reason", required=True)
    move.set_defaults(func=cmd_groups)
    group_commands.choices["list"].set_defaults(func=cmd_groups)

    from app.webhook_commands import add_webhook_commands

    add_webhook_commands(commands, _run)

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
