"""argon2id hashing off the event loop, and the NIST SP 800-63B password rules."""

import gzip
import unicodedata
from enum import Enum
from functools import cache
from importlib import resources

import anyio
from argon2 import PasswordHasher as Argon2Hasher
from argon2 import Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 128
# A local part shorter than this is too generic to forbid ("al" would ban "always-…").
MIN_LOCAL_PART_TO_CHECK = 3


class PasswordProblem(Enum):
    TOO_SHORT = "TOO_SHORT"
    TOO_LONG = "TOO_LONG"
    TOO_COMMON = "TOO_COMMON"
    CONTAINS_EMAIL = "CONTAINS_EMAIL"


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
    if email:
        local_part = email.split("@", 1)[0].lower()
        if len(local_part) >= MIN_LOCAL_PART_TO_CHECK and local_part in lowered:
            problems.append(PasswordProblem.CONTAINS_EMAIL)
    return problems


class PasswordHasher:
    """argon2id with explicit parameters, run in worker threads behind a small dedicated limiter.

    The limiter caps memory (each hash takes `memory_kib`) and keeps a burst of sign-ins from
    starving the thread pool that everything else shares.
    """

    def __init__(self, *, time_cost: int, memory_kib: int, parallelism: int, concurrency: int) -> None:
        self._hasher = Argon2Hasher(time_cost=time_cost, memory_cost=memory_kib, parallelism=parallelism, type=Type.ID)
        self._limiter = anyio.CapacityLimiter(concurrency)
        self._dummy_hash: str | None = None

    async def hash(self, password: str) -> str:
        return await anyio.to_thread.run_sync(self._hasher.hash, normalize_password(password), limiter=self._limiter)

    async def verify(self, password_hash: str, password: str) -> bool:
        def _verify() -> bool:
            try:
                return self._hasher.verify(password_hash, normalize_password(password))
            except (VerifyMismatchError, VerificationError, InvalidHashError):
                return False

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
