"""Operator tasks: creating administrators and groups, and the demo data of `make run`."""

import uuid
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError

from app.db import mark_sessions_changed
from app.runtime import Runtime
from app.services import event_data, help_centre, privacy
from app.services.customer_queries import customer_by_email, group_by_code
from app.services.demo_orders import seed_demo_orders
from app.services.errors import AccountError, ErrorDetail
from app.services.products import ProductData, upsert_products
from app.services.validation import check_new_password, clean_email, clean_text, email_key
from models.base import utcnow
from models.customer import (
    ActivationMode,
    Customer,
    CustomerGroup,
    CustomerRole,
    CustomerStatus,
    Role,
    RoleChange,
    RoleChangeAction,
)

DEMO_GROUPS = [
    ("shop", "Shop customers", ActivationMode.EMAIL_LINK, True),
    ("wholesale", "Wholesale buyers", ActivationMode.ADMIN_APPROVAL, True),
    ("mobile", "Mobile app customers", ActivationMode.SMS_CODE, True),
    ("pos", "Point-of-sale sign-ups", ActivationMode.NONE, False),
]
DEMO_CUSTOMER = ("alex.demo@example.com", "Alex", "Example", "demo-shopper-2026")
DEMO_ADMIN = ("admin@example.com", "Ada", "Admin", "ada-lovelace-1815!")
DEMO_SUPPORT = ("support@example.com", "Sam", "Support", "grace-hopper-1906!")  # the staff console's agent


async def ensure_group(
    rt: Runtime, code: str, name: str, mode: ActivationMode, self_registration: bool
) -> CustomerGroup:
    async with rt.db.unit_of_work() as session:
        group = await group_by_code(session, code)
        if group is None:
            group = CustomerGroup(code=code, name=name, activation_mode=mode, self_registration=self_registration)
            session.add(group)
    return group


@dataclass(frozen=True)
class CreatedAccount:
    customer: Customer
    created: bool


async def create_account(
    rt: Runtime,
    *,
    email: str,
    password: str,
    roles: list[Role],
    first_name: str | None = None,
    last_name: str | None = None,
    group_code: str | None = None,
    reason: str = "created from the command line",
) -> CreatedAccount:
    """An active account with the given roles; an existing account with that email gets the roles added."""
    errors: list[ErrorDetail] = []
    clean = clean_email(email, ("email",), errors)
    first_name = clean_text(first_name, ("firstName",), errors, label="First name")
    last_name = clean_text(last_name, ("lastName",), errors, label="Last name")
    check_new_password(password, clean, ("password",), errors)
    if errors or clean is None:
        raise AccountError(*errors)
    async with rt.db.read() as session:
        existing = await customer_by_email(session, clean)
        group = await group_by_code(session, group_code or rt.settings.default_customer_group)
    if group is None:
        raise RuntimeError(f"customer group {group_code or rt.settings.default_customer_group!r} does not exist")
    password_hash = await rt.hasher.hash(password) if existing is None else None
    now = utcnow()
    async with rt.db.unit_of_work() as session:
        customer = existing
        if customer is None:
            customer = Customer(
                id=uuid.uuid4(),
                email=clean,
                email_key=email_key(clean),
                password_hash=password_hash,
                first_name=first_name,
                last_name=last_name,
                status=CustomerStatus.ACTIVE,
                group_id=group.id,
                email_verified_at=now,
                activated_at=now,
                password_changed_at=now,
            )
            session.add(customer)
            await session.flush()
            await event_data.customer_created(session, customer, origin="COMMAND_LINE")
        for role in roles:
            try:
                async with session.begin_nested():
                    session.add(CustomerRole(customer_id=customer.id, role=role))
                    await session.flush()
                mark_sessions_changed(session, customer.id)
            except IntegrityError:
                continue  # already has it
            session.add(RoleChange(customer_id=customer.id, role=role, action=RoleChangeAction.GRANTED, reason=reason))
    return CreatedAccount(customer=customer, created=existing is None)


DEMO_PRODUCTS = [
    ProductData("MUG-001", "Enamel camping mug", 1450, "EUR", "https://images.example.com/mug-001.jpg", "Kitchen"),
    ProductData("TEE-BLK-M", "Organic cotton T-shirt, black, M", 2900, "EUR", None, "Clothing"),
    ProductData("BAG-TOTE", "Canvas tote bag", 1900, "EUR", "https://images.example.com/bag-tote.jpg", "Bags"),
    ProductData("LAMP-DESK", "Desk lamp with dimmer", 6490, "EUR", None, "Home"),
    ProductData("BOTTLE-750", "Insulated bottle 750 ml", 2490, "EUR", None, "Kitchen"),
    ProductData("CAP-OLD", "Baseball cap (discontinued)", 1500, "EUR", None, "Clothing", active=False),
]

DEMO_HELP_ARTICLES = [
    (
        "how-do-i-return-an-item",
        "How do I return an item?",
        "Returns",
        'Open My Account > Orders, choose the delivered order and "Return items". You see the refund before you\n'
        "send the request, and you can return items within 30 days of delivery.",
    ),
    (
        "when-will-i-get-my-refund",
        "When will I get my refund?",
        "Returns",
        "As soon as the parcel reaches our warehouse: to your card (a few days, depending on your bank) or at\n"
        "once to your store credit.",
    ),
    (
        "can-i-pay-by-invoice",
        "Can I pay by invoice?",
        "Payments",
        "Business customers with a credit limit can pay on store credit. Everyone can pay by card; invoices are\n"
        "in My Account > Orders.",
    ),
    (
        "where-is-my-parcel",
        "Where is my parcel?",
        "Shipping",
        "Each order shows its shipments with live tracking. If it has not moved for a week, open a support ticket\n"
        "from the order.",
    ),
]


DEMO_PRIVACY_POLICY = (
    "demo-1",
    "Demo privacy policy.\n\nWe keep your account, addresses and orders to serve you, and share them with no one "
    "but the carriers and the payment provider an order needs. You may ask for a copy of your data or delete your "
    "account at any time under Privacy in My Account.",
)


async def seed_demo(rt: Runtime) -> list[tuple[str, str, str]]:
    """Demo groups and accounts (idempotent). Returns (what, email, password) to print."""
    if rt.settings.is_production:
        raise RuntimeError("refusing to seed demo data in production")
    for code, name, mode, self_registration in DEMO_GROUPS:
        await ensure_group(rt, code, name, mode, self_registration)
    await upsert_products(rt, DEMO_PRODUCTS)
    await help_centre.ensure_published(rt, DEMO_HELP_ARTICLES)
    await privacy.ensure_demo_policy(rt, *DEMO_PRIVACY_POLICY)
    email, first, last, password = DEMO_CUSTOMER
    demo = await create_account(
        rt, email=email, password=password, roles=[Role.CUSTOMER], first_name=first, last_name=last, reason="demo data"
    )
    await seed_demo_orders(rt, demo.customer.id)
    admin_email, admin_first, admin_last, admin_password = DEMO_ADMIN
    await create_account(
        rt,
        email=admin_email,
        password=admin_password,
        roles=[Role.ADMIN],
        first_name=admin_first,
        last_name=admin_last,
        reason="demo data",
    )
    support_email, support_first, support_last, support_password = DEMO_SUPPORT
    await create_account(
        rt,
        email=support_email,
        password=support_password,
        roles=[Role.SUPPORT],
        first_name=support_first,
        last_name=support_last,
        reason="demo data",
    )
    return [
        ("customer", email, password),
        ("administrator", admin_email, admin_password),
        ("support agent", support_email, support_password),
    ]
