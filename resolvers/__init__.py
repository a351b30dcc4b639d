"""Root Query, Mutation and Subscription fields, one module per domain, mixed together in schema.build."""
