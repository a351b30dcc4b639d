"""The portal's payment pages get Stripe's CSP (js.stripe.com, its frames and API) only with
PAYMENT_GATEWAY=stripe and only on the payment paths; every other page keeps the strict portal CSP. With
Stripe, every page carries the mark telling the portal that payment pages are documents of their own."""

import httpx
import pytest

from app.portal import ISOLATED_MARK, PORTAL_CSP, STRIPE_CSP
from tests.payments.gateways import BOTH_GATEWAYS

# HTTP and GraphQL-layer behaviour: the SQLite pass answers for every database (ONLY_DATABASE_TESTS).
pytestmark = pytest.mark.database_independent

PAYMENT_PATHS = [
    "/account/payment-methods",
    "/account/payment-methods/",
    "/account/payment-methods?setup_intent=seti_1&redirect_status=succeeded",  # back from Stripe
    "/account/store-credit",
    "/account/orders/T3JkZXI6MQ==/pay",
    "/account/orders/T3JkZXI6MQ==/pay/",
    "/account/orders/T3JkZXI6MQ==/pay?payment_intent=pi_1",  # back from 3-D Secure
    "/account/invoices/SW52b2ljZTox/pay",
    "/account/offers/OF-00000001",
    "/account/offers/OF-00000001/",
]
OTHER_PATHS = [
    "/account/",
    "/account/login",
    "/account/orders",
    "/account/orders/T3JkZXI6MQ==",
    "/account/orders/T3JkZXI6MQ==/pay/more",
    "/account/orders//pay",
    "/account/invoices/SW52b2ljZTox",
    "/account/offers",
    "/account/offers/OF-00000001/extra",
    "/account/payment-methods-and-more",
    "/account/x/payment-methods",
    "/account/store-credit/history",
    "/account/tickets/T-00000012",
    "/account/some/unknown/page",
]


def _mark_in_head(html: str) -> bool:
    head = html.split("</head>", 1)[0]
    return ISOLATED_MARK.decode() in head


@pytest.mark.parametrize("gateway_name", ["stripe"])
@pytest.mark.parametrize("path", PAYMENT_PATHS)
async def test_payment_pages_with_stripe_allow_stripe(client: httpx.AsyncClient, path: str) -> None:
    response = await client.get(path)
    assert response.status_code == 200
    assert response.headers.get_list("content-security-policy") == [STRIPE_CSP]
    assert response.headers["cache-control"] == "no-store"
    assert len(response.headers.get_list("x-frame-options")) == 1
    assert _mark_in_head(response.text)
    assert response.text.count(ISOLATED_MARK.decode()) == 1


@pytest.mark.parametrize("gateway_name", ["stripe"])
@pytest.mark.parametrize("path", OTHER_PATHS)
async def test_other_pages_with_stripe_keep_the_strict_csp(client: httpx.AsyncClient, path: str) -> None:
    response = await client.get(path)
    assert response.status_code == 200
    assert response.headers.get_list("content-security-policy") == [PORTAL_CSP]
    assert "stripe.com" not in response.headers["content-security-policy"]
    # The mark is on every page: leaving one for a payment page must be a full page load too.
    assert _mark_in_head(response.text)


@pytest.mark.parametrize("path", [*PAYMENT_PATHS[::3], *OTHER_PATHS[::4]])
async def test_without_stripe_every_page_has_the_strict_csp_and_no_mark(client: httpx.AsyncClient, path: str) -> None:
    response = await client.get(path)  # the sandbox, the default of the tests
    assert response.status_code == 200
    assert response.headers.get_list("content-security-policy") == [PORTAL_CSP]
    assert ISOLATED_MARK.decode() not in response.text


async def test_without_online_payments_payment_pages_have_the_strict_csp(app_factory: object) -> None:
    _, api = await app_factory(payment_gateway="none")  # type: ignore[operator]
    response = await api.client.get("/account/payment-methods")
    assert response.headers.get_list("content-security-policy") == [PORTAL_CSP]
    assert ISOLATED_MARK.decode() not in response.text


@BOTH_GATEWAYS
async def test_assets_and_the_api_never_get_stripes_csp(client: httpx.AsyncClient) -> None:
    version = (await client.get("/account/payment-methods")).text.split("/account/assets/", 1)[1].split("/", 1)[0]
    script = await client.get(f"/account/assets/{version}/src/main.js")
    assert script.status_code == 200
    assert script.headers.get_list("content-security-policy") == ["default-src 'none'; frame-ancestors 'none'"]
    api = await client.post("/graphql", json={"query": "{ __typename }"})
    assert "stripe.com" not in api.headers.get("content-security-policy", "")
