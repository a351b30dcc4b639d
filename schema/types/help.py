"""Help centre articles, their categories, and the inputs and payloads of the staff mutations."""

from collections.abc import Iterable
from datetime import datetime
from typing import Any

import strawberry
from strawberry import relay

from app.pagination import Page
from app.services.help_centre import CategoryCount, HelpArticleErrorCode
from models.help import HelpArticle as HelpArticleRow
from schema.types.base import DisplayableError, Info, connection_from_page, load_nodes

HelpArticleErrorCodeEnum = strawberry.enum(HelpArticleErrorCode, name="HelpArticleErrorCode")


@strawberry.type(description="An error from writing or removing a help article.")
class HelpArticleUserError(DisplayableError):
    code: HelpArticleErrorCode


@strawberry.type(description="A help centre (FAQ) article. Drafts (published: false) are visible to staff only.")
class HelpArticle(relay.Node):
    id: relay.NodeID[str]
    slug: str = strawberry.field(description="The article's address in the storefront's help centre.")
    title: str
    body: str = strawberry.field(description="Plain text; blank lines separate paragraphs.")
    category: str
    published: bool
    published_at: datetime | None = strawberry.field(description="When it was first published.")
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_row(cls, row: HelpArticleRow) -> "HelpArticle":
        return cls(
            id=str(row.id),
            slug=row.slug,
            title=row.title,
            body=row.body,
            category=row.category,
            published=row.published,
            published_at=row.published_at,
            created_at=row.created_at,
            updated_at=row.updated_at,
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list["HelpArticle | None"]:
        rows = await load_nodes(info.context.loaders.help_article, node_ids)
        return [cls.from_row(row) if row else None for row in rows]


def help_articles_connection(page: Page[HelpArticleRow]) -> Any:
    return connection_from_page(page, HelpArticle.from_row)


@strawberry.type(description="A help centre category and how many published articles it holds.")
class HelpCategory:
    name: str
    article_count: int

    @classmethod
    def of(cls, found: CategoryCount) -> "HelpCategory":
        return cls(name=found.name, article_count=found.article_count)


@strawberry.input
class CreateHelpArticleInput:
    title: str
    body: str
    category: str
    published: bool = strawberry.field(default=False, description="False keeps it a draft.")
    slug: str | None = strawberry.field(default=None, description="Made from the title when left out.")


@strawberry.input(description="Fields left out stay as they are.")
class UpdateHelpArticleInput:
    article_id: strawberry.ID
    title: str | None = None
    body: str | None = None
    category: str | None = None
    published: bool | None = None
    slug: str | None = None


@strawberry.input
class DeleteHelpArticleInput:
    article_id: strawberry.ID


@strawberry.type
class HelpArticlePayload:
    article: HelpArticle | None = None
    user_errors: list[HelpArticleUserError] = strawberry.field(default_factory=list)


@strawberry.type
class DeleteHelpArticlePayload:
    deleted_article_id: strawberry.ID | None = None
    user_errors: list[HelpArticleUserError] = strawberry.field(default_factory=list)
