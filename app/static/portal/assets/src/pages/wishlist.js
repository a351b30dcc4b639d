// The wishlist (newest first, a page at a time) with remove, and the products looked at lately.
import { h } from "../dom.js";
import { request, SignedOut } from "../graphql.js";
import { formatDate, formatMoney, t, useLanguage } from "../i18n.js";
import { REMOVE_FROM_WISHLIST, WISHLIST_MORE, WISHLIST_PAGE } from "../operations.js";
import { act, alertLine, notice, say } from "../payment-parts.js";

const PAGE = 10;

export async function render() {
  const { me } = await request(WISHLIST_PAGE, { first: PAGE });
  useLanguage(me.settings.language);
  const timeZone = me.settings.timezone;
  return h(
    "section",
    {},
    h("h1", { tabindex: "-1" }, t("wishlist.title")),
    wishlist(me.wishlist, timeZone),
    h("h2", {}, t("wishlist.recent")),
    me.recentlyViewed.length
      ? h(
          "ul",
          { class: "products", "aria-label": t("wishlist.recent") },
          me.recentlyViewed.map((seen) =>
            h(
              "li",
              { class: "product" },
              productLines(seen.product),
              h("span", { class: "muted" }, t("wishlist.viewedAt", { date: formatDate(seen.viewedAt, timeZone) })),
            ),
          ),
        )
      : h("p", {}, t("wishlist.noRecent")),
  );
}

function productLines(product) {
  return [
    h("strong", {}, product.name),
    h("span", { class: "muted" }, product.sku),
    h("span", {}, formatMoney(product.price)),
    product.active ? null : h("span", { class: "badge warning" }, t("wishlist.unavailable")),
  ];
}

function wishlist(connection, timeZone) {
  const status = notice("");
  const empty = h("p", { hidden: connection.edges.length > 0 }, t("wishlist.empty"));
  const list = h("ul", { class: "products", "aria-label": t("wishlist.title") });
  const more = h("button", { type: "button", class: "secondary" }, t("wishlist.more"));
  const failure = alertLine();
  let pageInfo = connection.pageInfo;
  const item = ({ node }) => {
    const alert = alertLine();
    const name = node.product.name;
    const remove = h("button", { type: "button", class: "small", "aria-label": t("wishlist.removeNamed", { name }) }, t("wishlist.remove"));
    const row = h(
      "li",
      { class: "product" },
      productLines(node.product),
      h("span", { class: "muted" }, t("wishlist.addedAt", { date: formatDate(node.addedAt, timeZone) })),
      h("div", { class: "actions" }, remove),
      alert,
    );
    remove.addEventListener("click", async () => {
      const input = { productId: node.product.id };
      const sent = () => request(REMOVE_FROM_WISHLIST, { input });
      if (await act(remove, alert, sent, (data) => data.removeFromWishlist, "wishlist.error.")) {
        row.remove();
        say(status, t("wishlist.removed", { name }));
        empty.hidden = list.children.length > 0;
        list.hidden = list.children.length === 0;
        document.querySelector("h1").focus();
      }
    });
    return row;
  };
  const show = (page) => {
    pageInfo = page.pageInfo;
    list.append(...page.edges.map(item));
    more.hidden = !pageInfo.hasNextPage;
    list.hidden = list.children.length === 0;
  };
  more.addEventListener("click", async () => {
    more.disabled = true;
    say(failure, "");
    try {
      show((await request(WISHLIST_MORE, { first: PAGE, after: pageInfo.endCursor })).me.wishlist);
    } catch (error) {
      if (!(error instanceof SignedOut)) say(failure, t("app.error"));
    } finally {
      more.disabled = false;
    }
  });
  show(connection);
  return [status, empty, list, more, failure];
}
