"""Service accounts with scoped API keys: created on the command line, used as bearer tokens."""

import re
import secrets
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col

from app.principal import Principal
from app.runtime import Runtime
from app.security.tokens import sha256_hex
from models.base import utcnow
from models.service_account import ServiceAccount

KEY_PREFIX = "ca_sk_"
SCOPES = {
    "orders:write": "push orders, status changes, shipments and tracking events",
    "products:write": "create and update products of the reference table",
    "customers:read": "read customers, their settings and consents (customerRecord, customerRecords, node)",
    "customers:write": "create or update customers by external reference (upsertCustomer)",
    "returns:write": "report returned goods received at the warehouse (the refund follows)",
}
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._-]{0,99}$")


class ServiceAccountError(ValueError):
    pass


@dataclass(frozen=True)
class CreatedServiceAccount:
    account: ServiceAccount
    api_key: str  # shown once


def is_api_key(token: str) -> bool:
    return token.startswith(KEY_PREFIX)


async def create_service_account(rt: Runtime, name: str, scopes: list[str]) -> CreatedServiceAccount:
    name = name.strip()
    if not _NAME.match(name):
        raise ServiceAccountError("a name of letters, digits, spaces, dots, dashes or underscores (at most 100)")
    unknown = sorted(set(scopes) - SCOPES.keys())
    if unknown or not scopes:
        raise ServiceAccountError(f"unknown or missing scopes {unknown}; choose from {sorted(SCOPES)}")
    api_key = KEY_PREFIX + secrets.token_urlsafe(32)
    account = ServiceAccount(name=name, scopes=" ".join(sorted(set(scopes))), key_hash=sha256_hex(api_key))
    try:
        async with rt.db.unit_of_work() as session:
            session.add(account)
    except IntegrityError as exc:
        raise ServiceAccountError(f"a service account named {name!r} exists already") from exc
    return CreatedServiceAccount(account=account, api_key=api_key)


async def revoke_service_account(rt: Runtime, name: str) -> bool:
    async with rt.db.unit_of_work() as session:
        result = await session.execute(
            update(ServiceAccount)
            .where(col(ServiceAccount.name) == name.strip(), col(ServiceAccount.revoked_at).is_(None))
            .values(revoked_at=utcnow())
        )
    return bool(getattr(result, "rowcount", 0))


async def authenticate_api_key(rt: Runtime, api_key: str) -> Principal | None:
    if not is_api_key(api_key) or len(api_key) > 200:
        return None
    async with rt.db.read() as session:
        account = (
            await session.execute(select(ServiceAccount).where(col(ServiceAccount.key_hash) == sha256_hex(api_key)))
        ).scalar_one_or_none()
    if account is None or account.revoked_at is not None:
        return None
    return Principal(service_account_id=account.id, scopes=frozenset(account.scopes.split()))
