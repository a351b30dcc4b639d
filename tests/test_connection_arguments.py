"""A bad `first` or `after` on a connection is that field's error: the field is null, the error names its
path, and everything around it (the customer, sibling connections, other root fields) is still answered."""

import base64
import json
import uuid
from typing import Any

import pytest
from graphql import GraphQLNonNull, GraphQLObjectType, get_named_type

from schema.build import build_schema
from tests.support import Api, Caller

PAGE = "edges { cursor } pageInfo { hasNextPage }"
CUSTOMER_CONNECTIONS = ["securityEvents", "wishlist", "orders", "offers", "returns", "tickets", "creditTransactions"]
# Root connections an administrator may read (helpArticles: anybody).
ROOT_CONNECTIONS = [
    "customers",
    "affiliateRequests",
    "securityEvents",
    "securityAlerts",
    "creditLimitRequests",
    "offers",
    "returns",
    "tickets",
    "helpArticles",
]


def cursor_of(value: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode()


# JSON nested deeper than json.loads recurses, in a few kB of base64.
DEEP = base64.urlsafe_b64encode(b"[" * 5000 + b"]" * 5000).decode()

BAD_ARGUMENTS = {
    "first -1": "first: -1",
    "first 101": "first: 101",
    "after junk": 'after: "junk!"',
    "after empty json": f'after: "{cursor_of([])}"',
    "after a naive time": f'after: "{cursor_of(["2026-01-01T00:00:00", str(uuid.uuid4())])}"',
    "after not a uuid": f'after: "{cursor_of(["2026-01-01T00:00:00+00:00", "nope"])}"',
    "after nested too deep": f'after: "{DEEP}"',
    "after far too long": f'after: "{cursor_of(["2026-01-01T00:00:00+00:00", "x" * 10_000])}"',
}


def errors_by_path(errors: list[dict[str, Any]] | None) -> dict[tuple[Any, ...], str]:
    return {tuple(error["path"]): error["extensions"]["code"] for error in errors or []}


@pytest.mark.parametrize("argument", BAD_ARGUMENTS.values(), ids=list(BAD_ARGUMENTS))
async def test_a_bad_argument_nulls_only_its_connection_under_me(api: Api, customer: Caller, argument: str) -> None:
    fields = " ".join(f"{name}({argument}) {{ {PAGE} }}" for name in CUSTOMER_CONNECTIONS)
    result = await api(f"{{ me {{ email {fields} addresses {{ id }} }} }}", token=customer.token)
    assert result.data == {
        "me": {"email": customer.customer.email, "addresses": [], **dict.fromkeys(CUSTOMER_CONNECTIONS)}
    }
    assert errors_by_path(result.errors) == {("me", name): "BAD_USER_INPUT" for name in CUSTOMER_CONNECTIONS}


async def test_recently_viewed_keeps_its_error_too(api: Api, customer: Caller) -> None:
    for first in (-1, 101):
        result = await api(f"{{ me {{ email recentlyViewed(first: {first}) {{ viewedAt }} }} }}", token=customer.token)
        assert result.data == {"me": {"email": customer.customer.email, "recentlyViewed": None}}
        assert errors_by_path(result.errors) == {("me", "recentlyViewed"): "BAD_USER_INPUT"}


async def test_good_neighbours_of_a_bad_connection_are_answered(api: Api, customer: Caller) -> None:
    result = await api(
        f"{{ me {{ good: securityEvents(first: 1) {{ {PAGE} }} bad: securityEvents(first: 101) {{ {PAGE} }} }} }}",
        token=customer.token,
    )
    assert result.data["me"]["bad"] is None
    assert len(result.data["me"]["good"]["edges"]) == 1  # the sign-in that made the token
    assert errors_by_path(result.errors) == {("me", "bad"): "BAD_USER_INPUT"}


async def test_edges_of_the_page_size_range_are_valid(api: Api, customer: Caller) -> None:
    # 0 asks for no rows (an empty page that says whether there are more); 100 is the largest page.
    result = await api.ok(
        f"{{ me {{ none: securityEvents(first: 0) {{ {PAGE} }} most: securityEvents(first: 100) {{ {PAGE} }} }} }}",
        token=customer.token,
    )
    assert result["me"]["none"] == {"edges": [], "pageInfo": {"hasNextPage": True}}
    assert len(result["me"]["most"]["edges"]) == 1


async def test_another_connections_cursor_is_only_a_position(api: Api, customer: Caller) -> None:
    # Cursors are positions in time (newest first); one from another list just starts there.
    events = await api.ok(f"{{ me {{ securityEvents(first: 1) {{ {PAGE} }} }} }}", token=customer.token)
    cursor = events["me"]["securityEvents"]["edges"][0]["cursor"]
    fields = " ".join(f'{name}(after: "{cursor}") {{ {PAGE} }}' for name in CUSTOMER_CONNECTIONS)
    result = await api.ok(f"{{ me {{ {fields} }} }}", token=customer.token)
    assert all(result["me"][name]["edges"] == [] for name in CUSTOMER_CONNECTIONS)


async def test_nested_in_a_list_each_node_keeps_its_other_fields(api: Api, staff: Caller, customer: Caller) -> None:
    result = await api(
        f"{{ customers(first: 10) {{ edges {{ node {{ email orders(first: 101) {{ {PAGE} }} }} }} }} }}",
        token=staff.token,
    )
    assert result.data is not None
    nodes = [edge["node"] for edge in result.data["customers"]["edges"]]
    assert customer.customer.email in {node["email"] for node in nodes}
    assert all(node["orders"] is None for node in nodes)
    assert errors_by_path(result.errors) == {
        ("customers", "edges", index, "node", "orders"): "BAD_USER_INPUT" for index in range(len(nodes))
    }


@pytest.mark.parametrize("argument", ["first: 101", "first: -1", 'after: "junk!"', f'after: "{DEEP}"'])
async def test_a_bad_argument_on_a_root_connection_leaves_the_other_root_fields(
    api: Api, admin: Caller, argument: str
) -> None:
    fields = " ".join(f"{name}({argument}) {{ {PAGE} }}" for name in ROOT_CONNECTIONS)
    result = await api(f"{{ me {{ email }} {fields} }}", token=admin.token)
    assert result.data == {"me": {"email": admin.customer.email}, **dict.fromkeys(ROOT_CONNECTIONS)}
    assert errors_by_path(result.errors) == {(name,): "BAD_USER_INPUT" for name in ROOT_CONNECTIONS}


async def test_a_refused_root_connection_leaves_the_public_ones(api: Api, customer: Caller) -> None:
    # Not only bad arguments: a connection the caller may not read is null on its own too.
    result = await api(f"{{ customers {{ {PAGE} }} helpArticles(first: 1) {{ {PAGE} }} }}", token=customer.token)
    assert result.data is not None
    assert result.data["customers"] is None
    assert result.data["helpArticles"] == {"edges": [], "pageInfo": {"hasNextPage": False}}
    assert errors_by_path(result.errors) == {("customers",): "FORBIDDEN"}


def test_every_connection_field_in_the_schema_is_nullable() -> None:
    """The README's contract for every list, not only the ones named above: a field whose type is a connection
    may be null, so a bad argument nulls that field and not its parent (a non-null root field would null the
    whole answer, a non-null nested one everything up to the nearest nullable parent)."""
    schema = build_schema()._schema
    non_null = [
        f"{type_name}.{field_name}"
        for type_name, graphql_type in schema.type_map.items()
        if isinstance(graphql_type, GraphQLObjectType) and not type_name.startswith("__")
        for field_name, field in graphql_type.fields.items()
        if get_named_type(field.type).name.endswith("Connection")
        and "edges" in getattr(get_named_type(field.type), "fields", {})
        and isinstance(field.type, GraphQLNonNull)
    ]
    assert non_null == []


async def test_a_bad_argument_on_a_statement_s_entries_nulls_the_entries_only(api: Api, customer: Caller) -> None:
    result = await api(
        "{ me { email accountStatement { statement { currencyCode entries(first: 101) { edges { cursor } } } } } }",
        token=customer.token,
    )
    assert result.data is not None
    assert result.data["me"]["accountStatement"]["statement"]["entries"] is None
    assert result.data["me"]["accountStatement"]["statement"]["currencyCode"]
    assert errors_by_path(result.errors) == {("me", "accountStatement", "statement", "entries"): "BAD_USER_INPUT"}


@pytest.mark.parametrize("cursor", [DEEP, "a." + DEEP, "a." + "A" * 100_000])
async def test_hand_made_cursors_on_staff_lists_are_bad_input(api: Api, admin: Caller, cursor: str) -> None:
    fields = {
        "byActivity": "tickets(order: LAST_ACTIVITY, after: $after)",
        "staffActions": "staffActions(after: $after)",
        "webhookEndpoints": "webhookEndpoints(after: $after)",
        "helpArticles": "helpArticles(includeUnpublished: true, after: $after)",
    }
    body = " ".join(f"{alias}: {field} {{ {PAGE} }}" for alias, field in fields.items())
    result = await api(f"query($after: String) {{ {body} }}", {"after": cursor}, token=admin.token)
    assert result.data == dict.fromkeys(fields)
    assert errors_by_path(result.errors) == {(alias,): "BAD_USER_INPUT" for alias in fields}
