"""Assemble the schema from the resolver mixins and add the request-level extensions."""

from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.extensions import MaxAliasesLimiter, MaxTokensLimiter, QueryDepthLimiter
from strawberry.schema.config import StrawberryConfig
from strawberry.types import ExecutionContext

from resolvers.accounts import AccountMutations, AccountQueries
from resolvers.customers import CustomerMutations, CustomerQueries
from resolvers.node import NodeQueries
from resolvers.security import SecurityQueries
from schema.errors import ShapeErrors, log_errors
from schema.input_guard import RejectNulCharacters
from schema.types.customer import AffiliateRequest, Customer, CustomerGroup
from schema.types.security import SecurityEvent
from schema.types.session import SessionType

MAX_DEPTH = 12
MAX_ALIASES = 30
MAX_TOKENS = 5000


@strawberry.type
class Query(AccountQueries, CustomerQueries, SecurityQueries, NodeQueries):
    pass


@strawberry.type
class Mutation(AccountMutations, CustomerMutations):
    pass


class Schema(strawberry.Schema):
    def process_errors(self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None) -> None:
        log_errors(errors, execution_context)


def build_schema(*, production: bool = False) -> strawberry.Schema:
    extensions: list[Any] = [
        ShapeErrors,
        RejectNulCharacters,
        lambda: QueryDepthLimiter(max_depth=MAX_DEPTH),
        lambda: MaxAliasesLimiter(max_alias_count=MAX_ALIASES),
        lambda: MaxTokensLimiter(max_token_count=MAX_TOKENS),
    ]
    return Schema(
        query=Query,
        mutation=Mutation,
        types=[Customer, CustomerGroup, AffiliateRequest, SessionType, SecurityEvent],
        extensions=extensions,
        config=StrawberryConfig(disable_field_suggestions=production),
    )
