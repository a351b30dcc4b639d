"""The help centre through the public API: staff write and publish, anyone searches what is published."""

import asyncio
from typing import Any

import pytest

from app.services import help_centre
from tests.support import Api, Caller

ERRORS = "userErrors { field message code }"
FIELDS = "id slug title body category published publishedAt createdAt updatedAt"
CREATE = (
    f"mutation($i: CreateHelpArticleInput!) {{ createHelpArticle(input: $i) {{ article {{ {FIELDS} }} {ERRORS} }} }}"
)
UPDATE = (
    f"mutation($i: UpdateHelpArticleInput!) {{ updateHelpArticle(input: $i) {{ article {{ {FIELDS} }} {ERRORS} }} }}"
)
DELETE = f"mutation($i: DeleteHelpArticleInput!) {{ deleteHelpArticle(input: $i) {{ deletedArticleId {ERRORS} }} }}"
SEARCH = """query($q: String, $c: String, $all: Boolean! = false, $first: Int, $after: String) {
  helpArticles(query: $q, category: $c, includeUnpublished: $all, first: $first, after: $after) {
    edges { cursor node { slug title category published } } pageInfo { hasNextPage hasPreviousPage endCursor } } }"""
BY_SLUG = "query($s: String!) { helpArticle(slug: $s) { title body published } }"
NODE = "query($id: ID!) { node(id: $id) { ... on HelpArticle { slug published } } }"
CATEGORIES = "{ helpCategories { name articleCount } }"


async def write(api: Api, token: str, **values: Any) -> dict[str, Any]:
    article = {"title": "How do I return an item?", "body": "Open My Account.", "category": "Returns"}
    article.update(values)
    data = await api.ok(CREATE, {"i": article}, token=token)
    payload: dict[str, Any] = data["createHelpArticle"]
    assert payload["userErrors"] == [], payload
    return payload["article"]  # type: ignore[no-any-return]


async def slugs(api: Api, token: str | None = None, **variables: Any) -> list[str]:
    data = await api.ok(SEARCH, variables, token=token)
    return [edge["node"]["slug"] for edge in data["helpArticles"]["edges"]]


async def test_staff_write_drafts_and_publish_them_for_anonymous_visitors(api: Api, staff: Caller) -> None:
    draft = await write(api, staff.token, body="Line one.\n\nLine two.\tTabbed.")
    assert (draft["slug"], draft["published"], draft["publishedAt"]) == ("how-do-i-return-an-item", False, None)
    assert draft["body"] == "Line one.\n\nLine two.\tTabbed."
    assert await slugs(api) == []
    assert (await api.ok(BY_SLUG, {"s": draft["slug"]}))["helpArticle"] is None
    assert (await api.ok(NODE, {"id": draft["id"]}))["node"] is None
    assert await slugs(api, staff.token, all=True) == [draft["slug"]]

    published = (await api.ok(UPDATE, {"i": {"articleId": draft["id"], "published": True}}, token=staff.token))[
        "updateHelpArticle"
    ]["article"]
    assert published["published"] is True
    assert published["publishedAt"] is not None
    assert await slugs(api) == [draft["slug"]]
    assert (await api.ok(BY_SLUG, {"s": draft["slug"]}))["helpArticle"]["published"] is True
    assert (await api.ok(NODE, {"id": draft["id"]}))["node"] == {"slug": draft["slug"], "published": True}

    # A correction keeps the first publication date and the address.
    edited = (await api.ok(UPDATE, {"i": {"articleId": draft["id"], "title": "Returning an item"}}, token=staff.token))[
        "updateHelpArticle"
    ]["article"]
    assert (edited["title"], edited["slug"], edited["publishedAt"]) == (
        "Returning an item",
        draft["slug"],
        published["publishedAt"],
    )
    hidden = (await api.ok(UPDATE, {"i": {"articleId": draft["id"], "published": False}}, token=staff.token))[
        "updateHelpArticle"
    ]["article"]
    assert hidden["published"] is False
    assert await slugs(api) == []


async def test_search_needs_every_word_ignores_case_and_ranks_titles_first(
    api: Api, staff: Caller, customer: Caller
) -> None:
    await write(api, staff.token, title="Paying by invoice", body="We send the INVOICE by e-mail.", published=True)
    await write(
        api,
        staff.token,
        title="Delivery times",
        body="Invoices travel with the parcel.",
        category="Shipping",
        published=True,
    )
    await write(api, staff.token, title="Change your Straße", body="Addresses live in My Account.", published=True)
    await write(api, staff.token, title="Invoice draft", body="Not public yet.", published=False)

    assert await slugs(api, q="invoice") == ["paying-by-invoice", "delivery-times"]
    assert await slugs(api, customer.token, q="INVOICE parcel") == ["delivery-times"]
    assert await slugs(api, q="strasse") == ["change-your-strasse"]
    assert await slugs(api, q="invoice", c="Shipping") == ["delivery-times"]
    assert await slugs(api, q="nothing-like-this") == []
    # LIKE wildcards are plain characters in a query.
    assert await slugs(api, q="%") == []
    assert await slugs(api, q="_") == []
    # Without a query: everything published, by title.
    assert await slugs(api) == ["change-your-strasse", "delivery-times", "paying-by-invoice"]
    assert (await api.ok(CATEGORIES))["helpCategories"] == [
        {"name": "Returns", "articleCount": 2},
        {"name": "Shipping", "articleCount": 1},
    ]


async def test_pages_follow_the_cursor_to_the_end(api: Api, staff: Caller) -> None:
    for n in range(5):
        await write(api, staff.token, title=f"Question {n}", published=True)
    seen: list[str] = []
    after = None
    while True:
        data = (await api.ok(SEARCH, {"q": "question", "first": 2, "after": after}))["helpArticles"]
        seen += [edge["node"]["slug"] for edge in data["edges"]]
        assert data["pageInfo"]["hasPreviousPage"] is (after is not None)
        if not data["pageInfo"]["hasNextPage"]:
            break
        after = data["pageInfo"]["endCursor"]
    assert seen == [f"question-{n}" for n in range(5)]


async def test_slugs_are_made_unique_or_refused_when_chosen(api: Api, staff: Caller) -> None:
    first = await write(api, staff.token, title="Gift cards")
    second = await write(api, staff.token, title="Gift cards!")
    assert (first["slug"], second["slug"]) == ("gift-cards", "gift-cards-2")
    taken = (
        await api.ok(
            CREATE, {"i": {"title": "x", "body": "y", "category": "z", "slug": "gift-cards"}}, token=staff.token
        )
    )["createHelpArticle"]
    assert [(e["code"], e["field"]) for e in taken["userErrors"]] == [("SLUG_TAKEN", ["input", "slug"])]
    moved = (await api.ok(UPDATE, {"i": {"articleId": second["id"], "slug": "gift-cards"}}, token=staff.token))[
        "updateHelpArticle"
    ]
    assert [e["code"] for e in moved["userErrors"]] == ["SLUG_TAKEN"]
    assert await slugs(api, staff.token, all=True) == ["gift-cards", "gift-cards-2"]


async def test_the_same_title_created_at_once_gets_the_next_free_slug(
    api: Api, staff: Caller, monkeypatch: pytest.MonkeyPatch
) -> None:
    await write(api, staff.token, title="Gift cards")
    # The other request's insert lands between this one's choice of slug and its own insert.
    free_slug = help_centre._free_slug
    stale = ["gift-cards"]

    async def racing(*args: Any, **kwargs: Any) -> str:
        return stale.pop() if stale else await free_slug(*args, **kwargs)

    monkeypatch.setattr(help_centre, "_free_slug", racing)
    assert (await write(api, staff.token, title="Gift cards"))["slug"] == "gift-cards-2"
    monkeypatch.setattr(help_centre, "_free_slug", free_slug)
    # And a real burst of double-clicks: every one is stored, under its own slug, none is an error.
    created = await asyncio.gather(*(write(api, staff.token, title="Store credit") for _ in range(5)))
    assert sorted(article["slug"] for article in created) == [
        "store-credit",
        *(f"store-credit-{n}" for n in range(2, 6)),
    ]
    # Whoever keeps losing the race stops with a typed error, not a loop.
    monkeypatch.setattr(help_centre, "_free_slug", lambda *args, **kwargs: asyncio.sleep(0, "gift-cards"))
    lost = (await api.ok(CREATE, {"i": {"title": "Gift cards", "body": "b", "category": "c"}}, token=staff.token))[
        "createHelpArticle"
    ]
    assert [e["code"] for e in lost["userErrors"]] == ["SLUG_TAKEN"]


async def test_bad_articles_get_typed_errors_and_nothing_is_stored(api: Api, staff: Caller) -> None:
    cases: list[tuple[dict[str, Any], list[tuple[str, str]]]] = [
        ({"title": " ", "body": "", "category": "c"}, [("REQUIRED", "title"), ("REQUIRED", "body")]),
        ({"title": "t" * 201, "body": "b", "category": "c" * 65}, [("TOO_LONG", "title"), ("TOO_LONG", "category")]),
        ({"title": "bell\x07", "body": "b\x00", "category": "c"}, [("INVALID", "title"), ("INVALID", "body")]),
        ({"title": "t", "body": "b" * 20_001, "category": "c"}, [("TOO_LONG", "body")]),
        ({"title": "t", "body": "b", "category": "c", "slug": "Not A Slug"}, [("INVALID_SLUG", "slug")]),
        ({"title": "t", "body": "b", "category": "c", "slug": "a--b"}, [("INVALID_SLUG", "slug")]),
    ]
    for values, expected in cases:
        result = await api(CREATE, {"i": values}, token=staff.token)
        if result.errors:  # NUL characters are refused before any resolver runs
            assert result.error_codes == ["BAD_USER_INPUT"], result.errors
            continue
        payload = result.data["createHelpArticle"]
        assert payload["article"] is None
        assert [(e["code"], e["field"][-1]) for e in payload["userErrors"]] == expected, values
    assert await slugs(api, staff.token, all=True) == []

    article = await write(api, staff.token)
    blank = (await api.ok(UPDATE, {"i": {"articleId": article["id"], "title": ""}}, token=staff.token))[
        "updateHelpArticle"
    ]
    assert [e["code"] for e in blank["userErrors"]] == ["REQUIRED"]
    for bad_id in ["nonsense", "U3VwcG9ydFRpY2tldDox", article["id"][:-2]]:
        for mutation, name in ((UPDATE, "updateHelpArticle"), (DELETE, "deleteHelpArticle")):
            payload = (await api.ok(mutation, {"i": {"articleId": bad_id}}, token=staff.token))[name]
            assert [e["code"] for e in payload["userErrors"]] == ["NOT_FOUND"], (bad_id, payload)
    assert (await api.ok(BY_SLUG, {"s": article["slug"]}, token=staff.token))["helpArticle"]["title"] == article[
        "title"
    ]


async def test_hostile_queries_and_cursors_are_bad_user_input(api: Api) -> None:
    for variables in (
        {"q": "x" * 201},
        {"q": " ".join(f"w{n}" for n in range(9))},
        {"after": "not-a-cursor"},
        {"after": "eyJvZmZzZXQiOiAtMX0="},  # {"offset": -1}
        {"first": 101},
        {"first": -1},
    ):
        result = await api(SEARCH, variables)
        assert result.error_codes == ["BAD_USER_INPUT"], (variables, result.errors)
    assert (await api.ok(BY_SLUG, {"s": "s" * 5000}))["helpArticle"] is None


async def test_only_staff_write_delete_or_read_drafts(api: Api, staff: Caller, admin: Caller, customer: Caller) -> None:
    article = await write(api, admin.token, published=True)
    for token in (None, customer.token):
        for mutation, values in (
            (CREATE, {"title": "t", "body": "b", "category": "c"}),
            (UPDATE, {"articleId": article["id"], "title": "hacked"}),
            (DELETE, {"articleId": article["id"]}),
        ):
            result = await api(mutation, {"i": values}, token=token)
            assert result.error_codes == ["UNAUTHENTICATED" if token is None else "FORBIDDEN"], result.errors
        result = await api(SEARCH, {"all": True}, token=token)
        assert result.error_codes == ["UNAUTHENTICATED" if token is None else "FORBIDDEN"], result.errors
    assert (await api.ok(BY_SLUG, {"s": article["slug"]}))["helpArticle"]["title"] == article["title"]

    deleted = (await api.ok(DELETE, {"i": {"articleId": article["id"]}}, token=staff.token))["deleteHelpArticle"]
    assert deleted == {"deletedArticleId": article["id"], "userErrors": []}
    assert await slugs(api) == []
    assert (await api.ok(NODE, {"id": article["id"]}, token=staff.token))["node"] is None
