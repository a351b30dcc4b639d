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
