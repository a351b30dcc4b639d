"""Who a long-lived connection's token belongs to, remembered between the events it receives.

A WebSocket subscriber's session is checked before every event it is sent. Asking the database each time
costs a round trip per subscriber per event; instead the answer is remembered until the session would
expire or until its account's sessions change, whichever comes first. A change is anything that can end
a session or change what it may see: sign-out, a revoked session, a password or email change, a
suspension, a deletion, a granted or revoked role. The unit of work that makes one marks the account
(`app.db.mark_sessions_changed`); once it commits, `announce` forgets the account here at once and tells
every other process through the broker (`SESSIONS_TOPIC`), before the answer goes back to the caller, so
an event published after it cannot overtake it. Should the broker refuse, the announcement goes through
the outbox and is delivered when it can be. A broker that subscribed again may have missed announcements:
everything is forgotten then (`LocalHub.on_gap`).

Only live sessions are remembered, under the SHA-256 of their token (as they are stored), never a token.
"""

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from app.db import Database
from app.events import Broker, Message
from app.outbox import enqueue_event
from app.security.crypto import Keyring
from models.base import utcnow

logger = logging.getLogger(__name__)

SESSIONS_TOPIC = "sessions-changed"
SESSIONS_CHANGED_EVENT = "sessions.changed"
# Sessions looked up in one statement at most (bind parameters stay far below PostgreSQL's 32,767).
LOOKUP_BATCH = 1000
V = TypeVar("V")


@dataclass(frozen=True, slots=True)
class _Entry(Generic[V]):
    value: V
    customer_id: uuid.UUID
    session_id: uuid.UUID
    expires_at: datetime


class SessionCache(Generic[V]):
    # Beyond this many remembered sessions the expired ones are dropped, then (if still full) all of them.
    MAX_ENTRIES = 100_000

    def __init__(self) -> None:
        self._entries: dict[str, _Entry[V]] = {}
        self._by_customer: dict[uuid.UUID, set[str]] = {}
        self._by_session: dict[uuid.UUID, str] = {}
        # Bumped by every forget: an answer read from the database before a forget is not remembered after it.
        self.generation = 0
        self._pending: dict[str, asyncio.Future[V | None]] | None = None
        self._fetching: set[asyncio.Future[None]] = set()

    async def look_up(self, token_hash: str, fetch: Callable[[list[str]], Awaitable[Sequence[V | None]]]) -> V | None:
        """`fetch([token_hash])[0]`, except that lookups asked for in the same turn of the event loop are
        fetched together, LOOKUP_BATCH at a time (one statement each instead of one per subscriber)."""
        if self._pending is None:
            self._pending = {}
            asyncio.get_running_loop().call_soon(self._fetch_pending, fetch)
        future = self._pending.get(token_hash)
        if future is None:
            future = self._pending[token_hash] = asyncio.get_running_loop().create_future()
        return await asyncio.shield(future)

    def _fetch_pending(self, fetch: Callable[[list[str]], Awaitable[Sequence[V | None]]]) -> None:
        pending, self._pending = self._pending or {}, None
        task = asyncio.ensure_future(self._fetch_all(pending, fetch))
        self._fetching.add(task)
        task.add_done_callback(self._fetching.discard)

    async def _fetch_all(
        self,
        pending: dict[str, "asyncio.Future[V | None]"],
        fetch: Callable[[list[str]], Awaitable[Sequence[V | None]]],
    ) -> None:
        hashes = list(pending)
        for start in range(0, len(hashes), LOOKUP_BATCH):
            batch = hashes[start : start + LOOKUP_BATCH]
            try:
                answers = await fetch(batch)
            except asyncio.CancelledError:
                for token_hash in hashes[start:]:
                    pending[token_hash].cancel()
                raise
            except Exception as error:  # each waiting subscriber meets it (an outage: they retry later)
                for token_hash in hashes[start:]:
                    if not pending[token_hash].done():
                        pending[token_hash].set_exception(error)
                return
            for token_hash, answer in zip(batch, answers, strict=True):
                if not pending[token_hash].done():
                    pending[token_hash].set_result(answer)

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, token_hash: str) -> V | None:
        entry = self._entries.get(token_hash)
        if entry is None:
            return None
        if entry.expires_at <= utcnow():
            self._drop(token_hash)
            return None
        return entry.value

    def put(
        self,
        token_hash: str,
        value: V,
        customer_id: uuid.UUID,
        session_id: uuid.UUID,
        expires_at: datetime,
        generation: int,
    ) -> None:
        """Remember `value`, read from the database when `self.generation` was `generation`."""
        if generation != self.generation:
            return  # a change was announced while it was being read: it may be stale already
        if len(self._entries) >= self.MAX_ENTRIES:
            self._make_room()
        self._entries[token_hash] = _Entry(value, customer_id, session_id, expires_at)
        self._by_customer.setdefault(customer_id, set()).add(token_hash)
        self._by_session[session_id] = token_hash

    def forget(self, customer_ids: Iterable[uuid.UUID]) -> None:
        self.generation += 1
        for customer_id in customer_ids:
            for token_hash in list(self._by_customer.get(customer_id, ())):
                self._drop(token_hash)

    def forget_session(self, session_id: uuid.UUID) -> None:
        """Drop what is remembered of one session (its last WebSocket closed); no generation bump: the
        session did not change, so an answer being read for it meanwhile may still be stored."""
        token_hash = self._by_session.pop(session_id, None)
        if token_hash is not None:
            self._drop(token_hash)

    def clear(self) -> None:
        self.generation += 1
        self._entries.clear()
        self._by_customer.clear()
        self._by_session.clear()

    def on_message(self, message: Message) -> None:
        """A broker listener for SESSIONS_TOPIC."""
        try:
            customer_ids = [uuid.UUID(str(value)) for value in message["customerIds"]]
        except (KeyError, TypeError, ValueError):
            logger.warning("malformed sessions-changed message: forgetting every session")
            self.clear()
            return
        self.forget(customer_ids)

    def _drop(self, token_hash: str) -> None:
        entry = self._entries.pop(token_hash, None)
        if entry is not None:
            if self._by_session.get(entry.session_id) == token_hash:
                del self._by_session[entry.session_id]
            hashes = self._by_customer.get(entry.customer_id)
            if hashes is not None:
                hashes.discard(token_hash)
                if not hashes:
                    del self._by_customer[entry.customer_id]

    def _make_room(self) -> None:
        now = utcnow()
        for token_hash in [key for key, entry in self._entries.items() if entry.expires_at <= now]:
            self._drop(token_hash)
        if len(self._entries) >= self.MAX_ENTRIES:
            self.clear()


async def announce(
    customer_ids: frozenset[uuid.UUID], cache: SessionCache[Any], broker: Broker, db: Database, keyring: Keyring
) -> None:
    """Tell this process and every other that these accounts' sessions changed (called after the commit)."""
    cache.forget(customer_ids)
    message = {"customerIds": sorted(str(customer_id) for customer_id in customer_ids)}
    try:
        await broker.publish([SESSIONS_TOPIC], message)
        return
    except Exception as error:
        logger.warning("could not announce changed sessions at once (%s); queued", type(error).__name__)
    try:
        async with db.unit_of_work() as session:
            enqueue_event(session, keyring, SESSIONS_CHANGED_EVENT, [SESSIONS_TOPIC], message)
    except Exception:
        logger.exception("could not queue the announcement of changed sessions")
