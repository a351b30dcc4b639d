"""`node` and `nodes`: every object by global id, through the same caller-scoped loaders."""

import asyncio
import inspect

import strawberry
from strawberry import relay

from app.services.errors import InvalidInputError
from schema.types.base import Info

MAX_NODES = 100


async def _resolve(info: Info, value: strawberry.ID) -> relay.Node | None:
    try:
        global_id = relay.GlobalID.from_id(value)
    except (ValueError, TypeError) as exc:
        raise InvalidInputError(f"{value!r} is not a valid ID.") from exc
    type_def = info.schema.get_type_by_name(global_id.type_name)
    origin = getattr(type_def, "origin", None)
    if origin is None or not (isinstance(origin, type) and issubclass(origin, relay.Node)):
        return None
    nodes = origin.resolve_nodes(info=info, node_ids=[global_id.node_id], required=False)
    if inspect.isawaitable(nodes):
        nodes = await nodes
    found: relay.Node | None = next(iter(nodes), None)
    return found


@strawberry.type
class NodeQueries:
    @strawberry.field(description="Any object by its global id; null when it does not exist or is not yours.")
    async def node(self, info: Info, id: strawberry.ID) -> relay.Node | None:
        return await _resolve(info, id)

    @strawberry.field(description=f"Several objects by global id (at most {MAX_NODES}), in the order asked.")
    async def nodes(self, info: Info, ids: list[strawberry.ID]) -> list[relay.Node | None]:
        if len(ids) > MAX_NODES:
            raise InvalidInputError(f"At most {MAX_NODES} ids per request.")
        return list(await asyncio.gather(*(_resolve(info, value) for value in ids)))
