"""Tickets by mail: a reply to a ticket mail, received by `customer-accounts mail-in`, joins the thread as if
its sender had typed it in the portal (README "Tickets by mail").

The signed reply address names the ticket and the party it was issued to (app/reply_addresses.py); the From
header must be that party: the ticket's customer's current address, or (the staff side) an active SUPPORT or
ADMIN account's, as any staff member may answer any ticket in the portal. The new text (quotes and signature
stripped, app/mail_text.py) goes through `tickets.reply`, so validation, the closed-ticket rule, mails,
`ticketUpdated` events and business events are the portal's. The message's Message-ID is recorded (hashed)
in the same transaction: the same message again is a replay and is refused. Everything refused raises
`MailRefused` with the SMTP answer and a short reason for the log; attachments are ignored. SPF and DKIM
are not checked (the signed address and the sender match are the check).
"""

import logging
import uuid
from dataclasses import dataclass
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import default as default_policy
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.mail_text import message_text, strip_reply
from app.principal import STAFF_ROLES, Principal
from app.reply_addresses import ReplyParty, ReplyTarget, is_our_domain, parse_reply_address
from app.runtime import Runtime
from app.security.tokens import sha256_hex
from app.services import tickets
from app.services.customer_queries import roles_of
from app.services.validation import email_key
from models.customer import Customer, CustomerStatus
from models.support import SupportTicket, TicketMailReceipt, TicketMessage

logger = logging.getLogger(__name__)


class MailRefused(Exception):
    """An inbound message (or recipient) refused: `reply` is the SMTP answer, `reason` the log's word."""

    def __init__(self, reason: str, reply: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.reply = reply


UNKNOWN_RECIPIENT = "550 5.1.1 No such recipient here"
BAD_ADDRESS = "550 5.7.1 This reply address is not valid"
# How the service's refusals of a message are answered (the same rules as the portal's).
TICKET_ANSWERS = {
    tickets.TicketErrorCode.TICKET_CLOSED: "550 5.7.1 This ticket is closed; open a new one",
    tickets.TicketErrorCode.NOT_FOUND: "550 5.1.1 No such ticket",
    tickets.TicketErrorCode.TOO_LONG: f"552 5.3.4 Replies may have at most {tickets.MAX_BODY} characters",
    tickets.TicketErrorCode.REQUIRED: "550 5.6.0 The reply has no text of its own",
}


@dataclass(frozen=True)
class AcceptedReply:
    ticket_id: uuid.UUID
    message: TicketMessage


def sender_domain(address: str) -> str:
    """What the log keeps of an address: its domain."""
    return address.rpartition("@")[2].lower()[:255] if "@" in address else ""


def check_recipient(rt: Runtime, address: str) -> ReplyTarget:
    """RCPT TO: one of our reply addresses with a valid signature, else refused."""
    if not is_our_domain(rt.settings, address):
        raise MailRefused("unknown_recipient", UNKNOWN_RECIPIENT)
    target = parse_reply_address(rt.settings, address)
    if target is None:
        raise MailRefused("bad_signature", BAD_ADDRESS)
    return target


def _parse(raw: bytes) -> EmailMessage:
    message = BytesParser(policy=default_policy).parsebytes(raw)
    assert isinstance(message, EmailMessage)
    return message


def _sender(message: EmailMessage) -> str:
    try:
        header = message["From"]
        addresses: list[Any] = list(header.addresses) if header is not None else []
    except (AttributeError, IndexError, ValueError):
        addresses = []
    spec = str(addresses[0].addr_spec or "").strip() if len(addresses) == 1 else ""
    if "@" not in spec:
        raise MailRefused("no_sender", "550 5.7.1 The message needs exactly one From address")
    return email_key(spec)


def _message_id(message: EmailMessage) -> str:
    value = str(message.get("Message-ID") or "").strip().strip("<>").strip().lower()
    if not value:
        raise MailRefused("no_message_id", "550 5.6.0 The message needs a Message-ID")
    return value


def _text(message: EmailMessage) -> str:
    try:
        text = strip_reply(message_text(message))
    except (LookupError, UnicodeError, ValueError) as error:
        raise MailRefused("unreadable", "550 5.6.0 The message text could not be read") from error
    if not text:
        raise MailRefused("empty", TICKET_ANSWERS[tickets.TicketErrorCode.REQUIRED])
    return text


async def _author(rt: Runtime, target: ReplyTarget, sender: str) -> Principal:
    """The account the reply is written as: the party the address was issued to, when the sender is it."""
    async with rt.db.read() as session:
        ticket = await session.get(SupportTicket, target.ticket_id)
        if ticket is None:
            raise MailRefused("unknown_ticket", TICKET_ANSWERS[tickets.TicketErrorCode.NOT_FOUND])
        if target.party is ReplyParty.CUSTOMER:
            owner = await session.get(Customer, ticket.customer_id)
            if owner is None or owner.status is not CustomerStatus.ACTIVE or owner.email_key != sender:
                raise MailRefused("unknown_sender", "550 5.7.1 The sender may not write to this ticket")
            return Principal(customer_id=owner.id, roles=await roles_of(session, owner.id))
        staff = await session.scalar(
            select(Customer).where(col(Customer.email_key) == sender, col(Customer.status) == CustomerStatus.ACTIVE)
        )
        roles = await roles_of(session, staff.id) if staff is not None else frozenset()
        if staff is None or not roles & STAFF_ROLES:
            raise MailRefused("unknown_sender", "550 5.7.1 The sender may not write to this ticket")
        return Principal(customer_id=staff.id, roles=roles)


async def accept_reply(rt: Runtime, target: ReplyTarget, raw: bytes) -> AcceptedReply:
    """DATA: write the reply to the ticket's thread as its sender, or raise `MailRefused`."""
    message = _parse(raw)
    auto = str(message.get("Auto-Submitted") or "no").strip().lower()
    if auto != "no":  # out-of-office answers and other robots: a loop waiting to happen
        raise MailRefused("auto_submitted", "550 5.7.1 Automatic replies are not accepted")
    principal = await _author(rt, target, _sender(message))  # strangers learn nothing more about the ticket
    message_id_hash = sha256_hex(_message_id(message))
    text = _text(message)

    async def record(session: AsyncSession, ticket: SupportTicket) -> None:
        try:
            async with session.begin_nested():
                session.add(TicketMailReceipt(ticket_id=ticket.id, message_id_hash=message_id_hash))
        except IntegrityError as error:
            raise MailRefused("replay", "550 5.7.1 This message was received already") from error

    try:
        thread = await tickets.reply(rt, principal, target.ticket_id, text, None, before_write=record)
    except tickets.TicketError as error:
        code = error.details[0].code if error.details else None
        answer = TICKET_ANSWERS.get(code) if isinstance(code, tickets.TicketErrorCode) else None
        raise MailRefused(
            f"ticket_{code.value.lower()}" if code is not None else "ticket_error",
            answer or "550 5.7.1 The reply was refused",
        ) from error
    return AcceptedReply(target.ticket_id, thread.messages[-1])
