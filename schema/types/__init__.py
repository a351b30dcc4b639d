"""GraphQL object, input, enum, error and payload types."""
