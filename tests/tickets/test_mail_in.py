"""Tickets by mail: replies to real ticket mails sent to the `mail-in` listener (in-process, on a port) join the
thread as typed in the portal; forged addresses, strangers and replays are refused with 5xx and store nothing."""

import asyncio
import base64
import logging
import uuid
from collections.abc import AsyncIterator
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any

import aiosmtplib
import pytest
from pydantic import SecretStr
from strawberry import relay

from app.config import Settings
from app.mail_in import start_mail_in
from app.mail_text import html_to_text, strip_reply
from app.reply_addresses import ReplyParty, parse_reply_address, reply_address
from app.runtime import Runtime
from tests.support import Api, Caller, Mailbox, text_body
from tests.tickets.helpers import CLOSE, REPLY, call, open_ticket

DOMAIN = "in.shop.test"
SUPPORT = "support@example.com"
THREAD = """query($id: ID!) { node(id: $id) { ... on SupportTicket {
  state messages { authorKind authorName body } } } }"""


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"mail_in_domain": DOMAIN})


@pytest.fixture
async def listener(rt: Runtime) -> AsyncIterator[int]:
    server = await start_mail_in(rt, "127.0.0.1", 0)
    port: int = server.sockets[0].getsockname()[1]
    yield port
    server.close()
    await server.wait_closed()


def reply_mail(sender: str, to: str, body: str, message_id: str | None = None) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = "Re: your ticket"
    message["Message-ID"] = message_id or make_msgid(domain="mail.example")
    message.set_content(body)
    return message


async def send(port: int, message: EmailMessage) -> None:
    await aiosmtplib.send(message, hostname="127.0.0.1", port=port, timeout=10)


async def refused(port: int, message: EmailMessage) -> int:
    """The 5xx code the listener answered (at RCPT or at DATA)."""
    try:
        await send(port, message)
    except aiosmtplib.SMTPRecipientsRefused as error:
        return error.recipients[0].code
    except aiosmtplib.SMTPResponseException as error:
        return error.code
    raise AssertionError("the message was accepted")


async def thread(api: Api, token: str, ticket_id: str) -> dict[str, Any]:
    node: dict[str, Any] = (await api.ok(THREAD, {"id": ticket_id}, token=token))["node"]
    return node


async def test_replies_by_mail_join_the_thread_and_everything_else_is_refused(
    api: Api,
    customer: Caller,
    other_customer: Caller,
    staff: Caller,
    mailbox: Mailbox,
    listener: int,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="app.mail_in")
    ticket = await open_ticket(api, customer.token)
    other = await open_ticket(api, other_customer.token)
    to_support = await mailbox.wait_for(SUPPORT, ticket["number"])
    staff_address = str(to_support["Reply-To"])
    answered = await call(api, REPLY, staff.token, ticketId=ticket["id"], body="It left our warehouse today.")
    assert answered["userErrors"] == []
    to_customer = await mailbox.wait_for(customer.customer.email, ticket["number"])
    address = str(to_customer["Reply-To"])
    assert address.endswith("@" + DOMAIN)
    assert address.startswith("reply+t.")
    assert len(address.partition("@")[0]) <= 64
    assert staff_address != address

    # The customer answers from their mail program: the quote and the signature stay out of the thread.
    email = customer.customer.email
    first = reply_mail(
        email.upper(),
        address,
        "Thanks, it arrived!\n\nCasey\n-- \nCasey Example\nBerlin\n\n"
        f"On Sat, 5 Dec 2026 at 10:00, Test Shop <{address}>\nwrote:\n> It left our warehouse today.\n",
    )
    await send(listener, first)
    seen = await thread(api, customer.token, ticket["id"])
    assert seen["state"] == "OPEN"  # the customer's word reopens it, as in the portal
    assert seen["messages"][-1] == {
        "authorKind": "CUSTOMER",
        "authorName": None,
        "body": "Thanks, it arrived!\n\nCasey",
    }
    for _ in range(200):  # staff hear of it as of a portal message, with the staff side's reply address
        if len(mailbox.to(SUPPORT)) == 3:
            break
        await asyncio.sleep(0.05)
    notices = [m for m in mailbox.to(SUPPORT) if "Thanks, it arrived!" in text_body(m)]
    assert [str(m["Reply-To"]) for m in notices] == [staff_address]

    # A German mail program's quote header goes too.
    await send(listener, reply_mail(email, address, "Passt, danke.\n\nAm 05.12.2026 um 10:00 schrieb Test Shop:\n> x"))
    assert (await thread(api, customer.token, ticket["id"]))["messages"][-1]["body"] == "Passt, danke."

    count = len((await thread(api, customer.token, ticket["id"]))["messages"])
    local = address.partition("@")[0]
    forged = local[:-1] + ("a" if local[-1] != "a" else "b") + "@" + DOMAIN
    other_id = uuid.UUID(relay.GlobalID.from_id(other["id"]).node_id)
    other_part = base64.b32encode(other_id.bytes).decode().rstrip("=").lower()
    swapped = address.replace(local.split(".")[1], other_part)  # another ticket, this one's signature
    robot = reply_mail(email, address, "I am out of the office.")
    robot["Auto-Submitted"] = "auto-replied"
    refusals = [
        await refused(listener, first),  # replayed: the same Message-ID again
        await refused(listener, robot),
        await refused(listener, reply_mail(email, forged, "Forged signature")),
        await refused(listener, reply_mail(email, swapped, "Another ticket's address")),
        await refused(listener, reply_mail(email, f"reply+t.x.c.y@{DOMAIN}", "Nonsense")),
        await refused(listener, reply_mail(email, "someone@elsewhere.test", "Not ours")),
        await refused(listener, reply_mail(other_customer.customer.email, address, "A stranger")),
        await refused(listener, reply_mail(email, address, "> only a quote\n-- \nsig")),
    ]
    assert refusals == [550] * 8
    assert await refused(listener, reply_mail(email, address, "x" * 5001)) == 552  # the portal's limit
    assert len((await thread(api, customer.token, ticket["id"]))["messages"]) == count
    assert len((await thread(api, other_customer.token, other["id"]))["messages"]) == 1

    # Staff answer through the shared mailbox's reply address, from their own account's address.
    await send(listener, reply_mail(staff.customer.email, staff_address, "We will refund the shipping.\n\n> quoted"))
    seen = await thread(api, customer.token, ticket["id"])
    assert seen["messages"][-1] == {"authorKind": "STAFF", "authorName": "Sam", "body": "We will refund the shipping."}
    assert seen["state"] == "PENDING_CUSTOMER"
    # ... but a customer cannot use the staff side's address.
    assert await refused(listener, reply_mail(email, staff_address, "Me too")) == 550

    # A closed ticket takes no mail either, as the portal would answer.
    other_staff_address = str((await mailbox.wait_for(SUPPORT, other["number"]))["Reply-To"])
    assert (await call(api, CLOSE, other_customer.token, ticketId=other["id"]))["userErrors"] == []
    late = reply_mail(staff.customer.email, other_staff_address, "Sorry for the wait.")
    assert await refused(listener, late) == 550
    assert len((await thread(api, other_customer.token, other["id"]))["messages"]) == 1

    # Every refusal is logged with its reason, never with the body or a whole address.
    logged = [record for record in caplog.records if record.getMessage() == "mail-in refused"]
    assert sorted({record.__dict__["reason"] for record in logged}) == [
        "auto_submitted",
        "bad_signature",
        "empty",
        "replay",
        "ticket_ticket_closed",
        "ticket_too_long",
        "unknown_recipient",
        "unknown_sender",
    ]
    for record in logged:
        shown = str(record.__dict__)
        assert email not in shown.lower()
        assert "Forged signature" not in shown


def test_reply_addresses_are_signed_per_ticket_and_party_and_absent_without_a_domain() -> None:
    settings = Settings(environment="test", secret_key=SecretStr("k" * 40), mail_in_domain="In.Shop.Test.")
    ticket = uuid.uuid4()
    address = reply_address(settings, ticket, ReplyParty.CUSTOMER)
    assert address is not None
    assert address.endswith("@in.shop.test")
    for variant in (address, address.upper()):  # mail systems may change the case of local parts
        found = parse_reply_address(settings, variant)
        assert found is not None
        assert (found.ticket_id, found.party) == (ticket, ReplyParty.CUSTOMER)
    as_staff = address.replace(".c.", ".s.")
    assert parse_reply_address(settings, as_staff) is None
    other_key = Settings(environment="test", secret_key=SecretStr("j" * 40), mail_in_domain="in.shop.test")
    assert parse_reply_address(other_key, address) is None
    assert reply_address(settings.model_copy(update={"mail_in_domain": None}), ticket, ReplyParty.CUSTOMER) is None


GMAIL = """Yes, please send a new one.

On Fri, Dec 4, 2026 at 3:12 PM Test Shop <reply+t.abc.c.def@in.shop.test> wrote:

> Shall we send a replacement?
>
> Sam
"""
OUTLOOK = """Yes, please send a new one.

Best regards
Casey

________________________________
From: Test Shop <reply+t.abc.c.def@in.shop.test>
Sent: Friday, December 4, 2026 3:12 PM
To: Casey <casey@example.com>
Subject: [T-12345678] Where is my parcel?

Shall we send a replacement?
"""
OUTLOOK_CLASSIC = """Yes, please send a new one.

-----Original Message-----
From: Test Shop
Sent: Friday, December 4, 2026 3:12 PM
Shall we send a replacement?
"""
APPLE = """Yes, please send a new one.

Sent from my iPhone

> On 4 Dec 2026, at 15:12, Test Shop <reply+t.abc.c.def@in.shop.test> wrote:
>
> Shall we send a replacement?
"""
GERMAN = """Ja, bitte schicken Sie einen neuen.

Viele Grüße
Casey

Am Fr., 4. Dez. 2026 um 15:12 Uhr schrieb Test Shop <
reply+t.abc.c.def@in.shop.test>:

> Sollen wir Ersatz schicken?
"""
GERMAN_OUTLOOK = """Ja, bitte.

Von: Test Shop <reply+t.abc.c.def@in.shop.test>
Gesendet: Freitag, 4. Dezember 2026 15:12
An: Casey
"""
SIGNED = """Yes, please send a new one.
On Monday I will be away, though.
--
Casey Example | +49 30 1234567
"""


@pytest.mark.parametrize(
    ("mail", "expected"),
    [
        (GMAIL, "Yes, please send a new one."),
        (OUTLOOK, "Yes, please send a new one.\n\nBest regards\nCasey"),
        (OUTLOOK_CLASSIC, "Yes, please send a new one."),
        (APPLE, "Yes, please send a new one."),
        (GERMAN, "Ja, bitte schicken Sie einen neuen.\n\nViele Grüße\nCasey"),
        (GERMAN_OUTLOOK, "Ja, bitte."),
        (SIGNED, "Yes, please send a new one.\nOn Monday I will be away, though."),
        ("> all quoted\n> nothing new\n", ""),
        ("Line one\r\n\r\nLine two\r\n-- \r\nsig\r\n", "Line one\n\nLine two"),
    ],
)
def test_the_stripper_keeps_only_the_new_words(mail: str, expected: str) -> None:
    assert strip_reply(mail) == expected


def test_html_only_replies_are_read_as_text_without_their_quotes() -> None:
    html = """<html><head><style>p{color:red}</style></head><body><div dir="ltr">Yes,&nbsp;please.<br>Casey</div>
    <div class="gmail_quote"><div class="gmail_attr">On Fri, Dec 4, 2026 at 3:12 PM Test Shop wrote:<br></div>
    <blockquote class="gmail_quote"><p>Shall we send a replacement?</p></blockquote></div></body></html>"""
    assert strip_reply(html_to_text(html)) == "Yes, please.\nCasey"
