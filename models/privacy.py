"""The privacy policy customers are shown: every published version, each in force from its date."""

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.base import timestamp, uuid_pk


class PrivacyPolicy(SQLModel, table=True):
    """Append-only: a new text is a new version. The current one is the latest whose date has come."""

    __tablename__ = "privacy_policy"

    id: uuid.UUID = uuid_pk()
    version: str = Field(max_length=32, unique=True)
    text: str = Field(sa_type=sa.Text)
    effective_from: datetime = timestamp(index=True)
    created_at: datetime = timestamp(default_now=True)
