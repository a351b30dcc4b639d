"""Email delivery backends: smtp (aiosmtplib), console (stdout) and file (.eml files)."""

import sys
import uuid
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Protocol
from urllib.parse import parse_qs, unquote, urlparse

import aiosmtplib

from app.config import Settings
from app.templates import RenderedEmail

# RFC 5322's recommended limit; the hard one is 998. Headers are folded to it by the email package's policy.
MAX_LINE = 78


class MailSender(Protocol):
    async def send(self, message: EmailMessage) -> None: ...


def build_message(sender: str, recipient: str, email: RenderedEmail, reply_to: str | None = None) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = recipient
    if reply_to:  # a ticket's signed reply address (app/reply_addresses.py)
        message["Reply-To"] = reply_to
    # One line whatever a template put in (a ticket's subject is the customer's): a header may not break.
    message["Subject"] = " ".join(email.subject.splitlines())
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = make_msgid(domain=sender.rsplit("@", 1)[-1].strip("> ") or "localhost")
    message.set_content(email.text, cte=transfer_encoding(email.text))
    message.add_alternative(email.html, subtype="html", cte=transfer_encoding(email.html))
    return message


def transfer_encoding(text: str) -> str:
    """7bit while every line is ASCII and fits in 78 characters (links stay copyable in the raw message);
    quoted-printable otherwise. SMTP refuses lines over 998 octets, and 8bit needs a server offering 8BITMIME;
    quoted-printable lines are at most 76 characters whatever the text holds."""
    # bytes.splitlines, as the email package splits: str.splitlines would also break at \f, \v and \x1c-\x1e.
    if text.isascii() and all(len(line) <= MAX_LINE for line in text.encode("ascii").splitlines()):
        return "7bit"
    return "quoted-printable"


class SmtpSender:
    """SMTP_URL: smtp://[user:password@]host[:port][?starttls=true] or smtps://… for implicit TLS."""

    def __init__(self, url: str, timeout: float) -> None:
        parsed = urlparse(url)
        if parsed.scheme not in ("smtp", "smtps") or not parsed.hostname:
            raise ValueError("SMTP_URL must look like smtp://host:port or smtps://host:port")
        query = parse_qs(parsed.query)
        self._implicit_tls = parsed.scheme == "smtps"
        self._hostname = parsed.hostname
        self._port = parsed.port or (465 if self._implicit_tls else 25)
        self._username = unquote(parsed.username) if parsed.username else None
        self._password = unquote(parsed.password) if parsed.password else None
        self._start_tls = query.get("starttls", ["false"])[0].lower() in ("1", "true", "yes")
        self._timeout = timeout

    async def send(self, message: EmailMessage) -> None:
        await aiosmtplib.send(
            message,
            hostname=self._hostname,
            port=self._port,
            username=self._username,
            password=self._password,
            use_tls=self._implicit_tls,
            start_tls=self._start_tls,
            timeout=self._timeout,
        )


class ConsoleSender:
    async def send(self, message: EmailMessage) -> None:
        body = message.get_body(preferencelist=("plain",))
        text = body.get_content() if body is not None else ""
        sys.stdout.write(f"\n--- email to {message['To']}: {message['Subject']}\n{text}--- end of email\n")
        sys.stdout.flush()


class FileSender:
    def __init__(self, directory: Path) -> None:
        self._directory = directory

    async def send(self, message: EmailMessage) -> None:
        self._directory.mkdir(parents=True, exist_ok=True)
        path = self._directory / f"{formatdate(usegmt=True).replace(' ', '_').replace(',', '')}-{uuid.uuid4().hex}.eml"
        path.write_bytes(bytes(message))


def mail_sender_from_settings(settings: Settings) -> MailSender:
    backend = settings.effective_mail_backend
    if backend == "smtp":
        if settings.smtp_url is None:
            raise ValueError("MAIL_BACKEND=smtp needs SMTP_URL")
        return SmtpSender(settings.smtp_url.get_secret_value(), settings.smtp_timeout_seconds)
    if backend == "console":
        return ConsoleSender()
    return FileSender(settings.data_dir / "mail")
