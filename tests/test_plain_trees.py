"""The plain-tree shortcut gives graphql-core's answers and errors, including the unusual cases."""

from enum import Enum
from typing import Any

import strawberry
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from schema.fast_execution import FastLeafExecutionContext, mark_plain_fields


@strawberry.enum
class Colour(Enum):
    RED = "red"


@strawberry.type
class Price:
    amount: str


@strawberry.type
class Item:
    name: str
    note: str | None
    colour: Colour
    price: Price
    tags: list[str]


@strawberry.type
class Other:
    name: str


@strawberry.type
class Query:
    @strawberry.field
    def items(self) -> list[Item]:
        return [
            Item(name="a", note=None, colour=Colour.RED, price=Price(amount="1"), tags=["x"]),
            Item(name=None, note="n", colour=Colour.RED, price=Price(amount="2"), tags=[]),  # type: ignore[arg-type]
            Item(name="c", note=None, colour="blue", price=Other(name="?"), tags=[None]),  # type: ignore[arg-type,list-item]
        ]


def run(context_class: Any, query: str) -> Any:
    schema = strawberry.Schema(query=Query, execution_context_class=context_class)
    mark_plain_fields(schema)
    result = schema.execute_sync(query)
    return result.data, sorted((str(e.path), e.message) for e in result.errors or [])


def test_answers_and_errors_match_graphql_core() -> None:
    for query in (
        "{ items { name note colour price { amount } tags } }",
        "{ items { n: name __typename price { __typename a: amount } } }",
        "{ items { note ... on Item { colour } } }",
        "{ items { note @include(if: false) name } }",
        "{ items { tags note } }",
    ):
        assert run(FastLeafExecutionContext, query) == run(StrawberryGraphQLCoreExecutionContext, query), query


def test_permission_protected_fields_are_never_read_by_the_shortcut() -> None:
    from strawberry.permission import BasePermission

    class Deny(BasePermission):
        message = "no"

        def has_permission(self, source: Any, info: Any, **kwargs: Any) -> bool:
            return False

    @strawberry.type
    class Secret:
        shown: str
        hidden: str = strawberry.field(name="shown", permission_classes=[Deny])

    @strawberry.type
    class SecretQuery:
        @strawberry.field
        def b(self) -> Secret:
            return Secret(shown="S", hidden="H")

    fast = strawberry.Schema(query=SecretQuery, execution_context_class=FastLeafExecutionContext)
    mark_plain_fields(fast)
    assert fast.execute_sync("{ b { shown } }").errors


def test_an_unknown_enum_value_is_an_error_not_a_recursion() -> None:
    from models.order import OrderStatus
    from schema.build import build_schema

    status = build_schema()._schema.type_map["OrderStatus"]
    assert status.serialize(OrderStatus.PAID) == "PAID"  # type: ignore[attr-defined]
    assert status.coerce_output_value("PAID") == "PAID"  # type: ignore[attr-defined]
    try:
        status.coerce_output_value("bogus")  # type: ignore[attr-defined]
    except RecursionError as exc:  # pragma: no cover
        raise AssertionError("recursed") from exc
    except Exception:  # noqa: S110  (graphql-core's own refusal)
        pass


def test_the_plan_cache_does_not_keep_documents_alive() -> None:
    import gc

    from schema.fast_execution import PLANS

    schema = strawberry.Schema(query=Query, execution_context_class=FastLeafExecutionContext)
    mark_plain_fields(schema)
    before = len(PLANS)
    for n in range(50):
        assert not schema.execute_sync(f"# {n}\n{{ items {{ note }} }}").errors  # 50 distinct documents
    gc.collect()
    assert len(PLANS) <= before + 5  # their plans went with them
