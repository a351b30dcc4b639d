"""Offers and returns in the portal, in a real browser against a live server whose mail links point at it.

Staff and the order system act through the API (httpx), as they would; the customer acts only in the page.
Each journey starts from the link in the test SMTP mailbox where a mail names the object."""

import asyncio
import re
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import httpx
from playwright.async_api import Page, expect

from app.config import Settings
from app.runtime import Runtime
from models.customer import Role
from tests.live import live_server
from tests.offers.helpers import OFFER_NODE, create_offer, in_days
from tests.offers.test_revise_withdraw import REVISE, WITHDRAW
from tests.payments.helpers import save_card
from tests.portal.browser import PASSWORD, Watched, browser_test, chromium, sign_in, watched_page
from tests.returns.helpers import APPROVE, RECEIVE, RETURN_NODE, act, calculate, card_paid_order, request_input
from tests.support import Api, Caller, Mailbox, login, make_customer, text_body

pytestmark = browser_test


def mailed_object_link(message: EmailMessage, base: str, path: str) -> str:
    """The link to `path` (e.g. /offers/Q-…) as the mail's text carries it."""
    found = re.search(rf"{re.escape(base)}/account{re.escape(path)}[A-Za-z0-9-]+", text_body(message))
    assert found, f"no {path} link in: {text_body(message)}"
    return found.group(0)


async def caller(api: Api, rt: Runtime, **kwargs: Any) -> Caller:
    customer = await make_customer(rt, password=PASSWORD, **kwargs)
    return Caller(customer=customer, password=PASSWORD, token=await login(api, customer.email, PASSWORD))


async def open_counted(watched: Watched, url: str, heading: str) -> None:
    """A full load of `url` shows `heading` after exactly one GraphQL request."""
    await watched.opens_with_one_request(watched.page.goto(url), heading)


async def downloaded_pdf(page: Page, link_name: str) -> bytes:
    async with page.expect_download() as started:
        await page.get_by_role("link", name=link_name).click()
    download = await started.value
    assert download.suggested_filename.endswith(".pdf")
    return await asyncio.to_thread(Path(await download.path()).read_bytes)


def euros(money: dict[str, str]) -> str:
    """A Money as the English portal shows it, e.g. €17.25."""
    assert money["currencyCode"] == "EUR"
    return f"€{money['amount']}"


def operations(watched: Watched, name: str) -> int:
    return sum(1 for body in watched.graphql_requests if f"{name}(" in body)


async def test_a_mailed_offer_is_viewed_downloaded_accepted_and_paid_another_declined(
    portal_settings: Settings, port: int, setup_rt: Runtime, mailbox: Mailbox
) -> None:
    with live_server(portal_settings, port) as server:
        base = server.http_url
        async with httpx.AsyncClient(base_url=base, timeout=15) as client:
            api = Api(client)
            staff = await caller(api, setup_rt, roles=(Role.SUPPORT,), first_name="Sam")
            customer = await caller(api, setup_rt, first_name="Ada")
            assert (await save_card(api, customer.token, "tok_visa"))["userErrors"] == []
            first = (await create_offer(api, staff, customer))["offer"]
            second = (await create_offer(api, staff, customer, note="Second thoughts welcome."))["offer"]
            third = (await create_offer(api, staff, customer))["offer"]
            revision = {
                "offerId": third["id"],
                "validUntil": in_days(30).isoformat(),
                "reason": "volume price",
                "lines": [{"sku": "MUG-001", "name": "Mug", "quantity": 10, "unitPrice": "12.00", "taxRateBp": 1900}],
            }
            assert (await api.ok(REVISE, {"i": revision}, token=staff.token))["reviseOffer"]["userErrors"] == []
        async with chromium() as browser:
            watched = await watched_page(browser)
            page = watched.page

            # The link in the mail: signed out, it asks for sign-in first and comes back to the offer.
            mail = await mailbox.wait_for(customer.customer.email, f"Your offer {first['number']}")
            link = mailed_object_link(mail, base, "/offers/")
            assert link == f"{base}/account/offers/{first['number']}"
            await page.goto(link)
            await sign_in(page, customer.customer.email)
            title = f"Offer {first['number']}"
            await expect(page.get_by_role("heading", name=title)).to_be_visible()
            await open_counted(watched, link, title)
            await expect(page.locator(".summary .state")).to_have_text("Open")
            await expect(page.get_by_role("cell", name="Mug MUG-001")).to_be_visible()
            # Tax per rate, as the PDF prints it: 19 % of 29.00 and 7 % of 29.00.
            tax_rows = page.locator("table").nth(1).locator("tbody tr")
            await expect(tax_rows).to_have_text(
                [re.compile(r"19 %\s*€29\.00\s*€5\.51"), re.compile(r"7 %\s*€29\.00\s*€2\.03")]
            )
            await expect(page.locator(".totals")).to_contain_text("€65.54")
            await watched.check("offer")

            pdf = await downloaded_pdf(page, "Download the offer (PDF)")
            assert pdf.startswith(b"%PDF")

            await page.get_by_role("button", name="Accept the offer").click()
            await expect(page.get_by_role("status")).to_have_text("You have accepted the offer. You can pay it now.")
            await expect(page.locator(".summary .state")).to_have_text("Accepted, awaiting payment")
            await expect(page.get_by_label("Visa •••• 4242, expires")).to_be_checked()
            await expect(page.get_by_role("link", name=re.compile(r"^Invoice .* \(PDF\)$"))).to_be_visible()
            await watched.check("offer-accepted")

            before = len(watched.graphql_requests)
            await page.get_by_role("button", name="Pay €65.54").click()
            await expect(page.get_by_role("status")).to_have_text("Thank you: €65.54 paid with Visa •••• 4242.")
            await expect(page.locator(".summary .state")).to_have_text("Paid")
            assert operations(watched, "PortalPayOffer") == 1
            assert len(watched.graphql_requests) == before + 1  # the state came back with the payment
            assert (await downloaded_pdf(page, "Receipt: Visa •••• 4242 (PDF)")).startswith(b"%PDF")
            await watched.check("offer-paid")

            # The list, then the second offer: declining asks for a reason and confirmation.
            await open_counted(watched, f"{base}/account/offers", "Your offers")
            items = page.locator("ul.orders li")
            await expect(items).to_have_count(3)
            await expect(items.filter(has_text=first["number"])).to_contain_text("Paid")
            await expect(items.filter(has_text=second["number"])).to_contain_text("Open")
            await watched.check("offers")
            before = len(watched.graphql_requests)
            await items.filter(has_text=second["number"]).get_by_role("link").click()
            await expect(page.get_by_role("heading", name=f"Offer {second['number']}")).to_be_visible()
            assert len(watched.graphql_requests) == before + 1
            await expect(page.get_by_text("Second thoughts welcome.")).to_be_visible()
            await page.get_by_role("button", name="Decline…").click()
            await expect(page.get_by_role("heading", name=f"Decline offer {second['number']}?")).to_be_visible()
            await page.get_by_role("button", name="Decline the offer").click()
            reason = page.get_by_label("Why do you decline it?")
            await expect(reason).to_have_attribute("aria-invalid", "true")
            await expect(page.locator('[data-error-for="reason"]')).to_have_text("Tell us why you decline the offer.")
            await reason.fill("We found a local supplier.")
            await page.get_by_role("button", name="Decline the offer").click()
            await expect(page.get_by_role("status")).to_have_text(
                "You have declined the offer. Thank you for telling us why."
            )
            await expect(page.locator(".summary .state")).to_have_text("Declined")
            await expect(page.get_by_text("We found a local supplier.")).to_be_visible()
            await expect(page.get_by_role("button", name="Accept the offer")).to_have_count(0)
            await watched.check("offer-declined")

            # A revised offer, from its mail: when it was revised and what it cost before; then withdrawn.
            mail = await mailbox.wait_for(customer.customer.email, f"Offer {third['number']} was revised")
            link = mailed_object_link(mail, base, "/offers/")
            await open_counted(watched, link, f"Offer {third['number']}")
            await expect(page.locator(".totals")).to_contain_text("€142.80")
            await expect(page.locator(".facts")).to_contain_text("Revised on")
            await expect(page.locator(".facts")).to_contain_text("(before: €65.54)")
            async with httpx.AsyncClient(base_url=base, timeout=15) as client:
                withdrawal = {"offerId": third["id"], "reason": "discontinued"}
                withdrawn = await Api(client).ok(WITHDRAW, {"i": withdrawal}, token=staff.token)
                assert withdrawn["withdrawOffer"]["userErrors"] == []
            await open_counted(watched, link, f"Offer {third['number']}")
            await expect(page.locator(".summary .state")).to_have_text("Withdrawn")
            await expect(page.get_by_text("We withdrew this offer; it can no longer be accepted.")).to_be_visible()
            await expect(page.get_by_role("button", name="Accept the offer")).to_have_count(0)
            watched.assert_clean()

        async with httpx.AsyncClient(base_url=base, timeout=15) as client:
            api = Api(client)
            paid = (await api.ok(OFFER_NODE, {"id": first["id"]}, token=customer.token))["node"]
            assert (paid["state"], paid["order"]["status"]) == ("PAID", "PAID")
            declined = (await api.ok(OFFER_NODE, {"id": second["id"]}, token=customer.token))["node"]
            assert (declined["state"], declined["rejectionReason"]) == ("REJECTED", "We found a local supplier.")


async def test_a_return_from_request_to_refund(
    portal_settings: Settings, port: int, setup_rt: Runtime, mailbox: Mailbox
) -> None:
    with live_server(portal_settings, port) as server:
        base = server.http_url
        async with httpx.AsyncClient(base_url=base, timeout=15) as client:
            api = Api(client)
            staff = await caller(api, setup_rt, roles=(Role.SUPPORT,), first_name="Sam")
            customer = await caller(api, setup_rt, first_name="Ada")
            order = await card_paid_order(api, setup_rt, customer)
            # What the server answers for one and for both mugs (the order's discount shared over its lines).
            one, both = [
                euros((await calculate(api, customer, request_input(order, count)))["calculation"]["refundTotal"])
                for count in (1, 2)
            ]
            assert one != both
        async with chromium() as browser:
            watched = await watched_page(browser)
            page = watched.page
            url = f"{base}/account/returns/new?order={order['id']}"
            title = f"Return items from order {order['number']}"
            await page.goto(url)
            await sign_in(page, customer.customer.email)
            await expect(page.get_by_role("heading", name=title)).to_be_visible()
            await open_counted(watched, url, title)
            await expect(page.get_by_text("You can return up to 2 of 2 (each €14.50).")).to_be_visible()
            await watched.check("return-new")

            mug = page.locator("fieldset.return-line").filter(has_text="MUG-001")
            await mug.get_by_label("Reason").select_option("DAMAGED")
            quantity = mug.get_by_label("How many to return")
            total = page.locator(".preview .totals div").last
            await quantity.fill("1")
            await expect(total).to_have_text(re.compile(rf"Refund total\s*{re.escape(one)}"))
            asked = operations(watched, "PortalReturnCalculate")
            assert asked == 1

            # Several keystrokes in a row are one change: one request, for the value it settles on. The
            # keystrokes' input events are sent in one task, so no time passes between them however busy the
            # machine is (typed through Playwright, a loaded machine could space them wider than the pause).
            await quantity.evaluate(
                """(input) => {
                  for (const value of ["", "3", "", "2"]) {
                    input.value = value;
                    input.dispatchEvent(new InputEvent("input", { bubbles: true }));
                  }
                }"""
            )
            await expect(total).to_have_text(re.compile(rf"Refund total\s*{re.escape(both)}"))
            await expect(page.locator(".preview")).not_to_have_attribute("aria-busy", "true")
            assert operations(watched, "PortalReturnCalculate") == asked + 1
            await expect(page.locator(".preview")).to_contain_text("Your original payment")

            # More than can be returned: the server's refusal, in our words, next to the line.
            await quantity.fill("3")
            await expect(mug.locator("[data-line-error]")).to_have_text("You can return at most 2 of this item.")
            await expect(quantity).to_have_attribute("aria-invalid", "true")
            await quantity.fill("2")
            await expect(total).to_have_text(re.compile(rf"Refund total\s*{re.escape(both)}"))
            await page.get_by_label("Comment (optional)").fill("Both cracked in the box.")
            await watched.check("return-new-preview")

            before = len(watched.graphql_requests)
            await page.get_by_role("button", name="Request the return").click()
            heading = page.get_by_role("heading", name=re.compile(r"^Return R"))
            await expect(heading).to_be_visible()
            number = (await heading.inner_text()).removeprefix("Return ")
            assert len(watched.graphql_requests) == before + 2  # the request, then the return's page
            await expect(page).to_have_url(f"{base}/account/returns/{number}?requested=1")
            await expect(page.get_by_role("status")).to_have_text("We have received your return request.")
            await expect(page.get_by_text("Both cracked in the box.")).to_be_visible()
            await watched.check("return-requested")

        async with httpx.AsyncClient(base_url=base, timeout=15) as client:
            api = Api(client)
            found = (
                await api.ok(
                    "query($n: String!) { return(number: $n) { id status } }", {"n": number}, token=staff.token
                )
            )["return"]
            if found["status"] == "REQUESTED":
                assert (await act(api, staff.token, APPROVE, returnId=found["id"]))["userErrors"] == []
            received = await act(api, staff.token, RECEIVE, returnId=found["id"], note="Both mugs in the parcel.")
            assert received["userErrors"] == [], received
            assert received["return"]["status"] == "REFUNDED"

        async with chromium() as browser:
            watched = await watched_page(browser)
            page = watched.page
            mail = await mailbox.wait_for(customer.customer.email, f"Return {number} refunded")
            link = mailed_object_link(mail, base, "/returns/")
            assert link == f"{base}/account/returns/{number}"
            await page.goto(link)
            await sign_in(page, customer.customer.email)
            await expect(page.get_by_role("heading", name=f"Return {number}")).to_be_visible()
            await open_counted(watched, link, f"Return {number}")
            await expect(page.locator(".summary .state")).to_have_text("Refunded")
            await expect(page.get_by_text("Your refund has been paid.")).to_be_visible()
            await expect(page.locator(".totals")).to_contain_text(re.compile(rf"Refund total\s*{re.escape(both)}"))
            await expect(page.locator(".facts")).to_contain_text("Paid back so far")
            await expect(page.locator(".facts")).to_contain_text(both)
            refunds = page.locator("table").last
            await expect(refunds).to_contain_text("Visa •••• 4242")
            await expect(refunds).to_contain_text("Done")
            await expect(page.locator(".steps li.done")).to_have_count(4)
            assert (await downloaded_pdf(page, "Download the return slip (PDF)")).startswith(b"%PDF")
            await watched.check("return-refunded")

            await open_counted(watched, f"{base}/account/returns", "Your returns")
            await expect(page.locator("ul.orders li")).to_have_count(1)
            await expect(page.locator("ul.orders li")).to_contain_text("Refunded")
            await expect(page.locator("ul.orders li")).to_contain_text(both)
            await watched.check("returns")

            # The order again: the mugs are returned in full, the T-shirt can still go back.
            await open_counted(watched, f"{base}/account/returns/new?order={order['id']}", title)
            mug = page.locator("fieldset.return-line").filter(has_text="MUG-001")
            await expect(mug).to_contain_text("Already returned in full.")
            await expect(mug.get_by_label("How many to return")).to_be_disabled()
            tee = page.locator("fieldset.return-line").filter(has_text="TEE-1")
            await expect(tee.get_by_label("How many to return")).to_be_enabled()
            watched.assert_clean()

        async with httpx.AsyncClient(base_url=base, timeout=15) as client:
            api = Api(client)
            node = (await api.ok(RETURN_NODE, {"id": found["id"]}, token=customer.token))["node"]
            assert node["note"] == "Both cracked in the box."
            assert [(line["sku"], line["quantity"], line["reason"]) for line in node["lines"]] == [
                ("MUG-001", 2, "DAMAGED")
            ]


async def test_empty_lists_and_unknown_numbers_in_german(
    portal_settings: Settings, port: int, setup_rt: Runtime
) -> None:
    with live_server(portal_settings, port) as server:
        base = server.http_url
        customer = await make_customer(setup_rt, first_name="Ada", password=PASSWORD)
        async with chromium() as browser:
            watched = await watched_page(browser, locale="de-DE")
            page = watched.page
            await page.goto(f"{base}/account/offers")
            await expect(page.get_by_role("heading", name="Anmelden")).to_be_visible()
            await page.get_by_label("E-Mail-Adresse").fill(customer.email)
            await page.get_by_label("Passwort").fill(PASSWORD)
            await page.get_by_role("button", name="Anmelden").click()
            await expect(page.get_by_role("heading", name="Ihre Angebote")).to_be_visible()
            await expect(page.get_by_text("Sie haben noch keine Angebote.")).to_be_visible()
            await watched.check("offers-empty-de")
            await open_counted(watched, f"{base}/account/returns", "Ihre Rücksendungen")
            await expect(page.get_by_text("Sie haben noch nichts zurückgesendet.")).to_be_visible()
            await watched.check("returns-empty-de")
            await open_counted(watched, f"{base}/account/offers/Q-99999999", "Dieses Angebot finden wir nicht.")
            await open_counted(watched, f"{base}/account/returns/R-99999999", "Diese Rücksendung finden wir nicht.")
            await watched.check("return-not-found-de")
            watched.assert_clean()
