"""Staff find a customer by one of their order numbers (customers(filter: {query})), as they read it off a mail."""

from app.runtime import Runtime
from tests.customers.test_admin import CUSTOMERS
from tests.orders.helpers import order_input, order_key, push
from tests.support import Api, Caller


async def test_staff_find_the_customer_of_an_order_number(
    api: Api, rt: Runtime, customer: Caller, other_customer: Caller, staff: Caller
) -> None:
    key = await order_key(rt, "lookup orders")
    order = (await push(api, key, order_input("LK-1001", customer.customer.email)))["order"]
    await push(api, key, order_input("LK-2002", other_customer.customer.email))
    await push(api, key, order_input("LK-3003", "guest@example.com"))  # a guest order names no customer

    def emails(result: dict[str, object]) -> list[str]:
        return [edge["node"]["email"] for edge in result["customers"]["edges"]]  # type: ignore[index]

    for typed in (order["number"], order["number"].lower(), f"  {order['number'].lstrip('#')} "):
        found = await api.ok(CUSTOMERS, {"filter": {"query": typed}}, token=staff.token)
        assert emails(found) == [customer.customer.email], typed
    # A part of a number is not a match (numbers are whole), nor is a guest's order.
    assert emails(await api.ok(CUSTOMERS, {"filter": {"query": "LK-100"}}, token=staff.token)) == []
    assert emails(await api.ok(CUSTOMERS, {"filter": {"query": "LK-3003"}}, token=staff.token)) == []
    # Customers may not search.
    refused = await api(CUSTOMERS, {"filter": {"query": order["number"]}}, token=customer.token)
    assert refused.error_codes == ["FORBIDDEN"]
