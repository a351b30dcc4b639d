"""Assemble the schema from the resolver mixins and add the request-level extensions."""

import dataclasses
import functools
from collections.abc import Hashable, Iterable, Iterator
from datetime import UTC, datetime
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.exceptions import StrawberryInputCoercionError
from strawberry.extensions import DisableIntrospection, MaxTokensLimiter, ParserCache
from strawberry.schema.config import StrawberryConfig
from strawberry.schema.schema_converter import CustomGraphQLEnumType
from strawberry.schema.types.base_scalars import DateTimeDefinition
from strawberry.types import ExecutionContext, ExecutionResult
from strawberry.types.graphql import OperationType

from app.config import Settings
from resolvers.accounts import AccountMutations, AccountQueries
from resolvers.addresses import AddressMutations, AddressQueries
from resolvers.analytics import AnalyticsQueries
from resolvers.credit import CreditMutations, CreditQueries
from resolvers.customers import CustomerMutations, CustomerQueries
from resolvers.data_export import DataExportMutations
from resolvers.deletion import DeletionMutations
from resolvers.email_change import EmailChangeMutations
from resolvers.help import HelpMutations, HelpQueries
from resolvers.integration_customers import CustomerIntegrationMutations, CustomerIntegrationQueries
from resolvers.node import NodeQueries
from resolvers.offers import OfferMutations, OfferQueries
from resolvers.orders import GuestOrderMutations, OrderIntegrationMutations, OrderSubscriptions
from resolvers.payments import PaymentMutations, PaymentQueries
from resolvers.privacy import PrivacyMutations, PrivacyQueries
from resolvers.products import ProductIntegrationMutations, ProductMutations, ProductQueries
from resolvers.profile import ProfileMutations
from resolvers.returns import ReturnMutations, ReturnQueries
from resolvers.security import SecurityMutations, SecurityQueries
from resolvers.tickets import TicketMutations, TicketQueries, TicketSubscriptions
from resolvers.two_factor import TwoFactorMutations, TwoFactorQueries
from resolvers.webhooks import WebhookMutations, WebhookQueries
from schema.errors import ShapeErrors, log_errors
from schema.fast_execution import FastLeafExecutionContext, mark_plain_fields
from schema.input_guard import RejectCardNumbers, RejectNulCharacters
from schema.operation_metrics import OperationMetrics
from schema.query_cost import Limits
from schema.types.address import Address
from schema.types.customer import AffiliateRequest, Customer, CustomerGroup
from schema.types.help import HelpArticle
from schema.types.offer import Offer
from schema.types.order import Order
from schema.types.payment import Invoice
from schema.types.product import Product, WishlistItem
from schema.types.returns import Return
from schema.types.security import SecurityAlert, SecurityEvent
from schema.types.session import SessionType
from schema.types.ticket import SupportTicket
from schema.validation import checked_validation
from schema.websocket_auth import RecheckWebSocketSession


@strawberry.type
class Query(
    AccountQueries,
    AddressQueries,
    TwoFactorQueries,
    CustomerQueries,
    SecurityQueries,
    ProductQueries,
    CreditQueries,
    PaymentQueries,
    OfferQueries,
    ReturnQueries,
    TicketQueries,
    HelpQueries,
    PrivacyQueries,
    CustomerIntegrationQueries,
    WebhookQueries,
    AnalyticsQueries,
    NodeQueries,
):
    pass


@strawberry.type
class Mutation(
    AccountMutations,
    ProfileMutations,
    AddressMutations,
    EmailChangeMutations,
    TwoFactorMutations,
    CustomerMutations,
    SecurityMutations,
    DeletionMutations,
    ProductMutations,
    DataExportMutations,
    ProductIntegrationMutations,
    OrderIntegrationMutations,
    CustomerIntegrationMutations,
    GuestOrderMutations,
    PaymentMutations,
    CreditMutations,
    OfferMutations,
    ReturnMutations,
    TicketMutations,
    HelpMutations,
    PrivacyMutations,
    WebhookMutations,
):
    pass


@strawberry.type
class Subscription(OrderSubscriptions, TicketSubscriptions):
    pass


def _enum_output_by_lookup(schema: strawberry.Schema) -> None:
    """Strawberry turns an enum member into its GraphQL name by scanning every value (16 µs for a late
    currency code, once per Money); a dict gives the same answer in a fraction of a microsecond."""
    for graphql_type in schema._schema.type_map.values():
        if not isinstance(graphql_type, CustomGraphQLEnumType):
            continue
        names: dict[Any, str] = {
            graphql_type.wrapped_cls(value.value): name for name, value in graphql_type.values.items()
        }

        # The scan is strawberry's own method, unbound from the instance attribute replaced below.
        scan_of_type = functools.partial(CustomGraphQLEnumType.coerce_output_value, graphql_type)

        def by_lookup(output_value: Any, names: dict[Any, str] = names, scan: Any = scan_of_type) -> Any:
            found = names.get(output_value) if isinstance(output_value, Hashable) else None
            return found if found is not None else scan(output_value)

        graphql_type.serialize = graphql_type.coerce_output_value = by_lookup  # type: ignore[method-assign]


def _parse_datetime(value: object) -> object:
    """strawberry's DateTime parse, refusing a moment that exists in its own offset but not in UTC (9999-12-31
    at 23:00-14:00, 0001-01-01 at 00:00+14:00): every time is stored and compared in UTC, and converting
    one of these (or 24:00 on the last day) overflowed deep in a service or in the database driver (a 500,
    not a refusal)."""
    assert DateTimeDefinition.parse_value is not None
    try:
        moment = DateTimeDefinition.parse_value(value)  # 9999-12-31T24:00 overflows here
        if isinstance(moment, datetime) and moment.tzinfo is not None:
            moment.astimezone(UTC)
    except OverflowError:
        raise StrawberryInputCoercionError(
            f'Value cannot represent a DateTime: "{value}". The time is outside the years 1 to 9999 in UTC.'
        ) from None
    return moment


DATETIME = dataclasses.replace(DateTimeDefinition, parse_value=_parse_datetime)


class Schema(strawberry.Schema):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("execution_context_class", FastLeafExecutionContext)
        kwargs.setdefault("scalar_overrides", {datetime: DATETIME})
        super().__init__(*args, **kwargs)
        _enum_output_by_lookup(self)
        mark_plain_fields(self)  # after the enum change: plans keep each leaf's serialiser

    async def execute(
        self,
        query: str | None,
        variable_values: dict[str, Any] | None = None,
        context_value: Any | None = None,
        root_value: Any | None = None,
        operation_name: str | None = None,
        allowed_operation_types: Iterable[OperationType] | None = None,
        operation_extensions: dict[str, Any] | None = None,
    ) -> ExecutionResult:
        # Subscriptions are served over WebSocket only (subscribe()); execute() serves HTTP, where one was run as a
        # query whose field resolved to null (an INTERNAL_SERVER_ERROR): refused instead, as a 400 BAD_REQUEST.
        allowed = set(allowed_operation_types or (OperationType.QUERY, OperationType.MUTATION))
        return await super().execute(
            query,
            variable_values,
            context_value,
            root_value,
            operation_name,
            allowed - {OperationType.SUBSCRIPTION},
            operation_extensions,
        )

    def process_errors(self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None) -> None:
        log_errors(errors, execution_context)


class CachedParse(ParserCache):
    """ParserCache, except that a document that does not parse is left to strawberry's own parse, which
    reports the syntax error through the usual path (with its code) instead of failing inside this hook."""

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        try:
            context.graphql_document = self.cached_parse_document(context.query, **context.parse_options)
        except GraphQLError:
            context.graphql_document = None
        yield


def build_schema(settings: Settings | None = None) -> strawberry.Schema:
    """The schema with the request limits of `settings` (defaults when None: what export-schema prints).
    Built once per distinct set of limits: a schema holds no state of its own, and building one walks
    every type (a tenth of a second), which a process starting several apps (the tests) would repeat."""
    settings = settings or Settings()
    limits = Limits(
        max_cost=settings.max_query_cost,
        max_depth=settings.max_query_depth,
        max_aliases=settings.max_aliases,
        max_directives=settings.max_directives,
    )
    return _schema(settings.is_production, limits, settings.max_tokens)


@functools.lru_cache(maxsize=8)
def _schema(production: bool, limits: Limits, max_tokens: int) -> strawberry.Schema:
    extensions: list[Any] = [
        # First, so it closes last: it counts the errors as ShapeErrors left them (with their codes).
        OperationMetrics,
        lambda: ShapeErrors(production=production),
        RejectNulCharacters,
        RejectCardNumbers,
        RecheckWebSocketSession,
        lambda: MaxTokensLimiter(max_token_count=max_tokens),
        # Parsed and validated documents are reused: clients send the same few operations over and over.
        lambda: CachedParse(maxsize=512),
        # Depth, aliases, directives and cost in one linear pass, before graphql-core's rules (cached).
        checked_validation(limits),
    ]
    if production:
        extensions.append(DisableIntrospection)
    return Schema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        types=[
            Address,
            Customer,
            CustomerGroup,
            AffiliateRequest,
            SessionType,
            SecurityEvent,
            SecurityAlert,
            Product,
            WishlistItem,
            Order,
            Invoice,
            Offer,
            Return,
            SupportTicket,
            HelpArticle,
        ],
        extensions=extensions,
        config=StrawberryConfig(disable_field_suggestions=production),
    )
