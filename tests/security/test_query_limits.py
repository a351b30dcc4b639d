"""Documents built to make the server work: fragment fan-out, alias and depth bombs, directive floods.

Each is refused before graphql-core's validation rules walk it, or answered when cheap; the tests count
the work done (selections the limit walk visited, validation runs), never the time.
"""

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from graphql import DocumentNode, FieldNode, FragmentSpreadNode, InlineFragmentNode, SelectionSetNode, parse

import schema.validation
from app.config import Settings
from schema import query_cost
from tests.live import live_server
from tests.support import Api, Caller

# HTTP and GraphQL-layer behaviour: the SQLite pass answers for every database (ONLY_DATABASE_TESTS).
pytestmark = pytest.mark.database_independent

MAX_COST = 5000  # the defaults
MAX_DEPTH = 12
MAX_ALIASES = 30
MAX_DIRECTIVES = 50
LIMIT_KEYS = {"maxCost", "maxDepth", "maxAliases", "maxDirectives"}  # in the extensions of a refusal


@dataclass
class Work:
    walks: list[query_cost.DocumentWalk]
    validations: list[DocumentNode]

    def clear(self) -> None:
        self.walks.clear()
        self.validations.clear()


@pytest.fixture
def work(monkeypatch: pytest.MonkeyPatch) -> Work:
    """Records every limit walk and every run of graphql-core's validation rules."""
    recorded = Work([], [])

    class RecordedWalk(query_cost.DocumentWalk):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            recorded.walks.append(self)

    validate = schema.validation._validate

    def recorded_validate(schema_: Any, document: DocumentNode, rules: Any) -> Any:
        recorded.validations.append(document)
        return validate(schema_, document, rules)

    monkeypatch.setattr(query_cost, "DocumentWalk", RecordedWalk)
    monkeypatch.setattr(schema.validation, "_validate", recorded_validate)
    return recorded


def selections_written(source: str) -> int:
    """Fields, inline fragments and spreads as written in the document (nothing expanded)."""

    def count(selection_set: SelectionSetNode | None) -> int:
        if selection_set is None:
            return 0
        total = 0
        for selection in selection_set.selections:
            total += 1
            if isinstance(selection, (FieldNode, InlineFragmentNode)):
                total += count(selection.selection_set)
            assert isinstance(selection, (FieldNode, InlineFragmentNode, FragmentSpreadNode))
        return total

    return sum(count(getattr(d, "selection_set", None)) for d in parse(source).definitions)


def fan_out(levels: int, body: Callable[[int], str], leaf: str = "id", root: str = "query { me { ...F0 } }") -> str:
    """`root`, then fragments F0…F{levels-1} whose bodies come from `body(i)`, and F{levels} = `leaf`."""
    fragments = [f"fragment F{i} on Customer {{ {body(i)} }}" for i in range(levels)]
    return " ".join([root, *fragments, f"fragment F{levels} on Customer {{ {leaf} }}"])


def spread(times: int) -> Callable[[int], str]:
    return lambda i: " ".join([f"...F{i + 1}"] * times)


def spread_all_after(last: int) -> Callable[[int], str]:
    return lambda i: " ".join(f"...F{j}" for j in range(i + 1, last + 1))


def doubling(start: int, step: Callable[[int], int], levels: int) -> int:
    value = start
    for _ in range(levels):
        value = step(value)
    return value


async def assert_refused_or_cheap(
    api: Api, work: Work, source: str, refused: bool, code: str = "QUERY_TOO_EXPENSIVE", token: str | None = None
) -> None:
    work.clear()
    result = await api(source, token=token)
    # One walk without the schema, and a second with it for a document that passed the first and validation.
    assert len(work.walks) in (1, 2)
    # Linear: a walk looks at each selection written at most once, whatever the expansion.
    assert all(walk.visited <= selections_written(source) for walk in work.walks)
    if refused:
        assert result.data is None
        assert result.error_codes == [code], result.errors
        assert work.validations == []  # graphql-core's rules never saw it
    else:
        refusals = [key for e in result.errors or [] for key in e.get("extensions", {}) if key in LIMIT_KEYS]
        assert refusals == [], result.errors
        assert len(work.validations) == 1


async def test_fragment_fan_out_is_refused_at_once_at_every_level(api: Api, work: Work) -> None:
    for levels in range(1, 41):
        source = fan_out(levels, spread(2))
        await assert_refused_or_cheap(api, work, source, refused=1 + 2**levels > MAX_COST)


VARIANTS: dict[str, tuple[Callable[[int], str], Callable[[int], int], str]] = {
    # name: (fragment body, cost of the document at `levels`, refusal code)
    "spread 3x": (spread(3), lambda n: 1 + 3**n, "QUERY_TOO_EXPENSIVE"),
    "spread 10x": (spread(10), lambda n: 1 + 10**n, "QUERY_TOO_EXPENSIVE"),
    "inline fragments": (
        lambda i: f"... on Customer {{ ...F{i + 1} }} ... {{ ...F{i + 1} }}",
        lambda n: 1 + 2**n,
        "QUERY_TOO_EXPENSIVE",
    ),
    "directives": (
        lambda i: f"...F{i + 1} @include(if: true) ...F{i + 1}",
        lambda n: 1 + 2**n,
        "QUERY_TOO_EXPENSIVE",
    ),
    "fields": (
        lambda i: f"roleChanges {{ actor {{ ...F{i + 1} }} }} roleChanges {{ actor {{ ...F{i + 1} }} }}",
        lambda n: 1 + doubling(1, lambda c: 2 * (2 + c), n),
        "GRAPHQL_VALIDATION_FAILED",  # the depth limit comes first: two levels per fragment
    ),
    "aliases": (
        lambda i: f"a{i}: id b{i}: email ...F{i + 1} ...F{i + 1}",
        lambda n: 1 + doubling(1, lambda c: 2 + 2 * c, n),
        "GRAPHQL_VALIDATION_FAILED",  # the alias limit comes first: aliases double with the cost
    ),
}


def variant_refused(name: str, levels: int) -> bool:
    if name == "fields":
        return 2 * levels + 1 > MAX_DEPTH or VARIANTS[name][1](levels) > MAX_COST  # F{levels}'s id: 2n+1 deep
    if name == "aliases":
        return 2 ** (levels + 1) - 2 > MAX_ALIASES or VARIANTS[name][1](levels) > MAX_COST
    return VARIANTS[name][1](levels) > MAX_COST


@pytest.mark.parametrize("name", list(VARIANTS))
async def test_fan_out_variants(api: Api, work: Work, name: str) -> None:
    body, _cost, code = VARIANTS[name]
    for levels in [1, 2, 3, 4, 5, 6, 8, 12, 13, 20, 30, 40]:
        await assert_refused_or_cheap(api, work, fan_out(levels, body), variant_refused(name, levels), code)


async def test_many_fragments_each_spread_by_many(api: Api, work: Work) -> None:
    for count in [5, 13, 14, 20, 40]:
        # F_i spreads every later fragment: F0 expands to 2^(count-1) copies of the last one.
        source = fan_out(count, spread_all_after(count))
        await assert_refused_or_cheap(api, work, source, refused=1 + 2 ** (count - 1) > MAX_COST)


async def test_fan_out_nobody_spreads_is_refused_too(api: Api, work: Work) -> None:
    await assert_refused_or_cheap(api, work, fan_out(30, spread(2), root="{ __typename }"), refused=True)


async def test_fan_out_into_a_cycle(api: Api, work: Work) -> None:
    # The last fragment spreads the first: the cycle adds nothing, the fan-out still doubles.
    await assert_refused_or_cheap(api, work, fan_out(30, spread(2), leaf="id ...F0"), refused=True)
    # Without a field to multiply it stays cheap, and validation names the cycle.
    work.clear()
    cycle = await api(fan_out(30, spread(2), leaf="...F0"))
    assert cycle.error_codes == ["GRAPHQL_VALIDATION_FAILED"]
    assert cycle.errors is not None
    assert "within itself" in cycle.errors[0]["message"]
    assert work.walks[0].visited <= selections_written(fan_out(30, spread(2), leaf="...F0"))


async def test_fan_out_with_page_sizes(api: Api, work: Work, staff: Caller) -> None:
    # A small fan-out that each page multiplies: 2^6 * 100 is over the limit, 2^6 * 10 is not.
    over = fan_out(6, spread(2), leaf="securityEvents(first: 100) { edges { cursor } }")
    await assert_refused_or_cheap(api, work, over, refused=True, token=staff.token)
    under = fan_out(6, spread(2), leaf="securityEvents(first: 10) { edges { cursor } }")
    await assert_refused_or_cheap(api, work, under, refused=False, token=staff.token)


async def test_a_long_chain_of_fragments_is_walked_without_recursion(api: Api, work: Work) -> None:
    # 600 fragments each spreading the next once: deep for a recursive walk, cheap for ours.
    source = fan_out(600, spread(1))
    await assert_refused_or_cheap(api, work, source, refused=False)


async def test_huge_page_sizes_are_refused_not_crashed(api: Api, work: Work) -> None:
    huge = "{ customers(first: " + "9" * 5000 + ") { edges { cursor } } }"
    await assert_refused_or_cheap(api, work, huge, refused=True)


@pytest.mark.parametrize("size", [2**31, 2**63, 2**64 + 1, 10**30, -(2**63) - 1])
async def test_huge_page_sizes_in_variables_are_refused_not_crashed(api: Api, staff: Caller, size: int) -> None:
    # The cost is counted before Int's range is checked: past 64 bits it could not be written into the answer.
    for field in ("customers", "tickets", "offers", "returns", "staffActions", "securityAlerts", "helpArticles"):
        query = f"query($n: Int) {{ {field}(first: $n) {{ pageInfo {{ hasNextPage }} edges {{ cursor }} }} }}"
        result = await api(query, {"n": size}, token=staff.token)  # 200 expected, not a 500
        assert result.error_codes[:1] in (["QUERY_TOO_EXPENSIVE"], ["BAD_USER_INPUT"]), (field, result.errors)


async def test_cheap_fan_out_answers_with_data(api: Api, work: Work, customer: Caller) -> None:
    result = await api(fan_out(5, spread(2)), token=customer.token)
    assert result.errors is None
    assert result.data == {"me": {"id": customer.gid}}


async def test_depth_and_aliases_count_through_fragments(app_factory: Any, work: Work) -> None:
    _, api = await app_factory(max_query_depth=3, max_aliases=3)
    deep = fan_out(3, lambda i: f"roleChanges {{ actor {{ ...F{i + 1} }} }}")  # id at depth 7
    refused = await api(deep)
    assert refused.error_codes == ["GRAPHQL_VALIDATION_FAILED"]
    assert refused.errors is not None
    assert refused.errors[0]["extensions"]["maxDepth"] == 3
    assert work.validations == []
    # Each spread counts the aliases of its fragment again, as strawberry's own limiter did.
    aliased = "{ me { ...A ...A } } fragment A on Customer { x: id y: email }"
    assert (await api(aliased)).errors[0]["extensions"]["maxAliases"] == 3
    once = await api("{ me { ...A } } fragment A on Customer { x: id y: email }")
    assert once.errors is None
    assert once.data == {"me": None}


def directives(count: int) -> list[str]:
    return [f"@d{i}" for i in range(count)]


async def test_directive_floods_are_refused_before_validation(api: Api, work: Work) -> None:
    flood = "{ me " + " ".join(directives(2400)) + " { id } }"
    result = await api(flood)
    assert result.error_codes == ["TOO_MANY_DIRECTIVES"]
    assert result.errors is not None
    assert result.errors[0]["extensions"]["maxDirectives"] == MAX_DIRECTIVES
    assert work.validations == []
    # Spread over every place a directive may stand, one over the limit is refused; at the limit it is not.
    places = [
        "query Q($v: Int {d}) {d} { me {d} { id {d} ...F {d} ... {d} { email } } }",
        "fragment F on Customer {d} { firstName {d} }",
    ]
    count = sum(p.count("{d}") for p in places)
    per_place = MAX_DIRECTIVES // count
    extra = MAX_DIRECTIVES - per_place * count
    at_limit = " ".join(p.replace("{d}", " ".join(directives(per_place))) for p in places)
    at_limit = at_limit.replace("{ id", "{ id " + " ".join(f"@e{i}" for i in range(extra)), 1)
    under = await api(at_limit)
    assert "TOO_MANY_DIRECTIVES" not in under.error_codes
    over = at_limit.replace("{ email", "@one_more { email", 1)
    assert (await api(over)).error_codes == ["TOO_MANY_DIRECTIVES"]


async def test_limits_hold_for_mutations_and_named_operations(api: Api, work: Work) -> None:
    named = fan_out(30, spread(2), root="query Cheap { __typename } query Bomb { me { ...F0 } }")
    work.clear()
    result = await api.client.post("/graphql", json={"query": named, "operationName": "Cheap"})
    assert result.json()["errors"][0]["extensions"]["code"] == "QUERY_TOO_EXPENSIVE"
    mutation = fan_out(30, spread(2), root="mutation { logout { ...F0 } }")
    work.clear()
    assert (await api(mutation)).error_codes == ["QUERY_TOO_EXPENSIVE"]
    assert work.validations == []


async def test_fan_out_over_a_real_socket_leaves_the_server_answering(settings: Settings, work: Work) -> None:
    """The 30-level document against uvicorn on a port, while /healthz is polled beside it."""
    bomb = fan_out(30, spread(2))
    with live_server(settings) as server:
        async with httpx.AsyncClient(base_url=server.http_url, timeout=30) as client:

            async def send_bombs() -> list[dict[str, Any]]:
                answers = []
                for _ in range(10):
                    response = await client.post("/graphql", json={"query": bomb})
                    answers.append(response.json())
                return answers

            async def poll_health() -> list[int]:
                statuses = []
                for _ in range(20):
                    statuses.append((await client.get("/healthz")).status_code)
                    await asyncio.sleep(0)
                return statuses

            bombs, health = await asyncio.gather(send_bombs(), poll_health())
    assert health == [200] * 20
    assert [b["errors"][0]["extensions"]["code"] for b in bombs] == ["QUERY_TOO_EXPENSIVE"] * 10
    assert all(b.get("data") is None for b in bombs)
    assert len(work.walks) == 10
    assert all(walk.visited <= selections_written(bomb) for walk in work.walks)
    assert work.validations == []


OVERLAPS = {
    "one field 2,400 times": "{ me { " + "id " * 2400 + "} }",
    "conflicting arguments": "{ me { "
    + " ".join(f"orders(first: {1 + i % 2}) {{ edges {{ cursor }} }}" for i in range(400))
    + " } }",
    "350 fragments side by side": "{ me { "
    + " ".join(f"...F{i}" for i in range(350))
    + " } } "
    + " ".join(f"fragment F{i} on Customer {{ id }}" for i in range(350)),
    "conflicting inline fragments": "{ me { "
    + " ".join(f"... {{ orders(first: {1 + i % 2}) {{ edges {{ cursor }} }} }}" for i in range(300))
    + " } }",
}


@pytest.mark.parametrize("name", list(OVERLAPS))
async def test_pairwise_field_comparisons_stop_at_a_budget(
    api: Api, work: Work, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    """Cheap by cost, but graphql-core's OverlappingFieldsCanBeMerged compares their fields in pairs."""
    from graphql.validation.rules import overlapping_fields_can_be_merged as rule

    spent: list[int] = []
    spend = rule.spend_complexity_budget

    def counted(context: Any, units: int) -> None:
        spent.append(units)
        spend(context, units)

    monkeypatch.setattr(rule, "spend_complexity_budget", counted)
    result = await api(OVERLAPS[name])
    assert result.error_codes == ["QUERY_TOO_EXPENSIVE"]
    assert len(work.validations) == 1
    assert schema.validation.OVERLAP_BUDGET < sum(spent) <= schema.validation.OVERLAP_BUDGET + 2


async def test_a_wide_realistic_query_is_far_below_the_comparison_budget(api: Api, customer: Caller) -> None:
    fields = "id email firstName lastName status emailVerified phoneVerified createdAt phone roles company"
    wide = (
        "query { me { ...A ...B ...C orders(first: 20) { edges { node { id } } } } } "
        f"fragment A on Customer {{ {fields} addresses {{ id }} }} "
        f"fragment B on Customer {{ {fields} defaultBillingAddress {{ id }} }} "
        f"fragment C on Customer {{ {fields} ...A ...B }}"
    )
    result = await api(wide, token=customer.token)
    assert result.errors is None
    assert result.data["me"]["email"] == customer.customer.email


CUSTOMER_LISTS = ("orders", "offers", "returns", "tickets", "securityEvents", "wishlist", "creditTransactions")


async def test_pages_left_to_their_default_cost_their_default(api: Api, staff: Caller) -> None:
    # A connection given no `first` returns its default page (20), so it costs 20 times its selection, whether
    # written out, behind fragments or behind inline fragments.
    one = "customers { edges { node { orders { edges { node { id number } } } } } }"
    answered = await api(f"{{ {one} }}", token=staff.token)
    assert answered.error_codes == []
    lists = " ".join(f"{name} {{ edges {{ cursor }} }}" for name in CUSTOMER_LISTS)
    written = f"{{ customers {{ edges {{ node {{ {lists} }} }} }} }}"
    spread = (
        "{ customers { ...C } } fragment C on CustomerConnection { edges { node { ...L } } } "
        f"fragment L on Customer {{ {lists} }}"
    )
    inline = (
        f"{{ customers {{ ... on CustomerConnection {{ edges {{ node {{ ... on Customer {{ {lists} }} }} }} }} }} }}"
    )
    costs = set()
    for document in (written, spread, inline):
        refused = await api(document, token=staff.token)
        assert refused.error_codes == ["QUERY_TOO_EXPENSIVE"], document
        assert refused.errors is not None
        costs.add(refused.errors[0]["extensions"]["cost"])
    # The same page sizes as with `first: 20` written everywhere.
    explicit = written.replace("customers {", "customers(first: 20) {")
    for name in CUSTOMER_LISTS:
        explicit = explicit.replace(f"{name} {{", f"{name}(first: 20) {{")
    refused = await api(explicit, token=staff.token)
    assert refused.errors is not None
    assert costs == {refused.errors[0]["extensions"]["cost"]}


async def test_page_sizes_from_variable_defaults_count_as_sent(api: Api, staff: Caller) -> None:
    nested = "customers(first: $n) { edges { node { orders(first: $n) { edges { node { id } } } } } }"
    sent = await api(f"query($n: Int) {{ {nested} }}", {"n": 100}, token=staff.token)
    assert sent.error_codes == ["QUERY_TOO_EXPENSIVE"]
    by_default = await api(f"query($n: Int = 100) {{ {nested} }}", token=staff.token)
    assert by_default.error_codes == ["QUERY_TOO_EXPENSIVE"]
    # A default shared through a fragment by two operations counts its largest value.
    two = f"query A($n: Int = 1) {{ ...F }} query B($n: Int = 100) {{ ...F }} fragment F on Query {{ {nested} }}"
    response = await api.client.post(
        "/graphql", json={"query": two, "operationName": "A"}, headers={"authorization": f"Bearer {staff.token}"}
    )
    assert [e["extensions"]["code"] for e in response.json()["errors"]] == ["QUERY_TOO_EXPENSIVE"]
    small = await api(f"query($n: Int = 5) {{ {nested} }}", token=staff.token)
    assert small.error_codes == []
    absurd = await api(f"query($n: Int = {'9' * 5000}) {{ {nested} }}", token=staff.token)
    assert absurd.error_codes
    assert "INTERNAL_SERVER_ERROR" not in absurd.error_codes
