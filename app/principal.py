"""Who is calling: anonymous or a signed-in account with its roles."""

import uuid
from collections.abc import Hashable
from dataclasses import dataclass, field

from models.customer import Role

STAFF_ROLES = frozenset({Role.SUPPORT, Role.ADMIN})


@dataclass(frozen=True)
class Principal:
    customer_id: uuid.UUID | None = None
    session_id: uuid.UUID | None = None
    roles: frozenset[Role] = field(default_factory=frozenset)
    # A service account (integration API key) instead of a person: what its scopes allow, nothing else.
    service_account_id: uuid.UUID | None = None
    scopes: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def anonymous(cls) -> "Principal":
        return cls()

    @property
    def is_authenticated(self) -> bool:
        return self.customer_id is not None

    @property
    def is_staff(self) -> bool:
        return bool(self.roles & STAFF_ROLES)

    @property
    def is_admin(self) -> bool:
        return Role.ADMIN in self.roles

    def has_scope(self, scope: str) -> bool:
        return self.service_account_id is not None and scope in self.scopes

    def audience(self) -> Hashable:
        """Callers who see the same answer wherever it depends on the caller only through is_staff, the
        roles and can_see_customer (subscription event payloads): staff with the same roles, or one customer."""
        if self.is_staff:
            return ("staff", self.roles)
        return (self.customer_id, self.roles, self.service_account_id, self.scopes)

    def can_see_customer(self, customer_id: uuid.UUID) -> bool:
        return self.customer_id == customer_id or self.is_staff
