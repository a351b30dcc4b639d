"""What errors tell a client and the log: one log line per request, and nothing about the schema in
production's validation messages."""

import logging
from typing import Any

import pytest
from graphql import GraphQLError

from app.services.errors import NotAuthenticatedError
from schema.errors import HIDDEN_VALIDATION_MESSAGE, HIDDEN_VARIABLES_MESSAGE, log_errors
from tests.support import Api

# Documents whose development messages name fields, types or arguments (or suggest them).
PROBES: list[tuple[str, dict[str, Any] | None, list[str]]] = [
    ("{ me }", None, ["me", "Customer"]),
    ("{ nope }", None, ["nope", "Query"]),
    ("{ mee { id } }", None, ["mee", "Query"]),
    ("{ me { id nope } }", None, ["nope", "Customer"]),
    ("{ me { id(x: 1) } }", None, ["Customer.id", "x"]),
    ("{ node { id } }", None, ["Query.node", "ID!"]),
    ("{ me { ... on Product { id } } }", None, ["Customer", "Product"]),
    ("query($x: Nope) { __typename }", None, ["Nope"]),
    ("fragment F on Nope { id } { ...F }", None, ["Nope"]),
    ('{ me { orders(first: "x") { edges { cursor } } } }', None, ["Int"]),
    ("mutation($i: LoginInput!) { login(input: $i) { token } }", {"i": {"emial": "x"}}, ["email", "password"]),
    ("query($n: Int) { me { orders(first: $n) { edges { cursor } } } }", {"n": "x"}, ["Int"]),
]
SCHEMA_WORDS = [
    "Customer",
    "Query",
    "Product",
    "LoginInput",
    "Did you mean",
    "'email'",
    "'password'",
    "OrderConnection",
]


@pytest.mark.parametrize(("query", "variables", "told"), PROBES)
async def test_development_explains_what_is_wrong(api: Api, query: str, variables: Any, told: list[str]) -> None:
    result = await api(query, variables)
    assert result.errors is not None
    messages = " ".join(e["message"] for e in result.errors)
    assert any(word in messages for word in told), messages


async def test_production_validation_messages_name_nothing_of_the_schema(app_factory: Any) -> None:
    _, api = await app_factory(environment="production")
    for query, variables, _told in PROBES:
        result = await api(query, variables)
        assert result.data is None or result.data == {"me": None}, (query, result.data)
        assert result.errors, query
        for error in result.errors:
            assert error["message"] in (HIDDEN_VALIDATION_MESSAGE, HIDDEN_VARIABLES_MESSAGE), (query, error)
            assert error["locations"], (query, error)  # where the mistake is, still
        assert set(result.error_codes) <= {"GRAPHQL_VALIDATION_FAILED", "BAD_USER_INPUT"}, query
        for word in SCHEMA_WORDS:
            assert word not in result.response.text, (query, word)
    # Validation errors keep their code; variable errors keep theirs.
    assert (await api("{ me }")).error_codes == ["GRAPHQL_VALIDATION_FAILED"]
    assert (await api(*PROBES[-1][:2])).error_codes == ["BAD_USER_INPUT"]


async def test_production_keeps_messages_that_tell_nothing_of_the_schema(app_factory: Any) -> None:
    _, api = await app_factory(environment="production")
    assert (await first_message(api, "{ me { id ")).startswith("Syntax Error")
    costly = "{ customers(first: 100) { edges { node { securityEvents(first: 100) { edges { cursor } } } } } }"
    assert "too expensive" in await first_message(api, costly)
    flood = "{ __typename " + " ".join(f"@d{i}" for i in range(60)) + " }"
    assert "directives" in await first_message(api, flood)
    deep = "{ me { " + "roleChanges { actor { " * 7 + "id" + " } }" * 7 + " } }"
    assert "depth" in await first_message(api, deep)


async def first_message(api: Api, query: str) -> str:
    result = await api(query)
    assert result.errors is not None
    message: str = result.errors[0]["message"]
    return message


def graphql_log_lines(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [record for record in caplog.records if record.name == "app.graphql"]


async def test_one_log_line_per_request_whatever_its_errors(api: Api, caplog: pytest.LogCaptureFixture) -> None:
    unknown = "{ __typename " + " ".join(f"@guess{i}" for i in range(45)) + " }"
    with caplog.at_level(logging.INFO, logger="app.graphql"):
        result = await api(unknown)
    assert result.error_codes == ["GRAPHQL_VALIDATION_FAILED"] * 45
    lines = graphql_log_lines(caplog)
    assert len(lines) == 1
    assert lines[0].getMessage() == "graphql errors: GRAPHQL_VALIDATION_FAILED x45"
    assert getattr(lines[0], "request_id", None) == result.response.headers["x-request-id"]

    caplog.clear()
    with caplog.at_level(logging.INFO, logger="app.graphql"):
        flood = await api("{ __typename " + " ".join(f"@guess{i}" for i in range(2400)) + " }")
    assert flood.error_codes == ["TOO_MANY_DIRECTIVES"]
    assert [r.getMessage() for r in graphql_log_lines(caplog)] == ["graphql errors: TOO_MANY_DIRECTIVES x1"]

    caplog.clear()
    with caplog.at_level(logging.INFO, logger="app.graphql"):
        fields = await api("{ " + " ".join(f"f{i}" for i in range(150)) + " }")
    # graphql-core stops at 100 errors and says so in one more; still one line.
    assert len(fields.error_codes) == 101
    assert [r.getMessage() for r in graphql_log_lines(caplog)] == ["graphql errors: GRAPHQL_VALIDATION_FAILED x101"]


async def test_a_request_without_errors_logs_nothing(api: Api, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="app.graphql"):
        assert (await api("{ __typename }")).errors is None
    assert graphql_log_lines(caplog) == []


def test_one_bug_on_every_item_of_a_list_logs_one_traceback(caplog: pytest.LogCaptureFixture) -> None:
    bug = RuntimeError("bug")
    other = KeyError("other")
    errors = [GraphQLError("x", path=["nodes", i, "firstName"], original_error=bug) for i in range(100)]
    errors.append(GraphQLError("x", path=["nodes", 0, "lastName"], original_error=other))
    errors.append(GraphQLError("x", path=["me"], original_error=NotAuthenticatedError()))
    with caplog.at_level(logging.INFO, logger="app.graphql"):
        log_errors(errors, None)
    lines = graphql_log_lines(caplog)
    tracebacks = [r for r in lines if r.exc_info]
    assert [r.getMessage() for r in tracebacks] == [
        "unexpected error while resolving nodes.firstName",
        "unexpected error while resolving nodes.lastName",
    ]
    assert [r.getMessage() for r in lines if not r.exc_info] == [
        "graphql errors: INTERNAL_SERVER_ERROR x101, UNAUTHENTICATED x1"
    ]
