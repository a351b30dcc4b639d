"""Column helpers shared by every table: UUID keys, aware UTC timestamps, enums stored as strings."""

import enum
import uuid
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

# Named constraints, so later migrations can alter them (SQLite batch mode needs the names).
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


def new_id() -> uuid.UUID:
    return uuid.uuid4()


def uuid_pk() -> Any:
    return Field(default_factory=new_id, primary_key=True)


class UTCDateTime(sa.TypeDecorator[datetime]):
    """Timezone-aware UTC in and out, on every database (SQLite keeps no offset: store UTC, read back UTC)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: use timezone-aware UTC")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def timestamp(*, nullable: bool = False, index: bool = False, default_now: bool = False) -> Any:
    """A timezone-aware UTC timestamp column."""
    column: sa.Column[datetime] = sa.Column(UTCDateTime(), nullable=nullable, index=index)
    if default_now:
        return Field(default_factory=utcnow, sa_column=column)
    return Field(default=None, sa_column=column)


def enum_column(
    enum_type: type[enum.Enum], *, nullable: bool = False, index: bool = False, default: enum.Enum | None = None
) -> Any:
    """Enums are stored as their names in a VARCHAR: adding a member never needs a type migration."""
    extra: dict[str, Any] = {} if default is None else {"default": default}
    return Field(
        **extra,
        sa_column=sa.Column(
            sa.Enum(enum_type, native_enum=False, length=32, create_constraint=False),
            nullable=nullable,
            index=index,
        ),
    )
