"""Sign-in, sessions and their expiry."""

from datetime import timedelta

from sqlalchemy import select, update
from sqlmodel import col

from app.runtime import Runtime
from app.services.sessions import authenticate
from models.auth import AuthSession
from models.base import utcnow
from models.customer import Customer, CustomerStatus, Role
from tests.accounts.queries import LOGIN, LOGOUT, ME, REVOKE_SESSION, SESSIONS
from tests.support import (
    Api,
    Caller,
    assert_token_refused,
    count_statements,
    global_id,
    login,
    make_caller,
    make_customer,
)

PASSWORD = "a perfectly fine passphrase"


async def test_unknown_email_and_wrong_password_get_the_same_answer(api: Api, customer: Caller) -> None:
    unknown = await api.ok(LOGIN, {"input": {"email": "ghost@example.com", "password": PASSWORD}})
    wrong = await api.ok(LOGIN, {"input": {"email": customer.customer.email, "password": "not my password at all"}})
    assert unknown == wrong
    assert unknown["login"] == {
        "token": None,
        "expiresAt": None,
        "customer": None,
        "userErrors": [
            {"field": None, "message": "The sign-in details are not correct.", "code": "INVALID_CREDENTIALS"}
        ],
    }
    malformed = await api.ok(LOGIN, {"input": {"email": "not an email", "password": PASSWORD}})
    assert malformed == unknown


async def test_login_input_shape_errors(api: Api, customer: Caller) -> None:
    neither = await api.ok(LOGIN, {"input": {"password": PASSWORD}})
    assert [e["code"] for e in neither["login"]["userErrors"]] == ["REQUIRED"]
    both = await api.ok(
        LOGIN, {"input": {"email": customer.customer.email, "phone": "+14155550123", "password": PASSWORD}}
    )
    assert [e["code"] for e in both["login"]["userErrors"]] == ["REQUIRED"]
    empty_password = await api.ok(LOGIN, {"input": {"email": customer.customer.email, "password": ""}})
    assert empty_password["login"]["userErrors"] == [
        {"field": ["input", "password"], "message": "Enter your password.", "code": "REQUIRED"}
    ]
    huge = await api.ok(LOGIN, {"input": {"email": customer.customer.email, "password": "x" * 100_000}})
    assert [e["code"] for e in huge["login"]["userErrors"]] == ["INVALID_CREDENTIALS"]


async def test_login_by_phone(api: Api, rt: Runtime) -> None:
    await make_customer(rt, email_address="phone.user@example.com", phone="+442071838750")
    result = await api.ok(LOGIN, {"input": {"phone": "+44 20 7183 8750", "password": PASSWORD}})
    assert result["login"]["customer"]["email"] == "phone.user@example.com"


async def test_suspended_and_pending_accounts_are_told_why(api: Api, rt: Runtime) -> None:
    for status, code in [
        (CustomerStatus.SUSPENDED, "ACCOUNT_SUSPENDED"),
        (CustomerStatus.PENDING_APPROVAL, "ACCOUNT_PENDING_APPROVAL"),
        (CustomerStatus.PENDING_ACTIVATION, "ACCOUNT_PENDING_ACTIVATION"),
    ]:
        row = await make_customer(rt, status=status)
        result = await api.ok(LOGIN, {"input": {"email": row.email, "password": PASSWORD}})
        assert [e["code"] for e in result["login"]["userErrors"]] == [code]
        # ... but only with the right password: otherwise the status stays secret.
        wrong = await api.ok(LOGIN, {"input": {"email": row.email, "password": "wrong password here"}})
        assert [e["code"] for e in wrong["login"]["userErrors"]] == ["INVALID_CREDENTIALS"]


async def test_sessions_list_devices_and_mark_the_current_one(api: Api, customer: Caller) -> None:
    second = await login(api, customer.customer.email, customer.password, user_agent="PhoneBrowser/1.0")
    sessions = (await api.ok(SESSIONS, token=customer.token))["sessions"]
    assert len(sessions) == 2
    assert sorted(s["current"] for s in sessions) == [False, True]
    other = next(s for s in sessions if not s["current"])
    assert other["userAgent"] == "PhoneBrowser/1.0"
    assert other["ipAddress"] == "127.0.0.1"

    revoked = await api.ok(REVOKE_SESSION, {"input": {"sessionId": other["id"]}}, token=customer.token)
    assert revoked["revokeSession"] == {"revokedSessionId": other["id"], "userErrors": []}
    await assert_token_refused(api, second)
    assert len((await api.ok(SESSIONS, token=customer.token))["sessions"]) == 1
    again = await api.ok(REVOKE_SESSION, {"input": {"sessionId": other["id"]}}, token=customer.token)
    assert [e["code"] for e in again["revokeSession"]["userErrors"]] == ["NOT_FOUND"]


async def test_another_customers_session_cannot_be_revoked_or_seen(
    api: Api, customer: Caller, other_customer: Caller
) -> None:
    theirs = (await api.ok(SESSIONS, token=other_customer.token))["sessions"][0]["id"]
    result = await api.ok(REVOKE_SESSION, {"input": {"sessionId": theirs}}, token=customer.token)
    assert result["revokeSession"]["userErrors"] == [
        {"field": ["input", "sessionId"], "message": "No such session.", "code": "NOT_FOUND"}
    ]
    assert (await api.ok(ME, token=other_customer.token))["me"] is not None
    node = await api.ok("query($id: ID!) { node(id: $id) { id } }", {"id": theirs}, token=customer.token)
    assert node["node"] is None
    for bad in ("not-an-id", global_id("Customer", customer.customer.id)):
        bad_result = await api.ok(REVOKE_SESSION, {"input": {"sessionId": bad}}, token=customer.token)
        assert [e["code"] for e in bad_result["revokeSession"]["userErrors"]] == ["NOT_FOUND"]


async def test_session_ends_after_idle_timeout(api: Api, rt: Runtime, customer: Caller) -> None:
    idle = timedelta(minutes=rt.settings.session_idle_timeout_minutes)
    async with rt.db.unit_of_work() as session:
        await session.execute(update(AuthSession).values(last_seen_at=utcnow() - idle - timedelta(seconds=5)))
    await assert_token_refused(api, customer.token)


async def test_session_ends_at_absolute_expiry_even_when_used(api: Api, rt: Runtime, customer: Caller) -> None:
    async with rt.db.unit_of_work() as session:
        await session.execute(update(AuthSession).values(expires_at=utcnow() - timedelta(seconds=1)))
    await assert_token_refused(api, customer.token)


async def test_use_refreshes_last_seen(api: Api, rt: Runtime, customer: Caller) -> None:
    an_hour_ago = utcnow() - timedelta(hours=1)
    async with rt.db.unit_of_work() as session:
        await session.execute(update(AuthSession).values(last_seen_at=an_hour_ago))
    await api.ok(ME, token=customer.token)
    async with rt.db.read() as session:
        seen = (await session.execute(select(col(AuthSession.last_seen_at)))).scalar_one()
    assert seen > an_hour_ago + timedelta(minutes=59)


async def test_a_token_is_checked_with_all_its_customers_roles_in_one_statement(api: Api, rt: Runtime) -> None:
    for roles in ((), (Role.CUSTOMER,), (Role.CUSTOMER, Role.SUPPORT, Role.ADMIN)):
        caller = await make_caller(api, rt, roles=roles)
        with count_statements(rt) as statements:
            authenticated = await authenticate(rt, caller.token)
        assert authenticated is not None
        assert authenticated.principal.customer_id == caller.customer.id
        assert authenticated.principal.roles == frozenset(roles)
        assert authenticated.principal.session_id == authenticated.session.id
        assert len(statements) == 1, statements
        assert "password_hash" not in statements[0]

    async with rt.db.unit_of_work() as session:  # suspended, its sessions left as they are
        await session.execute(
            update(Customer).where(col(Customer.id) == caller.customer.id).values(status=CustomerStatus.SUSPENDED)
        )
    assert await authenticate(rt, caller.token) is None


async def test_garbage_tokens_are_refused_not_anonymous(api: Api) -> None:
    for token in ("cas_nope", "x" * 1000, "two words", '"quoted"', "undefined", "null"):
        await assert_token_refused(api, token)
    # No credentials at all is anonymous: no header, an empty one, a bearer without a token, another scheme
    # (RFC 6750: a request in another scheme carries no bearer credentials).
    for header in ("", "Bearer", "Bearer   ", "Basic abc"):
        assert (await api(ME, authorization=header)).data == {"me": None}


async def test_tokens_are_stored_hashed(api: Api, rt: Runtime, customer: Caller) -> None:
    async with rt.db.read() as session:
        stored = list((await session.execute(select(col(AuthSession.token_hash)))).scalars())
    assert customer.token not in stored
    assert all(len(value) == 64 for value in stored)


async def test_password_hash_is_upgraded_when_parameters_change(api: Api, rt: Runtime, customer: Caller) -> None:
    from app.security.passwords import PasswordHasher

    async with rt.db.read() as session:
        before = (await session.get(Customer, customer.customer.id)).password_hash  # type: ignore[union-attr]
    rt.hasher = PasswordHasher(time_cost=2, memory_kib=128, parallelism=1, concurrency=1)
    await login(api, customer.customer.email, customer.password)
    async with rt.db.read() as session:
        after = (await session.get(Customer, customer.customer.id)).password_hash  # type: ignore[union-attr]
    assert before is not None
    assert after is not None
    assert "m=64,t=1" in before
    assert "m=128,t=2" in after
    await login(api, customer.customer.email, customer.password)


async def test_logout_needs_a_session(api: Api) -> None:
    result = await api(LOGOUT)
    assert result.error_codes == ["UNAUTHENTICATED"]
    assert result.errors
    assert result.errors[0]["message"] == "Sign in to do this."
    assert (await api(SESSIONS)).error_codes == ["UNAUTHENTICATED"]
