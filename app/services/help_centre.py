"""Help centre: staff (SUPPORT or ADMIN) write FAQ articles and publish them; anyone, signed in or not, reads
and searches the published ones.

Search is word by word: every word of the query must occur in the title, category or body (case-folded,
so it behaves the same on SQLite and PostgreSQL); articles whose title holds more of the words come first,
then by title. Without a query, articles are listed by title. Pages are offset-based (the order depends on
the query, and a help centre is small). Drafts are visible to staff only; to anyone else an unpublished
article does not exist.
"""

import base64
import binascii
import enum
import json
import re
import unicodedata
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, case, delete, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.errors import InvalidInputError
from app.pagination import MAX_CURSOR_LENGTH, Page, page_size
from app.principal import Principal
from app.runtime import RequestMeta, Runtime
from app.services import analytics_events, audit
from app.services.errors import DomainError, ErrorDetail, NotAuthenticatedError, PermissionDeniedError
from app.services.validation import neutralize_text
from models.base import utcnow
from models.help import HelpArticle
from models.security import SecurityEventType

MAX_TITLE = 200
MAX_BODY = 20_000
MAX_CATEGORY = 64
MAX_SLUG = 100
MAX_QUERY = 200
MAX_TERMS = 8
SLUG_PATTERN = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
# Line breaks and tabs are text in a body; other control characters are not.
BODY_WHITESPACE = frozenset("\n\r\t")


class HelpArticleErrorCode(enum.Enum):
    REQUIRED = "REQUIRED"
    TOO_LONG = "TOO_LONG"
    INVALID = "INVALID"
    INVALID_SLUG = "INVALID_SLUG"
    SLUG_TAKEN = "SLUG_TAKEN"
    NOT_FOUND = "NOT_FOUND"


class HelpArticleError(DomainError):
    @classmethod
    def one(cls, code: HelpArticleErrorCode, message: str, *field_path: str) -> "HelpArticleError":
        return cls(ErrorDetail(code, message, field_path or None))


@dataclass
class ArticleData:
    """What a create or an update sends; None leaves a field as it is (an update) or takes the default."""

    title: str | None = None
    body: str | None = None
    category: str | None = None
    published: bool | None = None
    slug: str | None = None


@dataclass(frozen=True)
class ArticleSearch:
    query: str | None = None
    category: str | None = None
    include_unpublished: bool = False


def fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


def _require_staff(principal: Principal) -> uuid.UUID | None:
    if principal.customer_id is None and not principal.is_staff:
        raise NotAuthenticatedError()
    if not principal.is_staff:
        raise PermissionDeniedError()
    return principal.customer_id


def _text(
    value: str | None, limit: int, errors: list[ErrorDetail], field: str, *, multiline: bool = False
) -> str | None:
    cleaned = unicodedata.normalize("NFC", neutralize_text(value or "").strip())
    if not cleaned:
        errors.append(ErrorDetail(HelpArticleErrorCode.REQUIRED, "This is required.", (field,)))
        return None
    if len(cleaned) > limit:
        errors.append(ErrorDetail(HelpArticleErrorCode.TOO_LONG, f"Use at most {limit} characters.", (field,)))
        return None
    allowed = BODY_WHITESPACE if multiline else frozenset()
    if any(unicodedata.category(char) == "Cc" and char not in allowed for char in cleaned):
        errors.append(ErrorDetail(HelpArticleErrorCode.INVALID, "This contains control characters.", (field,)))
        return None
    return cleaned


# How often create_article picks a free slug again when another article took it meanwhile.
SLUG_ATTEMPTS = 5


def _slug_of(title: str) -> str:
    ascii_title = unicodedata.normalize("NFKD", fold(title)).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_title).strip("-")[:80].strip("-")
    return slug or "article"


def _checked_slug(value: str, errors: list[ErrorDetail]) -> str | None:
    slug = value.strip()
    if len(slug) > MAX_SLUG or not SLUG_PATTERN.fullmatch(slug):
        errors.append(
            ErrorDetail(
                HelpArticleErrorCode.INVALID_SLUG,
                f"Use lowercase letters, digits and single hyphens, at most {MAX_SLUG} characters.",
                ("slug",),
            )
        )
        return None
    return slug


def _refresh_search_text(article: HelpArticle) -> None:
    article.title_folded = fold(article.title)[:400]
    article.search_folded = fold(f"{article.title}\n{article.category}\n{article.body}")


def _visible(search_unpublished: bool) -> ColumnElement[bool] | None:
    return None if search_unpublished else col(HelpArticle.published).is_(True)


async def _free_slug(rt: Runtime, base: str, exclude: uuid.UUID | None = None) -> str:
    """The base slug, or base-2, base-3...: the first one no other article uses."""
    async with rt.db.read() as session:
        statement = select(col(HelpArticle.slug)).where(
            or_(col(HelpArticle.slug) == base, col(HelpArticle.slug).like(f"{base}-%"))
        )
        if exclude is not None:
            statement = statement.where(col(HelpArticle.id) != exclude)
        taken = set((await session.execute(statement)).scalars())
    if base not in taken:
        return base
    suffix = 2
    while f"{base}-{suffix}" in taken:
        suffix += 1
    return f"{base}-{suffix}"


def _slug_taken() -> HelpArticleError:
    return HelpArticleError.one(HelpArticleErrorCode.SLUG_TAKEN, "Another article has this address.", "slug")


def _audit(
    session: AsyncSession, meta: RequestMeta | None, event_type: SecurityEventType, author: uuid.UUID | None, what: str
) -> None:
    audit.staff_work(session, meta, event_type, actor_id=author, detail=what[:500])


def _described(article: HelpArticle) -> str:
    return f"{article.slug} ({'published' if article.published else 'draft'}): {article.title}"


async def create_article(
    rt: Runtime, principal: Principal, data: ArticleData, meta: RequestMeta | None = None
) -> HelpArticle:
    author_id = _require_staff(principal)
    errors: list[ErrorDetail] = []
    title = _text(data.title, MAX_TITLE, errors, "title")
    body = _text(data.body, MAX_BODY, errors, "body", multiline=True)
    category = _text(data.category, MAX_CATEGORY, errors, "category")
    slug = _checked_slug(data.slug, errors) if data.slug is not None else None
    if errors or title is None or body is None or category is None:
        raise HelpArticleError(*errors)
    explicit_slug = slug is not None
    # A slug made from the title is chosen before the insert: articles with the same title created at once
    # (a double-click, two tabs) pick the same one, and the loser picks again from what is taken now.
    for _attempt in range(SLUG_ATTEMPTS):
        now = utcnow()
        article = HelpArticle(
            slug=slug if slug is not None else await _free_slug(rt, _slug_of(title)),
            title=title,
            body=body,
            category=category,
            published=bool(data.published),
            published_at=now if data.published else None,
            author_id=author_id,
            title_folded="",
            search_folded="",
            created_at=now,
            updated_at=now,
        )
        _refresh_search_text(article)
        try:
            async with rt.db.unit_of_work() as session:
                session.add(article)
                _audit(session, meta, SecurityEventType.HELP_ARTICLE_CREATED, author_id, _described(article))
        except IntegrityError as exc:
            if explicit_slug:
                raise _slug_taken() from exc
            continue
        return article
    raise _slug_taken()


async def update_article(
    rt: Runtime, principal: Principal, article_id: uuid.UUID | None, data: ArticleData, meta: RequestMeta | None = None
) -> HelpArticle:
    editor_id = _require_staff(principal)
    errors: list[ErrorDetail] = []
    title = _text(data.title, MAX_TITLE, errors, "title") if data.title is not None else None
    body = _text(data.body, MAX_BODY, errors, "body", multiline=True) if data.body is not None else None
    category = _text(data.category, MAX_CATEGORY, errors, "category") if data.category is not None else None
    slug = _checked_slug(data.slug, errors) if data.slug is not None else None
    if errors:
        raise HelpArticleError(*errors)
    try:
        async with rt.db.unit_of_work() as session:
            article = await session.get(HelpArticle, article_id, with_for_update=True) if article_id else None
            if article is None:
                raise _not_found("articleId")
            article.title = title or article.title
            article.body = body or article.body
            article.category = category or article.category
            article.slug = slug or article.slug
            if data.published is not None and data.published != article.published:
                article.published = data.published
                # The first publication date stays: a correction is not news.
                if data.published and article.published_at is None:
                    article.published_at = utcnow()
            article.updated_at = utcnow()
            _refresh_search_text(article)
            session.add(article)
            _audit(session, meta, SecurityEventType.HELP_ARTICLE_UPDATED, editor_id, _described(article))
    except IntegrityError as exc:
        raise _slug_taken() from exc
    return article


async def delete_article(
    rt: Runtime, principal: Principal, article_id: uuid.UUID | None, meta: RequestMeta | None = None
) -> uuid.UUID:
    editor_id = _require_staff(principal)
    async with rt.db.unit_of_work() as session:
        article = await session.get(HelpArticle, article_id, with_for_update=True) if article_id else None
        if article is None:
            raise _not_found("articleId")
        _audit(session, meta, SecurityEventType.HELP_ARTICLE_DELETED, editor_id, _described(article))
        await session.execute(delete(HelpArticle).where(col(HelpArticle.id) == article.id))
    assert article_id is not None
    return article_id


def _not_found(field: str) -> HelpArticleError:
    return HelpArticleError.one(HelpArticleErrorCode.NOT_FOUND, "There is no such article.", field)


def terms_of(query: str | None) -> list[str]:
    if query is None:
        return []
    if len(query) > MAX_QUERY:
        raise InvalidInputError(f"query must be at most {MAX_QUERY} characters.")
    words = [word.strip(".,;:!?\"'()[]{}") for word in fold(query).split()]
    unique = list(dict.fromkeys(word for word in words if word))
    if len(unique) > MAX_TERMS:
        raise InvalidInputError(f"query may hold at most {MAX_TERMS} words.")
    return unique


def _like(term: str) -> str:
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def encode_offset(offset: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"offset": offset}).encode()).decode()


def decode_offset(cursor: str) -> int:
    try:
        if len(cursor) > MAX_CURSOR_LENGTH:  # refused before json.loads could recurse too deep (a 500)
            raise ValueError("too long")
        offset = json.loads(base64.urlsafe_b64decode(cursor.encode()))["offset"]
    except (binascii.Error, ValueError, TypeError, KeyError, UnicodeDecodeError, RecursionError) as exc:
        raise InvalidInputError("The cursor is not valid.") from exc
    if not isinstance(offset, int) or isinstance(offset, bool) or offset < 0 or offset > 1_000_000:
        raise InvalidInputError("The cursor is not valid.")
    return offset


def _search_statement(search: ArticleSearch, terms: list[str]) -> Select[HelpArticle]:
    statement = select(HelpArticle)
    visible = _visible(search.include_unpublished)
    if visible is not None:
        statement = statement.where(visible)
    if search.category is not None and search.category.strip():
        statement = statement.where(col(HelpArticle.category) == search.category.strip())
    for term in terms:
        statement = statement.where(col(HelpArticle.search_folded).like(_like(term), escape="\\"))
    order: list[Any] = []
    if terms:
        hits = [case((col(HelpArticle.title_folded).like(_like(term), escape="\\"), 1), else_=0) for term in terms]
        title_hits: ColumnElement[int] = hits[0]
        for hit in hits[1:]:
            title_hits = title_hits + hit
        order.append(title_hits.desc())
    return statement.order_by(*order, col(HelpArticle.title_folded), col(HelpArticle.id))


async def search_articles(
    rt: Runtime, principal: Principal, search: ArticleSearch, *, first: int | None, after: str | None
) -> Page[HelpArticle]:
    if search.include_unpublished:
        _require_staff(principal)
    limit = page_size(first)
    offset = decode_offset(after) + 1 if after else 0
    terms = terms_of(search.query)
    statement = _search_statement(search, terms).offset(offset).limit(limit + 1)
    async with rt.db.read() as session:
        rows = list((await session.execute(statement)).scalars())
    items = rows[:limit]
    if terms and not after:  # a search, not the next page of one
        await analytics_events.help_searched(rt, principal)
    return Page(
        items=items,
        cursors=[encode_offset(offset + index) for index in range(len(items))],
        has_next_page=len(rows) > limit,
        has_previous_page=offset > 0,
    )


async def article_by_slug(rt: Runtime, principal: Principal, slug: str) -> HelpArticle | None:
    if len(slug) > MAX_SLUG:
        return None
    async with rt.db.read() as session:
        found = (await session.execute(select(HelpArticle).where(col(HelpArticle.slug) == slug.strip()))).scalar()
    if found is None or (not found.published and not principal.is_staff):
        return None
    await analytics_events.help_viewed(rt, principal, found.id)
    return found


@dataclass(frozen=True)
class CategoryCount:
    name: str
    article_count: int


async def categories(rt: Runtime) -> list[CategoryCount]:
    """The categories of published articles with how many each holds, by name."""
    statement = (
        select(col(HelpArticle.category), func.count())
        .where(col(HelpArticle.published).is_(True))
        .group_by(col(HelpArticle.category))
        .order_by(col(HelpArticle.category))
    )
    async with rt.db.read() as session:
        return [CategoryCount(name, count) for name, count in (await session.execute(statement)).all()]


async def ensure_published(rt: Runtime, articles: list[tuple[str, str, str, str]]) -> None:
    """Publish (slug, title, category, body) articles whose slug is not in use yet (demo data; idempotent)."""
    async with rt.db.unit_of_work() as session:
        taken = set(
            (
                await session.execute(
                    select(col(HelpArticle.slug)).where(col(HelpArticle.slug).in_([a[0] for a in articles]))
                )
            ).scalars()
        )
        now = utcnow()
        for slug, title, category, body in articles:
            if slug in taken:
                continue
            article = HelpArticle(
                slug=slug,
                title=title,
                body=body,
                category=category,
                published=True,
                published_at=now,
                title_folded="",
                search_folded="",
                created_at=now,
                updated_at=now,
            )
            _refresh_search_text(article)
            session.add(article)
