"""Products (reference data), wishlist entries and recently viewed products."""

import uuid
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal

import strawberry
from strawberry import relay

from app.services.products import ProductErrorCode
from models.product import Product as ProductRow
from models.product import ProductView as ProductViewRow
from models.product import WishlistItem as WishlistItemRow
from schema.types.base import DisplayableError, Info, load_nodes
from schema.types.money import CurrencyCode, Money

ProductErrorCodeEnum = strawberry.enum(ProductErrorCode, name="ProductErrorCode")


@strawberry.type(description="An error from the wishlist or recently viewed products.")
class ProductUserError(DisplayableError):
    code: ProductErrorCode


@strawberry.type(description="A product as the shop describes it (a reference copy of the catalogue).")
class Product(relay.Node):
    id: relay.NodeID[str]
    sku: str
    name: str
    price: Money
    image_url: str | None
    category: str | None
    active: bool = strawberry.field(description="False when the shop no longer sells it.")
    returnable: bool = strawberry.field(description="False: this product cannot be returned.")

    @classmethod
    def from_row(cls, row: ProductRow) -> "Product":
        return cls(
            id=str(row.id),
            sku=row.sku,
            name=row.name,
            price=Money.of(row.price_amount, row.price_currency),
            image_url=row.image_url,
            category=row.category,
            active=row.active,
            returnable=row.returnable,
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list["Product | None"]:
        rows = await load_nodes(info.context.loaders.product, node_ids)
        return [cls.from_row(row) if row else None for row in rows]


async def _product(info: Info, product_id: uuid.UUID) -> Product:
    row = await info.context.loaders.product.load(product_id)
    assert row is not None  # a foreign key guarantees the product
    return Product.from_row(row)


@strawberry.type(description="A product on the customer's wishlist.")
class WishlistItem(relay.Node):
    id: relay.NodeID[str]
    added_at: datetime
    row: strawberry.Private[WishlistItemRow]

    @strawberry.field
    async def product(self, info: Info) -> Product:
        return await _product(info, self.row.product_id)

    @classmethod
    def from_row(cls, row: WishlistItemRow) -> "WishlistItem":
        return cls(id=str(row.id), added_at=row.created_at, row=row)

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list["WishlistItem | None"]:
        rows = await load_nodes(info.context.loaders.wishlist_item, node_ids)
        return [cls.from_row(row) if row else None for row in rows]


@strawberry.type(description="A product the customer looked at, and when they last did.")
class RecentlyViewedProduct:
    viewed_at: datetime
    row: strawberry.Private[ProductViewRow]

    @strawberry.field
    async def product(self, info: Info) -> Product:
        return await _product(info, self.row.product_id)


@strawberry.input(description="A product by its id or its SKU: send exactly one.")
class ProductReference:
    product_id: strawberry.ID | None = None
    sku: str | None = None


@strawberry.input(description="The product, by its id or its SKU: send exactly one.")
class AddToWishlistInput(ProductReference):
    pass


@strawberry.input(description="The product, by its id or its SKU: send exactly one.")
class RemoveFromWishlistInput(ProductReference):
    pass


@strawberry.input(description="The product, by its id or its SKU: send exactly one.")
class RecordProductViewInput(ProductReference):
    pass


@strawberry.type
class AddToWishlistPayload:
    wishlist_item: WishlistItem | None = None
    user_errors: list[ProductUserError] = strawberry.field(default_factory=list)


@strawberry.type
class RemoveFromWishlistPayload:
    removed_product_id: strawberry.ID | None = None
    user_errors: list[ProductUserError] = strawberry.field(default_factory=list)


@strawberry.type
class RecordProductViewPayload:
    recently_viewed: RecentlyViewedProduct | None = None
    user_errors: list[ProductUserError] = strawberry.field(default_factory=list)


@strawberry.input(description="An amount of money: a decimal with no more places than the currency has.")
class MoneyInput:
    amount: Decimal
    currency_code: CurrencyCode  # type: ignore[valid-type]


@strawberry.input(description="A product of the reference table, matched by SKU.")
class ProductInput:
    sku: str
    name: str
    price: MoneyInput
    image_url: str | None = None
    category: str | None = None
    active: bool = True
    returnable: bool = strawberry.field(default=True, description="False: excluded from returns.")


@strawberry.input
class UpsertProductsInput:
    products: list[ProductInput] = strawberry.field(description="At most 100; all are saved or none.")


@strawberry.type
class UpsertProductsPayload:
    products: list[Product] = strawberry.field(default_factory=list)
    user_errors: list[ProductUserError] = strawberry.field(default_factory=list)
