"""The support queue in a real browser: a support agent answers a ticket that the customer then sees live in
the portal. The queue shows a ticket opened meanwhile without a reload, filters by what lives in the address,
and the ticket page (one request) assigns, notes internally, replies and moves the state, while the
customer's own page, open beside it, shows the reply and the new state live and never the note."""

import re

import httpx
from playwright.async_api import expect
from strawberry import relay

from app.config import Settings
from app.runtime import Runtime
from tests.live import live_server
from tests.orders.helpers import order_input, order_key, push
from tests.portal.browser import PASSWORD, browser_test, chromium, sign_in_at, watched_page
from tests.portal.staff import make_staff, open_console
from tests.support import Api, global_id, login, make_customer

pytestmark = browser_test
OPEN_TICKET = """mutation($i: OpenTicketInput!) { openTicket(input: $i) {
  ticket { id number } userErrors { code } } }"""
ASSIGN = """mutation($i: AssignTicketInput!) { assignTicket(input: $i) { userErrors { code } } }"""
CUSTOMER_REPLY = """mutation($i: ReplyToTicketInput!) { replyToTicket(input: $i) { userErrors { code } } }"""
CUSTOMER_VIEW = "query($n: String!) { ticket(number: $n) { state messages { body internal } } }"
SECRET = "Customer seems to be a reseller; check with finance"


def _uuid(global_id: str) -> str:
    return str(relay.GlobalID.from_id(global_id).node_id)


async def test_an_agent_answers_a_ticket_the_customer_sees_live(settings: Settings, setup_rt: Runtime) -> None:
    with live_server(settings) as server:
        agent = await make_staff(setup_rt)
        colleague = await make_staff(setup_rt, first_name="Kim")
        customer = await make_customer(setup_rt, first_name="Ada", password=PASSWORD)
        async with httpx.AsyncClient(base_url=server.http_url, timeout=10) as client:
            api = Api(client)
            await push(api, await order_key(setup_rt), order_input("mug-1", customer.email))
            customer_token = await login(api, customer.email, PASSWORD)
            colleague_token = await login(api, colleague.email, PASSWORD)

            async def opened(subject: str, body: str = "It arrived broken.") -> dict[str, str]:
                answer = await api.ok(
                    OPEN_TICKET, {"i": {"category": "ORDER", "subject": subject, "body": body}}, customer_token
                )
                assert answer["openTicket"]["userErrors"] == []
                ticket: dict[str, str] = answer["openTicket"]["ticket"]
                return ticket

            mug = await opened("Broken mug")
            taken = await opened("Invoice address")
            assign = {"ticketId": taken["id"], "staffId": global_id("Customer", colleague.id)}
            assert (await api.ok(ASSIGN, {"i": assign}, colleague_token))["assignTicket"]["userErrors"] == []

        async with chromium() as browser:
            watched = await watched_page(browser)
            page = await open_console(watched, server.http_url, agent.email, "/staff/tickets")
            await expect(page.get_by_role("heading", name="Support queue")).to_be_visible()
            queue = page.get_by_role("list", name="Tickets, latest activity first")
            await expect(queue.get_by_role("link", name="Broken mug")).to_be_visible()
            await expect(queue.locator(f'[data-ticket="{mug["number"]}"]')).to_contain_text("Ada")
            await expect(queue.locator(f'[data-ticket="{mug["number"]}"]')).to_contain_text("Assigned to: nobody yet")

            # A ticket opened while the queue is shown appears at the top without a reload, announced politely.
            await page.evaluate("window.__sameDocument = true")
            await server.wait_for_subscriber("tickets")
            async with httpx.AsyncClient(base_url=server.http_url, timeout=10) as client:
                api = Api(client)
                answer = await api.ok(
                    OPEN_TICKET,
                    {"i": {"category": "ORDER", "subject": "Wrong size", "body": "The shirt is too small."}},
                    customer_token,
                )
            fresh = answer["openTicket"]["ticket"]
            await expect(queue.locator("li").first).to_contain_text("Wrong size")
            await expect(page.get_by_role("status")).to_have_text(f"New ticket {fresh['number']}: Wrong size")
            # The customer writes on an older ticket: it moves to the top, live too.
            async with httpx.AsyncClient(base_url=server.http_url, timeout=10) as client:
                reply = {"ticketId": mug["id"], "body": "Any news?"}
                answer = await Api(client).ok(CUSTOMER_REPLY, {"i": reply}, customer_token)
            assert answer["replyToTicket"]["userErrors"] == []
            await expect(queue.locator("li").first).to_contain_text("Broken mug")
            await expect(page.get_by_role("status")).to_have_text(f"New message on ticket {mug['number']}: Broken mug")
            assert await page.evaluate("window.__sameDocument === true")
            await watched.check("staff-queue")

            # Filters live in the address: nobody's tickets, then a search.
            await page.get_by_label("Only tickets nobody has taken").check()
            await page.get_by_role("button", name="Show").click()
            await expect(page).to_have_url(re.compile(r"/account/staff/tickets\?unassigned=1$"))
            await expect(queue.get_by_role("link", name="Invoice address")).to_have_count(0)
            await expect(queue.get_by_role("link", name="Wrong size")).to_be_visible()
            await page.get_by_label("Search (ticket number or subject)").fill("mug")
            await page.get_by_role("button", name="Show").click()
            await expect(page).to_have_url(re.compile(r"\?unassigned=1&q=mug$"))
            await expect(queue.get_by_role("link", name="Wrong size")).to_have_count(0)
            await expect(page.get_by_label("Only tickets nobody has taken")).to_be_checked()

            # The ticket opens with its data in one request: the thread and the customer beside it.
            await watched.opens_with_one_request(queue.get_by_role("link", name="Broken mug").click(), "Broken mug")
            await expect(page.get_by_role("link", name="Ada")).to_have_attribute(
                "href", f"/account/staff/customers/{global_id('Customer', customer.id)}"
            )
            await expect(page.locator(".staff-ticket-customer")).to_contain_text("#mug-1")
            # The account's recent activity too (the customer signed in to open the tickets).
            activity = page.locator(".staff-ticket-customer").get_by_role("listitem").filter(has_text="Signed in")
            await expect(activity.first).to_be_visible()
            thread = page.get_by_role("list", name="Conversation and internal notes")
            await expect(thread.locator(".message")).to_have_count(2)

            # Meanwhile the customer has the ticket open in their own portal.
            customer_watch = await watched_page(browser)
            customer_page = customer_watch.page
            await sign_in_at(customer_page, f"{server.http_url}/account/tickets/{mug['number']}", customer.email)
            await expect(customer_page.get_by_role("heading", name="Broken mug")).to_be_visible()
            await server.wait_for_subscriber(f"ticket:{_uuid(mug['id'])}", count=2)

            # Given to a colleague (the active staff are offered), then taken over; an empty note is refused
            # next to its field; the note shows as internal.
            await page.get_by_label("Or give it to a colleague").select_option(label="Kim")
            await page.get_by_role("button", name="Assign to this colleague").click()
            await expect(page.locator(".ticket-meta")).to_contain_text("Assigned to: Kim")
            await page.get_by_role("button", name="Assign to me").click()
            await expect(page.locator(".ticket-meta")).to_contain_text("Assigned to: Sam")
            await expect(page.get_by_role("button", name="Unassign")).to_be_visible()
            await page.get_by_role("button", name="Add internal note").click()
            await expect(page.locator('.staff-note-form [data-error-for="body"]')).to_have_text("This is required.")
            await page.get_by_label("Note for colleagues").fill(SECRET)
            await page.get_by_role("button", name="Add internal note").click()
            note = thread.locator(".internal-note")
            await expect(note).to_contain_text("Internal note — the customer never sees this")
            await expect(note).to_contain_text(SECRET)

            # The reply (leaving the ticket open) reaches the customer's page live; the note never does.
            await page.get_by_label("Your reply").fill("Sorry about that!\nWe send a new one today.")
            await page.get_by_label(re.compile("Then wait for the customer")).uncheck()
            await page.get_by_role("button", name="Send reply").click()
            await expect(thread.locator(".from-staff")).to_contain_text("We send a new one today.")
            conversation = customer_page.get_by_role("list", name="Conversation")
            await expect(conversation.locator(".from-staff")).to_contain_text("We send a new one today.")
            await expect(customer_page.get_by_role("status").filter(has_text="New reply")).to_have_text(
                "New reply from Sam."
            )
            await expect(customer_page.locator(".ticket-meta")).to_contain_text("Open: with our team")
            await expect(customer_page.get_by_text(SECRET)).to_have_count(0)
            await expect(page.locator(".ticket-meta")).to_contain_text("Open")

            # The agent waits for the customer: the customer's page follows live.
            await page.get_by_label("New state").select_option("PENDING_CUSTOMER")
            await page.get_by_role("button", name="Change state").click()
            await expect(page.locator(".ticket-meta")).to_contain_text("Waiting for the customer")
            await expect(customer_page.locator(".ticket-meta")).to_contain_text("Waiting for your reply")
            await expect(customer_page.get_by_text(SECRET)).to_have_count(0)
            await expect(conversation.locator(".message")).to_have_count(3)
            customer_watch.assert_clean()
            await watched.check("staff-ticket")

            # Back in the queue: what is assigned to me.
            await page.get_by_role("link", name="Back to the support queue").click()
            await page.get_by_label("Only tickets nobody has taken").uncheck()
            await page.get_by_label("Search (ticket number or subject)").fill("")
            await page.get_by_label("Only tickets assigned to me").check()
            await page.get_by_role("button", name="Show").click()
            await expect(page).to_have_url(re.compile(r"/account/staff/tickets\?mine=1$"))
            await expect(queue.get_by_role("link")).to_have_text(["Broken mug"])
            # Opened by its address (a bookmark), "mine" is one request too: the API knows who asks.
            await watched.opens_with_one_request(
                page.goto(f"{server.http_url}/account/staff/tickets?mine=1"), "Support queue"
            )
            await expect(queue.get_by_role("link")).to_have_text(["Broken mug"])
            # A colleague's tickets.
            await page.get_by_label("Only tickets assigned to me").uncheck()
            await page.get_by_label("Assigned to", exact=True).select_option(label="Kim")
            await page.get_by_role("button", name="Show").click()
            await expect(page).to_have_url(re.compile(r"/account/staff/tickets\?assignee="))
            await expect(queue.get_by_role("link")).to_have_text(["Invoice address"])

        async with httpx.AsyncClient(base_url=server.http_url, timeout=10) as client:
            seen = (await Api(client).ok(CUSTOMER_VIEW, {"n": mug["number"]}, customer_token))["ticket"]
        assert seen["state"] == "PENDING_CUSTOMER"
        assert [m["body"] for m in seen["messages"]] == [
            "It arrived broken.",
            "Any news?",
            "Sorry about that!\nWe send a new one today.",
        ]
        assert not any(m["internal"] for m in seen["messages"])
