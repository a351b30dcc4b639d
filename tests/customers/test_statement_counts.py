"""Relations resolve through loaders: the number of SQL statements does not grow with the rows."""

from app.runtime import Runtime
from models.customer import Role
from tests.support import Api, Caller, count_statements, login, make_customer

CUSTOMERS = """{ customers(first: 50) { edges { node {
  id email group { code } roles roleChanges { role actor { id } } affiliateRequests { status }
  securityEvents(first: 3) { edges { node { type actor { id } } } }
} } } }"""


async def statements_for(api: Api, rt: Runtime, token: str) -> int:
    with count_statements(rt) as statements:
        await api.ok(CUSTOMERS, token=token)
    return len(statements)


async def test_customer_list_statement_count_is_constant(api: Api, rt: Runtime, staff: Caller) -> None:
    for _ in range(2):
        await make_customer(rt)
    few = await statements_for(api, rt, staff.token)
    for _ in range(8):
        row = await make_customer(rt, roles=(Role.CUSTOMER, Role.AFFILIATE))
        await login(api, row.email, "a perfectly fine passphrase")
    many = await statements_for(api, rt, staff.token)
    assert few == many
    # the caller's session with its roles, the page, then one batch per relation
    assert many <= 9


async def test_me_statement_count(api: Api, rt: Runtime, customer: Caller) -> None:
    with count_statements(rt) as statements:
        await api.ok("{ me { id email group { code } roles roleChanges { role } } }", token=customer.token)
    # the caller's session with its roles, the customer, then one batch per relation
    assert len(statements) == 5, statements
