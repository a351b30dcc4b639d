"""Guest orders: orders pushed for an email with no account, claimed by that address's owner.

Nothing is merged on the strength of a matching email alone: the customer asks, a single-use link goes
to their (verified) address, and following it moves the guest orders of that address to the account.
"""

from sqlalchemy import func, select, update
from sqlmodel import col

from app.links import Route, storefront_link
from app.principal import Principal
from app.runtime import Runtime
from app.services import messages
from app.services.customer_queries import display_name
from app.services.errors import AccountErrorCode, ErrorDetail, NotAuthenticatedError
from app.services.orders import OrderError, OrderErrorCode
from app.services.verification import consume_link, issue_link, recently_issued
from app.templates import Minutes
from models.auth import VerificationPurpose
from models.base import utcnow
from models.customer import Customer, CustomerStatus
from models.order import Order
from models.payment import Invoice

PURPOSE = VerificationPurpose.CLAIM_GUEST_ORDERS


def _guest_orders_of(customer: Customer) -> list[object]:
    return [col(Order.customer_id).is_(None), col(Order.guest_email_key) == customer.email_key]


async def request_claim(rt: Runtime, principal: Principal) -> int:
    """How many guest orders wait for this customer's address; when some do, the confirmation link is mailed."""
    if principal.customer_id is None:
        raise NotAuthenticatedError()
    async with rt.db.unit_of_work() as session:
        customer = await session.get(Customer, principal.customer_id, with_for_update=True)
        assert customer is not None
        if customer.email_verified_at is None:
            raise OrderError.one(
                OrderErrorCode.EMAIL_NOT_VERIFIED, "Confirm your email address first: orders are claimed through it."
            )
        waiting = (
            await session.execute(select(func.count()).select_from(Order).where(*_guest_orders_of(customer)))  # type: ignore[arg-type]
        ).scalar_one()
        if not waiting:
            return 0
        if await recently_issued(session, customer.id, PURPOSE, rt.settings.resend_cooldown_seconds):
            raise OrderError.one(OrderErrorCode.THROTTLED, "A link was sent a moment ago; check your email.")
        ttl = rt.settings.guest_order_claim_ttl_minutes
        token = await issue_link(session, rt, customer.id, PURPOSE, ttl)
        await messages.email(
            session,
            rt,
            "claim_guest_orders",
            customer.email,
            {
                "name": display_name(customer),
                "count": str(waiting),
                "valid_for": Minutes(ttl),
                "link": storefront_link(rt.settings, Route.CLAIM_ORDERS, token=token),
            },
            customer_id=customer.id,
        )
    return int(waiting)


async def confirm_claim(rt: Runtime, token: str) -> int:
    """Move the guest orders of the link owner's address to their account; returns how many."""
    async with rt.db.unit_of_work() as session:
        outcome = await consume_link(session, rt, PURPOSE, (token or "").strip(), ("token",))
        if isinstance(outcome, ErrorDetail):
            code = (
                OrderErrorCode.TOKEN_EXPIRED
                if outcome.code is AccountErrorCode.TOKEN_EXPIRED
                else OrderErrorCode.INVALID_TOKEN
            )
            raise OrderError(ErrorDetail(code, outcome.message, outcome.field))
        customer = await session.get(Customer, outcome)
        if customer is None or customer.status is not CustomerStatus.ACTIVE or customer.email_verified_at is None:
            raise OrderError.one(OrderErrorCode.INVALID_TOKEN, "This link is invalid or was already used.", "token")
        # The address is the one the account has now: a link sent before an email change claims nothing.
        guest = select(col(Order.id)).where(*_guest_orders_of(customer))  # type: ignore[arg-type]
        ids = list((await session.execute(guest)).scalars())
        claimed = await session.execute(
            update(Order)
            .where(col(Order.id).in_(ids))
            .values(customer_id=customer.id, guest_email=None, guest_email_key=None, updated_at=utcnow())
        )
        # Their invoices go with them (they can be paid, and downloaded, from the account).
        await session.execute(update(Invoice).where(col(Invoice.order_id).in_(ids)).values(customer_id=customer.id))
    return int(getattr(claimed, "rowcount", 0))
