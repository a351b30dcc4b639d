"""The in-process side of the broker: topics, cleanup, and a slow subscriber losing its oldest events."""

from app.events import InMemoryBroker


async def test_subscribers_get_the_messages_of_their_topic_only() -> None:
    broker = InMemoryBroker()
    async with broker.subscribe("order:1") as first, broker.subscribe("order:2") as second:
        assert broker.subscriber_count("order:1") == 1
        await broker.publish(["order:1", "orders"], {"n": 1})
        assert first.get_nowait().message == {"n": 1}
        assert second.empty()
    assert broker.subscriber_count("order:1") == 0


async def test_a_slow_subscriber_keeps_only_the_newest_messages() -> None:
    broker = InMemoryBroker()
    broker.hub = type(broker.hub)(queue_size=2)
    async with broker.subscribe("t") as queue:
        for n in range(5):
            await broker.publish(["t"], {"n": n})
        assert [queue.get_nowait().message["n"] for _ in range(queue.qsize())] == [3, 4]
