"""The in-process side of the broker: topics, cleanup, and a slow subscriber losing its oldest events."""

import asyncio
import itertools

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


async def test_many_subscribers_start_on_an_event_a_batch_per_turn_so_others_get_turns_between() -> None:
    broker = InMemoryBroker()
    per_turn = broker.hub.PER_TURN
    started = 0

    async def subscriber(ready: asyncio.Event) -> None:
        nonlocal started
        async with broker.subscribe("orders") as inbox:
            ready.set()
            await inbox.get()
            started += 1

    readies = [asyncio.Event() for _ in range(per_turn * 5)]
    tasks = [asyncio.create_task(subscriber(ready)) for ready in readies]
    for ready in readies:
        await ready.wait()
    await broker.publish(["orders"], {"n": 1})
    seen_between: list[int] = []
    while started < len(tasks):
        await asyncio.sleep(0)  # another request's turn
        seen_between.append(started)
    await asyncio.gather(*tasks)
    # Every subscriber got it, and the other coroutine ran between batches, never behind all of them at once.
    assert started == len(tasks)
    assert seen_between[0] <= per_turn, seen_between
    assert all(b - a <= per_turn for a, b in itertools.pairwise([0, *seen_between])), seen_between
