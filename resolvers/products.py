"""Products by SKU, the wishlist and recently viewed products of the signed-in customer."""

import strawberry

from app.money import to_minor
from app.services import products
from app.services.errors import ErrorDetail
from app.services.products import ProductData, ProductError, ProductErrorCode, ProductRef
from resolvers.permissions import IsAuthenticated, requires, requires_scope
from schema.types.base import Info, decode_global_id, encode_global_id, user_errors
from schema.types.product import (
    AddToWishlistInput,
    AddToWishlistPayload,
    Product,
    ProductReference,
    ProductUserError,
    RecentlyViewedProduct,
    RecordProductViewInput,
    RecordProductViewPayload,
    RemoveFromWishlistInput,
    RemoveFromWishlistPayload,
    UpsertProductsInput,
    UpsertProductsPayload,
    WishlistItem,
)


def _ref(input: ProductReference) -> ProductRef:
    if input.product_id is None:
        return ProductRef(sku=input.sku)
    product_id = decode_global_id(input.product_id, "Product")
    return ProductRef(product_id=product_id, sku=input.sku, malformed_id=product_id is None)


MAX_PRODUCTS_PER_CALL = 100


def _product_data(input: UpsertProductsInput) -> list[ProductData]:
    if len(input.products) > MAX_PRODUCTS_PER_CALL:
        raise ProductError.one(
            ProductErrorCode.INVALID, f"Send at most {MAX_PRODUCTS_PER_CALL} products at a time.", "products"
        )
    items, errors = [], []
    for index, product in enumerate(input.products):
        currency = str(product.price.currency_code.value)  # type: ignore[attr-defined]
        try:
            amount = to_minor(product.price.amount, currency)
        except (ValueError, ArithmeticError):
            errors.append(
                ErrorDetail(
                    ProductErrorCode.INVALID_PRICE,
                    f"Not an amount of {currency}.",
                    ("products", str(index), "price", "amount"),
                )
            )
            continue
        items.append(
            ProductData(
                product.sku,
                product.name,
                amount,
                currency,
                product.image_url,
                product.category,
                product.active,
                product.returnable,
            )
        )
    if errors:
        raise ProductError(*errors)
    return items


def _errors(error: ProductError) -> list[ProductUserError]:
    return user_errors(error, ProductUserError)


@strawberry.type
class ProductQueries:
    @strawberry.field(description="A product of the reference table by its SKU.")
    async def product(self, info: Info, sku: str) -> Product | None:
        row = await products.product_by_sku(info.context.rt, sku)
        return Product.from_row(row) if row else None


@strawberry.type
class ProductMutations:
    @strawberry.mutation(
        description="Put a product on your wishlist; adding one already there changes nothing.",
        extensions=requires(IsAuthenticated),
    )
    async def add_to_wishlist(self, info: Info, input: AddToWishlistInput) -> AddToWishlistPayload:
        try:
            item, _ = await products.add_to_wishlist(info.context.rt, info.context.principal, _ref(input))
        except ProductError as error:
            return AddToWishlistPayload(user_errors=_errors(error))
        return AddToWishlistPayload(wishlist_item=WishlistItem.from_row(item))

    @strawberry.mutation(description="Take a product off your wishlist.", extensions=requires(IsAuthenticated))
    async def remove_from_wishlist(self, info: Info, input: RemoveFromWishlistInput) -> RemoveFromWishlistPayload:
        try:
            product = await products.remove_from_wishlist(info.context.rt, info.context.principal, _ref(input))
        except ProductError as error:
            return RemoveFromWishlistPayload(user_errors=_errors(error))
        return RemoveFromWishlistPayload(removed_product_id=encode_global_id("Product", product.id))

    @strawberry.mutation(
        description="Remember that you looked at a product (only the most recent ones are kept).",
        extensions=requires(IsAuthenticated),
    )
    async def record_product_view(self, info: Info, input: RecordProductViewInput) -> RecordProductViewPayload:
        try:
            view, _ = await products.record_product_view(info.context.rt, info.context.principal, _ref(input))
        except ProductError as error:
            return RecordProductViewPayload(user_errors=_errors(error))
        return RecordProductViewPayload(recently_viewed=RecentlyViewedProduct(viewed_at=view.viewed_at, row=view))


@strawberry.type
class ProductIntegrationMutations:
    @strawberry.mutation(
        description="Create or update products by SKU (integration API, scope products:write).",
        extensions=requires_scope("products:write"),
    )
    async def upsert_products(self, info: Info, input: UpsertProductsInput) -> UpsertProductsPayload:
        try:
            rows = await products.upsert_products(info.context.rt, _product_data(input))
        except ProductError as error:
            return UpsertProductsPayload(user_errors=_errors(error))
        return UpsertProductsPayload(products=[Product.from_row(row) for row in rows])
