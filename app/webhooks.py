"""POST /webhooks/payments: the payment gateway's signed events. And, with the sandbox gateway only,
/sandbox/authenticate/<charge id>: the page where a test customer completes or fails 3-D Secure, as a
bank's page would, then goes back to the shop."""

import html
import logging
from urllib.parse import parse_qs, urlsplit

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from app.guards import error_response
from app.payments.gateway import InvalidEventError
from app.payments.sandbox import AUTHENTICATION_PATH, SandboxGateway
from app.runtime import Runtime
from app.services import payment_events, payments
from app.services.payments import PaymentError

logger = logging.getLogger(__name__)

WEBHOOK_PATH = "/webhooks/payments"
SIGNATURE_HEADER = "stripe-signature"  # the sandbox signs the way Stripe does


async def payment_webhook(request: Request) -> Response:
    rt: Runtime = request.app.state.app_state.rt
    gateway = rt.gateway
    if gateway is None:
        return error_response(request, 404, "NOT_FOUND", "Online payments are off.")
    body = await request.body()
    try:
        event = gateway.parse_event(body, request.headers.get(SIGNATURE_HEADER, ""))
    except InvalidEventError as error:
        logger.warning("refused a payment webhook", extra={"reason": str(error)})
        return error_response(request, 400, "INVALID_SIGNATURE", "The event's signature does not verify.")
    processed = await payment_events.handle(rt, gateway, event)
    return JSONResponse({"received": True, "duplicate": not processed}, headers={"cache-control": "no-store"})


def _sandbox(request: Request) -> SandboxGateway | None:
    gateway = request.app.state.app_state.rt.gateway
    return gateway if isinstance(gateway, SandboxGateway) else None


_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sandbox 3-D Secure</title><link rel="icon" href="data:,"></head>
<body style="font-family: sans-serif; max-width: 32rem; margin: 3rem auto; padding: 0 1rem">
<main>
<h1>Sandbox 3-D Secure</h1>
<p>The sandbox bank asks you to confirm a payment of <strong>{amount}</strong>.
No real bank is involved; this page exists only with the sandbox gateway.</p>
<form method="post">
<input type="hidden" name="return_url" value="{return_url}">
<button type="submit" name="decision" value="complete">Complete authentication</button>
<button type="submit" name="decision" value="fail">Fail authentication</button>
</form>
</main>
</body></html>
"""


def _safe_return(rt: Runtime, url: str | None) -> str | None:
    try:
        return payments.check_return_url(rt, url or None)
    except PaymentError:
        return None


async def sandbox_authentication(request: Request) -> Response:
    sandbox = _sandbox(request)
    if sandbox is None:
        return error_response(request, 404, "NOT_FOUND", "Not found.")
    rt: Runtime = request.app.state.app_state.rt
    charge_id = request.path_params["charge_id"]
    charge = sandbox.awaiting_authentication(charge_id)
    if charge is None:
        return error_response(request, 404, "NOT_FOUND", "No payment awaits authentication here.")
    if request.method == "GET":
        return_url = _safe_return(rt, request.query_params.get("return_url")) or ""
        amount = f"{charge.amount} {charge.currency} (minor units)"
        page = _PAGE.format(amount=html.escape(amount), return_url=html.escape(return_url, quote=True))
        return HTMLResponse(page, headers={"cache-control": "no-store"})
    form = {key: values[0] for key, values in parse_qs((await request.body()).decode("utf-8", "replace")).items()}
    decision = form.get("decision")
    if decision not in ("complete", "fail"):
        return error_response(request, 400, "BAD_REQUEST", "Choose complete or fail.")
    sandbox.authenticate(charge_id, completed=decision == "complete")
    back = _safe_return(rt, str(form.get("return_url") or ""))
    if back is None:
        return HTMLResponse("<!doctype html><title>Done</title><p>Authentication answered. Go back to the shop.</p>")
    separator = "&" if urlsplit(back).query else "?"
    return RedirectResponse(f"{back}{separator}redirect_status=done", status_code=303)


def webhook_routes() -> list[Route]:
    return [
        Route(WEBHOOK_PATH, payment_webhook, methods=["POST"]),
        Route(AUTHENTICATION_PATH + "{charge_id}", sandbox_authentication, methods=["GET", "POST"]),
    ]
