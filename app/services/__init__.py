"""Business rules, one module per domain. Services know nothing of GraphQL or HTTP."""
