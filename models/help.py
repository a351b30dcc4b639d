"""Help centre: FAQ articles staff write and publish; customers and anonymous visitors search them."""

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.base import timestamp, uuid_pk


class HelpArticle(SQLModel, table=True):
    __tablename__ = "help_article"
    __table_args__ = (sa.Index("ix_help_article_published_category", "published", "category"),)

    id: uuid.UUID = uuid_pk()
    # The address storefronts link to (/help/<slug>): lowercase letters, digits and hyphens.
    slug: str = Field(max_length=100, unique=True)
    title: str = Field(max_length=200)
    body: str = Field(sa_type=sa.Text)
    category: str = Field(max_length=64)
    published: bool = Field(default=False)
    # Case-folded title and title + category + body: searching compares these, so "STRASSE" finds "Straße"
    # the same way on SQLite and PostgreSQL.
    title_folded: str = Field(max_length=400)
    search_folded: str = Field(sa_type=sa.Text)
    author_id: uuid.UUID | None = Field(default=None, foreign_key="customer.id")
    created_at: datetime = timestamp(default_now=True)
    updated_at: datetime = timestamp(default_now=True)
    published_at: datetime | None = timestamp(nullable=True)
