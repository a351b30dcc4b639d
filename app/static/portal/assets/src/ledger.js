// The store-credit ledger as a table a page at a time: the store-credit page's transactions and the account
// statement's entries are the same CreditTransaction rows, shown the same way.
import { h } from "./dom.js";
import { SignedOut } from "./graphql.js";
import { formatDate, formatMoney, t } from "./i18n.js";

function row(entry, timeZone) {
  const what = [t(`credit.reason.${entry.reason}`), entry.reference, entry.note].filter(Boolean).join(" · ");
  return h(
    "tr",
    {},
    h("td", {}, h("time", { datetime: entry.createdAt }, formatDate(entry.createdAt, timeZone))),
    h("td", {}, what),
    h("td", { class: "num" }, formatMoney(entry.amount)),
    h("td", { class: "num" }, formatMoney(entry.balanceAfter)),
  );
}

/**
 * The table of a first page (`connection`), with a "more" button that appends the next page from
 * `nextPage(after)` (a promise of the next connection). `words` is the catalogue prefix of the column
 * headings and the button ("credit", "statement"). Returns the elements to place after the heading.
 */
export function ledgerTable(connection, { timeZone, words, nextPage, tableClass }) {
  const body = h("tbody", {});
  const more = h("button", { type: "button", class: "secondary" }, t(`${words}.more`));
  const failure = h("p", { class: "form-error", role: "alert", hidden: true });
  let pageInfo = connection.pageInfo;
  const show = (page) => {
    pageInfo = page.pageInfo;
    body.append(...page.edges.map((edge) => row(edge.node, timeZone)));
    more.hidden = !pageInfo.hasNextPage;
  };
  more.addEventListener("click", async () => {
    more.disabled = true;
    failure.hidden = true;
    try {
      show(await nextPage(pageInfo.endCursor));
    } catch (error) {
      if (!(error instanceof SignedOut)) {
        failure.textContent = t("app.error");
        failure.hidden = false;
      }
    } finally {
      more.disabled = false;
    }
  });
  show(connection);
  const head = h(
    "thead",
    {},
    h(
      "tr",
      {},
      h("th", { scope: "col" }, t(`${words}.date`)),
      h("th", { scope: "col" }, t(`${words}.what`)),
      h("th", { scope: "col", class: "num" }, t(`${words}.amount`)),
      h("th", { scope: "col", class: "num" }, t(`${words}.balanceAfter`)),
    ),
  );
  const table = tableClass ? h("table", { class: tableClass }, head, body) : h("table", {}, head, body);
  return [h("div", { class: "table-wrap" }, table), more, failure];
}
