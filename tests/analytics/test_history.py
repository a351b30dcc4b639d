"""Every figure, for days, weeks and months, every customer group and channel, equals its true value computed
independently from a seeded six-week history (tests/analytics/history.py); the rollup is incremental (the
history's second half arrives after a first rollup and is counted once, by two rollups running at once), the
report reads rollup rows only, and the CSV says what the API says."""

import asyncio
import csv
import io
import math
import re
from datetime import date
from typing import Any

import httpx
from sqlalchemy import update
from sqlmodel import col

from app.runtime import Runtime
from app.services import analytics_rollup
from models.payment import Payment, PaymentStatus
from tests.analytics.history import (
    FIGURES,
    FIRST_DAY,
    FIRST_ROLLUP,
    FORMULA_NAME,
    LAST_DAY,
    LAST_ROLLUP,
    History,
    expected_point,
    make_history,
    truth,
    write,
)
from tests.support import Api, Caller, count_statements, global_id

REPORT = """query($i: AnalyticsInput!) { analytics(input: $i) {
  report { from to granularity channel group { code } countedUntil csvUrl
    series { figure unit byChannel points { periodStart periodEnd numerator denominator value } } }
  userErrors { field code } } }"""
RAW_TABLES = ("security_event", "customer_order", "payment", "support_ticket", "help_event", "registration_attempt")


def same(actual: float | None, expected: float | None) -> bool:
    if actual is None or expected is None:
        return actual is None and expected is None
    return math.isclose(actual, expected, rel_tol=1e-12, abs_tol=1e-12)


async def report(
    api: Api, staff: Caller, history: History, granularity: str, group: str | None, channel: str | None
) -> Any:
    variables: dict[str, Any] = {"from": FIRST_DAY.isoformat(), "to": LAST_DAY.isoformat(), "granularity": granularity}
    if group:
        variables["groupId"] = global_id("CustomerGroup", history.groups[group])
    if channel:
        variables["channel"] = channel
    data = await api.ok(REPORT, {"i": variables}, token=staff.token)
    assert data["analytics"]["userErrors"] == []
    return data["analytics"]["report"]


async def check(
    api: Api,
    staff: Caller,
    history: History,
    until: Any,
    statuses: dict[Any, PaymentStatus],
    granularity: str,
    group: str | None = None,
    channel: str | None = None,
) -> Any:
    found = await report(api, staff, history, granularity, group, channel)
    t = truth(history, until, statuses, granularity, history.groups[group] if group else None, channel)
    assert [s["figure"] for s in found["series"]] == list(FIGURES)
    wrong = []
    for series in found["series"]:
        unit, _, _, split = FIGURES[series["figure"]]
        assert (series["unit"], series["byChannel"]) == (unit, split)
        for point in series["points"]:
            expected = expected_point(t, series["figure"], date.fromisoformat(point["periodStart"]))
            actual = (point["numerator"], point["denominator"], point["value"])
            if not all(same(a, e) for a, e in zip(actual, expected, strict=True)):
                wrong.append((series["figure"], point["periodStart"], actual, expected))
    assert wrong == [], f"{granularity} {group} {channel}: {wrong[:10]} ({len(wrong)} wrong)"
    return found, t


async def test_figures_equal_the_true_values_of_a_seeded_history(
    api: Api, client: httpx.AsyncClient, rt: Runtime, staff: Caller
) -> None:
    history = await make_history(rt)
    await write(rt, history, until=FIRST_ROLLUP)
    await analytics_rollup.run(rt, until=FIRST_ROLLUP)
    first_statuses = {payment.id: payment.status for payment in history.payments}
    for granularity in ("DAY", "WEEK", "MONTH"):
        await check(api, staff, history, FIRST_ROLLUP, first_statuses, granularity)

    # The rest arrives after the first rollup, and attempts that were waiting get their outcome.
    await write(rt, history, after=FIRST_ROLLUP)
    async with rt.db.unit_of_work() as session:
        for payment_id, status in history.decided_later.items():
            await session.execute(update(Payment).where(col(Payment.id) == payment_id).values(status=status))
    final = {**first_statuses, **history.decided_later}
    counted = await asyncio.gather(*(analytics_rollup.run(rt, until=LAST_ROLLUP) for _ in range(2)))
    assert min(counted) == 0 or sum(counted) > 0  # one of them did the work, or they shared it slice by slice
    assert await analytics_rollup.run(rt, until=LAST_ROLLUP) == 0

    totals: dict[str, float] = {}
    for granularity in ("DAY", "WEEK", "MONTH"):
        for group in (None, "shop", "wholesale"):
            for channel in (None, "ONLINE", "POS"):
                found, t = await check(api, staff, history, LAST_ROLLUP, final, granularity, group, channel)
                if (granularity, group, channel) == ("MONTH", None, None):
                    totals = {name: float(sum(counts.values())) for name, counts in t.sums.items()}
    # The history exercises every figure: none of them is trivially zero.
    for name in (
        "REG_STARTED",
        "REG_COMPLETED",
        "REG_ACTIVATED",
        "CHANGES_BY_STAFF",
        "TICKETS_OPENED",
        "HELP_SEARCHES_WITHOUT_TICKET",
        "HELP_VIEWS_SETTLED",
        "PAYMENTS_CHARGED",
        "ACTIVE_WITH_2FA",
        "REPEAT_BUYERS_SELF_SERVICE",
        "REPEAT_BUYERS_NO_SELF_SERVICE",
    ):
        assert totals.get(name, 0) > 0, name
    assert totals["HELP_SEARCHES_SETTLED"] + totals["HELP_VIEWS_SETTLED"] > (
        totals["HELP_SEARCHES_WITHOUT_TICKET"] + totals["HELP_VIEWS_WITHOUT_TICKET"]
    )
    assert totals["PAYMENTS_DECIDED"] > totals["PAYMENTS_CHARGED"]

    # A report reads the rollups and nothing else.
    with count_statements(rt) as statements:
        await report(api, staff, history, "DAY", "wholesale", "POS")
    read = {table for s in statements for table in re.findall(r"\b(?:FROM|JOIN)\s+(\w+)", s)}
    assert read & set(RAW_TABLES) == set(), read
    assert "analytics_rollup" in read

    # The CSV is the report, cell for cell; the group's name cannot act as a formula.
    found = await report(api, staff, history, "WEEK", "wholesale", "ONLINE")
    answer = await client.get(found["csvUrl"].removeprefix("http://accounts.shop.test"))
    assert answer.status_code == 200
    rows = list(csv.DictReader(io.StringIO(answer.text)))
    expected_rows = [
        (s["figure"], s["unit"], p["periodStart"], p["periodEnd"], p["numerator"], p["denominator"], p["value"])
        for s in found["series"]
        for p in s["points"]
    ]
    assert len(rows) == len(expected_rows)
    for row, (figure, unit, start, end, numerator, denominator, value) in zip(rows, expected_rows, strict=True):
        assert (row["figure"], row["unit"], row["period_start"], row["period_end"]) == (figure, unit, start, end)
        for cell, number in ((row["numerator"], numerator), (row["denominator"], denominator), (row["value"], value)):
            assert (cell == "" and number is None) or float(cell) == number, (figure, start, cell, number)
        assert (row["granularity"], row["group_code"], row["channel"]) == ("WEEK", "wholesale", "ONLINE")
        assert row["group_name"] == "'" + FORMULA_NAME
