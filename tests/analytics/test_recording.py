"""The events analytics adds to what the app records, through the real API: a registration that fails
validation counts as started (keyed by a hash, never the address), help-centre searches and views are
recorded for customers and anonymous visitors (not for staff); and who may read the figures."""

from datetime import timedelta

import httpx
from sqlalchemy import select

from app.runtime import Runtime
from app.services import analytics_rollup
from app.services.audit import identifier_hash
from models.analytics import HelpEvent, HelpEventKind, RegistrationAttempt
from models.base import utcnow
from tests.accounts.queries import REGISTER
from tests.support import Api, Caller, Mailbox, link_token

ANALYTICS = """query($i: AnalyticsInput!) { analytics(input: $i) {
  report { from to granularity countedUntil csvUrl series { figure unit byChannel
    points { periodStart periodEnd numerator denominator value } } }
  userErrors { field message code } } }"""
ACTIVATE = "mutation($t: String!) { activateAccount(input: {token: $t}) { userErrors { code } } }"
CREATE_ARTICLE = """mutation($i: CreateHelpArticleInput!) { createHelpArticle(input: $i) { article { id slug } } }"""
SEARCH = "query($q: String) { helpArticles(query: $q) { edges { node { slug } } } }"
BY_SLUG = "query($s: String!) { helpArticle(slug: $s) { title } }"


async def attempts(rt: Runtime) -> list[RegistrationAttempt]:
    async with rt.db.read() as session:
        return list((await session.execute(select(RegistrationAttempt))).scalars())


def figure(report: dict, name: str) -> list[dict]:  # type: ignore[type-arg]
    series = next(s for s in report["series"] if s["figure"] == name)
    return series["points"]  # type: ignore[no-any-return]


async def test_a_failed_registration_counts_as_started_and_an_activation_completes_the_funnel(
    api: Api, rt: Runtime, staff: Caller, mailbox: Mailbox
) -> None:
    typed = "  New.Person@Example.COM "
    failed = await api.ok(REGISTER, {"input": {"email": typed, "password": "short"}})
    assert [e["code"] for e in failed["register"]["userErrors"]] == ["PASSWORD_TOO_SHORT"]
    recorded = await attempts(rt)
    assert [(a.identifier_hash, a.group_code) for a in recorded] == [
        (identifier_hash(rt, "new.person@example.com"), None)
    ]
    first_at = recorded[0].created_at

    # Not even a valid address is needed to start; only an empty one records nothing.
    await api.ok(REGISTER, {"input": {"email": "not an address", "password": "short", "customerGroup": "=x"}})
    await api.ok(REGISTER, {"input": {"email": "   ", "password": "short"}})
    assert sorted("-" if a.group_code is None else a.group_code for a in await attempts(rt)) == ["", "-"]

    # The second try for the same address (now valid) keeps the first moment; the row holds no address.
    done = await api.ok(REGISTER, {"input": {"email": "new.person@example.com", "password": "a long passphrase!"}})
    assert done["register"]["userErrors"] == []
    rows = {a.identifier_hash: a for a in await attempts(rt)}
    assert rows[identifier_hash(rt, "new.person@example.com")].created_at == first_at
    assert not any("@" in (a.identifier_hash + (a.group_code or "")) for a in rows.values())
    token = link_token(await mailbox.wait_for("new.person@example.com"), "/activate")
    assert (await api.ok(ACTIVATE, {"t": token}))["activateAccount"]["userErrors"] == []

    await analytics_rollup.run(rt, until=utcnow())
    today = utcnow().date().isoformat()
    names = ["REGISTRATIONS_STARTED", "REGISTRATION_COMPLETION", "REGISTRATION_CONVERSION", "TIME_TO_ACTIVATE"]
    data = await api.ok(ANALYTICS, {"i": {"from": today, "to": today, "figures": names}}, token=staff.token)
    report = data["analytics"]["report"]
    assert [s["figure"] for s in report["series"]] == names
    assert figure(report, "REGISTRATIONS_STARTED")[0]["value"] == 2  # two addresses: the junk one is one too
    assert figure(report, "REGISTRATION_COMPLETION")[0]["numerator"] == 1
    assert figure(report, "REGISTRATION_CONVERSION")[0]["value"] == 0.5
    assert figure(report, "TIME_TO_ACTIVATE")[0]["value"] >= 0


async def test_help_searches_and_views_are_recorded_for_customers_and_visitors_not_staff(
    api: Api, rt: Runtime, staff: Caller, customer: Caller
) -> None:
    article = {"title": "Where is my parcel?", "body": "Track it in My Account.", "category": "Orders"}
    created = await api.ok(CREATE_ARTICLE, {"i": {**article, "published": True}}, token=staff.token)
    slug = created["createHelpArticle"]["article"]["slug"]

    await api.ok(SEARCH, {"q": "parcel"})  # an anonymous search
    await api.ok(SEARCH, {"q": None}, token=customer.token)  # a listing, not a search
    await api.ok(SEARCH, {"q": "parcel track"}, token=customer.token)
    await api.ok(BY_SLUG, {"s": slug}, token=customer.token)
    await api.ok(BY_SLUG, {"s": "no-such-article"}, token=customer.token)
    await api.ok(SEARCH, {"q": "parcel"}, token=staff.token)  # staff are not looking for help
    await api.ok(BY_SLUG, {"s": slug}, token=staff.token)

    async with rt.db.read() as session:
        events = list((await session.execute(select(HelpEvent))).scalars())
    seen = sorted((e.kind.value, e.customer_id == customer.customer.id, e.customer_id is None) for e in events)
    assert seen == [("SEARCH", False, True), ("SEARCH", True, False), ("VIEW", True, False)]
    assert {e.article_id for e in events if e.kind is HelpEventKind.VIEW} == {
        e.article_id for e in events if e.article_id
    }


async def test_only_staff_read_analytics_and_bad_ranges_are_typed_errors(
    api: Api, client: httpx.AsyncClient, staff: Caller, admin: Caller, customer: Caller
) -> None:
    today = utcnow().date()
    ok = {"from": today.isoformat(), "to": today.isoformat()}
    assert (await api(ANALYTICS, {"i": ok})).error_codes == ["UNAUTHENTICATED"]
    refused = await api(ANALYTICS, {"i": ok}, token=customer.token)
    assert refused.error_codes == ["FORBIDDEN"]
    assert refused.data is None
    for caller in (staff, admin):
        assert (await api.ok(ANALYTICS, {"i": ok}, token=caller.token))["analytics"]["userErrors"] == []

    async def errors(**change: object) -> list[tuple[list[str], str]]:
        data = await api.ok(ANALYTICS, {"i": {**ok, **change}}, token=staff.token)
        assert data["analytics"]["report"] is None
        return [(e["field"], e["code"]) for e in data["analytics"]["userErrors"]]

    yesterday = (today - timedelta(days=1)).isoformat()
    assert await errors(to=yesterday) == [(["input", "from"], "INVALID_RANGE")]
    long_ago = (today - timedelta(days=366)).isoformat()
    assert await errors(**{"from": long_ago}) == [(["input", "to"], "RANGE_TOO_LONG")]
    assert (await api.ok(ANALYTICS, {"i": {**ok, "from": long_ago, "granularity": "WEEK"}}, token=staff.token))[
        "analytics"
    ]["userErrors"] == []
    assert await errors(groupId=customer.gid) == [(["input", "groupId"], "GROUP_NOT_FOUND")]
    assert await errors(groupId="not an id") == [(["input", "groupId"], "GROUP_NOT_FOUND")]
    # Days whose periods, or the day after them, no date can hold: typed errors, not an overflow.
    for granularity in ("DAY", "WEEK", "MONTH"):
        for first, last, field in (
            ("9999-12-31", "9999-12-31", "from"),
            ("9999-12-25", "9999-12-31", "from"),
            ("9998-12-01", "9999-01-31", "to"),
            ("0001-01-01", "0001-01-03", "from"),
            ("1969-12-31", "1970-01-01", "from"),
        ):
            change = {"from": first, "to": last, "granularity": granularity}
            assert await errors(**change) == [(["input", field], "INVALID_RANGE")], change
    bad_date = await api(ANALYTICS, {"i": {**ok, "from": "2026-02-30"}}, token=staff.token)
    assert bad_date.error_codes == ["GRAPHQL_VALIDATION_FAILED"] or bad_date.error_codes == ["BAD_USER_INPUT"]

    # The CSV link is for the staff member it was made for, signed: tampering or a lost role refuses it.
    link = (await api.ok(ANALYTICS, {"i": ok}, token=staff.token))["analytics"]["report"]["csvUrl"]
    path = link.removeprefix("http://accounts.shop.test")
    answer = await client.get(path)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "text/csv; charset=utf-8"
    assert answer.headers["content-disposition"].startswith('attachment; filename="analytics-day-')
    assert answer.headers["cache-control"] == "no-store"
    forged = path.replace(staff.customer.id.hex, customer.customer.id.hex)
    assert (await client.get(forged)).status_code == 403
    assert (await client.head(path)).status_code in (403, 405)
    await api.ok(
        "mutation($i: RevokeRoleInput!) { revokeRole(input: $i) { userErrors { code } } }",
        {"i": {"customerId": staff.gid, "role": "SUPPORT", "reason": "left the team"}},
        token=admin.token,
    )
    gone = await client.get(path)
    assert (gone.status_code, gone.json()["errors"][0]["extensions"]["code"]) == (403, "FORBIDDEN")
