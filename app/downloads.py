"""GET /files/<kind>/<id>?expires=…&signature=…: downloads behind short-lived signed links."""

import logging
from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from app.guards import error_response, request_id_of
from app.i18n import best_language
from app.runtime import RequestMeta, Runtime
from app.security.signed_links import PATH_PREFIX, LinkError
from app.services import analytics, data_export, invoices, offers, returns, statements

logger = logging.getLogger(__name__)

# Said here too, not only by the middleware's default: a signed link's answer must never be cached.
NO_STORE = {"cache-control": "no-store"}


def _refusal(request: Request, status: int, code: str, message: str) -> Response:
    return error_response(request, status, code, message)


def _meta(rt: Runtime, request: Request) -> RequestMeta:
    peer = request.client.host if request.client else None
    return RequestMeta(
        ip_address=rt.trusted_proxies.client_address(peer, request.headers.get("x-forwarded-for")),
        user_agent=(request.headers.get("user-agent") or "")[:512] or None,
        request_id=request_id_of(request.scope),
        language=best_language(request.headers.get("accept-language")),
    )


async def download_data_export(request: Request) -> Response:
    rt: Runtime = request.app.state.app_state.rt
    if request.method != "GET":  # HEAD from link scanners must not count as a download
        return _refusal(request, 405, "METHOD_NOT_ALLOWED", "Use GET.")
    export_id = request.path_params["object_id"]
    try:
        customer_id = await data_export.open_download(
            rt,
            _meta(rt, request),
            export_id,
            request.query_params.get("expires"),
            request.query_params.get("signature"),
        )
        body = await data_export.stream_export(rt, customer_id)
    except LinkError as error:
        if error.reason == "expired":
            return _refusal(request, 410, "LINK_EXPIRED", "This download link has expired; ask for a new export.")
        return _refusal(request, 403, "LINK_INVALID", "This download link is not valid.")
    except data_export.ExportUnavailableError:
        return _refusal(request, 404, "NOT_FOUND", "This export no longer exists.")
    filename = f"my-data-{datetime.now(UTC):%Y%m%d}.json"
    return StreamingResponse(
        body,
        media_type="application/json",
        headers={**NO_STORE, "content-disposition": f'attachment; filename="{filename}"'},
    )


def _link_refused(request: Request, error: LinkError, again: str) -> Response:
    """An expired signed link is 410 (with what to do for a new one); any other bad link is 403."""
    if error.reason == "expired":
        return _refusal(request, 410, "LINK_EXPIRED", f"This link has expired; {again}.")
    return _refusal(request, 403, "LINK_INVALID", "This download link is not valid.")


async def _document(request: Request, render: Any) -> Response:
    rt: Runtime = request.app.state.app_state.rt
    if request.method != "GET":
        return _refusal(request, 405, "METHOD_NOT_ALLOWED", "Use GET.")
    try:
        pdf = await render(
            rt,
            request.path_params["object_id"],
            request.query_params.get("expires"),
            request.query_params.get("signature"),
        )
    except LinkError as error:
        return _link_refused(request, error, "ask for the document again")
    except invoices.DocumentUnavailableError:
        return _refusal(request, 404, "NOT_FOUND", "This document does not exist.")
    return Response(
        pdf.content,
        media_type="application/pdf",
        headers={**NO_STORE, "content-disposition": f'attachment; filename="{pdf.filename}"'},
    )


async def download_invoice(request: Request) -> Response:
    return await _document(request, invoices.invoice_pdf)


async def download_receipt(request: Request) -> Response:
    return await _document(request, invoices.receipt_pdf)


async def download_offer(request: Request) -> Response:
    return await _document(request, offers.offer_pdf)


async def download_return_slip(request: Request) -> Response:
    return await _document(request, returns.slip_pdf)


async def download_statement(request: Request) -> Response:
    return await _document(request, statements.statement_pdf)


async def download_analytics(request: Request) -> Response:
    """Staff analytics as CSV: the link names the staff member it was made for, who must still be staff."""
    rt: Runtime = request.app.state.app_state.rt
    if request.method != "GET":
        return _refusal(request, 405, "METHOD_NOT_ALLOWED", "Use GET.")
    try:
        filename, text = await analytics.open_csv(
            rt,
            request.path_params["object_id"],
            request.query_params.get("expires"),
            request.query_params.get("signature"),
        )
    except LinkError as error:
        return _link_refused(request, error, "run the report again")
    except analytics.CsvRefusedError:
        return _refusal(request, 403, "FORBIDDEN", "This link's owner may no longer read analytics.")
    except analytics.AnalyticsError:
        return _refusal(request, 404, "NOT_FOUND", "This report's customer group no longer exists.")
    return Response(
        text.encode(),
        media_type="text/csv; charset=utf-8",
        headers={**NO_STORE, "content-disposition": f'attachment; filename="{filename}"'},
    )


def download_routes() -> list[Route]:
    return [
        Route(f"{PATH_PREFIX}/{data_export.LINK_KIND}/{{object_id}}", download_data_export, methods=["GET"]),
        Route(f"{PATH_PREFIX}/{invoices.INVOICE_LINK}/{{object_id}}", download_invoice, methods=["GET"]),
        Route(f"{PATH_PREFIX}/{invoices.RECEIPT_LINK}/{{object_id}}", download_receipt, methods=["GET"]),
        Route(f"{PATH_PREFIX}/{offers.OFFER_LINK}/{{object_id}}", download_offer, methods=["GET"]),
        Route(f"{PATH_PREFIX}/{returns.SLIP_LINK}/{{object_id}}", download_return_slip, methods=["GET"]),
        Route(f"{PATH_PREFIX}/{statements.STATEMENT_LINK}/{{object_id}}", download_statement, methods=["GET"]),
        Route(f"{PATH_PREFIX}/{analytics.CSV_LINK}/{{object_id}}", download_analytics, methods=["GET"]),
    ]
