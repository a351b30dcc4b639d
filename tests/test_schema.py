"""The checked-in schema.graphql is what the code builds; the contract names storefronts use exist."""

from pathlib import Path
from typing import Any

from schema.build import build_schema
from tests.support import Api

ROOT = Path(__file__).resolve().parent.parent


def test_schema_graphql_matches_the_code() -> None:
    built = build_schema().as_str() + "\n"
    checked_in = (ROOT / "schema.graphql").read_text()
    assert checked_in == built, "schema.graphql is stale: run `make schema`"


def test_contract_names_exist() -> None:
    sdl = build_schema().as_str()
    for name in [
        "register(input: RegisterInput!): RegisterPayload!",
        "activateAccount(input: ActivateAccountInput!): ActivateAccountPayload!",
        "resendActivation(input: ResendActivationInput!): ResendActivationPayload!",
        "login(input: LoginInput!): LoginPayload!",
        "logout: LogoutPayload!",
        "me: Customer",
        "sessions: [Session!]!",
        "revokeSession(input: RevokeSessionInput!): RevokeSessionPayload!",
        "changePassword(input: ChangePasswordInput!): ChangePasswordPayload!",
        "requestPasswordReset(input: RequestPasswordResetInput!): RequestPasswordResetPayload!",
        "resetPassword(input: ResetPasswordInput!): ResetPasswordPayload!",
        "node(id: ID!): Node",
        "nodes(ids: [ID!]!): [Node]!",
        "interface DisplayableError",
        "type AccountUserError implements DisplayableError",
        "scalar DateTime",
    ]:
        assert name in sdl, name
    login_payload = sdl[sdl.index("type LoginPayload") :].split("}")[0]
    for field in ("token: String", "expiresAt: DateTime", "customer: Customer", "userErrors: [AccountUserError!]!"):
        assert field in login_payload
    register_input = sdl[sdl.index("input RegisterInput") :].split("}")[0]
    for field in ("email: String!", "password: String!", "firstName: String", "lastName: String", "phone: String"):
        assert field in register_input


async def test_a_repeated_document_is_parsed_and_validated_once(api: Api) -> None:
    from strawberry.extensions.parser_cache import _get_parse_cache
    from strawberry.extensions.validation_cache import _get_validate_cache

    parse_cache: Any = _get_parse_cache(512)
    validate_cache: Any = _get_validate_cache(512)
    query = "query RepeatedForTheCache { __typename }"
    await api.ok(query)
    parsed, validated = parse_cache.cache_info(), validate_cache.cache_info()
    for _ in range(3):
        await api.ok(query)
    assert parse_cache.cache_info().hits == parsed.hits + 3
    assert validate_cache.cache_info().hits == validated.hits + 3
