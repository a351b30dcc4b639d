// Support: the customer's tickets (state, subject, last activity), newest first and filtered by state, and
// a form to open a new one (openTicket), optionally about one of their orders. Links to the help centre.
import { h } from "../dom.js";
import { choice, field, formMessage, showErrors, submit } from "../forms.js";
import { request, SignedOut } from "../graphql.js";
import { t, useLanguage } from "../i18n.js";
import { formatMoment } from "../moments.js";
import { OPEN_TICKET, TICKETS_PAGE } from "../operations.js";
import { href, navigate } from "../router.js";
import { CATEGORIES, STATES, stateBadge, textArea, worded } from "../support.js";

const PAGE = 20;

export async function render({ query }) {
  const state = STATES.includes(query.get("state")) ? query.get("state") : "";
  const aboutOrder = query.get("order") || "";
  const { me } = await request(TICKETS_PAGE, { first: PAGE, filter: state ? { state } : null });
  useLanguage(me.settings.language);
  const { timezone: timeZone, language } = me.settings;
  const orders = me.orders ? me.orders.edges.map(({ node }) => node) : [];

  const form = newTicketForm(orders, aboutOrder);
  const opener = h("details", { class: "new-ticket", open: Boolean(aboutOrder) }, h("summary", {}, t("tickets.new")), form);

  const section = h(
    "section",
    {},
    h("h1", { tabindex: "-1" }, t("tickets.title")),
    h("p", {}, t("tickets.helpFirst"), " ", h("a", { href: href("/help") }, t("tickets.helpLink"))),
    opener,
    h("h2", {}, t("tickets.yours")),
    stateFilter(state),
  );
  const connection = me.tickets;
  if (!connection.edges.length) {
    section.append(h("p", { class: "muted" }, state ? t("tickets.noneInState") : t("tickets.empty")));
    return section;
  }
  const list = h("ul", { class: "tickets" });
  let pageInfo = connection.pageInfo;
  const more = h("button", { type: "button", class: "secondary" }, t("tickets.more"));
  const show = (page) => {
    pageInfo = page.pageInfo;
    list.append(...page.edges.map(({ node }) => row(node, timeZone, language)));
    more.hidden = !pageInfo.hasNextPage;
  };
  more.addEventListener("click", async () => {
    more.disabled = true;
    try {
      const data = await request(TICKETS_PAGE, { first: PAGE, after: pageInfo.endCursor, filter: state ? { state } : null });
      show(data.me.tickets);
    } catch (error) {
      if (!(error instanceof SignedOut)) more.after(h("p", { role: "alert" }, t("app.error")));
    } finally {
      more.disabled = false;
    }
  });
  show(connection);
  section.append(list, more);
  return section;
}

function stateFilter(state) {
  const form = h(
    "form",
    { class: "filters", "aria-label": t("tickets.filter") },
    choice({
      name: "state",
      label: t("tickets.show"),
      value: state,
      options: [{ value: "", label: t("tickets.allStates") }, ...STATES.map((s) => ({ value: s, label: t(`ticket.state.${s}`) }))],
    }),
    h("div", { class: "actions" }, h("button", { type: "submit", class: "small" }, t("tickets.applyFilter"))),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const chosen = form.elements.state.value;
    navigate(chosen ? `/tickets?state=${encodeURIComponent(chosen)}` : "/tickets");
  });
  return form;
}

function newTicketForm(orders, aboutOrder) {
  const known = orders.some((order) => order.id === aboutOrder);
  const form = h(
    "form",
    { novalidate: true },
    formMessage(),
    choice({
      name: "category",
      label: t("tickets.category"),
      value: known ? "ORDER" : "OTHER",
      options: CATEGORIES.map((category) => ({ value: category, label: t(`ticket.category.${category}`) })),
    }),
    orders.length
      ? choice({
          name: "orderId",
          label: t("tickets.order"),
          value: known ? aboutOrder : "",
          options: [
            { value: "", label: t("tickets.noOrder") },
            ...orders.map((order) => ({ value: order.id, label: `${t("orders.number")} ${order.number}` })),
          ],
        })
      : null,
    field({ name: "subject", label: t("tickets.subject"), autocomplete: "off" }),
    textArea({ name: "body", label: t("tickets.message"), hint: t("tickets.messageHint"), maxlength: 5000, rows: 6 }),
    h("div", { class: "actions" }, h("button", { type: "submit" }, t("tickets.send"))),
  );
  form.elements.subject.setAttribute("maxlength", "200");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const input = {
      category: form.elements.category.value,
      subject: form.elements.subject.value.trim(),
      body: form.elements.body.value,
      orderId: form.elements.orderId && form.elements.orderId.value ? form.elements.orderId.value : null,
    };
    const data = await submit(form, () => request(OPEN_TICKET, { input }));
    if (!data) return;
    const payload = data.openTicket;
    if (payload.userErrors.length) {
      showErrors(form, worded(payload.userErrors));
      return;
    }
    navigate(`/tickets/${encodeURIComponent(payload.ticket.number)}`);
  });
  return form;
}

function row(ticket, timeZone, language) {
  return h(
    "li",
    {},
    h(
      "a",
      { href: href(`/tickets/${encodeURIComponent(ticket.number)}`) },
      h("strong", {}, ticket.subject),
      stateBadge(ticket.state),
      h("span", { class: "muted" }, `${ticket.number} · ${t(`ticket.category.${ticket.category}`)}`),
      h(
        "span",
        { class: "muted" },
        t("tickets.lastActivity"),
        " ",
        h("time", { datetime: ticket.lastMessageAt }, formatMoment(ticket.lastMessageAt, timeZone, language)),
      ),
    ),
  );
}
