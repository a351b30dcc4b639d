"""Test helpers: a GraphQL client, a mailbox fed by a real SMTP server, factories, SQL counting."""

import asyncio
import contextvars
import email
import email.policy
import os
import random
import re
import socket
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from html import unescape
from pathlib import Path
from typing import Any

import httpx
from aiosmtpd.controller import Controller
from asgi_lifespan import LifespanManager
from sqlalchemy import event
from starlette.types import ASGIApp

from app.links import Route
from app.runtime import RequestMeta, Runtime
from app.services.sessions import _open_session as open_session_for_tests
from app.services.setup import create_account, ensure_group
from models.base import utcnow
from models.customer import ActivationMode, Customer, CustomerStatus, Role

# Ports chosen before a server binds them come from below the kernel's ephemeral range (32768 up), so the
# outgoing connections of the browser, the database pool or SMTP can never take one meanwhile; each xdist
# worker has a block of its own, so two workers never pick the same.
_PORT_BLOCK = 1500
_PORT_BASE = 20000


# Start-up and shutdown assert what happens, never how fast: asgi-lifespan's default 5 s would fail a test
# on a loaded CI machine (a shutdown closing pools while PostgreSQL serves three other workers).
LIFESPAN_TIMEOUT_SECONDS = 60


def lifespan(application: ASGIApp) -> LifespanManager:
    """`async with lifespan(app):` the app's start-up and shutdown, without a wall-clock limit that matters."""
    return LifespanManager(
        application, startup_timeout=LIFESPAN_TIMEOUT_SECONDS, shutdown_timeout=LIFESPAN_TIMEOUT_SECONDS
    )


def free_port() -> int:
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw")
    first = _PORT_BASE + (int(worker) % 8 if worker.isdigit() else 0) * _PORT_BLOCK
    for port in random.sample(range(first, first + _PORT_BLOCK), _PORT_BLOCK):
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port in {first}-{first + _PORT_BLOCK - 1}")


@dataclass
class Mailbox:
    """Messages received by the aiosmtpd server the tests start."""

    messages: list[EmailMessage] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        with self.lock:
            self.messages.append(message)
        return "250 Message accepted for delivery"

    def clear(self) -> None:
        with self.lock:
            self.messages.clear()

    def to(self, address: str) -> list[EmailMessage]:
        with self.lock:
            return [m for m in self.messages if m["To"] == address]

    async def wait_for(self, address: str, subject: str | None = None, timeout: float = 10.0) -> EmailMessage:
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            for message in self.to(address):
                if subject is None or subject in str(message["Subject"]):
                    return message
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"no email to {address} with subject {subject!r}; got {self.subjects()}")
            await asyncio.sleep(0.05)

    def subjects(self) -> list[tuple[str, str]]:
        with self.lock:
            return [(str(m["To"]), str(m["Subject"])) for m in self.messages]


def start_smtp_server(mailbox: Mailbox) -> Controller:
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    return controller


def text_body(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    content: str = part.get_content()
    return content


def html_body(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("html",))
    assert part is not None
    content: str = part.get_content()
    return content


def link_token(message: EmailMessage, path: str) -> str:
    """The token of the storefront link in the message, read as a user's browser would."""
    found = re.search(rf"https://shop\.test{re.escape(path)}\?token=([A-Za-z0-9_-]+)", text_body(message))
    assert found, f"no {path} link in: {text_body(message)}"
    return found.group(1)


STOREFRONT = "https://shop.test"  # STOREFRONT_URL of the test settings


def storefront_links(message: EmailMessage) -> list[str]:
    """Every link into the storefront in the message, from its text and its HTML part."""
    html_links = [unescape(link) for link in re.findall(r'href="([^"]*)"', html_body(message))]
    text_links = re.findall(r"https?://\S+", text_body(message))
    return [link for link in [*text_links, *html_links] if link.startswith(STOREFRONT)]


def unrouted_links(messages: list[EmailMessage]) -> list[str]:
    """Storefront links in the messages that no route of app/links.py answers."""
    patterns = [route_pattern(route) for route in Route]
    return [
        f"{message['Subject']}: {link}"
        for message in messages
        for link in storefront_links(message)
        if not any(pattern.fullmatch(link.removeprefix(STOREFRONT)) for pattern in patterns)
    ]


def route_pattern(route: Route) -> re.Pattern[str]:
    path = re.escape(route.path).replace(re.escape("{number}"), r"[A-Za-z0-9_.~%-]+")
    query = "&".join(f"{name}=[A-Za-z0-9_.~%-]+" for name in route.query)
    return re.compile(path + (rf"\?{query}" if query else ""))


def read_sms(directory: Path, phone: str) -> list[str]:
    if not directory.exists():
        return []
    messages = []
    for path in sorted(directory.glob("*.txt")):
        recipient, _, text = path.read_text().partition("\n")
        if recipient == phone:
            messages.append(text.strip())
    return messages


async def wait_for_sms_code(directory: Path, phone: str, count: int = 1, timeout: float = 10.0) -> str:
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        messages = read_sms(directory, phone)
        if len(messages) >= count:
            found = re.search(r"\b(\d{6})\b", messages[-1])
            assert found, messages[-1]
            return found.group(1)
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"no SMS #{count} to {phone}; got {messages}")
        await asyncio.sleep(0.05)


@dataclass
class Result:
    data: Any
    errors: list[dict[str, Any]] | None
    response: httpx.Response

    @property
    def error_codes(self) -> list[str]:
        return [e.get("extensions", {}).get("code") for e in self.errors or []]


class Api:
    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client

    async def __call__(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        token: str | None = None,
        status: int = 200,
        **headers: str,
    ) -> Result:
        """POST the operation; `status` is the HTTP status expected (401 for a token that no longer works)."""
        send_headers = {key.replace("_", "-"): value for key, value in headers.items()}
        if token:
            send_headers["authorization"] = f"Bearer {token}"
        response = await self.client.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=send_headers
        )
        assert response.status_code == status, response.text
        body = response.json()
        return Result(data=body.get("data"), errors=body.get("errors"), response=response)

    async def ok(self, query: str, variables: dict[str, Any] | None = None, token: str | None = None) -> Any:
        result = await self(query, variables, token)
        assert result.errors is None, result.errors
        return result.data


async def assert_token_refused(api: Api, token: str, code: str = "AUTH_TOKEN_INVALID") -> None:
    """The token signs no one in any more: HTTP 401 with RFC 6750's challenge and a GraphQL error (no data),
    never an anonymous answer."""
    result = await api("{ me { id } }", token=token, status=401)
    assert result.response.headers["www-authenticate"] == 'Bearer error="invalid_token"'
    assert "data" not in result.response.json()
    assert result.error_codes == [code]


@dataclass
class Caller:
    customer: Customer
    password: str
    token: str

    @property
    def gid(self) -> str:
        return global_id("Customer", self.customer.id)


def global_id(type_name: str, value: uuid.UUID | str) -> str:
    from strawberry import relay

    return str(relay.GlobalID(type_name, str(value)))


LOGIN = """
mutation Login($input: LoginInput!) {
  login(input: $input) { token expiresAt customer { id email } userErrors { field message code } }
}
"""


async def login(api: Api, email_address: str, password: str, **headers: str) -> str:
    result = await api(LOGIN, {"input": {"email": email_address, "password": password}}, None, 200, **headers)
    payload = result.data["login"]
    assert payload["userErrors"] == [], payload
    token: str = payload["token"]
    return token


async def make_customer(
    rt: Runtime,
    *,
    email_address: str | None = None,
    password: str = "a perfectly fine passphrase",
    roles: tuple[Role, ...] = (Role.CUSTOMER,),
    first_name: str | None = "Test",
    phone: str | None = None,
    status: CustomerStatus = CustomerStatus.ACTIVE,
    group_code: str | None = None,
) -> Customer:
    address = email_address or f"user-{uuid.uuid4().hex[:10]}@example.com"
    created = await create_account(
        rt,
        email=address,
        password=password,
        roles=list(roles),
        first_name=first_name,
        group_code=group_code,
        reason="test",
    )
    customer = created.customer
    if phone is not None or status is not CustomerStatus.ACTIVE:
        async with rt.db.unit_of_work() as session:
            row = await session.get(Customer, customer.id)
            assert row is not None
            row.phone_encrypted, row.phone_index = rt.fields.seal_phone(row.id, phone)
            row.phone_verified_at = utcnow() if phone else None
            row.status = status
            session.add(row)
        customer.phone_encrypted, customer.phone_index, customer.status = row.phone_encrypted, row.phone_index, status
    return customer


# What the in-process test client's requests carry (httpx over ASGI).
TEST_CLIENT = RequestMeta(ip_address="127.0.0.1", user_agent=f"python-httpx/{httpx.__version__}")


async def make_caller(api: Api, rt: Runtime, **kwargs: Any) -> Caller:
    """A signed-in customer. The session is opened as a successful sign-in opens it (the same service
    code, audit event included) without the password check and throttling a `login` call goes through:
    those have their own tests, and every test's fixtures would otherwise pay for them."""
    password = kwargs.setdefault("password", "a perfectly fine passphrase")
    customer = await make_customer(rt, **kwargs)
    signed_in = await open_session_for_tests(rt, TEST_CLIENT, customer, None)
    return Caller(customer=customer, password=password, token=signed_in.token)


async def make_group(rt: Runtime, code: str, mode: ActivationMode, self_registration: bool = True) -> None:
    await ensure_group(rt, code, code.title(), mode, self_registration)


# Set in the task that counts: the request it sends runs in that task (httpx's ASGI transport) and the tasks
# it starts (dataloaders) copy its context, while the app's background jobs (outbox and webhook dispatchers,
# the anomaly scan at start-up) were started before and never see it.
_COUNTING: contextvars.ContextVar[bool] = contextvars.ContextVar("counting_statements", default=False)


@contextmanager
def count_statements(rt: Runtime) -> Iterator[list[str]]:
    """The statements the caller's own requests send while the block runs, not the background jobs'."""
    statements: list[str] = []

    def _record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if not _COUNTING.get():
            return
        if statement.lstrip().upper().startswith(("BEGIN", "SAVEPOINT", "RELEASE", "PRAGMA")):
            return
        if "outbox_message" in statement or "webhook_" in statement:
            return  # the background dispatchers' polling, not the request under test
        if "integration_event" in statement and not statement.lstrip().upper().startswith("INSERT"):
            return  # the webhook dispatcher's fan-out (a request only ever adds events)
        statements.append(statement)

    engine = rt.db.engine.sync_engine
    counting = _COUNTING.set(True)
    event.listen(engine, "before_cursor_execute", _record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", _record)
        _COUNTING.reset(counting)
