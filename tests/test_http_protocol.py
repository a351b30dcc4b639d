"""GraphQL over HTTP as clients expect it: the answer's media type and status follow the Accept header
(GraphQL-over-HTTP spec), a token that no longer works is a 401 (RFC 6750) and never "anonymous", and
every response carries each header once, with `Cache-Control: no-store`."""

from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import update

from app.http import GRAPHQL_RESPONSE_JSON, JSON, graphql_media_type
from app.runtime import Runtime
from app.services.service_accounts import create_service_account, revoke_service_account
from models.auth import AuthSession
from models.base import utcnow
from tests.support import Api, Caller, assert_token_refused, login

# HTTP and GraphQL-layer behaviour: the SQLite pass answers for every database (ONLY_DATABASE_TESTS).
pytestmark = pytest.mark.database_independent

GRJ = GRAPHQL_RESPONSE_JSON

# Requests that never reach a resolver: the document does not parse or validate, the variables do not
# coerce, or the document is refused before it runs.
REQUEST_ERRORS: dict[str, tuple[dict[str, Any], str]] = {
    "syntax": ({"query": "{"}, "GRAPHQL_VALIDATION_FAILED"),
    "unknown field": ({"query": "{ nope }"}, "GRAPHQL_VALIDATION_FAILED"),
    "unused variable": (
        {"query": "query Q($id: ID!) { __typename }", "variables": {"id": "x"}},
        "GRAPHQL_VALIDATION_FAILED",
    ),
    "variable of the wrong type": (
        {"query": "query($n: Int) { helpArticles(first: $n) { edges { cursor } } }", "variables": {"n": "ten"}},
        "BAD_USER_INPUT",
    ),
    "missing required variable": (
        {"query": "query($id: ID!) { node(id: $id) { id } }", "variables": {}},
        "BAD_USER_INPUT",
    ),
    "too expensive": (
        {"query": "{ customers(first: 100) { edges { node { securityEvents(first: 100) { edges { cursor } } } } } }"},
        "QUERY_TOO_EXPENSIVE",
    ),
}


async def post(client: httpx.AsyncClient, body: dict[str, Any], accept: str | None, **headers: str) -> httpx.Response:
    sent = {name.replace("_", "-"): value for name, value in headers.items()}
    if accept is not None:
        sent["accept"] = accept
    return await client.post("/graphql", json=body, headers=sent)


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (None, JSON),
        ("", JSON),
        ("*/*", JSON),
        ("application/*", JSON),
        ("text/html", JSON),  # nothing acceptable named: the answer clients have always had
        (JSON, JSON),
        (GRJ, GRJ),
        (f"{GRJ}, {JSON};q=0.9", GRJ),  # what the spec tells clients to send
        (f"{JSON}, {GRJ}", JSON),  # a tie goes to the type named first
        (f"{JSON};q=0.5, {GRJ}", GRJ),
        (f"{GRJ};q=0, {JSON}", JSON),
        (f"{GRJ};q=0", JSON),
        (f"{GRJ};q=nonsense", JSON),
        (f"*/*, {GRJ}", GRJ),  # a named type ranks before a wildcard of the same q
        (f"{JSON};q=0, */*;q=0.1, {GRJ};q=0.05", GRJ),
        ("APPLICATION/GRAPHQL-RESPONSE+JSON ; q=0.8", GRJ),
        (",,;,;q=;", JSON),
    ],
)
def test_the_media_type_follows_the_accept_header(accept: str | None, expected: str) -> None:
    assert graphql_media_type(accept) == expected


@pytest.mark.parametrize("case", REQUEST_ERRORS)
@pytest.mark.parametrize("accept", [GRJ, f"{GRJ}, {JSON};q=0.9", f"*/*;q=0.1, {GRJ}"])
async def test_request_errors_are_400_without_data_for_graphql_response_json(
    client: httpx.AsyncClient, case: str, accept: str
) -> None:
    body, code = REQUEST_ERRORS[case]
    response = await post(client, body, accept)
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == f"{GRJ}; charset=utf-8"
    answer = response.json()
    assert "data" not in answer
    assert [error["extensions"]["code"] for error in answer["errors"]] == [code]


@pytest.mark.parametrize("case", REQUEST_ERRORS)
@pytest.mark.parametrize("accept", [None, JSON, "*/*", f"{JSON}, {GRJ}", "text/plain"])
async def test_request_errors_stay_200_with_null_data_for_application_json(
    client: httpx.AsyncClient, case: str, accept: str | None
) -> None:
    body, code = REQUEST_ERRORS[case]
    response = await post(client, body, accept)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == JSON
    answer = response.json()
    assert answer["data"] is None
    assert [error["extensions"]["code"] for error in answer["errors"]] == [code]


@pytest.mark.parametrize("accept", [GRJ, JSON])
async def test_field_errors_are_200_with_data_whatever_the_media_type(
    client: httpx.AsyncClient, accept: str, customer: Caller
) -> None:
    # Execution started: the errors belong to fields, and `data` is there (partly null), status 200.
    refused = await post(client, {"query": "mutation { logout { userErrors { code } } }"}, accept)
    assert refused.status_code == 200, refused.text
    assert refused.headers["content-type"].startswith(accept)
    assert "data" in refused.json()
    assert refused.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    partial = await post(
        client,
        {"query": "{ me { email orders(first: 101) { edges { cursor } } } }"},
        accept,
        authorization=f"Bearer {customer.token}",
    )
    assert partial.status_code == 200
    assert partial.json()["data"] == {"me": {"email": customer.customer.email, "orders": None}}
    fine = await post(client, {"query": "{ __typename }"}, accept)
    assert (fine.status_code, fine.json()) == (200, {"data": {"__typename": "Query"}})


# A token that no longer works.


async def test_unknown_expired_revoked_and_suspended_tokens_are_401(api: Api, rt: Runtime, customer: Caller) -> None:
    await assert_token_refused(api, "cas_" + "A" * 43)  # the shape of a real token
    await assert_token_refused(api, "x" * 5000)  # longer than any token: refused before it is hashed

    expired = await login(api, customer.customer.email, customer.password)
    async with rt.db.unit_of_work() as session:
        await session.execute(update(AuthSession).values(expires_at=utcnow() - timedelta(seconds=1)))
    await assert_token_refused(api, expired)
    await assert_token_refused(api, customer.token)

    revoked = await login(api, customer.customer.email, customer.password)
    assert (await api.ok("mutation { logout { userErrors { code } } }", token=revoked))["logout"]["userErrors"] == []
    await assert_token_refused(api, revoked)


async def test_the_401_is_graphql_json_with_the_request_id(client: httpx.AsyncClient) -> None:
    for accept, content_type in [(None, JSON), (JSON, JSON), (GRJ, f"{GRJ}; charset=utf-8")]:
        response = await post(
            client,
            {"query": "{ me { id } }"},
            accept,
            authorization="Bearer cas_gone",
            x_request_id="trace-401",
        )
        assert response.status_code == 401
        assert response.headers["content-type"] == content_type
        assert response.headers["www-authenticate"] == 'Bearer error="invalid_token"'
        assert response.headers["cache-control"] == "no-store"
        assert response.headers["x-request-id"] == "trace-401"
        assert response.json() == {
            "errors": [
                {
                    "message": "Your session has ended or the token is not valid: sign in again.",
                    "extensions": {"code": "AUTH_TOKEN_INVALID", "requestId": "trace-401"},
                }
            ]
        }


async def test_a_dead_token_runs_nothing(api: Api, customer: Caller) -> None:
    update_name = 'mutation { updateProfile(input: {firstName: "Mallory"}) { userErrors { code } } }'
    assert (await api.ok("mutation { logout { userErrors { code } } }", token=customer.token))["logout"] == {
        "userErrors": []
    }
    for operation in (update_name, "mutation { logout { userErrors { code } } }", "{ __typename }"):
        result = await api(operation, token=customer.token, status=401)
        assert result.error_codes == ["AUTH_TOKEN_INVALID"]
    fresh = await login(api, customer.customer.email, customer.password)
    assert (await api.ok("{ me { firstName } }", token=fresh))["me"] == {"firstName": "Casey"}


async def test_no_credentials_are_anonymous(client: httpx.AsyncClient) -> None:
    for headers in ({}, {"authorization": ""}, {"authorization": "Bearer"}, {"authorization": "Bearer    "}):
        response = await client.post("/graphql", json={"query": "{ me { id } }"}, headers=headers)
        assert (response.status_code, response.json()) == (200, {"data": {"me": None}})
        assert "www-authenticate" not in response.headers


async def test_unknown_and_revoked_api_keys_are_401(api: Api, rt: Runtime) -> None:
    key = (await create_service_account(rt, "erp", ["orders:write"])).api_key
    for forged in (key + "x", key[:-1], "ca_sk_", "ca_sk_" + "A" * 300):
        await assert_token_refused(api, forged, "API_KEY_INVALID")
    assert (await api.ok("{ me { id } }", token=key)) == {"me": None}  # a working key: nobody's account
    assert await revoke_service_account(rt, "erp")
    await assert_token_refused(api, key, "API_KEY_INVALID")
    response = await api.client.post(
        "/graphql", json={"query": "{ __typename }"}, headers={"authorization": f"Bearer {key}"}
    )
    assert response.json()["errors"][0]["message"] == "This API key is not valid."
    assert response.headers["www-authenticate"] == 'Bearer error="invalid_token"'


# Headers: each once; nothing cached.


def repeated_headers(response: httpx.Response) -> list[str]:
    names = [name.decode("latin-1").lower() for name, _ in response.headers.raw]
    return sorted({name for name in names if names.count(name) > 1})


async def test_no_response_repeats_a_header_and_none_is_cached(app_factory: Any, api: Api, customer: Caller) -> None:
    _, shop = await app_factory(cors_allowed_origins="https://shop.example.com")
    client = shop.client
    export = await api.ok(
        "mutation { exportMyData { dataExport { downloadUrl } userErrors { code } } }", token=customer.token
    )
    download_url = export["exportMyData"]["dataExport"]["downloadUrl"]
    bearer = {"authorization": f"Bearer {customer.token}"}
    graphql = {"query": "{ me { id } }"}
    origin = {"origin": "https://shop.example.com"}
    requests: dict[str, Any] = {
        "graphql anonymous": client.post("/graphql", json=graphql),
        "graphql signed in": client.post("/graphql", json=graphql, headers=bearer),
        "graphql signed in, graphql-response+json": client.post(
            "/graphql", json=graphql, headers={**bearer, "accept": GRJ}
        ),
        "graphql bad token": client.post("/graphql", json=graphql, headers={"authorization": "Bearer cas_nope"}),
        "graphql syntax error": client.post("/graphql", json={"query": "{"}, headers={"accept": GRJ}),
        "graphql bad json": client.post("/graphql", content=b"{", headers={"content-type": "application/json"}),
        "graphql wrong content type": client.post("/graphql", content=b"{}", headers={"content-type": "text/plain"}),
        "graphql by GET": client.get("/graphql", params={"query": "{ __typename }"}, headers={"accept": JSON}),
        "graphiql page": client.get("/graphql", headers={"accept": "text/html"}),
        "graphql PUT": client.put("/graphql", json=graphql),
        "graphql CORS": client.post("/graphql", json=graphql, headers={**origin, **bearer}),
        "graphql preflight": client.options(
            "/graphql",
            headers={
                **origin,
                "access-control-request-method": "POST",
                "access-control-request-headers": "authorization",
            },
        ),
        "graphql refused preflight": client.options(
            "/graphql", headers={"origin": "https://evil.example", "access-control-request-method": "POST"}
        ),
        "healthz": client.get("/healthz"),
        "readyz": client.get("/readyz"),
        "graphiql asset": client.get("/graphiql-assets/graphiql@3.8.3/graphiql.min.css"),
        "missing graphiql asset": client.get("/graphiql-assets/nothing.js"),
        "unknown path": client.get("/nope", headers=bearer),
        "download": client.get(download_url),
        "download, bad signature": client.get(download_url.replace("signature=", "signature=x")),
        "download, HEAD": client.head(download_url),
        "download of nothing": client.get("/files/data-export/not-an-id"),
    }
    statuses = {}
    for name, request in requests.items():
        response = await request
        statuses[name] = response.status_code
        assert repeated_headers(response) == [], (name, response.headers.raw)
        assert response.headers.get("cache-control") == "no-store", (name, response.status_code)
        assert response.headers["x-content-type-options"] == "nosniff", name
        assert response.headers["x-request-id"], name
    # Every kind of answer was walked: successes, refusals, the router's own and the middleware's.
    assert statuses == {
        "graphql anonymous": 200,
        "graphql signed in": 200,
        "graphql signed in, graphql-response+json": 200,
        "graphql bad token": 401,
        "graphql syntax error": 400,
        "graphql bad json": 400,
        "graphql wrong content type": 400,
        "graphql by GET": 400,
        "graphiql page": 200,
        "graphql PUT": 405,
        "graphql CORS": 200,
        "graphql preflight": 200,
        "graphql refused preflight": 400,
        "healthz": 200,
        "readyz": 200,
        "graphiql asset": 200,
        "missing graphiql asset": 404,
        "unknown path": 404,
        "download": 200,
        "download, bad signature": 403,
        "download, HEAD": 405,
        "download of nothing": 403,
    }


@pytest.mark.parametrize(
    "query",
    [
        "subscription { ticketUpdated { ticket { id } } }",
        "subscription($id: ID) { orderStatusChanged(orderId: $id) { status } }",
        "subscription A { ticketUpdated { change } } subscription B { ticketUpdated { change } }",
    ],
)
@pytest.mark.parametrize("accept", [None, GRJ, 'multipart/mixed;subscriptionSpec="1.0", application/json'])
async def test_subscriptions_over_http_are_refused_as_bad_requests(
    client: httpx.AsyncClient, customer: Caller, query: str, accept: str | None
) -> None:
    # They are served over WebSocket (graphql-transport-ws) only; over HTTP one ran as a query and failed inside.
    body: dict[str, Any] = {"query": query, "operationName": "A" if " A " in query else None}
    for token in (None, customer.token):
        response = await post(client, body, accept, **({"authorization": f"Bearer {token}"} if token else {}))
        assert response.status_code == 400, response.text
        assert [error["extensions"]["code"] for error in response.json()["errors"]] == ["BAD_REQUEST"]
