"""Shared GraphQL pieces: the info type, global ids, and the DisplayableError interface."""

import uuid
from collections.abc import Iterable
from typing import Any, TypeAlias

import strawberry
from strawberry import relay
from strawberry.types import Info as StrawberryInfo
from strawberry.types.nodes import SelectedField

from app import metrics
from app.pagination import Page
from app.services.errors import DomainError
from loaders.batching import parse_uuid
from schema.context import Context

Info: TypeAlias = StrawberryInfo[Context, None]


def ctx(info: Info) -> Context:
    return info.context


def decode_global_id(value: str | strawberry.ID | None, type_name: str) -> uuid.UUID | None:
    """The UUID inside a global id of the given type; None when malformed or of another type."""
    if not value:
        return None
    try:
        global_id = relay.GlobalID.from_id(value)
    except (ValueError, TypeError):
        return None
    if global_id.type_name != type_name:
        return None
    try:
        return uuid.UUID(global_id.node_id)
    except ValueError:
        return None


def encode_global_id(type_name: str, value: uuid.UUID) -> strawberry.ID:
    return strawberry.ID(str(relay.GlobalID(type_name, str(value))))


@strawberry.interface(description="An expected failure a client can show next to the input field at fault.")
class DisplayableError:
    field: list[str] | None = strawberry.field(description="Path to the input field at fault, if any.")
    message: str = strawberry.field(description="A message for the person using the client.")


def user_errors(error: DomainError, error_type: Any, prefix: tuple[str, ...] = ("input",)) -> list[Any]:
    """Turn a domain error into a list of the domain's user-error type."""
    metrics.record_user_errors(detail.code for detail in error.details)
    return [
        error_type(
            field=[*prefix, *detail.field] if detail.field is not None else None,
            message=detail.message,
            code=detail.code,
        )
        for detail in error.details
    ]


async def load_nodes(loader: Any, node_ids: Iterable[str]) -> list[Any]:
    """Rows for node ids through a (caller-scoped) loader; malformed ids give None."""
    keys = [parse_uuid(node_id) for node_id in node_ids]
    valid = [key for key in keys if key is not None]
    rows = dict(zip(valid, await loader.load_many(valid), strict=True)) if valid else {}
    return [rows.get(key) if key is not None else None for key in keys]


def connection_from_page(page: Page[Any], to_node: Any) -> Any:
    """A Relay connection from a keyset page."""
    edges = [
        relay.Edge(node=to_node(item), cursor=cursor) for item, cursor in zip(page.items, page.cursors, strict=True)
    ]
    return relay.Connection(
        edges=edges,
        page_info=relay.PageInfo(
            has_next_page=page.has_next_page,
            has_previous_page=page.has_previous_page,
            start_cursor=page.cursors[0] if page.cursors else None,
            end_cursor=page.cursors[-1] if page.cursors else None,
        ),
    )


async def visible_customer(info: Info, customer_id: uuid.UUID | None) -> Any:
    """The Customer type for an id, through the caller-scoped loader; None when absent or not visible."""
    from schema.types.customer import Customer

    if customer_id is None:
        return None
    row = await info.context.loaders.customer.load(customer_id)
    return Customer.from_row(row) if row else None


def _flatten(selections: Iterable[Any]) -> list[Any]:
    """Fields of a selection set, with fragments (named or inline) opened up."""
    fields: list[Any] = []
    for selection in selections:
        if isinstance(selection, SelectedField):
            fields.append(selection)
        else:
            fields.extend(_flatten(selection.selections))
    return fields


def selected_names(info: Info, *path: str) -> frozenset[str]:
    """The field names the query selects under `path` inside the current field (e.g. "edges", "node")."""
    level = _flatten(child for field in _flatten(info.selected_fields) for child in field.selections)
    for step in path:
        level = _flatten(child for field in level if field.name == step for child in field.selections)
    return frozenset(field.name for field in level)
