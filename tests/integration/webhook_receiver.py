"""A real webhook receiver for the tests: an HTTP server on a free port (in a thread) that verifies every
request with the standardwebhooks library, as a shop's receiver would, and counts what it got.

Paths: /hook answers 204 when a configured secret verifies (400 when none does), or 500 for the first
`fail_first` requests; /redirect answers 302 to /landing; /big answers 200 with a megabyte of body."""

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from standardwebhooks.webhooks import Webhook, WebhookVerificationError

BIG_BODY = b"x" * (1024 * 1024)


@dataclass
class Received:
    path: str
    webhook_id: str
    body: bytes
    headers: dict[str, str]
    status: int
    # secret -> whether it verified the request
    verified: dict[str, bool]


@dataclass
class Receiver:
    secrets: list[str] = field(default_factory=list)
    fail_first: int = 0
    port: int = 0
    requests: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def url(self, path: str = "/hook") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def snapshot(self) -> list[Received]:
        with self.lock:
            return list(self.requests)

    def successes(self) -> list[Received]:
        return [r for r in self.snapshot() if 200 <= r.status < 300]

    def verify(self, body: bytes, headers: dict[str, str]) -> dict[str, bool]:
        result = {}
        for secret in self.secrets:
            try:
                Webhook(secret).verify(body, headers)
                result[secret] = True
            except WebhookVerificationError:
                result[secret] = False
        return result

    def answer(self, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        verified = self.verify(body, headers)
        with self.lock:
            failing = self.fail_first > 0
            if failing:
                self.fail_first -= 1
            if path == "/redirect":
                status, extra, content = 302, {"location": self.url("/landing")}, b""
            elif path == "/big":
                status, extra, content = 200, {}, BIG_BODY
            elif failing:
                status, extra, content = 500, {}, b"receiver down"
            elif any(verified.values()):
                status, extra, content = 204, {}, b""
            else:
                status, extra, content = 400, {}, b"bad signature"
            self.requests.append(Received(path, headers.get("webhook-id", ""), body, headers, status, verified))
        return status, extra, content


def _handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length") or 0))
            headers = {key.lower(): value for key, value in self.headers.items()}
            status, extra, content = receiver.answer(self.path, body, headers)
            try:
                self.send_response(status)
                for key, value in extra.items():
                    self.send_header(key, value)
                self.send_header("content-length", str(len(content)))
                self.end_headers()
                self.wfile.write(content)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the sender stopped reading (a body over its cap)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


@contextmanager
def running_receiver(*secrets: str, fail_first: int = 0) -> Iterator[Receiver]:
    receiver = Receiver(secrets=list(secrets), fail_first=fail_first)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(receiver))
    server.daemon_threads = True
    receiver.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
