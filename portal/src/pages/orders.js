// The customer's orders, newest first, a page at a time; filtered by status and dates and searched by
// number, SKU or item name (me.orders' filter). The filters live in the address, so a reload, the back
// button and a shared link show the same list, and applying them is one request.
import { h } from "../dom.js";
import { choice, field } from "../forms.js";
import { request, SignedOut } from "../graphql.js";
import { formatDate, formatMoney, t, useLanguage } from "../i18n.js";
import { startOfDay } from "../moments.js";
import { CLAIM_GUEST_ORDERS, ORDER_LIST_PAGE } from "../operations.js";
import { href, navigate } from "../router.js";

const PAGE = 10;
const STATUSES = ["PENDING_PAYMENT", "PAID", "PROCESSING", "PARTIALLY_SHIPPED", "SHIPPED", "DELIVERED", "CANCELLED", "REFUNDED"];
const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** The filters in the address (?status=…&q=…&from=YYYY-MM-DD&to=YYYY-MM-DD), only those that make sense. */
function chosen(query) {
  const status = STATUSES.includes(query.get("status")) ? query.get("status") : "";
  const text = (query.get("q") || "").trim().slice(0, 200);
  const from = DAY.test(query.get("from") || "") ? query.get("from") : "";
  const to = DAY.test(query.get("to") || "") ? query.get("to") : "";
  return { status, text, from, to };
}

function filterFor(filters, timeZone) {
  const filter = {};
  if (filters.status) filter.status = [filters.status];
  if (filters.text) filter.query = filters.text;
  if (filters.from) filter.placedAfter = startOfDay(filters.from, timeZone);
  if (filters.to) filter.placedBefore = startOfDay(filters.to, timeZone, 1); // the whole "to" day counts
  return Object.keys(filter).length ? filter : null;
}

function filterForm(filters) {
  const form = h(
    "form",
    { class: "filters", role: "search", "aria-label": t("orders.filters") },
    field({ name: "q", label: t("orders.search"), type: "search", required: false, hint: t("orders.searchHint") }),
    choice({
      name: "status",
      label: t("orders.status"),
      value: filters.status,
      options: [{ value: "", label: t("orders.anyStatus") }, ...STATUSES.map((s) => ({ value: s, label: t(`status.${s}`) }))],
    }),
    field({ name: "from", label: t("orders.from"), type: "date", required: false }),
    field({ name: "to", label: t("orders.to"), type: "date", required: false }),
    h(
      "div",
      { class: "actions" },
      h("button", { type: "submit" }, t("orders.apply")),
      filters.status || filters.text || filters.from || filters.to
        ? h("a", { href: href("/orders") }, t("orders.clear"))
        : null,
    ),
  );
  form.elements.q.value = filters.text;
  form.elements.from.value = filters.from;
  form.elements.to.value = filters.to;
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const values = new URLSearchParams();
    const text = form.elements.q.value.trim();
    if (text) values.set("q", text);
    if (form.elements.status.value) values.set("status", form.elements.status.value);
    if (form.elements.from.value) values.set("from", form.elements.from.value);
    if (form.elements.to.value) values.set("to", form.elements.to.value);
    const search = values.toString();
    navigate(search ? `/orders?${search}` : "/orders");
  });
  return form;
}

// The customer's time zone as the last answer gave it: it decides where a filtered day starts.
let knownZone = null;

export async function render({ query }) {
  const filters = chosen(query);
  const browserZone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const assumedZone = knownZone || browserZone;
  let filter = filterFor(filters, assumedZone);
  let { me } = await request(ORDER_LIST_PAGE, { first: PAGE, filter });
  const timeZone = me.settings.timezone || browserZone;
  knownZone = timeZone;
  if ((filters.from || filters.to) && timeZone !== assumedZone) {
    // A reload of a filtered address in a browser set to another zone than the account: ask again.
    filter = filterFor(filters, timeZone);
    me = (await request(ORDER_LIST_PAGE, { first: PAGE, filter })).me;
  }
  useLanguage(me.settings.language);
  const section = h("section", {}, h("h1", { tabindex: "-1" }, t("orders.title")));
  const filtered = Boolean(filter);
  if (!me.orders.edges.length && !filtered) {
    section.append(h("p", {}, t("orders.empty")), guestOrders(me.email));
    return section;
  }
  section.append(filterForm(filters));
  const summary = h("p", { class: "muted", role: "status" });
  const list = h("ul", { class: "orders", "aria-label": t("orders.title") });
  section.append(summary, list);
  let pageInfo = me.orders.pageInfo;
  let shown = 0;
  const more = h("button", { type: "button", class: "secondary" }, t("orders.more"));
  const show = (connection) => {
    pageInfo = connection.pageInfo;
    list.append(...connection.edges.map(({ node }) => row(node, timeZone)));
    shown += connection.edges.length;
    more.hidden = !pageInfo.hasNextPage;
    summary.textContent = filtered
      ? shown
        ? t(pageInfo.hasNextPage ? "orders.matchingMore" : "orders.matching", { count: shown })
        : t("orders.noMatch")
      : "";
    summary.hidden = !summary.textContent;
  };
  more.addEventListener("click", async () => {
    more.disabled = true;
    try {
      const data = await request(ORDER_LIST_PAGE, { first: PAGE, after: pageInfo.endCursor, filter });
      show(data.me.orders);
    } catch (error) {
      if (!(error instanceof SignedOut)) more.after(h("p", { role: "alert" }, t("app.error")));
    } finally {
      more.disabled = false;
    }
  });
  show(me.orders);
  section.append(more, guestOrders(me.email));
  return section;
}

/** Orders placed as a guest with the account's address join it through a mailed link (claimGuestOrders). */
function guestOrders(email) {
  const said = h("p", { role: "status", hidden: true });
  const button = h("button", { type: "button", class: "secondary" }, t("claim.ask"));
  button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      const { claimGuestOrders: payload } = await request(CLAIM_GUEST_ORDERS);
      const [error] = payload.userErrors;
      const count = payload.pendingOrders;
      said.className = error ? "form-error" : "notice";
      if (error) {
        const key = `claim.error.${error.code}`;
        said.textContent = t(key) === key ? error.message : t(key);
      } else if (count) {
        said.textContent = t(count === 1 ? "claim.sentOne" : "claim.sent", { count, email });
      } else {
        said.textContent = t("claim.none", { email });
      }
    } catch (error) {
      if (error instanceof SignedOut) return;
      said.className = "form-error";
      said.textContent = t("app.error");
    } finally {
      button.disabled = false;
    }
    said.hidden = false;
  });
  return h(
    "section",
    { class: "guest-orders", "aria-labelledby": "guest-orders" },
    h("h2", { id: "guest-orders" }, t("claim.askTitle")),
    h("p", { class: "muted" }, t("claim.askText", { email })),
    button,
    said,
  );
}

function row(order, timeZone) {
  return h(
    "li",
    {},
    h(
      "a",
      { href: href(`/orders/${encodeURIComponent(order.id)}`) },
      h("strong", {}, `${t("orders.number")} ${order.number}`),
      h("span", { class: "status" }, t(`status.${order.status}`)),
      h("span", {}, h("time", { datetime: order.placedAt }, formatDate(order.placedAt, timeZone))),
      h("span", { class: "amount" }, formatMoney(order.total)),
    ),
  );
}
