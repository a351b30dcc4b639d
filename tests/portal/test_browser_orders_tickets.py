"""Orders and support in a real browser: the order with its parcels, tracking, invoice and receipt, its status
changing live when the order system moves it; a support conversation where staff replies arrive without a
reload; the mailed ticket link; the help centre. Staff and the order system act through the API (httpx)."""

import re
from typing import Any

import httpx
from playwright.async_api import Page, expect
from strawberry import relay

from app.config import Settings
from app.runtime import Runtime
from models.customer import Role
from tests.live import LiveServer, live_server
from tests.orders.helpers import UPDATE_STATUS, order_input, order_key, push
from tests.orders.test_shipments import ADD_EVENT, ADD_SHIPMENT
from tests.payments.helpers import pay_order, save_card
from tests.portal.browser import PASSWORD, Watched, browser_test, chromium, sign_in_at, watched_page
from tests.support import Api, Mailbox, login, make_customer, text_body

pytestmark = browser_test
SET_TICKET_STATE = """mutation($i: SetTicketStateInput!) { setTicketState(input: $i) {
  ticket { state } userErrors { code } } }"""
STAFF_REPLY = """mutation($i: ReplyToTicketInput!) { replyToTicket(input: $i) {
  ticket { state } userErrors { code } } }"""
STAFF_FIND = "query($n: String!) { ticket(number: $n) { id state messages { body } rating { rating comment } } }"
CREATE_ARTICLE = """mutation($i: CreateHelpArticleInput!) { createHelpArticle(input: $i) {
  article { slug } userErrors { code } } }"""


def _uuid(global_id: str) -> str:
    return str(relay.GlobalID.from_id(global_id).node_id)


async def _sign_in(watched: Watched, base: str, email: str, path: str = "/login") -> Page:
    await sign_in_at(watched.page, f"{base}/account{path}", email)
    return watched.page


async def _one_request(watched: Watched, click: Any, heading: str) -> None:
    """Opening a page from its link asks for its data in one GraphQL request (the WebSocket is no request)."""
    await watched.opens_with_one_request(click, heading)


async def _clear_filters(page: Page) -> None:
    await page.get_by_role("link", name="Clear the filters").click()
    await expect(page.get_by_role("link", name="Clear the filters")).to_have_count(0)


async def _mark_page(page: Page) -> None:
    """A marker that a reload or a new page load would wipe out."""
    await page.evaluate("window.__sameDocument = true")


async def _still_same_page(page: Page) -> None:
    assert await page.evaluate("window.__sameDocument === true")


async def test_order_detail_shipments_documents_and_live_status(
    portal_settings: Settings, port: int, setup_rt: Runtime
) -> None:
    with live_server(portal_settings, port) as server:
        customer = await make_customer(setup_rt, first_name="Ada", password=PASSWORD)
        key = await order_key(setup_rt)
        async with httpx.AsyncClient(base_url=server.http_url, timeout=10) as client:
            api = Api(client)
            order = (await push(api, key, order_input("live-1", customer.email)))["order"]
            unpaid = (await push(api, key, order_input("unpaid-2", customer.email, placedAt="2026-11-25T10:00:00Z")))[
                "order"
            ]
            session = await login(api, customer.email, PASSWORD)
            card = (await save_card(api, session, "tok_visa"))["paymentMethod"]
            paid = await pay_order(api, session, order["id"], "portal-pay-1", paymentMethodId=card["id"])
            assert paid["userErrors"] == [], paid
            shipped = await api.ok(
                ADD_SHIPMENT,
                {
                    "i": {
                        "orderId": order["id"],
                        "carrier": "DHL",
                        "trackingNumber": "JD014600006",
                        "trackingUrl": "https://dhl.example/track/JD014600006",
                        "lines": [{"sku": "MUG-001", "quantity": 2}, {"sku": "TEE-1", "quantity": 1}],
                    }
                },
                token=key,
            )
            parcel = shipped["addShipment"]["order"]["shipments"][0]
            scan = {"occurredAt": "2026-11-21T08:00:00Z", "status": "IN_TRANSIT", "location": "Leipzig hub"}
            await api.ok(ADD_EVENT, {"i": {**scan, "description": "Sorted", "shipmentId": parcel["id"]}}, token=key)

        async with chromium() as browser:
            watched = await watched_page(browser)
            page = await _sign_in(watched, server.http_url, customer.email)
            await expect(page.get_by_role("heading", name="Hello, Ada")).to_be_visible()
            await _one_request(
                watched, page.get_by_role("link", name="Orders Track your orders").click(), "Your orders"
            )
            await watched.check("orders")

            # Filters and search go to the server (me.orders' filter) in one request each.
            before = len(watched.graphql_requests)
            await page.get_by_label("Search").fill("unpaid")
            await page.get_by_role("button", name="Show orders").click()
            await expect(page.get_by_text("Orders found: 1")).to_be_visible()
            assert len(watched.graphql_requests) == before + 1
            await expect(page.get_by_role("link", name=re.compile("Order #unpaid-2"))).to_be_visible()
            await expect(page.get_by_role("link", name=re.compile("Order #live-1"))).to_have_count(0)
            await expect(page).to_have_url(f"{server.http_url}/account/orders?q=unpaid")
            await _clear_filters(page)
            await page.get_by_label("Status").select_option("SHIPPED")
            await page.get_by_role("button", name="Show orders").click()
            await expect(page.get_by_role("link", name=re.compile("Order #unpaid-2"))).to_have_count(0)
            await expect(page.get_by_role("link", name=re.compile("Order #live-1"))).to_be_visible()
            await page.get_by_label("Placed from").fill("2026-11-22")
            await page.get_by_role("button", name="Show orders").click()
            await expect(page.get_by_text("No order matches these filters.")).to_be_visible()
            await watched.check("orders-filtered")

            # The unpaid order offers to pay it (its invoice is OPEN), nothing to return.
            await _clear_filters(page)
            await _one_request(
                watched, page.get_by_role("link", name=re.compile("Order #unpaid-2")).click(), "Order #unpaid-2"
            )
            pay = page.get_by_role("link", name="Pay now")
            await expect(pay).to_have_attribute("href", f"/account/orders/{unpaid['id']}/pay")
            await expect(page.get_by_role("link", name="Return items")).to_have_count(0)
            await expect(page.get_by_text("Nothing has been shipped yet.")).to_be_visible()
            await watched.check("order-unpaid")

            await page.get_by_role("link", name="Back").click()
            await expect(page.get_by_role("heading", name="Your orders")).to_be_visible()
            await _one_request(
                watched, page.get_by_role("link", name=re.compile("Order #live-1")).click(), "Order #live-1"
            )
            await expect(page.get_by_role("link", name="Pay now")).to_have_count(0)
            await expect(page.get_by_role("heading", name="Parcel 1 with DHL · Shipped")).to_be_hidden()
            await expect(page.get_by_role("heading", name="Parcel 1 with DHL · In transit")).to_be_visible()
            await expect(page.get_by_text("JD014600006")).to_be_visible()
            track = page.get_by_role("link", name="Track it on the DHL website (opens in a new tab)")
            await expect(track).to_have_attribute("href", "https://dhl.example/track/JD014600006")
            tracking = page.get_by_role("list", name="Tracking history of the DHL parcel")
            await expect(tracking).to_contain_text("In transit · Leipzig hub")
            await expect(tracking).to_contain_text("Sorted")
            await expect(page.locator(".status").first).to_have_text("Shipped")
            await expect(page.get_by_role("link", name=re.compile(r"Download receipt PAY-"))).to_be_visible()
            async with page.expect_download() as download_info:
                await page.get_by_role("link", name=re.compile(r"Download invoice \d{4}-\d+ \(PDF\)")).click()
            download = await download_info.value
            assert download.suggested_filename.endswith(".pdf")
            assert (await download.path()).read_bytes().startswith(b"%PDF")
            await watched.check("order")

            # The order system marks it delivered: the page follows without a reload, and says so politely.
            await _mark_page(page)
            requests = len(watched.graphql_requests)
            await server.wait_for_subscriber(f"order:{_uuid(order['id'])}")
            async with httpx.AsyncClient(base_url=server.http_url, timeout=10) as client:
                moved = await Api(client).ok(
                    UPDATE_STATUS,
                    {"i": {"orderId": order["id"], "status": "DELIVERED", "note": "Left at the door"}},
                    token=key,
                )
                assert moved["updateOrderStatus"]["userErrors"] == []
            live = page.get_by_role("status").filter(has_text="Update:")
            await expect(live).to_have_text("Update: this order is now “Delivered”.")
            await expect(live).to_have_attribute("aria-live", "polite")
            await expect(page.locator(".status").first).to_have_text("Delivered")
            await expect(page.locator(".timeline li").first).to_contain_text("Left at the door")
            returns = page.get_by_role("link", name="Return items")
            await expect(returns).to_have_attribute("href", f"/account/returns/new?order={order['id']}")
            await _still_same_page(page)
            assert len(watched.graphql_requests) == requests
            await watched.check("order-live")

            # Leaving the page ends the subscription (and closes the socket).
            await page.get_by_role("link", name="Back").click()
            await expect(page.get_by_role("heading", name="Your orders")).to_be_visible()
            await _wait_until_no_subscriber(server, f"order:{_uuid(order['id'])}")


async def _wait_until_no_subscriber(server: LiveServer, topic: str) -> None:
    import asyncio

    for _ in range(250):
        if server.rt.broker.subscriber_count(topic) == 0:
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"still subscribed to {topic}")


async def test_a_support_conversation_is_live(settings: Settings, setup_rt: Runtime) -> None:
    with live_server(settings) as server:
        customer = await make_customer(setup_rt, first_name="Ada", password=PASSWORD)
        staff = await make_customer(setup_rt, first_name="Sam", password=PASSWORD, roles=(Role.SUPPORT,))
        async with httpx.AsyncClient(base_url=server.http_url, timeout=10) as client:
            await push(Api(client), await order_key(setup_rt), order_input("help-1", customer.email))
            staff_token = await login(Api(client), staff.email, PASSWORD)
        async with chromium() as browser:
            watched = await watched_page(browser)
            page = await _sign_in(watched, server.http_url, customer.email)
            await expect(page.get_by_role("heading", name="Hello, Ada")).to_be_visible()
            await _one_request(watched, page.get_by_role("link", name="Support Your questions").click(), "Support")
            await expect(page.get_by_text("You have not asked us anything yet.")).to_be_visible()
            await expect(page.get_by_role("link", name="Search the help centre")).to_have_attribute(
                "href", "/account/help"
            )
            await watched.check("tickets-empty")

            # Open a question about an order; what the server refuses appears next to its field.
            await page.get_by_text("Ask a new question").click()
            await page.get_by_label("Topic").select_option("ORDER")
            await page.get_by_label("About an order (optional)").select_option(label="Order #help-1")
            await page.get_by_label("Your message").fill("Hello,\nthe mug arrived broken.\n\nCan you help?")
            await page.get_by_role("button", name="Send the question").click()
            await expect(page.locator('[data-error-for="subject"]')).to_have_text("Please fill this in.")
            await page.get_by_label("Subject").fill("Broken mug")
            await page.get_by_role("button", name="Send the question").click()
            await expect(page.get_by_role("heading", name="Broken mug")).to_be_visible()
            number = re.search(r"/tickets/(T-\d+)$", page.url)
            assert number, page.url
            # The line breaks the customer typed are kept.
            first = page.locator(".message-body").first
            assert await first.inner_text() == "Hello,\nthe mug arrived broken.\n\nCan you help?"
            await expect(page.get_by_role("link", name="about order #help-1")).to_be_visible()
            await watched.check("ticket")

            # Staff answer through the API: the reply appears without a reload, announced politely.
            await _mark_page(page)
            requests = len(watched.graphql_requests)
            async with httpx.AsyncClient(base_url=server.http_url, timeout=10) as client:
                api = Api(client)
                ticket = (await api.ok(STAFF_FIND, {"n": number.group(1)}, token=staff_token))["ticket"]
                await server.wait_for_subscriber(f"ticket:{_uuid(ticket['id'])}")
                reply = {"ticketId": ticket["id"], "body": "Sorry about that!\nWe send a new one today."}
                assert (await api.ok(STAFF_REPLY, {"i": reply}, token=staff_token))["replyToTicket"]["userErrors"] == []
            conversation = page.get_by_role("list", name="Conversation")
            await expect(conversation.locator(".from-staff")).to_contain_text("Sam")
            assert await conversation.locator(".from-staff .message-body").inner_text() == (
                "Sorry about that!\nWe send a new one today."
            )
            await expect(page.get_by_role("status").filter(has_text="New reply")).to_have_text("New reply from Sam.")
            await expect(page.locator(".ticket-meta")).to_contain_text("Waiting for your reply")
            await _still_same_page(page)
            assert len(watched.graphql_requests) == requests

            # The customer answers in the page; staff resolve it: the rating form appears live.
            await page.get_by_label("Your reply").fill("Thank you!")
            await page.get_by_role("button", name="Send reply").click()
            await expect(conversation.locator(".message")).to_have_count(3)
            await expect(page.locator(".ticket-meta")).to_contain_text("Open: with our team")
            async with httpx.AsyncClient(base_url=server.http_url, timeout=10) as client:
                resolved = await Api(client).ok(
                    SET_TICKET_STATE, {"i": {"ticketId": ticket["id"], "state": "RESOLVED"}}, token=staff_token
                )
                assert resolved["setTicketState"]["userErrors"] == []
            await expect(page.get_by_role("heading", name="Rate our help")).to_be_visible()
            await expect(page.locator(".ticket-meta")).to_contain_text("Resolved")
            await page.get_by_role("button", name="Send rating").click()
            await expect(page.locator('[data-error-for="rating"]')).to_have_text("Choose a rating from 1 to 5.")
            await page.get_by_label(re.compile("^5 . excellent$")).check()
            await page.get_by_label("Anything you want to tell us? (optional)").fill("Quick and kind.")
            await page.get_by_role("button", name="Send rating").click()
            await expect(page.get_by_text("You rated our help 5 out of 5.")).to_be_visible()
            await watched.check("ticket-rated")

            # Closing asks first; "keep it open" changes nothing.
            await page.get_by_role("button", name="Close this question").click()
            await page.get_by_role("button", name="Keep it open").click()
            await page.get_by_role("button", name="Close this question").click()
            await expect(page.get_by_text("Close this question? You cannot write in it afterwards")).to_be_visible()
            await page.get_by_role("button", name="Yes, close it").click()
            await expect(page.get_by_text("This question is closed.")).to_be_visible()
            await expect(page.get_by_label("Your reply")).to_have_count(0)
            await _still_same_page(page)

            await _one_request(watched, page.get_by_role("link", name="All your questions").click(), "Support")
            await expect(page.get_by_role("link", name=re.compile("Broken mug"))).to_contain_text("Closed")
            await watched.check("tickets")
        async with httpx.AsyncClient(base_url=server.http_url, timeout=10) as client:
            stored = (await Api(client).ok(STAFF_FIND, {"n": number.group(1)}, token=staff_token))["ticket"]
        assert stored["state"] == "CLOSED"
        assert stored["rating"] == {"rating": 5, "comment": "Quick and kind."}
        assert [m["body"] for m in stored["messages"]][2] == "Thank you!"


async def test_the_mailed_ticket_link_opens_the_ticket(
    portal_settings: Settings, port: int, setup_rt: Runtime, mailbox: Mailbox
) -> None:
    with live_server(portal_settings, port) as server:
        customer = await make_customer(setup_rt, first_name="Ada", password=PASSWORD)
        staff = await make_customer(setup_rt, first_name="Sam", password=PASSWORD, roles=(Role.SUPPORT,))
        async with httpx.AsyncClient(base_url=server.http_url, timeout=10) as client:
            api = Api(client)
            session = await login(api, customer.email, PASSWORD)
            opened = await api.ok(
                "mutation($i: OpenTicketInput!) { openTicket(input: $i) { ticket { id number } userErrors { code } } }",
                {"i": {"subject": "Invoice address", "body": "Please change it.", "category": "ACCOUNT"}},
                token=session,
            )
            ticket = opened["openTicket"]["ticket"]
            staff_token = await login(api, staff.email, PASSWORD)
            await api.ok(
                STAFF_REPLY, {"i": {"ticketId": ticket["id"], "body": "Done: see the new invoice."}}, token=staff_token
            )
        mail = await mailbox.wait_for(customer.email, ticket["number"])
        found = re.search(rf"{re.escape(server.http_url)}/account/tickets/[A-Za-z0-9%-]+", text_body(mail))
        assert found, text_body(mail)
        async with chromium() as browser:
            watched = await watched_page(browser)
            page = watched.page
            await page.goto(found.group(0))
            # Signed out: sign in first, then the mailed ticket opens.
            await expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
            await page.get_by_label("Email address").fill(customer.email)
            await page.get_by_label("Password").fill(PASSWORD)
            await page.get_by_role("button", name="Sign in").click()
            await expect(page.get_by_role("heading", name="Invoice address")).to_be_visible()
            await expect(page).to_have_url(found.group(0))
            await expect(page.get_by_role("list", name="Conversation")).to_contain_text("Done: see the new invoice.")
            await watched.check("ticket-from-mail")

            # Another number, or someone else's, reads as not found.
            await page.goto(f"{server.http_url}/account/tickets/T-99999999")
            await expect(page.get_by_role("heading", name="We cannot find this question.")).to_be_visible()
            await watched.check("ticket-not-found")


async def test_help_centre_search_and_article(settings: Settings, setup_rt: Runtime) -> None:
    with live_server(settings) as server:
        staff = await make_customer(setup_rt, first_name="Sam", password=PASSWORD, roles=(Role.SUPPORT,))
        async with httpx.AsyncClient(base_url=server.http_url, timeout=10) as client:
            api = Api(client)
            staff_token = await login(api, staff.email, PASSWORD)
            for title, body, category in [
                ("Where is my invoice?", "Open the order in My Account.\n\nThe invoice is a PDF.", "Orders"),
                ("How do I return an item?", "Choose the items and print the slip.", "Returns"),
                ("Draft about invoices", "Not yet.", "Orders"),
            ]:
                article = {
                    "title": title,
                    "body": body,
                    "category": category,
                    "published": not title.startswith("Draft"),
                }
                created = await api.ok(CREATE_ARTICLE, {"i": article}, token=staff_token)
                assert created["createHelpArticle"]["userErrors"] == []
        async with chromium() as browser:
            watched = await watched_page(browser)
            page = watched.page
            await page.goto(f"{server.http_url}/account/help")
            await expect(page.get_by_role("heading", name="Help centre")).to_be_visible()
            assert len(watched.graphql_requests) == 1
            await expect(page.get_by_role("link", name=re.compile("Where is my invoice"))).to_be_visible()
            await expect(page.get_by_role("link", name=re.compile("Draft about"))).to_have_count(0)
            await watched.check("help")

            before = len(watched.graphql_requests)
            await page.get_by_label("What are you looking for?").fill("invoice")
            await page.get_by_role("button", name="Search", exact=True).click()
            await expect(page.get_by_role("heading", name="Results for “invoice”")).to_be_visible()
            assert len(watched.graphql_requests) == before + 1
            results = page.locator(".help-articles li")
            await expect(results).to_have_count(1)
            await expect(results).to_contain_text("Where is my invoice?")
            await expect(page).to_have_url(f"{server.http_url}/account/help?q=invoice")
            await watched.check("help-search")

            await page.get_by_label("What are you looking for?").fill("zeppelin")
            await page.get_by_role("button", name="Search", exact=True).click()
            await expect(page.get_by_role("status")).to_have_text(
                "No article matches your search. Try other or fewer words."
            )
            await page.go_back()
            await expect(page.get_by_role("heading", name="Results for “invoice”")).to_be_visible()
            await _one_request(
                watched,
                page.get_by_role("link", name=re.compile("Where is my invoice")).click(),
                "Where is my invoice?",
            )
            await expect(page.locator(".help-body")).to_have_count(2)
            await expect(page.locator(".help-body").nth(1)).to_have_text("The invoice is a PDF.")
            await watched.check("help-article")
