"""Serving the "My Account" portal under /account/: one HTML page for every route, versioned assets.

The page is the same for every path below /account/ (the portal routes in the browser, so a reload of
/account/tickets/T-00000012 or a mailed /account/activate?token=… must answer it); it is never cached and
carries the portal's strict CSP. Assets live under /account/assets/<version>/, the version being the hash of
the sources (app/portal_build.py), and are cached for a year."""

import re
from pathlib import Path

from starlette.exceptions import HTTPException
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

PORTAL_DIR = Path(__file__).parent / "static" / "portal"
MOUNT = "/account"
# No inline script or style, nothing from another origin, no framing, no <base>: a script injected into the
# page by a bug of ours has nowhere to come from and nowhere to send to but our own API.
PORTAL_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; "
    "font-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
# The payment pages with Stripe: its browser library (js.stripe.com) collects cards and runs 3-D Secure in its
# own frames, and talks to its API. Allowed on these pages only; every other page keeps PORTAL_CSP.
STRIPE_CSP = (
    "default-src 'none'; script-src 'self' https://js.stripe.com; style-src 'self'; "
    "connect-src 'self' https://api.stripe.com; img-src 'self' data: https://*.stripe.com; font-src 'self'; "
    "frame-src https://js.stripe.com https://hooks.stripe.com; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)
# The portal's paths where a payment is made or a method saved (portal/src/routes.js marks them `payments`).
PAYMENT_PAGES = re.compile(r"^(payment-methods|store-credit|(orders|invoices)/[^/]+/pay|offers/[^/]+)/?$")
# Tells the portal that its payment pages are documents of their own (their CSP differs): it loads them,
# and leaves them, with a full page load instead of in place.
ISOLATED_MARK = b'<meta name="payment-pages" content="isolated">'
IMMUTABLE = b"public, max-age=31536000, immutable"


class _Immutable:
    """Long caching for versioned assets: their URL changes whenever their content does."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def send_cached(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] in (200, 304):
                headers = [(k, v) for k, v in message.get("headers") or [] if k.lower() != b"cache-control"]
                message["headers"] = [*headers, (b"cache-control", IMMUTABLE)]
            await send(message)

        await self.app(scope, receive, send_cached)


def portal_routes(directory: Path = PORTAL_DIR, *, stripe: bool = False) -> list[BaseRoute]:
    """`stripe`: the payment pages load Stripe's browser library (and get the CSP that allows it)."""
    version = (directory / "VERSION").read_text(encoding="utf-8").strip()
    index = (directory / "index.html").read_bytes()
    if stripe:
        index = index.replace(b"<head>", b"<head>" + ISOLATED_MARK, 1)
    headers = {"content-security-policy": PORTAL_CSP, "cache-control": "no-store"}
    payment_headers = {**headers, "content-security-policy": STRIPE_CSP} if stripe else headers

    async def page(request: Request) -> Response:
        on_payment_page = PAYMENT_PAGES.match(request.path_params.get("path", "")) is not None
        return Response(
            index,
            media_type="text/html; charset=utf-8",
            headers=payment_headers if on_payment_page else headers,
        )

    async def to_portal(request: Request) -> Response:
        return RedirectResponse(f"{MOUNT}/", status_code=308)

    async def no_such_asset(request: Request) -> Response:
        # Another version's asset (a page loaded before a deploy) or a typo: a 404, never the HTML page.
        raise HTTPException(404, "Not Found")

    return [
        Route(MOUNT, to_portal, methods=["GET"]),
        # Compressed: they hold nothing secret (unlike API answers, which stay uncompressed: BREACH).
        Mount(
            f"{MOUNT}/assets/{version}",
            _Immutable(GZipMiddleware(StaticFiles(directory=directory / "assets"), minimum_size=512)),
            name="portal",
        ),
        Route(MOUNT + "/assets/{rest:path}", no_such_asset, methods=["GET"]),
        Route(MOUNT + "/{path:path}", page, methods=["GET"]),
    ]
