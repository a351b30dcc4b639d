"""Request limits and production-mode behaviour, as a hostile or careless client meets them."""

from typing import Any

from httpx import AsyncClient

from tests.support import Api, Caller

INTROSPECTION = "{ __schema { queryType { name } } }"


async def test_expensive_queries_are_refused_before_they_run(api: Api, staff: Caller) -> None:
    cheap = "{ customers(first: 10) { edges { node { id securityEvents(first: 10) { edges { cursor } } } } } }"
    assert (await api(cheap, token=staff.token)).errors is None
    costly = "{ customers(first: 100) { edges { node { id securityEvents(first: 100) { edges { cursor } } } } } }"
    result = await api(costly, token=staff.token)
    assert result.data is None
    assert result.error_codes == ["QUERY_TOO_EXPENSIVE"]
    assert result.errors is not None
    assert result.errors[0]["extensions"]["maxCost"] == 5000
    # Page sizes given as variables count too.
    by_variable = await api(
        "query($n: Int) { customers(first: $n) { edges { node { securityEvents(first: $n) { edges { cursor } } } } } }",
        {"n": 100},
        token=staff.token,
    )
    assert by_variable.error_codes == ["QUERY_TOO_EXPENSIVE"]
    # Fragments are expanded.
    fragment = (
        "query { customers(first: 100) { edges { node { ...F } } } } "
        "fragment F on Customer { securityEvents(first: 100) { edges { cursor } } }"
    )
    assert (await api(fragment, token=staff.token)).error_codes == ["QUERY_TOO_EXPENSIVE"]


async def test_limits_are_settings(app_factory: Any, staff: Caller) -> None:
    _, api = await app_factory(max_query_cost=50, max_aliases=2)
    assert (await api("{ customers(first: 60) { edges { cursor } } }", token=staff.token)).error_codes == [
        "QUERY_TOO_EXPENSIVE"
    ]
    assert set((await api("{ a: me { id } b: me { id } c: me { id } }")).error_codes) == {"GRAPHQL_VALIDATION_FAILED"}


async def test_development_allows_introspection(api: Api) -> None:
    assert (await api(INTROSPECTION)).data == {"__schema": {"queryType": {"name": "Query"}}}


async def test_production_mode_hides_the_schema_and_the_ide(app_factory: Any, settings: Any) -> None:
    _application, api = await app_factory(environment="production")
    result = await api(INTROSPECTION)
    assert result.data is None
    assert set(result.error_codes) == {"GRAPHQL_VALIDATION_FAILED"}
    typo = await api("{ mee { id } }")
    assert typo.errors is not None
    assert "Did you mean" not in typo.errors[0]["message"]
    page = await api.client.get("/graphql", headers={"accept": "text/html"})
    assert page.status_code != 200 or "graphiql" not in page.text.lower()
    assert (await api.client.get("/graphiql-assets/graphiql@3.8.3/graphiql.min.js")).status_code == 404


async def test_mutations_only_by_json_post(client: AsyncClient) -> None:
    mutation = 'mutation { requestPasswordReset(input: {email: "a@example.com"}) { userErrors { code } } }'
    by_get = await client.get("/graphql", params={"query": mutation}, headers={"accept": "application/json"})
    assert by_get.status_code in (400, 405)
    form = await client.post("/graphql", data={"query": mutation})
    assert form.status_code in (400, 415)
    text = await client.post("/graphql", content=mutation.encode(), headers={"content-type": "text/plain"})
    assert text.status_code in (400, 415)
    multipart = await client.post("/graphql", files={"operations": (None, '{"query": "{ me { id } }"}')})
    assert multipart.status_code in (400, 415)


async def test_security_headers(client: AsyncClient) -> None:
    response = await client.post("/graphql", json={"query": "{ me { id } }"})
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert response.headers["content-security-policy"] == "default-src 'none'; frame-ancestors 'none'"
    assert "strict-transport-security" not in response.headers  # plain HTTP here


async def test_hsts_behind_a_trusted_tls_proxy(app_factory: Any) -> None:
    _, api = await app_factory(trusted_proxies="1")
    response = await api.client.get("/healthz", headers={"x-forwarded-proto": "https"})
    assert response.headers["strict-transport-security"].startswith("max-age=")


async def test_cors_allows_only_listed_origins(app_factory: Any) -> None:
    _, api = await app_factory(cors_allowed_origins="https://shop.example.com")
    preflight = {
        "access-control-request-method": "POST",
        "access-control-request-headers": "authorization,content-type",
    }
    allowed = await api.client.options("/graphql", headers={"origin": "https://shop.example.com", **preflight})
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == "https://shop.example.com"
    assert "authorization" in allowed.headers["access-control-allow-headers"].lower()
    refused = await api.client.options("/graphql", headers={"origin": "https://evil.example", **preflight})
    assert "access-control-allow-origin" not in refused.headers
    simple = await api.client.post(
        "/graphql", json={"query": "{ me { id } }"}, headers={"origin": "https://evil.example"}
    )
    assert "access-control-allow-origin" not in simple.headers
