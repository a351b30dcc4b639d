"""JSON from clients, parsed with a bound on nesting: every later walk over it (the input guards, graphql-core's
variable coercion) recurses, and a document 5,000 levels deep would exhaust the stack there."""

import json
from typing import Any

import orjson


class JsonTooDeepError(json.JSONDecodeError):
    """Nested deeper than allowed. A JSONDecodeError, so every caller that refuses bad JSON refuses it too."""

    def __init__(self, max_depth: int) -> None:
        super().__init__(f"JSON is nested more than {max_depth} levels deep", "", 0)
        self.max_depth = max_depth


def _depth_exceeds(value: Any, max_depth: int) -> bool:
    # Iterative, so the check itself cannot overflow the stack.
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > max_depth:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return False


def decode_json(data: str | bytes, max_depth: int) -> Any:
    """Parse `data`; raise JsonTooDeepError past `max_depth` levels of objects and arrays, JSONDecodeError when
    it is not JSON at all."""
    try:
        value = orjson.loads(data)
    except orjson.JSONDecodeError as error:
        # orjson stops by itself at 1,024 levels; anything that deep is past our bound too.
        if "depth limit" in str(error):
            raise JsonTooDeepError(max_depth) from error
        raise
    if _depth_exceeds(value, max_depth):
        raise JsonTooDeepError(max_depth)
    return value
