"""Support tickets: customers open them and write; staff assign, answer and move them along the states.

States move along TRANSITIONS only (staff `set_state`); messages move them too: a customer's message
on a PENDING_CUSTOMER or RESOLVED ticket reopens it (OPEN), a staff reply on an OPEN ticket makes it
PENDING_CUSTOMER unless the reply says otherwise. CLOSED is final: nothing is written to a closed
ticket. The owner or staff may close a ticket. Every message is emailed to the other party: the
customer's to the assignee (or the support address while nobody is assigned), staff's to the
customer, with the ticket number in the subject. Each change is published to `ticket:<id>`
subscribers once it commits. The owner rates a RESOLVED or CLOSED ticket once (1-5, with a comment).

The owner of a ticket always writes as the customer, even when they are staff themselves. Another
customer's ticket, order or return behaves exactly like one that does not exist.
"""

import enum
import secrets
import textwrap
import uuid
from dataclasses import dataclass, field
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
from app.pagination import Page, empty_page, newest_rows
from app.principal import STAFF_ROLES, Principal
from app.runtime import Runtime
from app.services import messages
from app.services.callers import require_person, require_staff_member
from app.services.customer_queries import display_name, roles_of
from app.services.errors import DomainError, ErrorDetail, NotAuthenticatedError, NotFoundError
from app.services.numbers import owned_by_number
from app.services.validation import neutralize_text
from app.templates import MessageValue, Text
from models.base import utcnow
from models.customer import Customer, CustomerStatus
from models.order import Order
from models.returns import ReturnRequest
from models.support import SupportTicket, TicketAuthorKind, TicketCategory, TicketMessage, TicketState

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


class TicketError(DomainError):
    @classmethod
    def one(cls, code: TicketErrorCode, message: str, *field_path: str) -> "TicketError":
        return cls(ErrorDetail(code, message, field_path or None))


class TicketChange(enum.Enum):
    """What a ticketUpdated event reports."""

    OPENED = "OPENED"
    MESSAGE = "MESSAGE"
    STATE = "STATE"
    ASSIGNMENT = "ASSIGNMENT"
    RATING = "RATING"


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
        [f"ticket:{ticket.id}"],
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
        )
        return
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
        await messages.notify_support(session, rt, "ticket_customer_message", staff_values)
        return
    # The assigned staff member reads it in their own settings' language, not the customer's.
    await messages.email(
        session,
        rt,
        "ticket_customer_message",
        recipient.email,
        {**staff_values, "name": display_name(recipient) or messages.SUPPORT_TEAM},
        customer_id=recipient.id,
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


async def reply(
    rt: Runtime, principal: Principal, ticket_id: uuid.UUID | None, body: str | None, pending_customer: bool | None
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
    return await read_ticket(rt, ticket.id)


async def _change_state(
    rt: Runtime, principal: Principal, ticket_id: uuid.UUID | None, state: TicketState, field_name: str
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
            )
        _publish(session, rt, ticket, TicketChange.STATE, previous_state=previous, at=now)
    return await read_ticket(rt, ticket.id)


async def set_state(
    rt: Runtime, principal: Principal, ticket_id: uuid.UUID | None, state: TicketState
) -> TicketWithMessages:
    """Move a ticket along TRANSITIONS (staff); the customer is told when someone else moved it."""
    require_staff_member(principal)
    return await _change_state(rt, principal, ticket_id, state, "state")


async def close(rt: Runtime, principal: Principal, ticket_id: uuid.UUID | None) -> TicketWithMessages:
    """The owner (or staff) closes a ticket that is not closed yet."""
    require_person(principal)
    return await _change_state(rt, principal, ticket_id, TicketState.CLOSED, "ticketId")


async def assign(
    rt: Runtime, principal: Principal, ticket_id: uuid.UUID | None, staff_id: uuid.UUID | None, staff_id_sent: bool
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
            )
        _publish(session, rt, ticket, TicketChange.ASSIGNMENT, at=now)
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
    rt: Runtime, principal: Principal, *, first: int | None, after: str | None, filter: TicketFilter
) -> Page[SupportTicket]:
    """Every ticket, newest first (staff)."""
    require_staff_member(principal)
    return await newest_rows(rt.db, SupportTicket, _matching(filter), first, after)


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


async def subscription_topic(rt: Runtime, principal: Principal, ticket_id: uuid.UUID | None) -> str:
    if not principal.is_authenticated:
        raise NotAuthenticatedError()
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
