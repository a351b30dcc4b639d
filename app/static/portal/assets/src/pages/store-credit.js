// Store credit in one currency at a time (the customer's own by default, settings.currency): balance, credit
// limit, what is available, paying what a purchase on account owes (payAccountBalance), the open invoices it
// can pay, the ledger a page at a time, a credit-limit request and every request with its decision.
import { h } from "../dom.js";
import { choice, field, formMessage, showErrors, submit } from "../forms.js";
import { request } from "../graphql.js";
import { currentLanguage, formatDate, formatMoney, t, useLanguage } from "../i18n.js";
import { CREDIT_TRANSACTIONS, PAY_ACCOUNT_BALANCE, REQUEST_CREDIT_LIMIT, STORE_CREDIT_PAGE } from "../operations.js";
import { ledgerTable } from "../ledger.js";
import { cardExpiry, cardName, decimalInput, idempotencyKey, notice, worded } from "../payment-parts.js";
import { href, navigate } from "../router.js";
import { authenticate, confirmReturn, isReturn, returnUrl } from "../strong-auth.js";

const PAGE = 10;
const CURRENCIES = ["EUR", "USD", "GBP", "CHF"];

function chosenCurrency(query) {
  const value = String(query.get("currency") || "").toUpperCase();
  return /^[A-Z]{3}$/.test(value) ? value : null;
}

// Outcomes after which the same attempt may still go through: retried under the same key.
const UNKNOWN_OUTCOME = new Set(["GATEWAY_UNAVAILABLE", "PAYMENT_IN_PROGRESS", "PAYMENT_UNCONFIRMED"]);

export async function render({ query }) {
  const asked = chosenCurrency(query);
  // Back from the bank's page (3-D Secure): how the balance payment stands now, before the balance is read.
  const returned = isReturn(query) ? await confirmReturn() : null;
  const { me, paymentOptions } = await request(STORE_CREDIT_PAGE, { currency: asked, paymentCurrency: asked, first: PAGE });
  useLanguage(me.settings.language);
  const timeZone = me.settings.timezone;
  const credit = me.storeCredit;
  const currency = credit.balance.currencyCode;
  const payForm = Number(credit.balance.amount) < 0 ? balanceForm(credit, me.paymentMethods, paymentOptions) : null;
  const section = h(
    "section",
    {},
    h("h1", { tabindex: "-1" }, t("credit.title")),
    notice(query.get("requested") === "1" ? t("credit.requested") : ""),
    notice(paidNotice(query.get("paid"))),
    currencyChooser(currency, me),
    h("p", {}, h("a", { href: href(`/store-credit/statement?currency=${encodeURIComponent(currency)}`) }, t("statement.title"))),
    h(
      "dl",
      { class: "totals credit-summary" },
      h("div", {}, h("dt", {}, t("credit.balance")), h("dd", {}, formatMoney(credit.balance))),
      h("div", {}, h("dt", {}, t("credit.limit")), h("dd", {}, formatMoney(credit.creditLimit))),
      h("div", {}, h("dt", {}, t("credit.available")), h("dd", {}, formatMoney(credit.available))),
    ),
    h("p", { class: "hint" }, t("credit.explain")),
    payForm,
    openInvoices(me.orders.edges.map((edge) => edge.node)),
    transactions(me.creditTransactions, asked, timeZone),
    requestForm(currency),
    requests(me.creditLimitRequests, timeZone),
  );
  if (returned) afterReturn(payForm, returned, currency);
  return section;
}

function paidNotice(value) {
  if (value === "1") return t("balance.paid");
  if (value === "processing") return t("balance.processing");
  return "";
}

function storeCreditPath(currency, paid) {
  return `/store-credit?currency=${encodeURIComponent(currency)}${paid ? `&paid=${paid}` : ""}`;
}

/** The page the bank's page sends the reader back to: this one, in this currency, marked as a return. */
function balanceReturnUrl(currency) {
  const url = new URL(returnUrl());
  url.searchParams.set("currency", currency);
  return url.toString();
}

/** Where a balance payment that got an answer leads: this page, saying how it went. */
function settled(payload, currency) {
  const status = payload.payment.status;
  if (status === "SUCCEEDED") navigate(storeCreditPath(currency, "1"), { replace: true });
  else if (status === "PROCESSING") navigate(storeCreditPath(currency, "processing"), { replace: true });
  return status === "SUCCEEDED" || status === "PROCESSING";
}

/** Back from the bank's page: the balance payment as it stands now. */
function afterReturn(form, payload, currency) {
  if (!payload.userErrors.length && settled(payload, currency)) return;
  if (!form) return;
  const errors = payload.userErrors.length
    ? payload.userErrors.map(explain)
    : [{ field: null, message: t("pay.notAuthenticated") }];
  showErrors(form, errors);
}

function methodOption(method, usable, currency, checked) {
  const id = `balance-method-${method.id.replace(/[^\w-]/g, "_")}`;
  const hint = !usable.has(method)
    ? method.isExpired
      ? t("pay.cardExpired", { date: cardExpiry(method) })
      : t("pay.methodNotForCurrency", { currency })
    : method.kind !== "CARD"
      ? t("pay.debitHint")
      : t("pay.cardExpires", { date: cardExpiry(method) });
  return h(
    "div",
    { class: "check" },
    h("input", {
      type: "radio",
      name: "method",
      id,
      value: method.id,
      checked,
      disabled: !usable.has(method),
      "aria-describedby": `${id}-hint`,
    }),
    h("label", { for: id }, cardName(method), h("span", { class: "hint", id: `${id}-hint` }, hint)),
  );
}

/** The amount owed as the reader types amounts: "63.40", or "63,40" in German. */
function typedAmount(money) {
  const text = String(money.amount).replace(/^-/, "");
  return currentLanguage() === "de" ? text.replace(".", ",") : text;
}

function balanceForm(credit, methods, options) {
  const currency = credit.balance.currencyCode;
  const owed = { amount: String(credit.balance.amount).replace(/^-/, ""), currencyCode: currency };
  const kinds = options.methodKinds;
  const usable = new Set(methods.filter((method) => !method.isExpired && kinds.includes(method.kind)));
  const preferred = methods.find((method) => usable.has(method) && method.isDefault) || methods.find((method) => usable.has(method));
  const form = h(
    "form",
    { novalidate: true, "aria-labelledby": "balance-title", class: "narrow balance-form" },
    h("h2", { id: "balance-title" }, t("balance.title")),
    h("p", {}, t("balance.owed", { owed: formatMoney(owed) })),
    formMessage(),
    field({
      name: "amount",
      label: t("balance.amount", { currency }),
      inputmode: "decimal",
      autocomplete: "off",
      value: typedAmount(owed),
      hint: t("balance.amountHint"),
    }),
    methods.length
      ? h(
          "fieldset",
          { class: "sources" },
          h("legend", {}, t("pay.with")),
          methods.map((method) => methodOption(method, usable, currency, method === preferred)),
          h("p", { class: "field-error", "data-error-for": "method", hidden: true }),
        )
      : null,
    h(
      "p",
      { class: "muted" },
      usable.size ? null : `${t("balance.noMethods", { currency })} `,
      h("a", { href: href("/payment-methods") }, t("balance.addMethod")),
    ),
    h("div", { class: "actions" }, h("button", { type: "submit", disabled: !usable.size }, t("balance.submit"))),
  );
  const keys = new Map(); // method and amount → the key of the attempt whose outcome is not known yet
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const chosen = form.querySelector('input[name="method"]:checked');
    if (!chosen) {
      showErrors(form, [{ field: ["method"], message: t("pay.choose") }]);
      return;
    }
    const amount = decimalInput(form.elements.amount.value);
    if (!amount) {
      showErrors(form, [{ field: ["amount"], message: t("balance.error.INVALID_AMOUNT") }]);
      return;
    }
    const attempt = `${chosen.value}|${amount}`;
    const key = keys.get(attempt) || idempotencyKey();
    keys.set(attempt, key);
    const input = {
      currencyCode: currency,
      amount,
      paymentMethodId: chosen.value,
      idempotencyKey: key,
      returnUrl: balanceReturnUrl(currency),
    };
    const data = await submit(form, () => request(PAY_ACCOUNT_BALANCE, { input }));
    if (!data) return; // a network failure: the same key is kept for the retry
    let payload = data.payAccountBalance;
    if (!payload.userErrors.length && payload.payment.status === "REQUIRES_ACTION") {
      // The reader's bank asks for authentication; with Stripe it happens here, else on the bank's page.
      payload = await authenticate(payload, options).catch(() => null);
      if (!payload) {
        showErrors(form, [{ field: null, message: t("pay.authenticationUnavailable") }]);
        return;
      }
      if (!payload.userErrors.length && payload.payment.status === "REQUIRES_ACTION") {
        showErrors(form, [{ field: null, message: t("pay.notAuthenticated") }]);
        keys.delete(attempt);
        return;
      }
    }
    const errors = payload.userErrors;
    if (!errors.length) {
      settled(payload, currency);
      return;
    }
    if (!errors.some((error) => UNKNOWN_OUTCOME.has(error.code))) keys.delete(attempt);
    showErrors(form, errors.map(explain));
  });
  return form;
}

/** A balance payment's refusal in our words; a decline keeps the bank's own reason after ours. */
function explain(error) {
  const last = error.field && error.field[error.field.length - 1];
  const field = last === "paymentMethodId" ? ["method"] : last === "amount" ? ["amount"] : null;
  const ownKey = `balance.error.${error.code}`;
  const payKey = `pay.error.${error.code}`;
  const ours = t(ownKey) !== ownKey ? t(ownKey) : t(payKey) !== payKey ? t(payKey) : null;
  if (!ours) return { ...error, field };
  if (error.code === "PAYMENT_DECLINED") return { ...error, field, message: `${ours} ${t("pay.bankSays", { reason: error.message })}` };
  return { ...error, field, message: ours };
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

function transactions(connection, currency, timeZone) {
  // Without a chosen currency the ledger shows every currency (each amount names its own).
  const heading = h("h2", {}, currency ? t("credit.transactionsIn", { currency }) : t("credit.transactionsAll"));
  if (!connection.edges.length) return [heading, h("p", {}, t("credit.noTransactions"))];
  const nextPage = async (after) => (await request(CREDIT_TRANSACTIONS, { currency, first: PAGE, after })).me.creditTransactions;
  return [heading, ...ledgerTable(connection, { timeZone, words: "credit", nextPage })];
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
