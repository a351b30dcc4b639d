"""What the staff console's browser tests share: staff accounts, and opening the console as one of them."""

from playwright.async_api import Page, expect

from app.runtime import Runtime
from models.customer import Customer, Role
from tests.portal.browser import PASSWORD, Watched, sign_in_at
from tests.support import make_customer


async def make_staff(rt: Runtime, role: Role = Role.SUPPORT, first_name: str = "Sam") -> Customer:
    return await make_customer(rt, roles=(role,), first_name=first_name, password=PASSWORD)


async def open_console(watched: Watched, base: str, email: str, path: str = "/staff") -> Page:
    """Opens a console page as `email`: the portal asks to sign in first and comes back to the page."""
    await sign_in_at(watched.page, f"{base}/account{path}", email)
    await expect(watched.page.get_by_role("navigation", name="Staff console")).to_be_visible()
    return watched.page
