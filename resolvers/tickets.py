"""Support tickets: customers open, answer, close and rate theirs; staff list, assign, answer and move them.

replyToTicket serves both sides: the ticket's owner writes as the customer, any other staff member as
staff (who may leave an OPEN ticket OPEN with pendingCustomer: false). addTicketNote writes an internal
note that only staff ever read (see app/services/tickets.py)."""

import uuid
from collections.abc import AsyncGenerator

import strawberry
from strawberry import relay

from app.pagination import empty_page
from app.services import tickets
from app.services.errors import NotAuthenticatedError
from app.services.tickets import OpenTicketData, TicketError, TicketOrder, TicketWithMessages
from resolvers.permissions import IsAuthenticated, IsStaff, requires
from schema.shared_results import share_results
from schema.types.base import Info, decode_global_id, user_errors
from schema.types.ticket import (
    AddTicketNoteInput,
    AssignTicketInput,
    CloseTicketInput,
    OpenTicketInput,
    RateTicketInput,
    ReplyToTicketInput,
    SetTicketStateInput,
    SupportTicket,
    TicketFilter,
    TicketPayload,
    TicketUpdatedEvent,
    TicketUserError,
    tickets_connection,
)


def _payload(found: TicketWithMessages) -> TicketPayload:
    return TicketPayload(ticket=SupportTicket.of(found))


def _failed(error: TicketError) -> TicketPayload:
    return TicketPayload(user_errors=user_errors(error, TicketUserError))


def _ticket_id(value: strawberry.ID) -> uuid.UUID | None:
    return decode_global_id(value, "SupportTicket")


@strawberry.type
class TicketQueries:
    @strawberry.field(
        description=(
            "Every support ticket, newest first (by opening, or with order LAST_ACTIVITY by latest message); "
            "filter by state, category, assignee, customer or text (staff)."
        ),
        extensions=requires(IsStaff),
    )
    async def tickets(
        self,
        info: Info,
        first: int | None = 20,
        after: str | None = None,
        filter: TicketFilter | None = None,
        order: TicketOrder = TicketOrder.CREATED,
    ) -> relay.Connection[SupportTicket] | None:
        wanted = filter or TicketFilter()
        assignee_id = decode_global_id(wanted.assignee_id, "Customer") if wanted.assignee_id else None
        customer_id = decode_global_id(wanted.customer_id, "Customer") if wanted.customer_id else None
        if (wanted.assignee_id and assignee_id is None) or (wanted.customer_id and customer_id is None):
            return tickets_connection(empty_page(first, after))  # type: ignore[no-any-return]
        page = await tickets.list_tickets(
            info.context.rt,
            info.context.principal,
            first=first,
            after=after,
            filter=tickets.TicketFilter(
                state=wanted.state,
                category=wanted.category,
                assignee_id=assignee_id,
                assigned_to_me=wanted.assigned_to_me,
                unassigned=wanted.unassigned,
                customer_id=customer_id,
                query=wanted.query,
            ),
            order=order,
        )
        return tickets_connection(page)  # type: ignore[no-any-return]

    @strawberry.field(
        description=(
            "Your support ticket by its number (T-…, as our mails name it; surrounding spaces and case do not "
            "matter), or any ticket for staff; null when there is none or it is not yours."
        ),
        extensions=requires(IsAuthenticated),
    )
    async def ticket(self, info: Info, number: str) -> SupportTicket | None:
        row = await tickets.ticket_by_number(info.context.rt, info.context.principal, number)
        return SupportTicket.from_row(row) if row else None


@strawberry.type
class TicketMutations:
    @strawberry.mutation(
        description="Ask the support team something, optionally about one of your orders or returns.",
        extensions=requires(IsAuthenticated),
    )
    async def open_ticket(self, info: Info, input: OpenTicketInput) -> TicketPayload:
        data = OpenTicketData(
            subject=input.subject,
            body=input.body,
            category=input.category,
            order_id=decode_global_id(input.order_id, "Order"),
            order_id_sent=input.order_id is not None,
            return_id=decode_global_id(input.return_id, "Return"),
            return_id_sent=input.return_id is not None,
        )
        try:
            found = await tickets.open_ticket(info.context.rt, info.context.principal, data)
        except TicketError as error:
            return _failed(error)
        return _payload(found)

    @strawberry.mutation(
        description="Write to a ticket: yours (a reply reopens it), or any ticket as staff.",
        extensions=requires(IsAuthenticated),
    )
    async def reply_to_ticket(self, info: Info, input: ReplyToTicketInput) -> TicketPayload:
        try:
            found = await tickets.reply(
                info.context.rt,
                info.context.principal,
                _ticket_id(input.ticket_id),
                input.body,
                input.pending_customer,
                meta=info.context.meta,
            )
        except TicketError as error:
            return _failed(error)
        return _payload(found)

    @strawberry.mutation(description="Close your ticket (staff: any ticket).", extensions=requires(IsAuthenticated))
    async def close_ticket(self, info: Info, input: CloseTicketInput) -> TicketPayload:
        try:
            found = await tickets.close(
                info.context.rt, info.context.principal, _ticket_id(input.ticket_id), info.context.meta
            )
        except TicketError as error:
            return _failed(error)
        return _payload(found)

    @strawberry.mutation(
        description="Rate your RESOLVED or CLOSED ticket from 1 to 5, once.", extensions=requires(IsAuthenticated)
    )
    async def rate_ticket(self, info: Info, input: RateTicketInput) -> TicketPayload:
        try:
            found = await tickets.rate(
                info.context.rt, info.context.principal, _ticket_id(input.ticket_id), input.rating, input.comment
            )
        except TicketError as error:
            return _failed(error)
        return _payload(found)

    @strawberry.mutation(
        description="Give a ticket to a SUPPORT or ADMIN account, or to nobody (staff).", extensions=requires(IsStaff)
    )
    async def assign_ticket(self, info: Info, input: AssignTicketInput) -> TicketPayload:
        try:
            found = await tickets.assign(
                info.context.rt,
                info.context.principal,
                _ticket_id(input.ticket_id),
                decode_global_id(input.staff_id, "Customer"),
                staff_id_sent=input.staff_id is not None,
                meta=info.context.meta,
            )
        except TicketError as error:
            return _failed(error)
        return _payload(found)

    @strawberry.mutation(
        description=(
            "Add an internal note to a ticket (staff): staff see it in the thread marked internal; the customer "
            "never does, and it neither mails anyone nor moves the ticket."
        ),
        extensions=requires(IsStaff),
    )
    async def add_ticket_note(self, info: Info, input: AddTicketNoteInput) -> TicketPayload:
        try:
            found = await tickets.add_note(
                info.context.rt, info.context.principal, _ticket_id(input.ticket_id), input.body, info.context.meta
            )
        except TicketError as error:
            return _failed(error)
        return _payload(found)

    @strawberry.mutation(
        description="Move a ticket: OPEN, PENDING_CUSTOMER, RESOLVED or CLOSED (staff).", extensions=requires(IsStaff)
    )
    async def set_ticket_state(self, info: Info, input: SetTicketStateInput) -> TicketPayload:
        try:
            found = await tickets.set_state(
                info.context.rt, info.context.principal, _ticket_id(input.ticket_id), input.state, info.context.meta
            )
        except TicketError as error:
            return _failed(error)
        return _payload(found)


@strawberry.type
class TicketSubscriptions:
    @strawberry.subscription(
        description=(
            "Live changes of one ticket (its owner or staff): new messages, states, assignments, ratings. "
            "Without ticketId, of every ticket you may see: staff (SUPPORT, ADMIN) hear every ticket, newly "
            "opened ones included; a customer their own. Internal notes reach staff only. "
            "Over graphql-transport-ws, with the session token in connection_init."
        ),
        extensions=requires(IsAuthenticated),
    )
    async def ticket_updated(
        self, info: Info, ticket_id: strawberry.ID | None = None
    ) -> AsyncGenerator[TicketUpdatedEvent, None]:
        context = info.context
        topic = await tickets.subscription_topic(
            context.rt,
            context.principal,
            _ticket_id(ticket_id) if ticket_id is not None else None,
            all_tickets=ticket_id is None,
        )
        async with context.rt.broker.subscribe(topic) as queue:
            while True:
                delivery = await queue.get()
                # A revoked session, or a lost role, stops what this connection receives.
                await context.recheck_websocket_session()
                if not context.principal.is_authenticated:
                    raise NotAuthenticatedError()
                event = await tickets.event_for(context.rt, context.principal, delivery)
                if event is not None:
                    # One root for all subscribers of this event: equal selections get one answer.
                    yield delivery.once(TicketUpdatedEvent, _shared_root, event)


def _shared_root(event: tickets.TicketEvent) -> TicketUpdatedEvent:
    return share_results(TicketUpdatedEvent.of(event))
