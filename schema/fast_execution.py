"""A shortcut through graphql-core for the commonest field there is: a plain attribute holding a scalar.

An order-history page resolves about 1,900 fields, and most are leaves read straight off plain objects
(`number`, `sku`, `amount`…). graphql-core builds a resolve-info object, checks for awaitables and
walks the completion machinery for each. For a field that strawberry itself resolves by reading an
attribute (no resolver, no arguments, no extensions) and whose type is a scalar or enum, the answer is
simply the serialised attribute. Anything unusual (a null where one is not allowed, a value that does
not serialise, a middleware) goes the normal way, so errors look exactly as they did.
"""

from typing import Any, NamedTuple

from graphql import GraphQLEnumType, GraphQLNonNull, GraphQLObjectType, GraphQLScalarType
from graphql.execution.collect_fields import FieldDetailsList
from graphql.pyutils import Path, Undefined
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.types.base import StrawberryObjectDefinition

FAST_LEAF = "_fast_leaf"


class FastLeaf(NamedTuple):
    attribute: str
    serialize: Any


def mark_fast_leaves(schema: Any) -> int:
    """Mark the GraphQL fields that qualify (done once, when the schema is built); returns how many."""
    marked = 0
    for graphql_type in schema._schema.type_map.values():
        if not isinstance(graphql_type, GraphQLObjectType):
            continue
        definition = schema.get_type_by_name(graphql_type.name)
        if not isinstance(definition, StrawberryObjectDefinition):
            continue
        for field in definition.fields:
            graphql_field = graphql_type.fields.get(schema.config.name_converter.get_graphql_name(field))
            if graphql_field is None or graphql_field.args or field.extensions:
                continue
            if not getattr(graphql_field.resolve, "_is_default", False):
                continue
            leaf = graphql_field.type.of_type if isinstance(graphql_field.type, GraphQLNonNull) else graphql_field.type
            if isinstance(leaf, GraphQLScalarType | GraphQLEnumType):
                setattr(graphql_field, FAST_LEAF, FastLeaf(field.python_name, leaf.serialize))
                marked += 1
    return marked


class FastLeafExecutionContext(StrawberryGraphQLCoreExecutionContext):
    def execute_field(
        self,
        parent_type: GraphQLObjectType,
        source: Any,
        field_details_list: FieldDetailsList,
        path: Path,
        position_context: Any,
    ) -> Any:
        field_details = field_details_list[0]
        field_def = parent_type.fields.get(field_details.node.name.value)
        fast: FastLeaf | None = getattr(field_def, FAST_LEAF, None)
        middleware = self.middleware_manager
        if fast is not None and not (middleware and middleware.middlewares) and not field_details.node.arguments:
            try:
                value = getattr(source, fast.attribute)
                if value is not None:
                    serialized = fast.serialize(value)
                    if serialized is not None and serialized is not Undefined:
                        return serialized
            except Exception:  # noqa: S110  (the normal path below raises it properly, with its path)
                pass
        return super().execute_field(parent_type, source, field_details_list, path, position_context)
