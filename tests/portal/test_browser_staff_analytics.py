"""The staff console's analytics page in a real browser.

A support agent opens the figures (one request) over a small history whose values are known: sign-ins, active
accounts and two-factor adoption on one day, account changes by customers and by staff on another; each
shown in its unit (a count, a percentage, "—" when there was nothing to divide by). They count per week over
other days through the form (the address and the table follow), are told in words what the API refuses (a
first day after the last, too long a range), download the CSV, and read the page in German."""

import re
from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import urlsplit

import httpx
from playwright.async_api import Locator, expect

from app.config import Settings
from app.runtime import Runtime
from app.services import analytics_rollup
from models.base import utcnow
from models.security import SecurityEvent, SecurityEventOutcome, SecurityEventType
from tests.live import live_server
from tests.portal.browser import PASSWORD, browser_test, chromium, watched_page
from tests.portal.staff import make_staff, open_console
from tests.portal.test_operations import STAFF_OPERATIONS
from tests.support import Api, login, make_customer

pytestmark = browser_test

GERMAN = 'mutation { updateSettings(input: {language: "de"}) { userErrors { code } } }'
T = SecurityEventType
# Each unit as the page formats it, in the language the page uses now (the page's own module, as loaded).
FORMATS = """async () => {
  const main = document.querySelector("script[type=module]").src;
  const { formatValue } = await import(new URL("staff/analytics-parts.js", main).href);
  return [[2700, "SECONDS"], [45, "SECONDS"], [0.15, "LIFT"], [-0.05, "LIFT"], [12.5, "PER_THOUSAND"],
    [1234567, "COUNT"], [0.3333, "RATIO"]].map(([value, unit]) => formatValue(value, unit).replace(/\\s/g, " "));
}"""


def at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), UTC)


async def test_an_agent_reads_the_shops_figures_by_day_and_week_and_downloads_them(
    settings: Settings, setup_rt: Runtime
) -> None:
    today = utcnow().date()
    signed_in_day = today - timedelta(days=10)  # a week before the current one: nothing of today is in it
    changed_day = today - timedelta(days=12)
    with live_server(settings) as server:
        base = server.http_url
        agent = await make_staff(setup_rt)
        ada, bob, cy = [await make_customer(setup_rt, password=PASSWORD) for _ in range(3)]
        async with setup_rt.db.unit_of_work() as session:
            # Two changes by the customers themselves (one turns two-factor authentication on), one by staff:
            # self-service 2 of 3.
            for kind, who, actor in (
                (T.TWO_FACTOR_ENABLED, ada, None),
                (T.PASSWORD_CHANGED, bob, None),
                (T.CUSTOMER_GROUP_CHANGED, cy, agent),
            ):
                session.add(
                    SecurityEvent(
                        type=kind,
                        outcome=SecurityEventOutcome.SUCCESS,
                        customer_id=who.id,
                        actor_id=actor.id if actor else None,
                        created_at=at(changed_day, 10),
                    )
                )
            # Four sign-ins of three accounts, one of them (Ada) with two-factor authentication on.
            for who, hour in ((ada, 9), (ada, 15), (bob, 10), (cy, 11)):
                session.add(
                    SecurityEvent(
                        type=T.SIGN_IN,
                        outcome=SecurityEventOutcome.SUCCESS,
                        customer_id=who.id,
                        created_at=at(signed_in_day, hour),
                    )
                )
        await analytics_rollup.run(setup_rt, until=utcnow())

        async with httpx.AsyncClient(base_url=base, timeout=10) as client:
            # The API refuses the page's data to a customer (the page then says the area is for staff).
            api = Api(client)
            token = await login(api, ada.email, PASSWORD)
            variables = {"input": {"from": today.isoformat(), "to": today.isoformat()}}
            refused = await api(STAFF_OPERATIONS["STAFF_ANALYTICS_PAGE"], variables, token)
            assert refused.errors
            assert refused.errors[0]["extensions"]["code"] == "FORBIDDEN"

            async with chromium() as browser:
                watched = await watched_page(browser)
                page = await open_console(watched, base, agent.email)
                await watched.opens_with_one_request(page.get_by_role("link", name="Analytics").click(), "Analytics")
                # The last 30 days, by day.
                await expect(page.get_by_label("First day")).to_have_value((today - timedelta(days=29)).isoformat())
                await expect(page.get_by_label("Last day (included)")).to_have_value(today.isoformat())
                await expect(page.get_by_label("Count per")).to_have_value("DAY")
                await expect(page.get_by_role("heading", name="Sign-in activity", exact=True)).to_be_visible()
                await expect(page.get_by_role("heading", name="Registration conversion", exact=True)).to_have_count(2)

                def cell(figure: str, day: date) -> Locator:
                    return page.locator(f"[data-figure='{figure}'] tr[data-period='{day.isoformat()}'] td")

                await expect(cell("SIGN_INS", signed_in_day)).to_have_text("4")
                await expect(cell("ACTIVE_ACCOUNTS", signed_in_day)).to_have_text("3")
                await expect(cell("TWO_FACTOR_ADOPTION", signed_in_day)).to_have_text("33.3%")
                await expect(cell("SELF_SERVICE_RATE", changed_day)).to_have_text("66.7%")
                await expect(cell("TICKETS_PER_1000_ORDERS", changed_day)).to_have_text("— (nothing to divide by)")
                table = page.get_by_role("table", name="Sign-ins")
                await expect(table.get_by_role("row")).to_have_count(31)  # the header and 30 days
                await expect(page.get_by_text(re.compile(r"^Counted up to "))).to_be_visible()
                await watched.check("staff-analytics")
                assert await page.evaluate(FORMATS) == [
                    "45 min",
                    "45 sec",
                    "+15%",
                    "-5%",
                    "12.5 per 1,000",
                    "1,234,567",
                    "33.3%",
                ]

                # Per week over other days, through the form: the address and the tables follow.
                await page.get_by_label("First day").fill(changed_day.isoformat())
                await page.get_by_label("Last day (included)").fill(signed_in_day.isoformat())
                await page.get_by_label("Count per").select_option("WEEK")
                await page.get_by_role("button", name="Show figures").click()
                await expect(page).to_have_url(
                    f"{base}/account/staff/analytics?from={changed_day}&to={signed_in_day}&granularity=WEEK"
                )
                monday = signed_in_day - timedelta(days=signed_in_day.weekday())
                await expect(cell("SIGN_INS", monday)).to_have_text("4")
                await expect(cell("SIGN_INS", monday).locator("xpath=..").get_by_role("rowheader")).to_have_text(
                    re.compile(r"^Week from ")
                )
                weeks = 1 if changed_day >= monday else 2
                await expect(page.get_by_role("table", name="Sign-ins").get_by_role("row")).to_have_count(weeks + 1)

                # What the API refuses is said beside the form, in words.
                await page.get_by_label("First day").fill(signed_in_day.isoformat())
                await page.get_by_label("Last day (included)").fill(changed_day.isoformat())
                await page.get_by_role("button", name="Show figures").click()
                form = page.get_by_role("form", name="Choose the figures' days, group and channel")
                await expect(form.get_by_role("alert")).to_have_text(
                    "The first day is after the last day. Choose a first day on or before the last."
                )
                await expect(page.get_by_role("table")).to_have_count(0)
                await page.goto(f"{base}/account/staff/analytics?from=2020-01-01&to=2024-12-31&granularity=DAY")
                await expect(form.get_by_role("alert")).to_contain_text("That range is too long")
                await watched.check("staff-analytics-error")
                await page.goto(f"{base}/account/staff/analytics?group=Q3VzdG9tZXJHcm91cDpub3N1Y2g")
                await expect(form.get_by_role("alert")).to_have_text(
                    "There is no such customer group. Choose one from the list."
                )
                # What is not a day, a granularity or a channel falls back to the defaults.
                await page.goto(f"{base}/account/staff/analytics?from=2025-02-30&granularity=HOUR&channel=FAX")
                await expect(page.get_by_label("First day")).to_have_value((today - timedelta(days=29)).isoformat())
                await expect(page.get_by_label("Count per")).to_have_value("DAY")
                await expect(page.get_by_label("Order channel")).to_have_value("")
                await expect(cell("SIGN_INS", signed_in_day)).to_have_text("4")

                # The CSV: the same report, one row per figure and period.
                link = page.get_by_role("link", name="Download CSV")
                href = await link.get_attribute("href")
                assert href
                parts = urlsplit(href)
                answer = await client.get(f"{parts.path}?{parts.query}")
                assert answer.status_code == 200
                assert answer.headers["content-type"].startswith("text/csv")
                header = answer.text.splitlines()[0]
                assert header.startswith("figure,unit,period_start,period_end,numerator,denominator,value")
                assert f"SIGN_INS,COUNT,{signed_in_day},{signed_in_day},4,,4" in answer.text
                watched.assert_clean()

                # In German: headings and numbers as a German reader writes them.
                agent_token = await login(api, agent.email, PASSWORD)
                german = await api.ok(GERMAN, token=agent_token)
                assert german["updateSettings"]["userErrors"] == []
                # (By week: a short page, so the checks and screenshots of the long daily one are not repeated.)
                await page.goto(
                    f"{base}/account/staff/analytics?from={changed_day}&to={signed_in_day}&granularity=WEEK"
                )
                await expect(page.get_by_role("heading", name="Kennzahlen", exact=True)).to_be_visible()
                await expect(page.get_by_role("heading", name="Selbstbedienung", exact=True)).to_be_visible()
                changed_week = changed_day - timedelta(days=changed_day.weekday())
                await expect(cell("SELF_SERVICE_RATE", changed_week)).to_have_text(re.compile(r"^66,7\s%$"))
                await expect(page.get_by_role("link", name="CSV herunterladen")).to_be_visible()
                await watched.check("staff-analytics-de")
                assert await page.evaluate(FORMATS) == [
                    "45 Min.",
                    "45 Sek.",
                    "+15 %",
                    "-5 %",
                    "12,5 je 1.000",
                    "1.234.567",
                    "33,3 %",
                ]
