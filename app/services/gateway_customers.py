"""Our customers' customer objects at the payment gateway (Stripe saves methods to one, and 3-D Secure
and off-session charges need it). Created on first need, once per customer and gateway: the gateway
call is idempotent on our customer id, and a concurrent second row is dropped for the first."""

import uuid

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlmodel import col

from app.payments.gateway import PaymentGateway
from app.runtime import Runtime
from models.customer import Customer
from models.payment import GatewayCustomer


async def find(rt: Runtime, gateway: PaymentGateway, customer_id: uuid.UUID) -> str | None:
    async with rt.db.read() as session:
        return (
            await session.execute(
                select(col(GatewayCustomer.reference)).where(
                    col(GatewayCustomer.customer_id) == customer_id, col(GatewayCustomer.gateway) == gateway.name
                )
            )
        ).scalar_one_or_none()


async def ensure(rt: Runtime, gateway: PaymentGateway, customer_id: uuid.UUID) -> str:
    """The gateway customer of ours, created at the gateway (outside any transaction) when missing."""
    if (known := await find(rt, gateway, customer_id)) is not None:
        return known
    async with rt.db.read() as session:
        customer = await session.get(Customer, customer_id)
        email = customer.email if customer is not None else None
    reference = await gateway.create_customer(str(customer_id), email)
    try:
        async with rt.db.unit_of_work() as session:
            session.add(GatewayCustomer(customer_id=customer_id, gateway=gateway.name, reference=reference))
    except IntegrityError:
        pass  # recorded by a concurrent request: the gateway gave it the same customer
    return await find(rt, gateway, customer_id) or reference
