"""The event broker behind GraphQL subscriptions.

Events are published by the outbox dispatcher after the change that caused them committed. Each process
fans them out to its own subscribers through a local hub; with REDIS_URL set, publishing goes through
one Redis pub/sub channel that every process listens to, so a change made through one server process
reaches a subscriber connected to another. Without Redis, events stay inside the process, which is
right for one process (`make run`, tests) and wrong for several: run several only with REDIS_URL.

A message names the topics it belongs to (e.g. `order:<id>`, `customer-orders:<id>`); subscribers
listen on one topic each. A subscriber that falls behind loses its oldest messages, never the server's
memory, and holds nobody else up: delivery only puts the message in each subscriber's bounded queue.

Every subscriber of this process receives the same `Delivery` of a message: what all of them need (the
order as it is now, the GraphQL answer for one selection and audience) is worked out once per delivery
and shared, so one event costs the same database round trips for one subscriber or ten thousand.
Listeners (`LocalHub.listen`) are called synchronously as a message arrives, before any subscriber sees
it: the session cache uses one to forget revoked sessions ahead of the events that follow.
"""

import asyncio
import collections
import contextlib
import json
import logging
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Awaitable, Callable, Hashable, Sequence
from typing import Any, TypeVar

logger = logging.getLogger(__name__)

QUEUE_SIZE = 100
Message = dict[str, Any]
T = TypeVar("T")


class Delivery:
    """One message as this process's subscribers receive it, with the work they share."""

    __slots__ = ("_shared", "message")

    def __init__(self, message: Message) -> None:
        self.message = message
        self._shared: dict[Hashable, asyncio.Future[Any]] = {}

    async def shared(self, key: Hashable, work: Callable[[], Awaitable[T]]) -> T:
        """`work()`, run once for all subscribers asking with the same key; a subscriber that goes away
        while waiting does not cancel it for the others."""
        future = self._shared.get(key)
        if future is None:
            future = asyncio.ensure_future(work())
            self._shared[key] = future
        result: T = future.result() if future.done() else await asyncio.shield(future)
        return result

    def once(self, key: Hashable, build: Callable[..., T], *args: Any) -> T:
        """`build(*args)`, called once for all subscribers asking with the same key."""
        if key not in self._shared:
            future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
            future.set_result(build(*args))
            self._shared[key] = future
        value: T = self._shared[key].result()
        return value


class Inbox:
    """A subscriber's bounded queue of deliveries, oldest dropped first when full. Lighter than an
    asyncio.Queue (about 3 KiB each), which matters with ten thousand idle subscribers: an empty inbox is
    a few pointers until its first delivery."""

    __slots__ = ("_items", "_size", "_waiter")

    def __init__(self, size: int) -> None:
        self._size = size
        self._items: collections.deque[Delivery] | None = None
        self._waiter: asyncio.Future[None] | None = None

    def put(self, delivery: Delivery) -> bool:
        """Add a delivery; False when the oldest one was dropped to make room."""
        if self._items is None:
            self._items = collections.deque(maxlen=self._size)
        dropped = len(self._items) == self._size
        self._items.append(delivery)
        waiter, self._waiter = self._waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_result(None)
        return not dropped

    def get_nowait(self) -> Delivery:
        if not self._items:
            raise asyncio.QueueEmpty
        return self._items.popleft()

    async def get(self) -> Delivery:
        while not self._items:
            self._waiter = asyncio.get_running_loop().create_future()
            try:
                await self._waiter
            finally:
                self._waiter = None
        return self._items.popleft()

    def qsize(self) -> int:
        return len(self._items) if self._items else 0

    def empty(self) -> bool:
        return not self._items


class LocalHub:
    """Subscribers of this process, by topic.

    A message for many subscribers is handed out PER_TURN inboxes per turn of the event loop: ten
    thousand subscribers woken at once would all run in the same turn (about 0.1 ms each: a second in
    which no request, however small, gets a turn). Handed out in batches, requests are served between
    them, and the fan-out takes about as long as before. Messages keep their order for every subscriber.
    """

    PER_TURN = 50

    def __init__(self, queue_size: int = QUEUE_SIZE) -> None:
        self._queue_size = queue_size
        self._subscribers: dict[str, set[Inbox]] = {}
        self._listeners: dict[str, list[Callable[[Message], None]]] = {}
        self._gap_listeners: list[Callable[[], None]] = []
        # Deliveries still being handed out, oldest first, with the inboxes still to receive each.
        self._backlog: collections.deque[tuple[collections.deque[Inbox], Delivery, str]] = collections.deque()

    def listen(self, topic: str, listener: Callable[[Message], None]) -> None:
        """Call `listener` with each message of `topic` as it arrives, before subscribers see it."""
        self._listeners.setdefault(topic, []).append(listener)

    def on_gap(self, listener: Callable[[], None]) -> None:
        """Call `listener` when messages may have been missed (the broker subscribed again)."""
        self._gap_listeners.append(listener)

    def gap(self) -> None:
        for listener in self._gap_listeners:
            listener()

    def deliver(self, topics: Sequence[str], message: Message) -> None:
        delivery = Delivery(message)
        inboxes: collections.deque[Inbox] = collections.deque()
        for topic in topics:
            for listener in self._listeners.get(topic, ()):
                try:
                    listener(message)
                except Exception:
                    logger.exception("event listener failed", extra={"topic": topic.split(":", 1)[0]})
            inboxes.extend(self._subscribers.get(topic, ()))
        kind = topics[0].split(":", 1)[0] if topics else ""
        if not self._backlog and len(inboxes) <= self.PER_TURN:
            self._hand_out(inboxes, delivery, kind, len(inboxes))
            return
        self._backlog.append((inboxes, delivery, kind))
        if len(self._backlog) == 1:
            asyncio.get_running_loop().call_soon(self._hand_out_a_turn)

    def _hand_out_a_turn(self) -> None:
        budget = self.PER_TURN
        while self._backlog and budget > 0:
            inboxes, delivery, kind = self._backlog[0]
            handed = min(budget, len(inboxes))
            self._hand_out(inboxes, delivery, kind, handed)
            budget -= handed
            if not inboxes:
                self._backlog.popleft()
        if self._backlog:
            asyncio.get_running_loop().call_soon(self._hand_out_a_turn)

    @staticmethod
    def _hand_out(inboxes: collections.deque[Inbox], delivery: Delivery, kind: str, count: int) -> None:
        for _ in range(count):
            if not inboxes.popleft().put(delivery):
                logger.warning("slow subscriber lost an event", extra={"topic": kind})

    @contextlib.asynccontextmanager
    async def subscribe(self, topic: str) -> AsyncIterator[Inbox]:
        queue = Inbox(self._queue_size)
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

    async def start(self, wait_seconds: float = 10.0) -> None:  # noqa: B027  (most brokers need no start-up)
        """Connect before the first subscriber arrives, waiting at most `wait_seconds` for it."""

    async def close(self) -> None:  # noqa: B027
        """Disconnect; subscribers see no further messages."""

    @abstractmethod
    async def publish(self, topics: Sequence[str], message: Message) -> None:
        """Deliver `message` to every subscriber of any of `topics`, in every process. Raises when it cannot."""

    @contextlib.asynccontextmanager
    async def subscribe(self, topic: str) -> AsyncIterator[Inbox]:
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
    """Publishes to one Redis channel; a listener task in each process hands what arrives to its hub.

    The listener outlives Redis outages: it notices a lost connection (an error, or no answer to its
    pings), logs that once, and subscribes again with backoff until Redis answers. Events published while
    this process was not subscribed do not reach it (pub/sub keeps nothing); events whose publishing
    failed stay in the outbox and are published again later.
    """

    # The listener pings Redis this often while the channel is quiet, and reconnects when a ping goes
    # unanswered for `PING_EVERY_SECONDS * 3`: a half-open connection sends no error.
    PING_EVERY_SECONDS = 5.0
    MAX_RECONNECT_DELAY = 5.0

    @property
    def reaches_other_processes(self) -> bool:
        return True

    def __init__(self, redis: Any, channel: str) -> None:
        super().__init__()
        self._redis = redis
        self._channel = channel
        self._listener: asyncio.Task[None] | None = None
        self._ready = asyncio.Event()
        # Called each time the channel is subscribed (again): what was published meanwhile was missed.
        self.on_subscribed: Callable[[], None] | None = None

    @property
    def listening(self) -> bool:
        return self._ready.is_set()

    async def start(self, wait_seconds: float = 10.0) -> None:
        """Start listening; wait up to `wait_seconds` for the subscription (none when Redis is known down)."""
        if self._listener is None:
            self._listener = asyncio.create_task(self._listen())
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._ready.wait(), timeout=wait_seconds)

    async def close(self) -> None:
        if self._listener is not None:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._listener
            self._listener = None

    async def publish(self, topics: Sequence[str], message: Message) -> None:
        await self._redis.publish(self._channel, json.dumps({"topics": list(topics), "message": message}))

    async def _listen(self) -> None:
        delay = 0.2
        lost_since: float | None = None
        loop = asyncio.get_running_loop()
        while True:
            pubsub = self._redis.pubsub(ignore_subscribe_messages=True)
            try:
                await pubsub.subscribe(self._channel)
                self._ready.set()
                self.hub.gap()
                if self.on_subscribed is not None:
                    self.on_subscribed()
                if lost_since is not None:
                    logger.info(
                        "event listener subscribed to Redis again",
                        extra={"down_seconds": round(loop.time() - lost_since, 1)},
                    )
                    lost_since = None
                delay = 0.2
                await self._receive_until_lost(pubsub)
            except asyncio.CancelledError:
                raise
            except Exception as error:
                if lost_since is None:
                    lost_since = loop.time()
                    if self._ready.is_set():
                        logger.warning(
                            "event listener lost Redis (%s: %s); subscribing again", type(error).__name__, error
                        )
                    else:  # Redis was down from the start, which start-up has reported
                        logger.info("event listener waiting for Redis (%s)", type(error).__name__)
                self._ready.clear()
                await asyncio.sleep(delay)
                delay = min(delay * 2, self.MAX_RECONNECT_DELAY)
            finally:
                with contextlib.suppress(Exception):
                    await pubsub.aclose()

    async def _receive_until_lost(self, pubsub: Any) -> None:
        from redis.exceptions import ConnectionError as RedisConnectionError

        loop = asyncio.get_running_loop()
        heard_at = pinged_at = loop.time()
        while True:
            item = await pubsub.get_message(ignore_subscribe_messages=True, timeout=self.PING_EVERY_SECONDS)
            now = loop.time()
            if item is not None:
                heard_at = now
                self._receive(item)
            if now - heard_at > self.PING_EVERY_SECONDS * 3:
                raise RedisConnectionError("no answer from Redis to the listener's pings")
            if now - pinged_at >= self.PING_EVERY_SECONDS:
                pinged_at = now
                await pubsub.ping()

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
