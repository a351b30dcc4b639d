// Pay an order (/orders/<id>/pay: payOrder) or an invoice (/invoices/<id>/pay: payInvoice) with a saved card,
// a saved bank account (SEPA Direct Debit, euros only) or on store credit. Each attempt carries an idempotency
// key: a retry of the same attempt after "no answer" sends the same key, so nothing is charged twice; a new
// choice, or a retry after a decline, gets a new one. A payment the bank wants authenticated (3-D Secure) goes
// through strong-auth.js and is confirmed when the reader is back; a debit is processed by the bank for days.
import { h } from "../dom.js";
import { formMessage, showErrors, submit } from "../forms.js";
import { request } from "../graphql.js";
import { formatMoney, t, useLanguage } from "../i18n.js";
import { PAY_INVOICE, PAY_ORDER, PAY_PAGE } from "../operations.js";
import { cardExpiry, cardName, idempotencyKey } from "../payment-parts.js";
import { href, navigate } from "../router.js";
import { authenticate, confirmReturn, isReturn, returnUrl } from "../strong-auth.js";

// Outcomes after which the same attempt may still go through: retry it under the same key.
const UNKNOWN_OUTCOME = new Set(["GATEWAY_UNAVAILABLE", "PAYMENT_IN_PROGRESS", "PAYMENT_UNCONFIRMED"]);

export async function render({ params, query }) {
  const returned = isReturn(query) ? await confirmReturn() : null;
  const { me, node } = await request(PAY_PAGE, { id: params.id });
  useLanguage(me.settings.language);
  const isOrder = Boolean(node && "invoice" in node);
  const invoice = isOrder ? node.invoice : node && node.amountDue ? node : null;
  if (!invoice) {
    return h(
      "section",
      {},
      h("h1", { tabindex: "-1" }, t("pay.notFound")),
      h("p", {}, h("a", { href: href("/orders") }, t("pay.toOrders"))),
    );
  }
  const orderPath = `/orders/${encodeURIComponent(invoice.orderId)}`;
  if (returned && !returned.userErrors.length && returned.payment.status !== "REQUIRES_ACTION") {
    navigate(orderPath, { replace: true }); // authenticated: paid (or, for a debit, on its way)
    return h("section", {});
  }
  const title = isOrder ? t("pay.titleOrder", { number: node.number }) : t("pay.titleInvoice", { number: invoice.number });
  const section = h(
    "section",
    { class: "narrow" },
    h("p", {}, h("a", { href: href(orderPath) }, t("pay.backToOrder"))),
    h("h1", { tabindex: "-1" }, title),
    summary(invoice),
  );
  if (invoice.status !== "OPEN" || Number(invoice.amountDue.amount) <= 0) {
    section.append(h("p", { role: "status" }, t(`pay.closed.${invoice.status}`)));
    return section;
  }
  const form = payForm({ me, invoice, isOrder, target: node.id, orderPath });
  section.append(form);
  if (returned) afterReturn(form, returned);
  return section;
}

/** Back from the bank's page: the payment as it stands now. */
function afterReturn(form, payload) {
  if (payload.userErrors.length) {
    showErrors(form, payload.userErrors.map(explain));
    return;
  }
  if (payload.payment.status === "REQUIRES_ACTION") {
    showErrors(form, [{ field: null, message: t("pay.notAuthenticated") }]);
  }
}

function summary(invoice) {
  const row = (label, money) => h("div", {}, h("dt", {}, label), h("dd", {}, formatMoney(money)));
  return h(
    "dl",
    { class: "totals pay-summary" },
    h("div", {}, h("dt", {}, t("pay.invoice")), h("dd", {}, invoice.number)),
    row(t("pay.total"), invoice.total),
    Number(invoice.amountPaid.amount) ? row(t("pay.paid"), invoice.amountPaid) : null,
    row(t("pay.due"), invoice.amountDue),
  );
}

function sourceOption({ value, label, hint, checked, disabled }) {
  const id = `pay-source-${value.replace(/[^\w-]/g, "_")}`;
  const hintId = hint ? `${id}-hint` : null;
  return h(
    "div",
    { class: "check" },
    h("input", { type: "radio", name: "source", id, value, checked, disabled, "aria-describedby": hintId }),
    h("label", { for: id }, label, hint ? h("span", { class: "hint", id: hintId }, hint) : null),
  );
}

function payForm({ me, invoice, isOrder, target, orderPath }) {
  const due = invoice.amountDue;
  const kinds = invoice.paymentOptions.methodKinds;
  const cards = me.paymentMethods;
  const takes = (method) => kinds.includes(method.kind);
  const usable = cards.filter((method) => !method.isExpired && takes(method));
  const credit = me.storeCredit.available;
  // The credit shown is in the customer's own currency; in another currency the server decides.
  const sameCurrency = credit.currencyCode === due.currencyCode;
  const creditShort = sameCurrency && Number(credit.amount) < Number(due.amount);
  const preferred = usable.find((method) => method.isDefault) || usable[0];
  const options = [
    ...cards.map((method) =>
      sourceOption({
        value: method.id,
        label: cardName(method),
        hint: methodHint(method, takes(method), due.currencyCode),
        checked: preferred === method,
        disabled: method.isExpired || !takes(method),
      }),
    ),
    sourceOption({
      value: "store-credit",
      label: t("pay.storeCredit"),
      hint: sameCurrency
        ? creditShort
          ? t("pay.creditShort", { available: formatMoney(credit) })
          : t("pay.creditAvailable", { available: formatMoney(credit) })
        : t("pay.creditOtherCurrency", { currency: due.currencyCode }),
      checked: !preferred && !creditShort,
      disabled: creditShort,
    }),
  ];
  const fieldset = h(
    "fieldset",
    { class: "sources" },
    h("legend", {}, t("pay.with")),
    options,
    h("p", { class: "field-error", "data-error-for": "source", hidden: true }),
  );
  const form = h(
    "form",
    { novalidate: true },
    formMessage(),
    fieldset,
    h(
      "p",
      { class: "muted" },
      usable.length ? null : `${t("pay.noCards")} `,
      h("a", { href: href("/payment-methods") }, t("pay.addCard")),
      " · ",
      h("a", { href: href("/store-credit") }, t("pay.toStoreCredit")),
    ),
    h("div", { class: "actions" }, h("button", { type: "submit" }, t("pay.submit", { amount: formatMoney(due) }))),
  );
  const keys = new Map(); // choice → the key of its attempt whose outcome is not known yet
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const chosen = form.querySelector('input[name="source"]:checked');
    if (!chosen) {
      showErrors(form, [{ field: ["source"], message: t("pay.choose") }]);
      return;
    }
    const source = chosen.value;
    const key = keys.get(source) || idempotencyKey();
    keys.set(source, key);
    const how = source === "store-credit" ? { useStoreCredit: true } : { paymentMethodId: source };
    const back = source === "store-credit" ? {} : { returnUrl: returnUrl() };
    const data = await submit(form, () =>
      isOrder
        ? request(PAY_ORDER, { input: { orderId: target, idempotencyKey: key, ...how, ...back } })
        : request(PAY_INVOICE, { input: { invoiceId: target, idempotencyKey: key, ...how, ...back } }),
    );
    if (!data) return; // a network failure: the same key is kept for the retry
    let payload = isOrder ? data.payOrder : data.payInvoice;
    if (!payload.userErrors.length && payload.payment.status === "REQUIRES_ACTION") {
      // The reader's bank asks for authentication; with Stripe it happens here, else on the bank's page.
      payload = await authenticate(payload, invoice.paymentOptions).catch(() => null);
      if (!payload) {
        showErrors(form, [{ field: null, message: t("pay.authenticationUnavailable") }]);
        return;
      }
      if (!payload.userErrors.length && payload.payment.status === "REQUIRES_ACTION") {
        showErrors(form, [{ field: null, message: t("pay.notAuthenticated") }]);
        keys.delete(source);
        return;
      }
    }
    const errors = payload.userErrors;
    if (!errors.length) {
      navigate(orderPath);
      return;
    }
    if (!errors.some((error) => UNKNOWN_OUTCOME.has(error.code))) keys.delete(source);
    showErrors(form, errors.map(explain));
  });
  return form;
}

function methodHint(method, takesCurrency, currency) {
  if (!takesCurrency) return t("pay.methodNotForCurrency", { currency });
  if (method.kind !== "CARD") return t("pay.debitHint");
  return method.isExpired
    ? t("pay.cardExpired", { date: cardExpiry(method) })
    : t("pay.cardExpires", { date: cardExpiry(method) });
}

/** The payment's refusal in our words; a decline keeps the bank's own reason after ours. */
function explain(error) {
  const field = ["paymentMethodId", "useStoreCredit"].includes(error.field && error.field[error.field.length - 1])
    ? ["source"]
    : null;
  const key = `pay.error.${error.code}`;
  const ours = t(key);
  if (ours === key) return { ...error, field };
  if (error.code === "PAYMENT_DECLINED") return { ...error, field, message: `${ours} ${t("pay.bankSays", { reason: error.message })}` };
  return { ...error, field, message: ours };
}
