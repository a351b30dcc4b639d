// The customer's orders, newest first, a page at a time.
import { h } from "../dom.js";
import { request, SignedOut } from "../graphql.js";
import { formatDate, formatMoney, t, useLanguage } from "../i18n.js";
import { ORDERS_PAGE } from "../operations.js";
import { href } from "../router.js";

const PAGE = 10;

export async function render() {
  const { me } = await request(ORDERS_PAGE, { first: PAGE });
  useLanguage(me.settings.language);
  const timeZone = me.settings.timezone;
  const section = h("section", {}, h("h1", { tabindex: "-1" }, t("orders.title")));
  if (!me.orders.edges.length) {
    section.append(h("p", {}, t("orders.empty")));
    return section;
  }
  const list = h("ul", { class: "orders" });
  section.append(list);
  let pageInfo = me.orders.pageInfo;
  const more = h("button", { type: "button", class: "secondary" }, t("orders.more"));
  const show = (connection) => {
    pageInfo = connection.pageInfo;
    list.append(...connection.edges.map(({ node }) => row(node, timeZone)));
    more.hidden = !pageInfo.hasNextPage;
  };
  more.addEventListener("click", async () => {
    more.disabled = true;
    try {
      const data = await request(ORDERS_PAGE, { first: PAGE, after: pageInfo.endCursor });
      show(data.me.orders);
    } catch (error) {
      if (!(error instanceof SignedOut)) more.after(h("p", { role: "alert" }, t("app.error")));
    } finally {
      more.disabled = false;
    }
  });
  show(me.orders);
  section.append(more);
  return section;
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
