"""The event broker behind GraphQL subscriptions.

Events are published by the outbox dispatcher after the change that caused them committed. Each process
fans them out to its own subscribers through a local hub; with REDIS_URL set, publishing goes through
one Redis pub/sub channel that every process listens to, so a change made through one server process
reaches a subscriber connected to another. Without Redis, events stay inside the process, which is
right for one process (`make run`, tests) and wrong for several: run several only with REDIS_URL.

A message names the topics it belongs to (e.g. `order:<id>`, `customer-orders:<id>`); subscribers
listen on one topic each. A subscriber that falls behind loses its oldest messages, never the server's
memory.
"""

import asyncio
import contextlib
import json
import logging
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Sequence
from typing import Any

logger = logging.getLogger(__name__)

QUEUE_SIZE = 100
Message = dict[str, Any]


class LocalHub:
    """Subscribers of this process, by topic."""

    def __init__(self, queue_size: int = QUEUE_SIZE) -> None:
        self._queue_size = queue_size
        self._subscribers: dict[str, set[asyncio.Queue[Message]]] = {}

    def deliver(self, topics: Sequence[str], message: Message) -> None:
        for topic in topics:
            for queue in self._subscribers.get(topic, ()):
                if queue.full():
                    queue.get_nowait()
                    logger.warning("slow subscriber lost an event", extra={"topic": topic.split(":", 1)[0]})
                queue.put_nowait(message)

    @contextlib.asynccontextmanager
    async def subscribe(self, topic: str) -> AsyncIterator[asyncio.Queue[Message]]:
        queue: asyncio.Queue[Message] = asyncio.Queue(maxsize=self._queue_size)
        self._subscribers.setdefault(topic, set()).add(queue)
        try:
            yield queue
        finally:
            subscribers = self._subscribers.get(topic, set())
            subscribers.discard(queue)
            if not subscribers:
                self._subscribers.pop(topic, None)

    def subscriber_count(self, topic: str) -> int:
        return len(self._subscribers.get(topic, ()))


class Broker(ABC):
    def __init__(self) -> None:
        self.hub = LocalHub()

    async def start(self) -> None:  # noqa: B027  (most brokers need no start-up)
        """Connect before the first subscriber arrives."""

    async def close(self) -> None:  # noqa: B027
        """Disconnect; subscribers see no further messages."""

    @abstractmethod
    async def publish(self, topics: Sequence[str], message: Message) -> None:
        """Deliver `message` to every subscriber of any of `topics`, in every process. Raises when it cannot."""

    @contextlib.asynccontextmanager
    async def subscribe(self, topic: str) -> AsyncIterator[asyncio.Queue[Message]]:
        async with self.hub.subscribe(topic) as queue:
            yield queue

    def subscriber_count(self, topic: str) -> int:
        """Subscribers of `topic` in this process (tests wait for theirs before publishing)."""
        return self.hub.subscriber_count(topic)

    @property
    def reaches_other_processes(self) -> bool:
        return False


class InMemoryBroker(Broker):
    async def publish(self, topics: Sequence[str], message: Message) -> None:
        self.hub.deliver(topics, message)


class RedisBroker(Broker):
    """Publishes to one Redis channel; a listener task in each process hands what arrives to its hub."""

    @property
    def reaches_other_processes(self) -> bool:
        return True

    def __init__(self, redis: Any, channel: str) -> None:
        super().__init__()
        self._redis = redis
        self._channel = channel
        self._listener: asyncio.Task[None] | None = None
        self._ready = asyncio.Event()

    async def start(self) -> None:
        if self._listener is None:
            self._listener = asyncio.create_task(self._listen())
        await asyncio.wait_for(self._ready.wait(), timeout=10)

    async def close(self) -> None:
        if self._listener is not None:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._listener
            self._listener = None

    async def publish(self, topics: Sequence[str], message: Message) -> None:
        await self._redis.publish(self._channel, json.dumps({"topics": list(topics), "message": message}))

    async def _listen(self) -> None:
        delay = 0.5
        while True:
            pubsub = self._redis.pubsub(ignore_subscribe_messages=True)
            try:
                await pubsub.subscribe(self._channel)
                self._ready.set()
                delay = 0.5
                async for item in pubsub.listen():
                    self._receive(item)
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("event listener lost Redis; reconnecting")
                await asyncio.sleep(delay)
                delay = min(delay * 2, 30)
            finally:
                with contextlib.suppress(Exception):
                    await pubsub.aclose()

    def _receive(self, item: dict[str, Any]) -> None:
        if item.get("type") != "message":
            return
        try:
            envelope = json.loads(item["data"])
            topics, message = envelope["topics"], envelope["message"]
        except (ValueError, KeyError, TypeError):
            logger.warning("ignored a malformed event on the broker channel")
            return
        self.hub.deliver([str(topic) for topic in topics], message)


def broker_for(redis: Any, prefix: str) -> Broker:
    return RedisBroker(redis, f"{prefix}events") if redis is not None else InMemoryBroker()
