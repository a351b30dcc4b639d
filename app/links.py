"""The links we mail into the storefront: one route table and one function that builds every link.

The table is a contract with whatever answers STOREFRONT_URL (by default our own portal under /account):
a shop with its own storefront answers these paths (the README lists them, with what each page does).
Paths are relative to STOREFRONT_URL and never change once published: storefronts answer them.
"""

from enum import Enum
from urllib.parse import quote, urlencode

from app.config import Settings


class Route(Enum):
    """A storefront page a message links to: its path (`{number}` for an object's human number) and the
    query parameters it is given."""

    ACTIVATE = ("/activate", ("token",))
    RESET_PASSWORD = ("/reset-password", ("token",))
    FORGOT_PASSWORD = ("/forgot-password", ())
    SIGN_IN = ("/login", ())
    CLAIM_ORDERS = ("/claim-orders", ("token",))
    CONFIRM_EMAIL = ("/confirm-email", ("token",))
    APPROVE_EMAIL_CHANGE = ("/approve-email-change", ("token",))
    UNDO_EMAIL_CHANGE = ("/undo-email-change", ("token",))
    OFFER = ("/offers/{number}", ())
    RETURN = ("/returns/{number}", ())
    TICKET = ("/tickets/{number}", ())

    def __init__(self, path: str, query: tuple[str, ...]) -> None:
        self.path = path
        self.query = query

    @property
    def takes_number(self) -> bool:
        return "{number}" in self.path


def storefront_link(settings: Settings, route: Route, *, number: str | None = None, **query: str) -> str:
    """The absolute link to `route`: STOREFRONT_URL, the path (with the object's number), the query.

    Every value is URL-encoded, so a token or number can never end the path or add a parameter. A call that
    leaves out a parameter the route needs, or adds one it does not take, is a bug: it raises ValueError."""
    if route.takes_number != (number is not None):
        raise ValueError(f"{route.name} {'needs' if route.takes_number else 'takes no'} number")
    if set(query) != set(route.query):
        raise ValueError(f"{route.name} takes the query {sorted(route.query)}, not {sorted(query)}")
    path = route.path.format(number=quote(number, safe="")) if number is not None else route.path
    link = settings.effective_storefront_url + path
    if route.query:
        link += "?" + urlencode([(name, query[name]) for name in route.query])
    return link
