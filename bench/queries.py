"""The GraphQL documents the benchmark sends: the one place to change the order-history shape.

When a field is added here (say `invoice { number }` or `payments { … }`), add the same field to the
floor (`bench/floor.py`, `_order_node`) and its SQL: `bench/load.py` refuses to measure until both
servers return identical JSON.
"""

ORDER_HISTORY_PAGE = 50

ORDER_HISTORY = """
query OrderHistory($first: Int!) {
  me {
    orders(first: $first) {
      edges {
        node {
          number
          status
          placedAt
          total { amount currencyCode }
          lines { sku name quantity unitPrice { amount currencyCode } }
          shipments {
            carrier
            trackingNumber
            status
            events { occurredAt location description }
          }
        }
      }
    }
  }
}
"""

LOGIN = """
mutation BenchLogin($email: String!, $password: String!) {
  login(input: {email: $email, password: $password}) {
    token
    userErrors { code message }
  }
}
"""


# Cut-down shapes, to see what each part of the answer costs (`bench.load --query NAME --targets graphql`).
# Only ORDER_HISTORY is compared against the floor.
VARIANTS = {
    "order-history": ORDER_HISTORY,
    "me": "query OrderHistory { me { id } }",
    "order-numbers": "query OrderHistory($first: Int!) { me { orders(first: $first) { edges { node { number } } } } }",
    "orders-and-lines": """
query OrderHistory($first: Int!) {
  me {
    orders(first: $first) {
      edges {
        node {
          number status placedAt total { amount currencyCode }
          lines { sku name quantity unitPrice { amount currencyCode } }
        }
      }
    }
  }
}
""",
}


def order_history_body(first: int = ORDER_HISTORY_PAGE, variant: str = "order-history") -> dict[str, object]:
    query = VARIANTS[variant]
    body: dict[str, object] = {"query": query, "operationName": "OrderHistory"}
    if "$first" in query:
        body["variables"] = {"first": first}
    return body
