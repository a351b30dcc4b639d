"""Every message survives SMTP: no line over the limit whatever the text holds, and it decodes to the original.

SMTP refuses lines over 998 octets (RFC 5321); we keep bodies and headers within RFC 5322's 78.
"""

from email.message import EmailMessage
from typing import Any

import pytest
from httpx import ASGITransport, AsyncClient

from app.mail import SmtpSender, build_message
from app.runtime import Runtime
from app.services.anomalies import scan
from app.templates import RenderedEmail
from tests.accounts.queries import LOGIN
from tests.support import Api, Caller, Mailbox, html_body, text_body

LIMIT = 78


@pytest.fixture
def raw_mail(mailbox: Mailbox, monkeypatch: pytest.MonkeyPatch) -> list[bytes]:
    """The bytes the real SMTP server received, next to the parsed messages."""
    received: list[bytes] = []
    parse = mailbox.handle_DATA

    async def keep(server: Any, session: Any, envelope: Any) -> str:
        received.append(envelope.original_content)
        return await parse(server, session, envelope)

    monkeypatch.setattr(mailbox, "handle_DATA", keep)
    return received


def assert_short_lines(raw: bytes) -> None:
    lines = raw.split(b"\r\n")
    assert all(b"\n" not in line and b"\r" not in line for line in lines)  # CRLF only, no bare line ends
    too_long = [line[:80] for line in lines if len(line) > LIMIT]
    assert too_long == []


def smtp_sender(smtp_mailbox: tuple[Mailbox, int]) -> SmtpSender:
    return SmtpSender(f"smtp://127.0.0.1:{smtp_mailbox[1]}", 10)


LONG_TEXTS = {
    "one long line of words": " ".join(["word"] * 400),
    "one word of 2000 letters": "x" * 2000,
    "a long link": "Open https://shop.test/reset-password?token=" + "A1b2-_" * 250 + " now.",
    "non-ASCII": "Grüße aus Köln — " + "ä€😀" * 500,
    "right-to-left and combining marks": "שלום " * 300 + "e\u0301" * 300,
    "lines ending in spaces and dots": "\n".join([". ", "..", "x " * 60 + " ", "From the start", ".", "=3D"]) * 20,
    "a line of exactly 78": "y" * 78 + "\nshort",
    "a line of 79": "z" * 79,
    "form feeds and vertical tabs are not line ends": ("f" * 50 + "\x0c" + "v" * 50 + "\x0b") * 30,
}


@pytest.mark.parametrize("name", LONG_TEXTS)
async def test_long_lines_are_encoded_and_decode_to_the_original(
    name: str, smtp_mailbox: tuple[Mailbox, int], mailbox: Mailbox, raw_mail: list[bytes]
) -> None:
    text = LONG_TEXTS[name]
    html = f"<p>{text}</p>"
    subject = f"About {text[:300]}"
    recipient = f"{name.replace(' ', '-')}@example.com"
    message = build_message("Customer Accounts <no-reply@shop.test>", recipient, RenderedEmail(subject, text, html))
    await smtp_sender(smtp_mailbox).send(message)
    received = await mailbox.wait_for(recipient)
    [raw] = raw_mail
    assert_short_lines(raw)
    # Mail travels with CRLF line ends (RFC 5322's canonical form); the text is otherwise unchanged.
    assert text_body(received).replace("\r\n", "\n") == text + "\n"
    assert html_body(received).replace("\r\n", "\n") == html + "\n"
    assert str(received["Subject"]) == " ".join(subject.splitlines())  # a subject is one line


async def test_short_ascii_mail_stays_readable_in_the_raw_message(
    smtp_mailbox: tuple[Mailbox, int], mailbox: Mailbox, raw_mail: list[bytes]
) -> None:
    link = "https://shop.test/reset-password?token=abc_DEF-123"
    message = build_message(
        "Customer Accounts <no-reply@shop.test>", "plain@example.com", RenderedEmail("Hi", f"Reset: {link}", "<p>x</p>")
    )
    await smtp_sender(smtp_mailbox).send(message)
    await mailbox.wait_for("plain@example.com")
    assert link.encode() in raw_mail[0]  # copyable from the raw message: no =3D, no soft line breaks


def received_lines(message: EmailMessage) -> list[str]:
    return text_body(message).splitlines()


async def test_the_admin_security_alert_with_many_alerts_arrives(
    app_factory: Any, admin: Caller, mailbox: Mailbox, raw_mail: list[bytes]
) -> None:
    # Credential stuffing from 25 client addresses: 25 alerts summarised in one paragraph of ~1,500 characters.
    application, _ = await app_factory(trusted_proxies="1", stuffing_min_accounts=2)
    rt: Runtime = application.state.app_state.rt
    async with AsyncClient(transport=ASGITransport(app=application), base_url="http://t") as http:
        api = Api(http)
        for n in range(25):
            for victim in range(2):
                variables = {"input": {"email": f"victim{n}-{victim}@example.com", "password": "Summer2026!!"}}
                await api(LOGIN, variables, x_forwarded_for=f"198.51.100.{n + 1}")
    alerts = await scan(rt)
    assert len(alerts) == 25
    notice = await mailbox.wait_for(admin.customer.email, "Security alerts: 25 new")
    [raw] = raw_mail
    assert_short_lines(raw)
    summary_line = next(line for line in received_lines(notice) if line.startswith("The audit job found"))
    assert len(summary_line) > 998  # the paragraph itself is long; only its encoding is folded
    assert summary_line.count("CREDENTIAL_STUFFING: 2 different accounts failed to sign in") >= 10


@pytest.mark.parametrize(
    "subject", ["Hi\r\nBcc: victim@example.com", "Hi\nX-Injected: 1", "Hi\u2028there", "Hi\x0cthere"]
)
async def test_a_subject_cannot_break_into_headers(
    subject: str, smtp_mailbox: tuple[Mailbox, int], mailbox: Mailbox, raw_mail: list[bytes]
) -> None:
    message = build_message("Shop <no-reply@shop.test>", "subject@example.com", RenderedEmail(subject, "x", "<p>x</p>"))
    await smtp_sender(smtp_mailbox).send(message)
    received = await mailbox.wait_for("subject@example.com")
    assert received["Bcc"] is None
    assert received["X-Injected"] is None
    assert str(received["Subject"]) == " ".join(subject.splitlines())
    assert_short_lines(raw_mail[0])
