"""The product reference table, customers' wishlists and their recently viewed products."""

import enum
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.money import is_currency
from app.principal import Principal
from app.runtime import Runtime
from app.services.errors import DomainError, ErrorDetail, NotAuthenticatedError
from app.services.validation import neutralize_text
from models.base import utcnow
from models.customer import Customer
from models.product import Product, ProductView, WishlistItem

MAX_PRICE = 10**13  # minor units


class ProductErrorCode(enum.Enum):
    REQUIRED = "REQUIRED"
    INVALID = "INVALID"
    TOO_LONG = "TOO_LONG"
    NOT_FOUND = "NOT_FOUND"
    PRODUCT_UNAVAILABLE = "PRODUCT_UNAVAILABLE"
    NOT_IN_WISHLIST = "NOT_IN_WISHLIST"
    LIMIT_REACHED = "LIMIT_REACHED"
    INVALID_PRICE = "INVALID_PRICE"
    INVALID_CURRENCY = "INVALID_CURRENCY"
    INVALID_URL = "INVALID_URL"


class ProductError(DomainError):
    @classmethod
    def one(cls, code: ProductErrorCode, message: str, field_name: str | None = None) -> "ProductError":
        return cls(ErrorDetail(code, message, (field_name,) if field_name else None))


@dataclass(frozen=True)
class ProductRef:
    """A product named by its id or its SKU (exactly one). `malformed_id`: an id was sent but is not one."""

    product_id: uuid.UUID | None = None
    sku: str | None = None
    malformed_id: bool = False


def _require(principal: Principal) -> uuid.UUID:
    if principal.customer_id is None:
        raise NotAuthenticatedError()
    return principal.customer_id


def _not_found(field_name: str) -> ProductError:
    return ProductError.one(ProductErrorCode.NOT_FOUND, "No such product.", field_name)


async def _find(session: AsyncSession, ref: ProductRef) -> Product:
    has_sku = ref.sku is not None and ref.sku.strip() != ""
    if (ref.product_id is not None or ref.malformed_id) == has_sku:
        raise ProductError.one(ProductErrorCode.REQUIRED, "Send either productId or sku.", "productId")
    if ref.malformed_id:
        raise _not_found("productId")
    if ref.product_id is not None:
        product = await session.get(Product, ref.product_id)
        if product is None:
            raise _not_found("productId")
        return product
    assert ref.sku is not None
    found = (await session.execute(select(Product).where(col(Product.sku) == ref.sku.strip()))).scalar_one_or_none()
    if found is None:
        raise _not_found("sku")
    return found


async def product_by_sku(rt: Runtime, sku: str) -> Product | None:
    async with rt.db.read() as session:
        statement = select(Product).where(col(Product.sku) == sku.strip())
        return (await session.execute(statement)).scalar_one_or_none()


async def _owned_row(session: AsyncSession, model: Any, customer_id: uuid.UUID, product_id: uuid.UUID) -> Any:
    """The customer's wishlist entry or view of a product, if any."""
    statement = select(model).where(col(model.customer_id) == customer_id, col(model.product_id) == product_id)
    return (await session.execute(statement)).scalar_one_or_none()


def _field_of(ref: ProductRef) -> str:
    return "sku" if ref.sku else "productId"


async def add_to_wishlist(rt: Runtime, principal: Principal, ref: ProductRef) -> tuple[WishlistItem, Product]:
    """Add a product; adding one already there returns the existing entry (the call can be retried)."""
    customer_id = _require(principal)
    async with rt.db.unit_of_work() as session:
        # One change at a time per customer (PostgreSQL row lock): the cap and the uniqueness check hold.
        await session.get(Customer, customer_id, with_for_update=True)
        product = await _find(session, ref)
        existing = await _owned_row(session, WishlistItem, customer_id, product.id)
        if existing is not None:
            return existing, product
        if not product.active:
            raise ProductError.one(
                ProductErrorCode.PRODUCT_UNAVAILABLE, "This product is no longer sold.", _field_of(ref)
            )
        count = (
            await session.execute(
                select(func.count()).select_from(WishlistItem).where(col(WishlistItem.customer_id) == customer_id)
            )
        ).scalar_one()
        if count >= rt.settings.max_wishlist_items:
            raise ProductError.one(
                ProductErrorCode.LIMIT_REACHED,
                f"A wishlist holds at most {rt.settings.max_wishlist_items} products; remove one first.",
            )
        item = WishlistItem(customer_id=customer_id, product_id=product.id)
        try:
            async with session.begin_nested():
                session.add(item)
                await session.flush()
        except IntegrityError:
            # Added by a concurrent request a moment ago: the same outcome.
            found = await _owned_row(session, WishlistItem, customer_id, product.id)
            assert found is not None
            item = found
    return item, product


async def remove_from_wishlist(rt: Runtime, principal: Principal, ref: ProductRef) -> Product:
    customer_id = _require(principal)
    async with rt.db.unit_of_work() as session:
        product = await _find(session, ref)
        removed = await session.execute(
            delete(WishlistItem).where(
                col(WishlistItem.customer_id) == customer_id, col(WishlistItem.product_id) == product.id
            )
        )
        if removed.rowcount == 0:  # type: ignore[attr-defined]
            raise ProductError.one(
                ProductErrorCode.NOT_IN_WISHLIST, "This product is not on your wishlist.", _field_of(ref)
            )
    return product


async def record_product_view(rt: Runtime, principal: Principal, ref: ProductRef) -> tuple[ProductView, Product]:
    """Remember that the customer looked at a product; only the newest `recently_viewed_limit` are kept."""
    customer_id = _require(principal)
    now = utcnow()
    async with rt.db.unit_of_work() as session:
        await session.get(Customer, customer_id, with_for_update=True)  # serialises the prune below
        product = await _find(session, ref)
        view = await _owned_row(session, ProductView, customer_id, product.id)
        if view is None:
            view = ProductView(customer_id=customer_id, product_id=product.id, viewed_at=now)
        else:
            view.viewed_at = now
        session.add(view)
        await session.flush()
        keep = (
            select(col(ProductView.id))
            .where(col(ProductView.customer_id) == customer_id)
            .order_by(col(ProductView.viewed_at).desc(), col(ProductView.id).desc())
            .limit(rt.settings.recently_viewed_limit)
        )
        kept = list((await session.execute(keep)).scalars())
        await session.execute(
            delete(ProductView).where(col(ProductView.customer_id) == customer_id, col(ProductView.id).not_in(kept))
        )
    return view, product


@dataclass
class ProductData:
    sku: str
    name: str
    price_amount: int
    price_currency: str
    image_url: str | None = None
    category: str | None = None
    active: bool = True
    returnable: bool = True


def _validate(data: ProductData, index: int, errors: list[ErrorDetail]) -> ProductData | None:
    path = ("products", str(index))
    before = len(errors)
    sku, name = (data.sku or "").strip(), neutralize_text(data.name or "").strip()
    for value, name_of, limit in ((sku, "sku", 64), (name, "name", 200)):
        if not value:
            errors.append(ErrorDetail(ProductErrorCode.REQUIRED, f"Enter the {name_of}.", (*path, name_of)))
        elif len(value) > limit:
            errors.append(ErrorDetail(ProductErrorCode.TOO_LONG, f"Use at most {limit} characters.", (*path, name_of)))
    if data.price_amount < 0 or data.price_amount > MAX_PRICE:
        errors.append(ErrorDetail(ProductErrorCode.INVALID_PRICE, "Not a valid price.", (*path, "price")))
    currency = (data.price_currency or "").strip().upper()
    if not is_currency(currency):
        errors.append(
            ErrorDetail(ProductErrorCode.INVALID_CURRENCY, "Use an ISO 4217 currency code.", (*path, "currency"))
        )
    image = (data.image_url or "").strip() or None
    if image is not None:
        parts = urlsplit(image)
        if parts.scheme not in ("http", "https") or not parts.netloc or len(image) > 2000:
            errors.append(
                ErrorDetail(ProductErrorCode.INVALID_URL, "Use an http(s) URL for the image.", (*path, "imageUrl"))
            )
    category = neutralize_text(data.category or "").strip() or None
    if category is not None and len(category) > 100:
        errors.append(ErrorDetail(ProductErrorCode.TOO_LONG, "Use at most 100 characters.", (*path, "category")))
    if len(errors) > before:
        return None
    return ProductData(sku, name, data.price_amount, currency, image, category, data.active, data.returnable)


async def upsert_products(rt: Runtime, items: list[ProductData]) -> list[Product]:
    """Create or update products by SKU, all or none (seed-demo now, the integration API later)."""
    errors: list[ErrorDetail] = []
    clean = [_validate(item, index, errors) for index, item in enumerate(items)]
    if errors:
        raise ProductError(*errors)
    valid = [item for item in clean if item is not None]
    skus = [item.sku for item in valid]
    if len(set(skus)) != len(skus):
        raise ProductError.one(ProductErrorCode.INVALID, "Each SKU may appear once.", "products")
    now = utcnow()
    async with rt.db.unit_of_work() as session:
        existing = {
            row.sku: row for row in (await session.execute(select(Product).where(col(Product.sku).in_(skus)))).scalars()
        }
        result = []
        for item in valid:
            row = existing.get(item.sku) or Product(
                sku=item.sku, name=item.name, price_amount=0, price_currency=item.price_currency
            )
            row.name, row.price_amount, row.price_currency = item.name, item.price_amount, item.price_currency
            row.image_url, row.category, row.active, row.updated_at = item.image_url, item.category, item.active, now
            row.returnable = item.returnable
            session.add(row)
            result.append(row)
    return result
