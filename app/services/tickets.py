"""Support tickets: customers open them and write; staff assign, answer and move them along the states.

States move along TRANSITIONS only (staff `set_state`); messages move them too: a customer's message
on a PENDING_CUSTOMER or RESOLVED ticket reopens it (OPEN), a staff reply on an OPEN ticket makes it
PENDING_CUSTOMER unless the reply says otherwise. CLOSED is final: nothing is written to a closed
ticket. The owner or staff may close a ticket. Every message is emailed to the other party: the
customer's to the assignee (or the support address while nobody is assigned), staff's to the
customer, with the ticket number in the subject. Each change is published once it commits to
`ticket:<id>` (that ticket's watchers), `customer-tickets:<customer id>` (the owner watching all their
tickets) and `tickets` (staff watching every ticket: the support queue).

Staff also write internal notes (`add_note`): they sit in the thread for staff only. A note is never shown
to a customer (the thread, live updates, mails, business events, the data export all leave it out), it
does not move the ticket, count as the first response or change its timestamps the customer sees. Staff
(SUPPORT or ADMIN) see notes on every ticket, their own included: visibility depends on the role only, so
that live-update answers shared by audience stay correct. The owner rates a RESOLVED or CLOSED ticket once (1-5, with a comment).

The owner of a ticket always writes as the customer, even when they are staff themselves. Another
customer's ticket, order or return behaves exactly like one that does not exist.
"""

import enum
import secrets
import textwrap
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, delete, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.events import Delivery
from app.i18n import N_
from app.links import Route, storefront_link
from app.outbox import enqueue_event
from app.pagination import Page, build_page, empty_page, newest_first, newest_rows, page_size
from app.principal import STAFF_ROLES, Principal
from app.reply_addresses import ReplyParty, reply_address
from app.runtime import RequestMeta, Runtime
from app.services import audit, event_data, messages
from app.services.callers import require_person, require_staff_member
from app.services.customer_queries import display_name, roles_of
from app.services.errors import DomainError, ErrorDetail, InvalidInputError, NotAuthenticatedError, NotFoundError
from app.services.numbers import owned_by_number
from app.services.validation import neutralize_text
from app.templates import MessageValue, Text
from models.base import utcnow
from models.customer import Customer, CustomerStatus
from models.order import Order
from models.returns import ReturnRequest
from models.security import SecurityEventType
from models.support import (
    SupportTicket,
    TicketAuthorKind,
    TicketCategory,
    TicketMailReceipt,
    TicketMessage,
    TicketState,
)

S = TicketState
# What staff may set (setTicketState); closeTicket is the same move to CLOSED, for the owner too.
TRANSITIONS: dict[TicketState, frozenset[TicketState]] = {
    S.OPEN: frozenset({S.PENDING_CUSTOMER, S.RESOLVED, S.CLOSED}),
    S.PENDING_CUSTOMER: frozenset({S.OPEN, S.RESOLVED, S.CLOSED}),
    S.RESOLVED: frozenset({S.OPEN, S.CLOSED}),
    S.CLOSED: frozenset(),
}
RATABLE = frozenset({S.RESOLVED, S.CLOSED})
MAX_SUBJECT = 200
MAX_BODY = 5000
MAX_COMMENT = 1000
MAX_QUERY = 100
MAX_AUTHOR_NAME = 100
EMAIL_LINE_WIDTH = 76
TICKET_EVENT = "ticket.updated"
# How mails name a ticket's state and category (English msgids, written in the recipient's language).
STATE_WORDS = {
    S.OPEN: N_("open"),
    S.PENDING_CUSTOMER: N_("waiting for your reply"),
    S.RESOLVED: N_("resolved"),
    S.CLOSED: N_("closed"),
}
CATEGORY_WORDS = {
    TicketCategory.ORDER: N_("order"),
    TicketCategory.PAYMENT: N_("payment"),
    TicketCategory.RETURN: N_("return"),
    TicketCategory.ACCOUNT: N_("account"),
    TicketCategory.PRODUCT: N_("product"),
    TicketCategory.OTHER: N_("other"),
}


class TicketErrorCode(enum.Enum):
    REQUIRED = "REQUIRED"
    TOO_LONG = "TOO_LONG"
    INVALID = "INVALID"
    NOT_FOUND = "NOT_FOUND"
    ORDER_NOT_FOUND = "ORDER_NOT_FOUND"
    RETURN_NOT_FOUND = "RETURN_NOT_FOUND"
    ILLEGAL_TRANSITION = "ILLEGAL_TRANSITION"
    TICKET_CLOSED = "TICKET_CLOSED"
    NOT_RESOLVED = "NOT_RESOLVED"
    ALREADY_RATED = "ALREADY_RATED"
    INVALID_RATING = "INVALID_RATING"
    NOT_OWNER = "NOT_OWNER"
    STAFF_ONLY = "STAFF_ONLY"
    ASSIGNEE_NOT_STAFF = "ASSIGNEE_NOT_STAFF"
    OWN_TICKET = "OWN_TICKET"


class TicketError(DomainError):
    @classmethod
    def one(cls, code: TicketErrorCode, message: str, *field_path: str) -> "TicketError":
        return cls(ErrorDetail(code, message, field_path or None))


# Marks the cursors of the LAST_ACTIVITY order ('.' is no base64 character: a CREATED cursor never starts so).
ACTIVITY_CURSOR = "a."


class TicketOrder(enum.Enum):
    """How the staff list of tickets is ordered, newest first either way."""

    CREATED = "CREATED"
    LAST_ACTIVITY = "LAST_ACTIVITY"


class TicketChange(enum.Enum):
    """What a ticketUpdated event reports."""

    OPENED = "OPENED"
    MESSAGE = "MESSAGE"
    STATE = "STATE"
    ASSIGNMENT = "ASSIGNMENT"
    RATING = "RATING"
    NOTE = "NOTE"


@dataclass
class OpenTicketData:
    subject: str
    body: str
    category: TicketCategory
    order_id: uuid.UUID | None = None
    order_id_sent: bool = False
    return_id: uuid.UUID | None = None
    return_id_sent: bool = False


@dataclass
class TicketWithMessages:
    """A ticket and its thread, oldest message first (what mutations and events hand back)."""

    ticket: SupportTicket
    messages: list[TicketMessage] = field(default_factory=list)


def _text(value: str | None, limit: int, errors: list[ErrorDetail], *path: str) -> str:
    cleaned = neutralize_text(value or "").strip()
    if not cleaned:
        errors.append(ErrorDetail(TicketErrorCode.REQUIRED, "This is required.", path))
    elif len(cleaned) > limit:
        errors.append(ErrorDetail(TicketErrorCode.TOO_LONG, f"Use at most {limit} characters.", path))
    return cleaned


def _body(value: str | None, *path: str) -> str:
    errors: list[ErrorDetail] = []
    body = _text(value, MAX_BODY, errors, *path)
    if errors:
        raise TicketError(*errors)
    return body


def _new_number() -> str:
    return f"T-{secrets.randbelow(10**8):08d}"


def _email_body(body: str) -> str:
    """The message as mail text: long lines wrapped (SMTP allows at most 998 characters per line)."""
    lines: list[str] = []
    for line in body.splitlines() or [""]:
        lines.extend(textwrap.wrap(line, EMAIL_LINE_WIDTH, break_long_words=True, break_on_hyphens=False) or [""])
    return "\n".join(lines)


def ticket_topics(ticket_id: uuid.UUID, customer_id: uuid.UUID, change: TicketChange) -> list[str]:
    """Where a ticket's change is published: the ticket, all tickets (staff) and its customer's tickets, except
    an internal note, which never goes where only the customer listens (event_for drops it for them anyway)."""
    topics = [f"ticket:{ticket_id}", "tickets"]
    if change is not TicketChange.NOTE:
        topics.append(f"customer-tickets:{customer_id}")
    return topics


def _publish(
    session: AsyncSession,
    rt: Runtime,
    ticket: SupportTicket,
    change: TicketChange,
    *,
    message_id: uuid.UUID | None = None,
    previous_state: TicketState | None = None,
    at: datetime,
) -> None:
    enqueue_event(
        session,
        rt.keyring,
        TICKET_EVENT,
        ticket_topics(ticket.id, ticket.customer_id, change),
        {
            "ticketId": str(ticket.id),
            "change": change.value,
            "messageId": str(message_id) if message_id else None,
            "previousState": previous_state.value if previous_state else None,
            "state": ticket.state.value,
            "changedAt": at.isoformat(),
        },
    )


async def _notify_message(
    session: AsyncSession, rt: Runtime, ticket: SupportTicket, message: TicketMessage, owner: Customer
) -> None:
    """Mail the message to the other party of the thread."""
    values = {
        "number": ticket.number,
        "subject": ticket.subject,
        "body": _email_body(message.body),
    }
    if message.author_kind is TicketAuthorKind.STAFF:
        if owner.status is CustomerStatus.DELETED:
            return
        await messages.email(
            session,
            rt,
            "ticket_staff_reply",
            owner.email,
            {
                **values,
                "name": display_name(owner),
                "author": message.author_name or Text(N_("Our support team")),
                "link": storefront_link(rt.settings, Route.TICKET, number=ticket.number),
            },
            customer_id=owner.id,
            reply_to=reply_address(rt.settings, ticket.id, ReplyParty.CUSTOMER),
        )
        return
    staff_reply_to = reply_address(rt.settings, ticket.id, ReplyParty.STAFF)
    recipient: Customer | None = None
    if ticket.assignee_id is not None:
        assignee = await session.get(Customer, ticket.assignee_id)
        # Someone who left the support team (or was deleted) no longer hears of it: the shared mailbox does.
        if (
            assignee is not None
            and assignee.status is CustomerStatus.ACTIVE
            and (await roles_of(session, assignee.id)) & STAFF_ROLES
        ):
            recipient = assignee
    staff_values: dict[str, MessageValue] = {
        **values,
        "customer_email": owner.email,
        "category": Text(CATEGORY_WORDS[ticket.category]),
    }
    if recipient is None:
        await messages.notify_support(session, rt, "ticket_customer_message", staff_values, reply_to=staff_reply_to)
        return
    # The assigned staff member reads it in their own settings' language, not the customer's.
    await messages.email(
        session,
        rt,
        "ticket_customer_message",
        recipient.email,
        {**staff_values, "name": display_name(recipient) or messages.SUPPORT_TEAM},
        customer_id=recipient.id,
        reply_to=staff_reply_to,
    )


async def _own_order(session: AsyncSession, customer_id: uuid.UUID, order_id: uuid.UUID | None) -> uuid.UUID:
    found = None
    if order_id is not None:
        found = await session.scalar(
            select(col(Order.id)).where(col(Order.id) == order_id, col(Order.customer_id) == customer_id)
        )
    if found is None:
        raise TicketError.one(TicketErrorCode.ORDER_NOT_FOUND, "No such order.", "orderId")
    return found


async def _own_return(session: AsyncSession, customer_id: uuid.UUID, return_id: uuid.UUID | None) -> uuid.UUID:
    found = None
    if return_id is not None:
        found = await session.scalar(
            select(col(ReturnRequest.id)).where(
                col(ReturnRequest.id) == return_id, col(ReturnRequest.customer_id) == customer_id
            )
        )
    if found is None:
        raise TicketError.one(TicketErrorCode.RETURN_NOT_FOUND, "No such return.", "returnId")
    return found


async def open_ticket(rt: Runtime, principal: Principal, data: OpenTicketData) -> TicketWithMessages:
    """A new OPEN ticket with its first message, mailed to the support address."""
    customer_id = require_person(principal)
    errors: list[ErrorDetail] = []
    subject = _text(data.subject, MAX_SUBJECT, errors, "subject")
    body = _text(data.body, MAX_BODY, errors, "body")
    if data.order_id_sent and data.order_id is None:
        errors.append(ErrorDetail(TicketErrorCode.ORDER_NOT_FOUND, "No such order.", ("orderId",)))
    if data.return_id_sent and data.return_id is None:
        errors.append(ErrorDetail(TicketErrorCode.RETURN_NOT_FOUND, "No such return.", ("returnId",)))
    if errors:
        raise TicketError(*errors)
    now = utcnow()
    async with rt.db.unit_of_work() as session:
        owner = await session.get(Customer, customer_id)
        if owner is None or owner.status is CustomerStatus.DELETED:
            raise NotAuthenticatedError()
        order_id = await _own_order(session, customer_id, data.order_id) if data.order_id_sent else None
        return_id = await _own_return(session, customer_id, data.return_id) if data.return_id_sent else None
        ticket = SupportTicket(
            number=_new_number(),
            customer_id=customer_id,
            subject=subject,
            category=data.category,
            state=TicketState.OPEN,
            order_id=order_id,
            return_id=return_id,
            created_at=now,
            updated_at=now,
            last_message_at=now,
        )
        for attempt in range(5):
            try:
                async with session.begin_nested():
                    session.add(ticket)
                break
            except IntegrityError:
                if attempt == 4:
                    raise
                ticket.number = _new_number()  # a random number already taken: draw another
        message = TicketMessage(
            ticket_id=ticket.id, author_kind=TicketAuthorKind.CUSTOMER, author_id=customer_id, body=body, created_at=now
        )
        session.add(message)
        await _notify_message(session, rt, ticket, message, owner)
        _publish(session, rt, ticket, TicketChange.OPENED, message_id=message.id, at=now)
        await event_data.ticket_event(session, "ticket.opened", ticket)
    return TicketWithMessages(ticket, [message])


async def _locked_ticket(session: AsyncSession, principal: Principal, ticket_id: uuid.UUID | None) -> SupportTicket:
    """The ticket, locked, when the caller owns it or is staff; otherwise NOT_FOUND."""
    ticket = None
    if ticket_id is not None:
        statement = select(SupportTicket).where(col(SupportTicket.id) == ticket_id)
        if not principal.is_staff:
            statement = statement.where(col(SupportTicket.customer_id) == principal.customer_id)
        ticket = (
            await session.execute(statement.with_for_update().execution_options(populate_existing=True))
        ).scalar_one_or_none()
    if ticket is None:
        raise TicketError.one(TicketErrorCode.NOT_FOUND, "No such ticket.", "ticketId")
    return ticket


def _move(ticket: SupportTicket, state: TicketState, now: datetime) -> TicketState | None:
    """Set the state (already allowed); the previous one, or None when it did not change."""
    if ticket.state is state:
        return None
    previous, ticket.state = ticket.state, state
    if state is TicketState.RESOLVED:
        ticket.resolved_at = now
    if state is TicketState.CLOSED:
        ticket.closed_at = now
    return previous


# Runs in reply()'s unit of work once the ticket is found writable, before the message is added; raising
# refuses the message (the mail-in listener records a message's Message-ID with it).
BeforeReply = Callable[[AsyncSession, SupportTicket], Awaitable[None]]


async def reply(
    rt: Runtime,
    principal: Principal,
    ticket_id: uuid.UUID | None,
    body: str | None,
    pending_customer: bool | None,
    *,
    before_write: BeforeReply | None = None,
    meta: RequestMeta | None = None,
) -> TicketWithMessages:
    """Add a message: the owner writes as the customer, other staff as staff (see the module notes)."""
    caller = require_person(principal)
    text = _body(body, "body")
    now = utcnow()
    async with rt.db.unit_of_work() as session:
        ticket = await _locked_ticket(session, principal, ticket_id)
        as_staff = ticket.customer_id != caller
        if pending_customer and not as_staff:
            raise TicketError.one(
                TicketErrorCode.STAFF_ONLY, "Only staff can ask the customer for an answer.", "pendingCustomer"
            )
        if ticket.state is TicketState.CLOSED:
            raise TicketError.one(TicketErrorCode.TICKET_CLOSED, "This ticket is closed; open a new one.", "ticketId")
        if before_write is not None:
            await before_write(session, ticket)
        author = await session.get(Customer, caller)
        owner = await session.get(Customer, ticket.customer_id)
        assert author is not None  # foreign keys
        assert owner is not None
        message = TicketMessage(
            ticket_id=ticket.id,
            author_kind=TicketAuthorKind.STAFF if as_staff else TicketAuthorKind.CUSTOMER,
            author_id=caller,
            author_name=(display_name(author) or "Support")[:MAX_AUTHOR_NAME] if as_staff else None,
            body=text,
            created_at=now,
        )
        first_response = as_staff and not await _staff_answered(session, ticket.id)
        session.add(message)
        if as_staff:
            wanted = TicketState.PENDING_CUSTOMER if pending_customer is not False else TicketState.OPEN
            previous = _move(ticket, wanted, now) if ticket.state is TicketState.OPEN else None
        else:
            previous = _move(ticket, TicketState.OPEN, now)  # a customer's word reopens the ticket
        ticket.updated_at = ticket.last_message_at = now
        session.add(ticket)
        await _notify_message(session, rt, ticket, message, owner)
        _publish(session, rt, ticket, TicketChange.MESSAGE, message_id=message.id, previous_state=previous, at=now)
        if as_staff:
            await event_data.ticket_event(
                session, "ticket.answered", ticket, answeredAt=now, firstResponse=first_response
            )
            _audit(session, meta, SecurityEventType.TICKET_ANSWERED, ticket, caller, "answered")
    return await read_ticket(rt, ticket.id)


async def _staff_answered(session: AsyncSession, ticket_id: uuid.UUID) -> bool:
    found = await session.execute(
        select(col(TicketMessage.id))
        .where(
            col(TicketMessage.ticket_id) == ticket_id,
            col(TicketMessage.author_kind) == TicketAuthorKind.STAFF,
            col(TicketMessage.internal).is_(False),
        )
        .limit(1)
    )
    return found.first() is not None


async def add_note(
    rt: Runtime, principal: Principal, ticket_id: uuid.UUID | None, body: str | None, meta: RequestMeta | None = None
) -> TicketWithMessages:
    """An internal note on any ticket but the caller's own (staff): staff read it, the customer never
    does. No mail, no business event, no state or timestamp change; staff watching the ticket live get
    a NOTE change."""
    caller = require_staff_member(principal)
    text = _body(body, "body")
    now = utcnow()
    async with rt.db.unit_of_work() as session:
        ticket = await _locked_ticket(session, principal, ticket_id)
        if ticket.customer_id == caller:
            raise TicketError.one(TicketErrorCode.OWN_TICKET, "Notes are for tickets of other customers.", "ticketId")
        author = await session.get(Customer, caller)
        assert author is not None  # foreign keys
        message = TicketMessage(
            ticket_id=ticket.id,
            author_kind=TicketAuthorKind.STAFF,
            author_id=caller,
            author_name=(display_name(author) or "Support")[:MAX_AUTHOR_NAME],
            body=text,
            internal=True,
            created_at=now,
        )
        session.add(message)
        _publish(session, rt, ticket, TicketChange.NOTE, message_id=message.id, at=now)
        _audit(session, meta, SecurityEventType.TICKET_NOTE_ADDED, ticket, caller, "internal note added")
    return await read_ticket(rt, ticket.id)


def _audit(
    session: AsyncSession,
    meta: RequestMeta | None,
    event_type: SecurityEventType,
    ticket: SupportTicket,
    actor_id: uuid.UUID | None,
    what: str,
) -> None:
    audit.staff_work(
        session, meta, event_type, actor_id=actor_id, customer_id=ticket.customer_id, detail=f"{ticket.number}: {what}"
    )


def visible_messages(principal: Principal, rows: list[Any]) -> list[Any]:
    """The thread as the caller may read it: internal notes for staff only."""
    if principal.is_staff:
        return rows
    return [row for row in rows if not row.internal]


async def _change_state(
    rt: Runtime,
    principal: Principal,
    ticket_id: uuid.UUID | None,
    state: TicketState,
    field_name: str,
    meta: RequestMeta | None = None,
) -> TicketWithMessages:
    now = utcnow()
    async with rt.db.unit_of_work() as session:
        ticket = await _locked_ticket(session, principal, ticket_id)
        if state not in TRANSITIONS[ticket.state]:
            raise TicketError.one(
                TicketErrorCode.ILLEGAL_TRANSITION,
                f"A ticket that is {ticket.state.value} cannot become {state.value}.",
                field_name,
            )
        previous = _move(ticket, state, now)
        ticket.updated_at = now
        session.add(ticket)
        owner = await session.get(Customer, ticket.customer_id)
        assert owner is not None
        if principal.customer_id != ticket.customer_id and owner.status is not CustomerStatus.DELETED:
            await messages.email(
                session,
                rt,
                "ticket_state_changed",
                owner.email,
                {
                    "name": display_name(owner),
                    "number": ticket.number,
                    "subject": ticket.subject,
                    "state": Text(STATE_WORDS[state]),
                    "next_step": Text(N_("Open a new ticket whenever you need us again."))
                    if state is TicketState.CLOSED
                    else Text(N_("Reply to it any time if you need more from us.")),
                    "link": storefront_link(rt.settings, Route.TICKET, number=ticket.number),
                },
                customer_id=owner.id,
                # A closed ticket takes no more messages: its mail offers no reply address.
                reply_to=None
                if state is TicketState.CLOSED
                else reply_address(rt.settings, ticket.id, ReplyParty.CUSTOMER),
            )
        _publish(session, rt, ticket, TicketChange.STATE, previous_state=previous, at=now)
        if principal.customer_id != ticket.customer_id:
            moved = f"{(previous or state).value} → {state.value}"
            _audit(session, meta, SecurityEventType.TICKET_STATE_CHANGED, ticket, principal.customer_id, moved)
        if state is TicketState.CLOSED:
            closed_by = "CUSTOMER" if principal.customer_id == ticket.customer_id else "STAFF"
            await event_data.ticket_event(session, "ticket.closed", ticket, closedBy=closed_by, closedAt=now)
    return await read_ticket(rt, ticket.id)


async def set_state(
    rt: Runtime, principal: Principal, ticket_id: uuid.UUID | None, state: TicketState, meta: RequestMeta | None = None
) -> TicketWithMessages:
    """Move a ticket along TRANSITIONS (staff); the customer is told when someone else moved it."""
    require_staff_member(principal)
    return await _change_state(rt, principal, ticket_id, state, "state", meta)


async def close(
    rt: Runtime, principal: Principal, ticket_id: uuid.UUID | None, meta: RequestMeta | None = None
) -> TicketWithMessages:
    """The owner (or staff) closes a ticket that is not closed yet."""
    require_person(principal)
    return await _change_state(rt, principal, ticket_id, TicketState.CLOSED, "ticketId", meta)


async def assign(
    rt: Runtime,
    principal: Principal,
    ticket_id: uuid.UUID | None,
    staff_id: uuid.UUID | None,
    staff_id_sent: bool,
    meta: RequestMeta | None = None,
) -> TicketWithMessages:
    """Give the ticket to a SUPPORT or ADMIN account (staff); without staffId nobody has it."""
    require_staff_member(principal)
    now = utcnow()
    async with rt.db.unit_of_work() as session:
        ticket = await _locked_ticket(session, principal, ticket_id)
        assignee = None
        if staff_id_sent:
            assignee = await session.get(Customer, staff_id) if staff_id is not None else None
            if (
                assignee is None
                or assignee.status is not CustomerStatus.ACTIVE
                or not (await roles_of(session, assignee.id)) & STAFF_ROLES
            ):
                raise TicketError.one(
                    TicketErrorCode.ASSIGNEE_NOT_STAFF, "Assign the ticket to an active support account.", "staffId"
                )
        if ticket.state is TicketState.CLOSED:
            raise TicketError.one(TicketErrorCode.TICKET_CLOSED, "This ticket is closed.", "ticketId")
        ticket.assignee_id = assignee.id if assignee is not None else None
        ticket.updated_at = now
        session.add(ticket)
        if assignee is not None and assignee.id != principal.customer_id:
            await messages.email(
                session,
                rt,
                "ticket_assigned",
                assignee.email,
                {"name": display_name(assignee), "number": ticket.number, "subject": ticket.subject},
                customer_id=assignee.id,
                reply_to=reply_address(rt.settings, ticket.id, ReplyParty.STAFF),
            )
        _publish(session, rt, ticket, TicketChange.ASSIGNMENT, at=now)
        given = f"assigned to {display_name(assignee) or assignee.email}" if assignee is not None else "unassigned"
        _audit(session, meta, SecurityEventType.TICKET_ASSIGNED, ticket, principal.customer_id, given)
    return await read_ticket(rt, ticket.id)


async def rate(
    rt: Runtime, principal: Principal, ticket_id: uuid.UUID | None, rating: int, comment: str | None
) -> TicketWithMessages:
    """The owner rates a RESOLVED or CLOSED ticket, once; a later reopening keeps the rating."""
    caller = require_person(principal)
    errors: list[ErrorDetail] = []
    if not 1 <= rating <= 5:
        errors.append(ErrorDetail(TicketErrorCode.INVALID_RATING, "Rate from 1 to 5.", ("rating",)))
    note = neutralize_text(comment or "").strip() or None
    if note is not None and len(note) > MAX_COMMENT:
        errors.append(ErrorDetail(TicketErrorCode.TOO_LONG, f"Use at most {MAX_COMMENT} characters.", ("comment",)))
    if errors:
        raise TicketError(*errors)
    now = utcnow()
    async with rt.db.unit_of_work() as session:
        ticket = await _locked_ticket(session, principal, ticket_id)
        if ticket.customer_id != caller:
            raise TicketError.one(
                TicketErrorCode.NOT_OWNER, "Only the customer who opened it rates a ticket.", "ticketId"
            )
        if ticket.state not in RATABLE:
            raise TicketError.one(TicketErrorCode.NOT_RESOLVED, "Rate a ticket once it is resolved.", "ticketId")
        if ticket.rating is not None:
            raise TicketError.one(TicketErrorCode.ALREADY_RATED, "You have rated this ticket already.", "ticketId")
        ticket.rating, ticket.rating_comment, ticket.rated_at, ticket.updated_at = rating, note, now, now
        session.add(ticket)
        _publish(session, rt, ticket, TicketChange.RATING, at=now)
    return await read_ticket(rt, ticket.id)


async def erase_customer_tickets(session: AsyncSession, customer_id: uuid.UUID) -> None:
    """Account deletion: a customer's support conversations are their own words and go with the account."""
    owned = select(col(SupportTicket.id)).where(col(SupportTicket.customer_id) == customer_id)
    await session.execute(delete(TicketMessage).where(col(TicketMessage.ticket_id).in_(owned)))
    await session.execute(delete(TicketMailReceipt).where(col(TicketMailReceipt.ticket_id).in_(owned)))
    await session.execute(delete(SupportTicket).where(col(SupportTicket.customer_id) == customer_id))


async def read_ticket(rt: Runtime, ticket_id: uuid.UUID) -> TicketWithMessages:
    found = await find_ticket(rt, ticket_id)
    assert found is not None
    return found


async def find_ticket(rt: Runtime, ticket_id: uuid.UUID) -> TicketWithMessages | None:
    async with rt.db.read() as session:
        ticket = await session.get(SupportTicket, ticket_id)
        if ticket is None:
            return None  # erased with its owner's account
        messages = (
            await session.execute(
                select(TicketMessage)
                .where(col(TicketMessage.ticket_id) == ticket_id)
                .order_by(col(TicketMessage.created_at), col(TicketMessage.id))
            )
        ).scalars()
        return TicketWithMessages(ticket, list(messages))


@dataclass(frozen=True)
class TicketFilter:
    state: TicketState | None = None
    category: TicketCategory | None = None
    assignee_id: uuid.UUID | None = None
    assigned_to_me: bool = False  # the caller's own (with assignee_id, only when that is the caller too)
    unassigned: bool = False
    customer_id: uuid.UUID | None = None
    query: str | None = None


def _matching(filter: TicketFilter) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if filter.state is not None:
        conditions.append(col(SupportTicket.state) == filter.state)
    if filter.category is not None:
        conditions.append(col(SupportTicket.category) == filter.category)
    if filter.assignee_id is not None:
        conditions.append(col(SupportTicket.assignee_id) == filter.assignee_id)
    if filter.unassigned:
        conditions.append(col(SupportTicket.assignee_id).is_(None))
    if filter.customer_id is not None:
        conditions.append(col(SupportTicket.customer_id) == filter.customer_id)
    text = (filter.query or "").strip()[:MAX_QUERY].lower()
    if text:
        pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        conditions.append(
            or_(
                func.lower(col(SupportTicket.number)).like(pattern, escape="\\"),
                func.lower(col(SupportTicket.subject)).like(pattern, escape="\\"),
            )
        )
    return conditions


async def list_tickets(
    rt: Runtime,
    principal: Principal,
    *,
    first: int | None,
    after: str | None,
    filter: TicketFilter,
    order: TicketOrder = TicketOrder.CREATED,
) -> Page[SupportTicket]:
    """Every ticket, newest first (staff): the newest opened, or with LAST_ACTIVITY the latest message (the
    support queue). A cursor belongs to the order it came from: LAST_ACTIVITY's are marked, and one of the
    other order is refused rather than read as a position it does not name."""
    caller = require_staff_member(principal)
    if filter.assigned_to_me:
        if filter.assignee_id not in (None, caller):
            return empty_page(first, after)
        filter = replace(filter, assignee_id=caller)
    if order is TicketOrder.CREATED:
        return await newest_rows(rt.db, SupportTicket, _matching(filter), first, after)
    if after is not None and not after.startswith(ACTIVITY_CURSOR):
        raise InvalidInputError("The cursor is not valid.")
    limit = page_size(first)
    statement = newest_first(
        select(SupportTicket).where(*_matching(filter)),
        col(SupportTicket.last_message_at),
        col(SupportTicket.id),
        after.removeprefix(ACTIVITY_CURSOR) if after else None,
        limit,
    )
    async with rt.db.read() as session:
        rows = list((await session.execute(statement)).scalars())
    page = build_page(rows, limit, lambda row: (row.last_message_at, row.id), after)
    return replace(page, cursors=[ACTIVITY_CURSOR + cursor for cursor in page.cursors])


async def ticket_by_number(rt: Runtime, principal: Principal, number: str) -> SupportTicket | None:
    """A ticket by its T-… number: the caller's own, or any for staff."""
    return await owned_by_number(rt, principal, SupportTicket, number)


async def customer_tickets(
    rt: Runtime,
    principal: Principal,
    customer_id: uuid.UUID,
    *,
    first: int | None,
    after: str | None,
    state: TicketState | None,
) -> Page[SupportTicket]:
    """A customer's tickets, newest first, for the customer or staff (nobody else sees any)."""
    if not principal.is_authenticated:
        raise NotAuthenticatedError()
    if not principal.can_see_customer(customer_id):
        return empty_page(first, after)
    return await newest_rows(
        rt.db, SupportTicket, _matching(TicketFilter(state=state, customer_id=customer_id)), first, after
    )


@dataclass(frozen=True)
class TicketEvent:
    """A change as a subscriber receives it, with the ticket as it is now."""

    ticket: TicketWithMessages
    change: TicketChange
    message: TicketMessage | None
    previous_state: TicketState | None
    state: TicketState
    changed_at: datetime


async def _can_watch(rt: Runtime, principal: Principal, ticket_id: uuid.UUID) -> bool:
    """Staff watch any ticket; a customer only their own."""
    if principal.customer_id is None:
        return False
    async with rt.db.read() as session:
        owner = await session.scalar(select(col(SupportTicket.customer_id)).where(col(SupportTicket.id) == ticket_id))
    return owner is not None and (principal.is_staff or owner == principal.customer_id)


async def subscription_topic(
    rt: Runtime, principal: Principal, ticket_id: uuid.UUID | None, *, all_tickets: bool = False
) -> str:
    """The topic to watch: one ticket (its owner or staff), or with `all_tickets` every ticket the caller
    may see (staff: all of them, new ones included; a customer: their own)."""
    if not principal.is_authenticated:
        raise NotAuthenticatedError()
    if all_tickets:
        return "tickets" if principal.is_staff else f"customer-tickets:{principal.customer_id}"
    if ticket_id is None or not await _can_watch(rt, principal, ticket_id):
        raise NotFoundError("No such ticket.")
    return f"ticket:{ticket_id}"


async def event_for(rt: Runtime, principal: Principal, delivery: Delivery) -> TicketEvent | None:
    """The event to deliver, or None when this caller may not see it (checked again for every event:
    the caller's roles may have changed since they subscribed). The ticket is read once per event for
    all of this process's subscribers."""
    event = await delivery.shared(TicketEvent, lambda: _read_event(rt, delivery.message))
    if event is None or not principal.can_see_customer(event.ticket.ticket.customer_id):
        return None
    if not principal.is_staff and (event.change is TicketChange.NOTE or (event.message and event.message.internal)):
        return None  # an internal note: the customer does not learn that one was written
    return event


async def _read_event(rt: Runtime, message: dict[str, Any]) -> TicketEvent | None:
    try:
        ticket_id = uuid.UUID(message["ticketId"])
        change = TicketChange(message["change"])
        state = TicketState(message["state"])
        previous = TicketState(message["previousState"]) if message.get("previousState") else None
        message_id = uuid.UUID(message["messageId"]) if message.get("messageId") else None
        changed_at = datetime.fromisoformat(message["changedAt"])
    except (KeyError, ValueError, TypeError):
        return None
    found = await find_ticket(rt, ticket_id)
    if found is None:
        return None
    written = next((m for m in found.messages if m.id == message_id), None)
    return TicketEvent(found, change, written, previous, state, changed_at)
