"""The help centre: anyone searches published articles; staff (SUPPORT or ADMIN) write, publish and remove them."""

import strawberry
from strawberry import relay

from app.services import help_centre
from app.services.help_centre import ArticleData, ArticleSearch, HelpArticleError
from resolvers.permissions import IsStaff, requires
from schema.types.base import Info, decode_global_id, encode_global_id, user_errors
from schema.types.help import (
    CreateHelpArticleInput,
    DeleteHelpArticleInput,
    DeleteHelpArticlePayload,
    HelpArticle,
    HelpArticlePayload,
    HelpArticleUserError,
    HelpCategory,
    UpdateHelpArticleInput,
    help_articles_connection,
)


def _errors(error: HelpArticleError) -> list[HelpArticleUserError]:
    return user_errors(error, HelpArticleUserError)


@strawberry.type
class HelpQueries:
    @strawberry.field(
        description=(
            "Published help articles, for anyone (no sign-in needed). With a query, articles holding every word of "
            "it (title, category or body; case does not matter), those with the words in the title first. "
            "Staff may add drafts with includeUnpublished."
        )
    )
    async def help_articles(
        self,
        info: Info,
        query: str | None = None,
        category: str | None = None,
        include_unpublished: bool = False,
        first: int | None = 20,
        after: str | None = None,
    ) -> relay.Connection[HelpArticle] | None:
        page = await help_centre.search_articles(
            info.context.rt,
            info.context.principal,
            ArticleSearch(query=query, category=category, include_unpublished=include_unpublished),
            first=first,
            after=after,
        )
        return help_articles_connection(page)  # type: ignore[no-any-return]

    @strawberry.field(description="A published help article by its slug (drafts too, for staff).")
    async def help_article(self, info: Info, slug: str) -> HelpArticle | None:
        row = await help_centre.article_by_slug(info.context.rt, info.context.principal, slug)
        return HelpArticle.from_row(row) if row else None

    @strawberry.field(description="The categories of published help articles, by name, with their article counts.")
    async def help_categories(self, info: Info) -> list[HelpCategory]:
        return [HelpCategory.of(found) for found in await help_centre.categories(info.context.rt)]


@strawberry.type
class HelpMutations:
    @strawberry.mutation(
        description="Write a help article (staff); a draft unless published is true.", extensions=requires(IsStaff)
    )
    async def create_help_article(self, info: Info, input: CreateHelpArticleInput) -> HelpArticlePayload:
        data = ArticleData(input.title, input.body, input.category, input.published, input.slug)
        try:
            row = await help_centre.create_article(info.context.rt, info.context.principal, data, info.context.meta)
        except HelpArticleError as error:
            return HelpArticlePayload(user_errors=_errors(error))
        return HelpArticlePayload(article=HelpArticle.from_row(row))

    @strawberry.mutation(
        description="Change, publish or unpublish a help article (staff).", extensions=requires(IsStaff)
    )
    async def update_help_article(self, info: Info, input: UpdateHelpArticleInput) -> HelpArticlePayload:
        data = ArticleData(input.title, input.body, input.category, input.published, input.slug)
        article_id = decode_global_id(input.article_id, "HelpArticle")
        try:
            row = await help_centre.update_article(
                info.context.rt, info.context.principal, article_id, data, info.context.meta
            )
        except HelpArticleError as error:
            return HelpArticlePayload(user_errors=_errors(error))
        return HelpArticlePayload(article=HelpArticle.from_row(row))

    @strawberry.mutation(description="Remove a help article for good (staff).", extensions=requires(IsStaff))
    async def delete_help_article(self, info: Info, input: DeleteHelpArticleInput) -> DeleteHelpArticlePayload:
        article_id = decode_global_id(input.article_id, "HelpArticle")
        try:
            deleted = await help_centre.delete_article(
                info.context.rt, info.context.principal, article_id, info.context.meta
            )
        except HelpArticleError as error:
            return DeleteHelpArticlePayload(user_errors=_errors(error))
        return DeleteHelpArticlePayload(deleted_article_id=encode_global_id("HelpArticle", deleted))
