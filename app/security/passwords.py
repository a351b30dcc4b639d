"""argon2id hashing off the event loop, and the NIST SP 800-63B password rules."""

import gzip
import unicodedata
from enum import Enum
from functools import cache
from importlib import resources
from itertools import pairwise

import anyio
from argon2 import PasswordHasher as Argon2Hasher
from argon2 import Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from app.outages import BUSY_RETRY_AFTER, unavailable

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 128
# A local part shorter than this is too generic to forbid ("al" would ban "always-…").
MIN_LOCAL_PART_TO_CHECK = 3
# Orders people walk along when they make up a password, in either direction: the alphabet, digits, and
# keyboard rows (QWERTY, QWERTZ, AZERTY; digits with and without shift).
SEQUENCES = (
    "abcdefghijklmnopqrstuvwxyz",
    "0123456789",
    "1234567890",
    "!@#$%^&*()",
    "qwertyuiop",
    "asdfghjkl",
    "zxcvbnm",
    "qwertzuiop",
    "yxcvbnm",
    "azertyuiop",
    "qsdfghjklm",
    "wxcvbn",
)
_SUCCESSORS = frozenset(pair for sequence in SEQUENCES for pair in pairwise(sequence))
MIN_SEQUENCE_RUN = 3  # "ab" or "er" occur in any word; "abc" and "rty" are walked
# Half or more of the characters predictable (repeated units, sequential runs) is refused: NIST SP
# 800-63B's "repetitive or sequential characters". A passphrase with "123" or "ll" in it stays well below.
MAX_PREDICTABLE_SHARE = 0.5


class PasswordProblem(Enum):
    TOO_SHORT = "TOO_SHORT"
    TOO_LONG = "TOO_LONG"
    TOO_COMMON = "TOO_COMMON"
    CONTAINS_EMAIL = "CONTAINS_EMAIL"
    TOO_PREDICTABLE = "TOO_PREDICTABLE"


@cache
def common_passwords() -> frozenset[str]:
    """The 10,000 most common passwords (Royce Williams' list, as shipped by Django), lower-cased."""
    data = resources.files("app.security").joinpath("data/common-passwords.txt.gz").read_bytes()
    return frozenset(line.strip().lower() for line in gzip.decompress(data).decode().splitlines() if line)


def normalize_password(password: str) -> str:
    # NIST asks for Unicode normalisation so the same password typed on another keyboard still matches.
    return unicodedata.normalize("NFKC", password)


def password_problems(password: str, email: str | None = None) -> list[PasswordProblem]:
    """What is wrong with a new password; empty when it is acceptable. No composition rules (NIST)."""
    normalized = normalize_password(password)
    problems = []
    if len(normalized) < MIN_PASSWORD_LENGTH:
        problems.append(PasswordProblem.TOO_SHORT)
    if len(normalized) > MAX_PASSWORD_LENGTH:
        problems.append(PasswordProblem.TOO_LONG)
    lowered = normalized.lower()
    if lowered in common_passwords():
        problems.append(PasswordProblem.TOO_COMMON)
    elif not problems and predictable_share(lowered) >= MAX_PREDICTABLE_SHARE:
        problems.append(PasswordProblem.TOO_PREDICTABLE)
    if email:
        local_part = email.split("@", 1)[0].lower()
        if len(local_part) >= MIN_LOCAL_PART_TO_CHECK and local_part in lowered:
            problems.append(PasswordProblem.CONTAINS_EMAIL)
    return problems


def predictable_share(password: str) -> float:
    """The share of characters that could be guessed from the ones before them: copies of a repeated unit
    after its first ("aaaa", "abab", "wordword") and the characters of a run of at least three sequential
    ones after its first ("abcd", "4321", "qwerty"). Quadratic in the length, which the policy caps at 128.
    """
    if not password:
        return 0.0
    marked = [False] * len(password)
    _mark_repetitions(password, marked)
    _mark_sequences(password, marked)
    return sum(marked) / len(password)


def _mark_repetitions(text: str, marked: list[bool]) -> None:
    """Mark the copies after the first in every stretch of two or more copies of one unit (any length)."""
    size = len(text)
    for period in range(1, size // 2 + 1):
        matches = 0  # how many characters in a row equal the one `period` places before
        for index in range(period, size + 1):
            if index < size and text[index] == text[index - period]:
                matches += 1
                continue
            if matches >= period:  # [index - matches - period, index) repeats the unit it starts with
                for position in range(index - matches, index):
                    marked[position] = True
            matches = 0


def _mark_sequences(text: str, marked: list[bool]) -> None:
    """Mark runs of MIN_SEQUENCE_RUN or more characters that step along one sequence, up or down (all but
    the run's first character)."""
    for step in (1, -1):
        start = 0
        for index in range(1, len(text) + 1):
            pair = (text[index - 1], text[index]) if index < len(text) else None
            if pair is not None and (pair if step == 1 else pair[::-1]) in _SUCCESSORS:
                continue
            if index - start >= MIN_SEQUENCE_RUN:
                for position in range(start + 1, index):
                    marked[position] = True
            start = index


class HashingBusyError(Exception):
    """More passwords wait to be hashed than the queue allows: the caller is asked to come back shortly."""


class PasswordHasher:
    """argon2id with explicit parameters, run in worker threads behind a small dedicated limiter.

    The limiter caps memory (each hash takes `memory_kib`) and keeps a burst of sign-ins from
    starving the thread pool that everything else shares. Waiters queue fairly (first come, first
    served); past `queue_limit` waiting, a new one is refused at once (SERVICE_UNAVAILABLE) rather than
    kept waiting for seconds: a burst is answered "busy, retry" instead of by time-outs all round.
    """

    def __init__(
        self, *, time_cost: int, memory_kib: int, parallelism: int, concurrency: int, queue_limit: int = 32
    ) -> None:
        self._hasher = Argon2Hasher(time_cost=time_cost, memory_cost=memory_kib, parallelism=parallelism, type=Type.ID)
        self._limiter = anyio.CapacityLimiter(concurrency)
        self._queue_limit = queue_limit
        self._dummy_hash: str | None = None

    def ensure_capacity(self) -> None:
        """Refuses (a retryable `ServiceUnavailableError`) when a new hash would queue behind `queue_limit`
        others; called before a sign-in counts as an attempt, so a busy answer costs the customer no try."""
        statistics = self._limiter.statistics()
        if statistics.borrowed_tokens >= statistics.total_tokens and statistics.tasks_waiting >= self._queue_limit:
            busy = HashingBusyError(f"{statistics.tasks_waiting} passwords wait to be hashed")
            raise unavailable("password hashing", busy, BUSY_RETRY_AFTER) from busy

    async def hash(self, password: str) -> str:
        self.ensure_capacity()
        return await anyio.to_thread.run_sync(self._hasher.hash, normalize_password(password), limiter=self._limiter)

    async def verify(self, password_hash: str, password: str) -> bool:
        def _verify() -> bool:
            try:
                return self._hasher.verify(password_hash, normalize_password(password))
            except (VerifyMismatchError, VerificationError, InvalidHashError):
                return False

        self.ensure_capacity()
        return await anyio.to_thread.run_sync(_verify, limiter=self._limiter)

    async def verify_dummy(self, password: str) -> None:
        """Spend the same time as a real verification, for accounts that do not exist."""
        if self._dummy_hash is None:
            self._dummy_hash = await self.hash("dummy password for timing equalisation")
        await self.verify(self._dummy_hash, password)

    def needs_rehash(self, password_hash: str) -> bool:
        try:
            return self._hasher.check_needs_rehash(password_hash)
        except InvalidHashError:
            return True
