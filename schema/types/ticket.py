"""Support tickets: the ticket with its thread, the inputs and payloads of its mutations, its live updates."""

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry import relay

from app.pagination import Page
from app.services import tickets
from app.services.tickets import TicketChange, TicketErrorCode, TicketEvent, TicketOrder, TicketWithMessages
from models.support import SupportTicket as SupportTicketRow
from models.support import TicketAuthorKind, TicketCategory, TicketState
from schema.types.base import (
    DisplayableError,
    Info,
    connection_from_page,
    encode_global_id,
    load_nodes,
    selected_names,
    visible_customer,
)
from schema.types.order import Order, build_orders
from schema.types.returns import Return

if TYPE_CHECKING:
    from schema.types.customer import Customer

TicketStateEnum = strawberry.enum(TicketState, name="TicketState")
TicketCategoryEnum = strawberry.enum(TicketCategory, name="TicketCategory")
TicketAuthorKindEnum = strawberry.enum(TicketAuthorKind, name="TicketAuthorKind")
TicketChangeEnum = strawberry.enum(TicketChange, name="TicketChange")
TicketErrorCodeEnum = strawberry.enum(TicketErrorCode, name="TicketErrorCode")
TicketOrderEnum = strawberry.enum(
    TicketOrder,
    name="TicketOrder",
    description="CREATED: the newest opened first. LAST_ACTIVITY: the latest message first (the support queue).",
)


@strawberry.type(description="An error from opening, answering, moving, assigning or rating a ticket.")
class TicketUserError(DisplayableError):
    code: TicketErrorCode


@strawberry.type(description="One message of a ticket's thread.")
class TicketMessage:
    id: strawberry.ID
    author_kind: TicketAuthorKind
    author_name: str | None = strawberry.field(description="The staff member's name on staff messages.")
    body: str
    internal: bool = strawberry.field(
        description="A staff member's internal note (addTicketNote): only staff ever see these; always false for customers."
    )
    created_at: datetime

    @classmethod
    def from_row(cls, row: Any) -> "TicketMessage":
        return cls(
            id=encode_global_id("TicketMessage", row.id),
            author_kind=row.author_kind,
            author_name=row.author_name if row.author_kind is TicketAuthorKind.STAFF else None,
            body=row.body,
            internal=row.internal,
            created_at=row.created_at,
        )


@strawberry.type(description="The customer's satisfaction rating of a resolved ticket.")
class TicketRating:
    rating: int = strawberry.field(description="1 (poor) to 5 (excellent).")
    comment: str | None
    rated_at: datetime


@strawberry.type(description="A support ticket: a question to the support team and the conversation about it.")
class SupportTicket(relay.Node):
    id: relay.NodeID[str]
    number: str = strawberry.field(description="T-…, in the subject of every email about it.")
    subject: str
    category: TicketCategory
    state: TicketState
    rating: TicketRating | None = strawberry.field(description="Once the customer rated it (after resolution).")
    created_at: datetime
    updated_at: datetime
    last_message_at: datetime
    resolved_at: datetime | None
    closed_at: datetime | None
    row: strawberry.Private[SupportTicketRow]
    prefetched: strawberry.Private[list[Any] | None] = None

    @classmethod
    def from_row(cls, row: SupportTicketRow, messages: list[Any] | None = None) -> "SupportTicket":
        rating = None
        if row.rating is not None and row.rated_at is not None:
            rating = TicketRating(rating=row.rating, comment=row.rating_comment, rated_at=row.rated_at)
        return cls(
            id=str(row.id),
            number=row.number,
            subject=row.subject,
            category=row.category,
            state=row.state,
            rating=rating,
            created_at=row.created_at,
            updated_at=row.updated_at,
            last_message_at=row.last_message_at,
            resolved_at=row.resolved_at,
            closed_at=row.closed_at,
            row=row,
            prefetched=messages,
        )

    @classmethod
    def of(cls, found: TicketWithMessages) -> "SupportTicket":
        return cls.from_row(found.ticket, found.messages)

    @strawberry.field(
        description="The thread, oldest first; the opening message is the first. Staff also see internal notes."
    )
    async def messages(self, info: Info) -> list[TicketMessage]:
        rows = self.prefetched
        if rows is None:
            rows = await info.context.loaders.ticket_messages.load(self.row.id)
        return [TicketMessage.from_row(row) for row in tickets.visible_messages(info.context.principal, rows)]

    @strawberry.field(description="The order the ticket is about.")
    async def order(self, info: Info) -> Order | None:
        if self.row.order_id is None:
            return None
        row = await info.context.loaders.order.load(self.row.order_id)
        if row is None:
            return None
        return (await build_orders(info, [row], selected_names(info)))[0]

    @strawberry.field(name="return", description="The return the ticket is about.")
    async def return_(self, info: Info) -> Return | None:
        if self.row.return_id is None:
            return None
        row = await info.context.loaders.return_request.load(self.row.return_id)
        return Return.from_row(row) if row else None

    @strawberry.field(description="Who opened it.")
    async def customer(self, info: Info) -> Annotated["Customer", strawberry.lazy("schema.types.customer")] | None:
        return await visible_customer(info, self.row.customer_id)  # type: ignore[no-any-return]

    @strawberry.field(description="The staff member handling it (shown to staff only; null for customers).")
    async def assignee(self, info: Info) -> Annotated["Customer", strawberry.lazy("schema.types.customer")] | None:
        if not info.context.principal.is_staff:
            return None
        return await visible_customer(info, self.row.assignee_id)  # type: ignore[no-any-return]

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list["SupportTicket | None"]:
        rows = await load_nodes(info.context.loaders.ticket, node_ids)
        return [cls.from_row(row) if row else None for row in rows]


def tickets_connection(page: Page[SupportTicketRow]) -> Any:
    return connection_from_page(page, SupportTicket.from_row)


@strawberry.input
class OpenTicketInput:
    subject: str = strawberry.field(description=f"At most {tickets.MAX_SUBJECT} characters.")
    body: str = strawberry.field(description=f"The first message, at most {tickets.MAX_BODY} characters.")
    category: TicketCategory
    order_id: strawberry.ID | None = strawberry.field(default=None, description="One of your orders.")
    return_id: strawberry.ID | None = strawberry.field(default=None, description="One of your returns.")


@strawberry.input
class ReplyToTicketInput:
    ticket_id: strawberry.ID
    body: str = strawberry.field(description=f"At most {tickets.MAX_BODY} characters.")
    pending_customer: bool | None = strawberry.field(
        default=None,
        description=(
            "Staff only: whether an OPEN ticket now waits for the customer (PENDING_CUSTOMER); "
            "null means yes. Customers leave it out: their message reopens the ticket."
        ),
    )


@strawberry.input
class AddTicketNoteInput:
    ticket_id: strawberry.ID
    body: str = strawberry.field(description=f"At most {tickets.MAX_BODY} characters; only staff will read it.")


@strawberry.input
class CloseTicketInput:
    ticket_id: strawberry.ID


@strawberry.input
class RateTicketInput:
    ticket_id: strawberry.ID
    rating: int = strawberry.field(description="1 (poor) to 5 (excellent).")
    comment: str | None = strawberry.field(default=None, description=f"At most {tickets.MAX_COMMENT} characters.")


@strawberry.input
class AssignTicketInput:
    ticket_id: strawberry.ID
    staff_id: strawberry.ID | None = strawberry.field(
        default=None, description="A SUPPORT or ADMIN account; null leaves the ticket to the support address."
    )


@strawberry.input
class SetTicketStateInput:
    ticket_id: strawberry.ID
    state: TicketState


@strawberry.type
class TicketPayload:
    ticket: SupportTicket | None = None
    user_errors: list[TicketUserError] = strawberry.field(default_factory=list)


@strawberry.input
class TicketFilter:
    state: TicketState | None = None
    category: TicketCategory | None = None
    assignee_id: strawberry.ID | None = None
    unassigned: bool = strawberry.field(default=False, description="Only tickets nobody is assigned to.")
    assigned_to_me: bool = strawberry.field(
        default=False, description="Only tickets assigned to the caller (the console's 'mine', in one request)."
    )
    customer_id: strawberry.ID | None = None
    query: str | None = strawberry.field(default=None, description="Part of the ticket number or subject.")


@strawberry.input
class CustomerTicketFilter:
    state: TicketState | None = None


@strawberry.type(description="A ticket changed: a new message, another state, an assignment or a rating.")
class TicketUpdatedEvent:
    change: TicketChange
    ticket: SupportTicket = strawberry.field(description="The ticket as it is now.")
    message: TicketMessage | None = strawberry.field(
        description="The new message (OPENED and MESSAGE) or internal note (NOTE, delivered to staff only)."
    )
    previous_state: TicketState | None = strawberry.field(description="When the change moved the ticket.")
    state: TicketState
    changed_at: datetime

    @classmethod
    def of(cls, event: TicketEvent) -> "TicketUpdatedEvent":
        return cls(
            change=event.change,
            ticket=SupportTicket.of(event.ticket),
            message=TicketMessage.from_row(event.message) if event.message else None,
            previous_state=event.previous_state,
            state=event.state,
            changed_at=event.changed_at,
        )
