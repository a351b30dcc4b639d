"""The GraphQL schema: object types under schema/types, assembled by schema.build."""
