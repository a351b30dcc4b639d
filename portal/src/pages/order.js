// One order: its lines, totals and status.
import { h } from "../dom.js";
import { request } from "../graphql.js";
import { formatDate, formatMoney, t, useLanguage } from "../i18n.js";
import { ORDER_PAGE } from "../operations.js";
import { href } from "../router.js";

export async function render({ params }) {
  const { me, node: order } = await request(ORDER_PAGE, { id: params.id });
  useLanguage(me.settings.language);
  const back = h("p", {}, h("a", { href: href("/orders") }, t("nav.back")));
  if (!order || !order.number) {
    return h("section", {}, h("h1", { tabindex: "-1" }, t("order.notFound")), back);
  }
  const money = (label, value) => h("div", {}, h("dt", {}, label), h("dd", {}, formatMoney(value)));
  return h(
    "section",
    {},
    back,
    h("h1", { tabindex: "-1" }, t("order.title", { number: order.number })),
    h(
      "p",
      { class: "muted" },
      h("span", { class: "status" }, t(`status.${order.status}`)),
      " · ",
      h("time", { datetime: order.placedAt }, formatDate(order.placedAt, me.settings.timezone)),
    ),
    h("h2", {}, t("order.lines")),
    h(
      "div",
      { class: "table-wrap" },
      h(
        "table",
        {},
        h(
          "thead",
          {},
          h(
            "tr",
            {},
            h("th", { scope: "col" }, t("order.item")),
            h("th", { scope: "col", class: "num" }, t("order.quantity")),
            h("th", { scope: "col", class: "num" }, t("order.unitPrice")),
            h("th", { scope: "col", class: "num" }, t("order.lineTotal")),
          ),
        ),
        h(
          "tbody",
          {},
          order.lines.map((line) =>
            h(
              "tr",
              {},
              h("td", {}, line.name, h("br"), h("small", { class: "muted" }, line.sku)),
              h("td", { class: "num" }, String(line.quantity)),
              h("td", { class: "num" }, formatMoney(line.unitPrice)),
              h("td", { class: "num" }, formatMoney(line.total)),
            ),
          ),
        ),
      ),
    ),
    h(
      "dl",
      { class: "totals" },
      money(t("order.subtotal"), order.subtotal),
      Number(order.discountTotal.amount) ? money(t("order.discount"), order.discountTotal) : null,
      money(t("order.shipping"), order.shippingTotal),
      money(t("order.tax"), order.taxTotal),
      money(t("order.total"), order.total),
    ),
  );
}
