"""Wishlist and recently viewed products: by id or SKU, idempotent adds, bounds, other customers."""

from app.runtime import Runtime
from app.services.products import ProductData, upsert_products
from tests.support import Api, Caller, count_statements, global_id

ERRORS = "userErrors { field message code }"
ADD = f"""mutation($i: AddToWishlistInput!) {{ addToWishlist(input: $i) {{
  wishlistItem {{ id addedAt product {{ sku name price {{ amount currencyCode }} }} }} {ERRORS} }} }}"""
REMOVE = f"mutation($i: RemoveFromWishlistInput!) {{ removeFromWishlist(input: $i) {{ removedProductId {ERRORS} }} }}"
VIEW = f"""mutation($i: RecordProductViewInput!) {{ recordProductView(input: $i) {{
  recentlyViewed {{ viewedAt product {{ sku }} }} {ERRORS} }} }}"""
WISHLIST = """query($first: Int, $after: String) { me { wishlist(first: $first, after: $after) {
  edges { node { id product { sku } } } pageInfo { hasNextPage endCursor } } } }"""
RECENT = "query($first: Int) { me { recentlyViewed(first: $first) { product { sku } } } }"


async def seed_products(rt: Runtime, count: int = 5) -> list[str]:
    items = [ProductData(f"SKU-{n}", f"Product {n}", 1000 + n, "EUR", None, "Test") for n in range(count)]
    items.append(ProductData("YEN-1", "Yen priced", 1500, "JPY"))
    items.append(ProductData("GONE-1", "Discontinued", 500, "EUR", active=False))
    await upsert_products(rt, items)
    return [item.sku for item in items]


def codes(payload: dict[str, object]) -> list[str]:
    return [e["code"] for e in payload["userErrors"]]  # type: ignore[attr-defined]


async def wishlist_skus(api: Api, token: str) -> list[str]:
    data = await api.ok(WISHLIST, {"first": 100}, token=token)
    return [edge["node"]["product"]["sku"] for edge in data["me"]["wishlist"]["edges"]]


async def test_add_by_sku_or_id_is_idempotent_and_lists_newest_first(api: Api, rt: Runtime, customer: Caller) -> None:
    await seed_products(rt)
    first = (await api.ok(ADD, {"i": {"sku": "SKU-1"}}, token=customer.token))["addToWishlist"]
    assert first["userErrors"] == []
    assert first["wishlistItem"]["product"] == {
        "sku": "SKU-1",
        "name": "Product 1",
        "price": {"amount": "10.01", "currencyCode": "EUR"},
    }
    product = await api.ok('{ product(sku: "YEN-1") { id price { amount currencyCode } } }')
    assert product["product"]["price"] == {"amount": "1500", "currencyCode": "JPY"}
    by_id = (await api.ok(ADD, {"i": {"productId": product["product"]["id"]}}, token=customer.token))["addToWishlist"]
    assert by_id["userErrors"] == []
    again = (await api.ok(ADD, {"i": {"sku": "SKU-1"}}, token=customer.token))["addToWishlist"]
    assert again["wishlistItem"]["id"] == first["wishlistItem"]["id"]
    assert await wishlist_skus(api, customer.token) == ["YEN-1", "SKU-1"]

    node = await api.ok(
        f'{{ node(id: "{first["wishlistItem"]["id"]}") {{ ... on WishlistItem {{ product {{ sku }} }} }} }}',
        token=customer.token,
    )
    assert node["node"] == {"product": {"sku": "SKU-1"}}


async def test_add_refusals(api: Api, rt: Runtime, customer: Caller) -> None:
    await seed_products(rt)
    cases = [
        ({}, ["REQUIRED"], ["input", "productId"]),
        (
            {"sku": "SKU-1", "productId": global_id("Product", "00000000-0000-0000-0000-000000000000")},
            ["REQUIRED"],
            ["input", "productId"],
        ),
        ({"sku": "NOPE"}, ["NOT_FOUND"], ["input", "sku"]),
        ({"productId": "not an id"}, ["NOT_FOUND"], ["input", "productId"]),
        ({"productId": customer.gid}, ["NOT_FOUND"], ["input", "productId"]),
        ({"sku": "GONE-1"}, ["PRODUCT_UNAVAILABLE"], ["input", "sku"]),
    ]
    for variables, expected, field in cases:
        payload = (await api.ok(ADD, {"i": variables}, token=customer.token))["addToWishlist"]
        assert (codes(payload), payload["userErrors"][0]["field"], payload["wishlistItem"]) == (
            expected,
            field,
            None,
        ), variables
    assert await wishlist_skus(api, customer.token) == []
    anonymous = await api(ADD, {"i": {"sku": "SKU-1"}})
    assert anonymous.error_codes == ["UNAUTHENTICATED"]


async def test_wishlist_cap_and_pages(api: Api, rt: Runtime, customer: Caller) -> None:
    await seed_products(rt, 4)
    rt.settings.__dict__["max_wishlist_items"] = 3  # the running app's settings: a small cap for the test
    for n in range(3):
        assert codes((await api.ok(ADD, {"i": {"sku": f"SKU-{n}"}}, token=customer.token))["addToWishlist"]) == []
    over = (await api.ok(ADD, {"i": {"sku": "SKU-3"}}, token=customer.token))["addToWishlist"]
    assert codes(over) == ["LIMIT_REACHED"]
    page = (await api.ok(WISHLIST, {"first": 2}, token=customer.token))["me"]["wishlist"]
    assert [e["node"]["product"]["sku"] for e in page["edges"]] == ["SKU-2", "SKU-1"]
    assert page["pageInfo"]["hasNextPage"] is True
    rest = (await api.ok(WISHLIST, {"first": 2, "after": page["pageInfo"]["endCursor"]}, token=customer.token))["me"][
        "wishlist"
    ]
    assert [e["node"]["product"]["sku"] for e in rest["edges"]] == ["SKU-0"]
    assert rest["pageInfo"]["hasNextPage"] is False


async def test_remove(api: Api, rt: Runtime, customer: Caller, other_customer: Caller) -> None:
    await seed_products(rt)
    added = (await api.ok(ADD, {"i": {"sku": "SKU-2"}}, token=customer.token))["addToWishlist"]
    await api.ok(ADD, {"i": {"sku": "SKU-2"}}, token=other_customer.token)
    not_there = (await api.ok(REMOVE, {"i": {"sku": "SKU-3"}}, token=customer.token))["removeFromWishlist"]
    assert codes(not_there) == ["NOT_IN_WISHLIST"]
    done = (await api.ok(REMOVE, {"i": {"sku": "SKU-2"}}, token=customer.token))["removeFromWishlist"]
    assert done["userErrors"] == []
    assert done["removedProductId"] == (await api.ok('{ product(sku: "SKU-2") { id } }'))["product"]["id"]
    assert await wishlist_skus(api, customer.token) == []
    assert await wishlist_skus(api, other_customer.token) == ["SKU-2"]  # another customer's list is untouched
    # The removed entry no longer resolves, and another customer's entry never did.
    item = added["wishlistItem"]["id"]
    assert (await api.ok(f'{{ node(id: "{item}") {{ id }} }}', token=customer.token))["node"] is None


async def test_another_customers_wishlist_item_is_not_visible(
    api: Api, rt: Runtime, customer: Caller, other_customer: Caller
) -> None:
    await seed_products(rt)
    added = (await api.ok(ADD, {"i": {"sku": "SKU-0"}}, token=other_customer.token))["addToWishlist"]
    item = added["wishlistItem"]["id"]
    assert (await api.ok(f'{{ node(id: "{item}") {{ id }} }}', token=customer.token))["node"] is None
    assert (await api.ok(f'{{ node(id: "{item}") {{ id }} }}'))["node"] is None


async def test_recently_viewed_is_bounded_newest_first_and_deduplicated(
    api: Api, rt: Runtime, customer: Caller, other_customer: Caller
) -> None:
    await seed_products(rt, 6)
    rt.settings.__dict__["recently_viewed_limit"] = 4
    for sku in ["SKU-0", "SKU-1", "SKU-2", "SKU-3", "SKU-4", "SKU-1", "GONE-1"]:
        payload = (await api.ok(VIEW, {"i": {"sku": sku}}, token=customer.token))["recordProductView"]
        assert payload["userErrors"] == []
        assert payload["recentlyViewed"]["product"]["sku"] == sku
    recent = (await api.ok(RECENT, token=customer.token))["me"]["recentlyViewed"]
    assert [r["product"]["sku"] for r in recent] == ["GONE-1", "SKU-1", "SKU-4", "SKU-3"]
    two = (await api.ok(RECENT, {"first": 2}, token=customer.token))["me"]["recentlyViewed"]
    assert [r["product"]["sku"] for r in two] == ["GONE-1", "SKU-1"]
    assert (await api.ok(RECENT, token=other_customer.token))["me"]["recentlyViewed"] == []
    missing = (await api.ok(VIEW, {"i": {"sku": "NOPE"}}, token=customer.token))["recordProductView"]
    assert codes(missing) == ["NOT_FOUND"]
    assert (await api(RECENT, {"first": 101}, token=customer.token)).error_codes == ["BAD_USER_INPUT"]


async def test_me_with_addresses_wishlist_and_recent_views_has_a_constant_statement_count(
    api: Api, rt: Runtime, customer: Caller
) -> None:
    skus = await seed_products(rt, 10)
    query = """{ me { id addresses { id } defaultBillingAddress { id }
      wishlist(first: 50) { edges { node { addedAt product { sku price { amount } } } } }
      recentlyViewed { viewedAt product { name } } } }"""
    address = "mutation($i: CreateAddressInput!) { createAddress(input: $i) { userErrors { code } } }"

    async def add(n: int) -> None:
        await api.ok(ADD, {"i": {"sku": skus[n]}}, token=customer.token)
        await api.ok(VIEW, {"i": {"sku": skus[n]}}, token=customer.token)
        await api.ok(
            address,
            {"i": {"countryCode": "DE", "line1": f"Hauptstr. {n}", "city": "Berlin", "postalCode": "10115"}},
            token=customer.token,
        )

    await add(0)
    with count_statements(rt) as few:
        await api.ok(query, token=customer.token)
    for n in range(1, 8):
        await add(n)
    with count_statements(rt) as many:
        data = await api.ok(query, token=customer.token)
    assert len(data["me"]["wishlist"]["edges"]) == 8
    assert len(data["me"]["recentlyViewed"]) == 8
    assert len(few) == len(many), many
    # session, roles, customer, then one batch each: addresses, wishlist page, views, products
    assert len(many) <= 8, many
    assert len(many) >= 4, many  # the counter sees the request's own statements (and only those)


async def test_a_cursor_out_of_range_is_bad_input(api: Api, customer: Caller) -> None:
    import base64
    import json

    cursor = base64.urlsafe_b64encode(
        json.dumps(["0001-01-01T00:00:00+05:00", "00000000-0000-0000-0000-000000000000"]).encode()
    ).decode()
    result = await api(WISHLIST, {"first": 5, "after": cursor}, token=customer.token)
    assert result.error_codes == ["BAD_USER_INPUT"]
