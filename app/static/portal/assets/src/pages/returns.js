// The customer's returns (RMAs), newest first: number, order, status and what is paid back.
import { h } from "../dom.js";
import { request } from "../graphql.js";
import { formatMoney, t, useLanguage } from "../i18n.js";
import { RETURNS_PAGE } from "../operations.js";
import { pagedList, stateBadge, time } from "../offer-return-parts.js";
import { href } from "../router.js";

const PAGE = 20;

export async function render() {
  const { me } = await request(RETURNS_PAGE, { first: PAGE });
  useLanguage(me.settings.language);
  const timeZone = me.settings.timezone;
  const section = h(
    "section",
    {},
    h("h1", { tabindex: "-1" }, t("returns.title")),
    h("p", { class: "muted" }, t("returns.how"), " ", h("a", { href: href("/orders") }, t("returns.toOrders"))),
  );
  if (!me.returns.edges.length) {
    section.append(h("p", {}, t("returns.empty")));
    return section;
  }
  section.append(
    pagedList({
      first: me.returns,
      more: async (after) => (await request(RETURNS_PAGE, { first: PAGE, after })).me.returns,
      row: (found) => row(found, timeZone),
      moreLabel: t("returns.more"),
    }),
  );
  return section;
}

function row(found, timeZone) {
  const items = found.lines.reduce((sum, line) => sum + line.quantity, 0);
  return h(
    "li",
    {},
    h(
      "a",
      { href: href(`/returns/${encodeURIComponent(found.number)}`) },
      h("strong", {}, t("return.title", { number: found.number })),
      h("span", { class: "amount" }, found.resolution === "EXCHANGE" ? t("return.resolution.EXCHANGE") : formatMoney(found.refundTotal)),
      stateBadge(t(`return.status.${found.status}`), found.status),
      h(
        "span",
        { class: "muted" },
        found.order ? t("returns.ofOrder", { number: found.order.number, count: items }) : t("returns.items", { count: items }),
        " · ",
        time(found.createdAt, timeZone),
      ),
    ),
  );
}
