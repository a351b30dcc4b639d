// Store credit in one currency at a time (the customer's own by default, settings.currency): balance, credit
// limit, what is available, the open invoices it can pay, the ledger a page at a time, a credit-limit request
// and every request with its decision.
import { h } from "../dom.js";
import { choice, field, formMessage, showErrors, submit } from "../forms.js";
import { request, SignedOut } from "../graphql.js";
import { currentLanguage, formatDate, formatMoney, t, useLanguage } from "../i18n.js";
import { CREDIT_TRANSACTIONS, REQUEST_CREDIT_LIMIT, STORE_CREDIT_PAGE } from "../operations.js";
import { decimalInput, notice, worded } from "../payment-parts.js";
import { href, navigate } from "../router.js";

const PAGE = 10;
const CURRENCIES = ["EUR", "USD", "GBP", "CHF"];

function chosenCurrency(query) {
  const value = String(query.get("currency") || "").toUpperCase();
  return /^[A-Z]{3}$/.test(value) ? value : null;
}

export async function render({ query }) {
  const asked = chosenCurrency(query);
  const { me } = await request(STORE_CREDIT_PAGE, { currency: asked, first: PAGE });
  useLanguage(me.settings.language);
  const timeZone = me.settings.timezone;
  const credit = me.storeCredit;
  const currency = credit.balance.currencyCode;
  return h(
    "section",
    {},
    h("h1", { tabindex: "-1" }, t("credit.title")),
    notice(query.get("requested") === "1" ? t("credit.requested") : ""),
    currencyChooser(currency, me),
    h(
      "dl",
      { class: "totals credit-summary" },
      h("div", {}, h("dt", {}, t("credit.balance")), h("dd", {}, formatMoney(credit.balance))),
      h("div", {}, h("dt", {}, t("credit.limit")), h("dd", {}, formatMoney(credit.creditLimit))),
      h("div", {}, h("dt", {}, t("credit.available")), h("dd", {}, formatMoney(credit.available))),
    ),
    h("p", { class: "hint" }, t("credit.explain")),
    openInvoices(me.orders.edges.map((edge) => edge.node)),
    transactions(me.creditTransactions, asked, timeZone),
    requestForm(currency),
    requests(me.creditLimitRequests, timeZone),
  );
}

function currencyChooser(currency, me) {
  const known = [me.settings.currency, currency, ...CURRENCIES, ...me.creditLimitRequests.map((r) => r.amount.currencyCode)];
  let names = null;
  try {
    names = new Intl.DisplayNames([currentLanguage()], { type: "currency" });
  } catch {
    names = null;
  }
  const options = [...new Set(known.filter(Boolean))].map((code) => ({
    value: code,
    label: names ? `${names.of(code)} (${code})` : code,
  }));
  const form = h(
    "form",
    { class: "inline-form" },
    choice({ name: "currency", label: t("credit.currency"), options, value: currency }),
    h("button", { type: "submit", class: "small" }, t("credit.show")),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    navigate(`/store-credit?currency=${encodeURIComponent(form.elements.currency.value)}`);
  });
  return form;
}

function openInvoices(orders) {
  const open = orders.filter((order) => order.invoice && order.invoice.status === "OPEN");
  const heading = h("h2", {}, t("credit.openInvoices"));
  if (!open.length) return [heading, h("p", {}, t("credit.noOpenInvoices"))];
  return [
    heading,
    h(
      "ul",
      { class: "plain-list" },
      open.map((order) =>
        h(
          "li",
          {},
          h("span", {}, t("credit.invoiceLine", { invoice: order.invoice.number, order: order.number, due: formatMoney(order.invoice.amountDue) })),
          " ",
          h(
            "a",
            { href: href(`/invoices/${encodeURIComponent(order.invoice.id)}/pay`), "aria-label": t("credit.payInvoiceNamed", { invoice: order.invoice.number }) },
            t("credit.payInvoice"),
          ),
        ),
      ),
    ),
  ];
}

function transactionRow(entry, timeZone) {
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

function transactions(connection, currency, timeZone) {
  // Without a chosen currency the ledger shows every currency (each amount names its own).
  const heading = h("h2", {}, currency ? t("credit.transactionsIn", { currency }) : t("credit.transactionsAll"));
  if (!connection.edges.length) return [heading, h("p", {}, t("credit.noTransactions"))];
  const body = h("tbody", {});
  const more = h("button", { type: "button", class: "secondary" }, t("credit.more"));
  const failure = h("p", { class: "form-error", role: "alert", hidden: true });
  let pageInfo = connection.pageInfo;
  const show = (page) => {
    pageInfo = page.pageInfo;
    body.append(...page.edges.map((edge) => transactionRow(edge.node, timeZone)));
    more.hidden = !pageInfo.hasNextPage;
  };
  more.addEventListener("click", async () => {
    more.disabled = true;
    failure.hidden = true;
    try {
      const data = await request(CREDIT_TRANSACTIONS, { currency, first: PAGE, after: pageInfo.endCursor });
      show(data.me.creditTransactions);
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
      h("th", { scope: "col" }, t("credit.date")),
      h("th", { scope: "col" }, t("credit.what")),
      h("th", { scope: "col", class: "num" }, t("credit.amount")),
      h("th", { scope: "col", class: "num" }, t("credit.balanceAfter")),
    ),
  );
  return [heading, h("div", { class: "table-wrap" }, h("table", {}, head, body)), more, failure];
}

function requestForm(currency) {
  const reasonId = "credit-reason";
  const form = h(
    "form",
    { novalidate: true, "aria-labelledby": "credit-request-title", class: "narrow credit-form" },
    h("h2", { id: "credit-request-title" }, t("credit.requestTitle")),
    h("p", { class: "hint" }, t("credit.requestHint", { currency })),
    formMessage(),
    field({ name: "amount", label: t("credit.requestAmount", { currency }), inputmode: "decimal", autocomplete: "off" }),
    h(
      "div",
      { class: "field" },
      h("label", { for: reasonId }, t("credit.requestReason")),
      h("textarea", { id: reasonId, name: "reason", rows: "3", required: true, "aria-describedby": `${reasonId}-error` }),
      h("p", { class: "field-error", id: `${reasonId}-error`, "data-error-for": "reason", hidden: true }),
    ),
    h("div", { class: "actions" }, h("button", { type: "submit" }, t("credit.requestSubmit"))),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const input = { amount: decimalInput(form.elements.amount.value), currencyCode: currency, reason: form.elements.reason.value };
    if (!input.amount) {
      showErrors(form, [{ field: ["amount"], message: t("credit.error.INVALID_AMOUNT") }]);
      return;
    }
    const data = await submit(form, () => request(REQUEST_CREDIT_LIMIT, { input }));
    if (!data) return;
    const payload = data.requestCreditLimit;
    if (payload.userErrors.length) {
      showErrors(form, worded(payload.userErrors, "credit.error."));
      return;
    }
    navigate(`/store-credit?currency=${encodeURIComponent(currency)}&requested=1`, { replace: true });
  });
  return form;
}

function requests(list, timeZone) {
  const heading = h("h2", {}, t("credit.requests"));
  if (!list.length) return [heading, h("p", {}, t("credit.noRequests"))];
  return [
    heading,
    h(
      "ul",
      { class: "credit-requests" },
      list.map((item) =>
        h(
          "li",
          {},
          h(
            "p",
            {},
            h("strong", {}, formatMoney(item.amount)),
            " · ",
            h("span", { class: "status" }, t(`credit.status.${item.status}`)),
            " · ",
            h("time", { datetime: item.createdAt }, formatDate(item.createdAt, timeZone)),
          ),
          h("p", { class: "muted" }, item.reason),
          item.approvedAmount ? h("p", {}, t("credit.granted", { amount: formatMoney(item.approvedAmount) })) : null,
          item.decisionReason ? h("p", {}, t("credit.decisionReason", { reason: item.decisionReason })) : null,
        ),
      ),
    ),
  ];
}
