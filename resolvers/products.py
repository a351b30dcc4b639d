"""Products by SKU, the wishlist and recently viewed products of the signed-in customer."""

import strawberry

from app.services import products
from app.services.products import ProductError, ProductRef
from resolvers.permissions import IsAuthenticated, requires
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
    WishlistItem,
)


def _ref(input: ProductReference) -> ProductRef:
    if input.product_id is None:
        return ProductRef(sku=input.sku)
    product_id = decode_global_id(input.product_id, "Product")
    return ProductRef(product_id=product_id, sku=input.sku, malformed_id=product_id is None)


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
