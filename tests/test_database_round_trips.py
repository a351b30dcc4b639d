"""What a read-only request costs on the wire to PostgreSQL, counted by a proxy that reads the protocol
(bench/pgcount.py): not what SQLAlchemy executes, but every message the driver sends, BEGIN/ROLLBACK and
pool pings included (issue 16: at most 8 round trips for the order history)."""

from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy.engine import make_url

from app.runtime import Runtime
from bench.pgcount import CountingProxy
from tests.conftest import TEST_DATABASE_URL
from tests.orders.helpers import order_input, order_key, push
from tests.support import login, make_customer

HISTORY = """{ me { orders(first: 50) { edges { node { number total { amount } lines { sku quantity }
  shipments { carrier events { status } } timeline { status at } } } } } }"""


@pytest.fixture
async def counting_proxy(database_url: str) -> AsyncIterator[CountingProxy]:
    if not TEST_DATABASE_URL:
        pytest.skip("round trips to PostgreSQL are counted on PostgreSQL (set TEST_DATABASE_URL)")
    url = make_url(database_url)
    proxy = CountingProxy(url.host or "127.0.0.1", url.port or 5432)
    await proxy.start()
    yield proxy
    await proxy.close()


async def test_a_read_only_request_sends_no_transaction_control(
    database_url: str, counting_proxy: CountingProxy, app_factory: Any
) -> None:
    proxied = make_url(database_url).set(host="127.0.0.1", port=counting_proxy.port)
    application, api = await app_factory(
        database_url=proxied.render_as_string(hide_password=False), outbox_in_process=False
    )
    rt: Runtime = application.state.app_state.rt
    customer = await make_customer(rt)
    key = await order_key(rt)
    for name in ("one", "two", "three"):
        await push(api, key, order_input(name, customer.email, status="PAID"))
    token = await login(api, customer.email, "a perfectly fine passphrase")
    await api.ok(HISTORY, token=token)  # the connections are open and their types known

    counting_proxy.counts.reset()
    data = await api.ok(HISTORY, token=token)
    counts = counting_proxy.counts.snapshot()

    assert len(data["me"]["orders"]["edges"]) == 3
    # No BEGIN/ROLLBACK around reads and no pool pings: every round trip carries a statement of the request.
    assert counts.kinds["txn"] == 0, counts
    assert counts.kinds["ping"] == 0, counts
    assert counts.kinds["sql"] >= 1, counts
    assert counts.round_trips == counts.kinds["sql"], counts
    assert counts.round_trips <= 8, counts
    # The bearer token's session, its customer's status and roles: one statement.
    assert not [sql for sql in counts.statements if sql.startswith("SELECT customer_role.")], counts
