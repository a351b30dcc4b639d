"""Completing a subtree of plain objects in one go, for fields like `lines { sku quantity unitPrice { amount } }`.

When every field under a selection is a plain attribute (no resolver, arguments, directives, fragments
or abstract types), its answer is fixed by the objects alone: a *plan* built once per document node
reads and serialises them directly, skipping graphql-core's per-field machinery. Anything the plan does
not expect (a null in a non-null field, a value of another class, a value that does not serialise)
raises `Bail`, and the caller completes the field the normal way, so answers and errors stay exactly
what graphql-core gives.
"""

import functools
import weakref
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    FieldNode,
    GraphQLEnumType,
    GraphQLField,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLScalarType,
)
from graphql.pyutils import Undefined
from graphql.pyutils import is_awaitable as isawaitable
from strawberry.types.cast import get_strawberry_type_cast

PLAIN_ATTRIBUTE = "_plain_attribute"  # on a GraphQLField: the Python attribute strawberry reads for it
PLAIN_CLASS = "_plain_class"  # on a GraphQLObjectType: the strawberry class its values are
MAX_PLANS = 20_000


class Bail(Exception):
    """Something the plan does not handle: complete this field the normal way."""


@dataclass
class Plan:
    key: str  # the response key (alias or name)
    attribute: str | None  # None for __typename
    non_null: bool
    is_list: bool = False
    item_non_null: bool = False
    serialize: Any = None  # a leaf's serialiser
    type_name: str = ""
    cls: Any = None  # an object's expected class
    fields: list["Plan"] = field(default_factory=list)


def _unwrap(graphql_type: GraphQLOutputType) -> tuple[bool, bool, bool, Any] | None:
    """(non_null, is_list, item_non_null, named type) for T, T!, [T], [T!], [T]!, [T!]!; None otherwise."""
    non_null = isinstance(graphql_type, GraphQLNonNull)
    inner: Any = graphql_type.of_type if non_null else graphql_type  # type: ignore[union-attr]
    if not isinstance(inner, GraphQLList):
        return non_null, False, False, inner
    item: Any = inner.of_type
    item_non_null = isinstance(item, GraphQLNonNull)
    named = item.of_type if item_non_null else item
    if isinstance(named, GraphQLList | GraphQLNonNull):
        return None
    return non_null, True, item_non_null, named


def build_plan(parent: GraphQLObjectType, node: FieldNode) -> Plan | None:
    """The plan for one field of `parent` as `node` selects it; None when it is not a plain subtree."""
    if node.directives or node.arguments:
        return None
    key = node.alias.value if node.alias else node.name.value
    if node.name.value == "__typename":
        return Plan(key, None, True, serialize=None, type_name=parent.name)
    graphql_field: GraphQLField | None = parent.fields.get(node.name.value)
    attribute = getattr(graphql_field, PLAIN_ATTRIBUTE, None) if graphql_field else None
    if graphql_field is None or attribute is None:
        return None
    shape = _unwrap(graphql_field.type)
    if shape is None:
        return None
    non_null, is_list, item_non_null, named = shape
    plan = Plan(key, attribute, non_null, is_list, item_non_null)
    if isinstance(named, GraphQLScalarType | GraphQLEnumType):
        if node.selection_set is not None:
            return None
        plan.serialize = named.coerce_output_value  # what graphql-core 3.3 calls
        return plan
    cls = getattr(named, PLAIN_CLASS, None)
    if not isinstance(named, GraphQLObjectType) or cls is None or node.selection_set is None:
        return None
    plan.cls, plan.type_name = cls, named.name
    seen: set[str] = set()
    for selection in node.selection_set.selections:
        if not isinstance(selection, FieldNode):
            return None  # fragments: leave type conditions to graphql-core
        child = build_plan(named, selection)
        if child is None or child.key in seen:
            return None  # not plain, or the same key twice (field merging)
        seen.add(child.key)
        plan.fields.append(child)
    return plan


def _value(plan: Plan, value: Any) -> Any:
    if isawaitable(value):
        raise Bail  # graphql-core awaits it
    if value is None:
        if plan.non_null:
            raise Bail
        return None
    if plan.is_list:
        if not isinstance(value, list | tuple):
            raise Bail
        return [_item(plan, item) for item in value]
    return _one(plan, value)


def _item(plan: Plan, item: Any) -> Any:
    if item is None:
        if plan.item_non_null:
            raise Bail
        return None
    return _one(plan, item)


def _one(plan: Plan, value: Any) -> Any:
    if plan.serialize is not None:
        serialized = plan.serialize(value)
        if serialized is None or serialized is Undefined:
            raise Bail
        return serialized
    if type(value) is not plan.cls or get_strawberry_type_cast(value) is not None:
        raise Bail
    out: dict[str, Any] = {}
    for child in plan.fields:
        if child.attribute is None:
            out[child.key] = child.type_name
        else:
            out[child.key] = _value(child, getattr(value, child.attribute))
    return out


def complete(plan: Plan, source: Any) -> Any:
    """The field's answer read straight off `source`; raises Bail when the normal path must do it."""
    if plan.attribute is None:
        return plan.type_name
    try:
        return _value(plan, getattr(source, plan.attribute))
    except Bail:
        raise
    except Exception as exc:  # a serialiser refusing a value: graphql-core reports it properly
        raise Bail from exc


class PlanCache:
    """Plans by document node, shared across requests (documents are reused through the parser cache).

    Nodes are held weakly: an entry goes when its document does, so the cache never keeps documents
    (and their source text) alive."""

    def __init__(self) -> None:
        self._plans: OrderedDict[tuple[int, int], tuple[weakref.ref[FieldNode], GraphQLObjectType, Plan | None]] = (
            OrderedDict()
        )

    def get(self, parent: GraphQLObjectType, node: FieldNode) -> Plan | None:
        key = (id(parent), id(node))
        found = self._plans.get(key)
        if found is not None and found[0]() is node and found[1] is parent:
            return found[2]
        plan = build_plan(parent, node)
        self._plans[key] = (weakref.ref(node, functools.partial(self._forget, key)), parent, plan)
        if len(self._plans) > MAX_PLANS:
            self._plans.popitem(last=False)
        return plan

    def _forget(self, key: tuple[int, int], _gone: object) -> None:
        self._plans.pop(key, None)

    def __len__(self) -> int:
        return len(self._plans)
