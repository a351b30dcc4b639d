// One offer (quote), opened by its number as our mails link it (/offers/Q-…): lines, tax per rate, totals,
// validity and state; the PDF; accept, decline (confirmed, with a reason) and pay its order with a saved card
// or store credit. Each action answers with the offer, so the page redraws in place, without a reload. A revised
// offer says when it was revised and what the version before cost; a withdrawn one says so.
import { h, replace } from "../dom.js";
import { formMessage, showErrors, submit } from "../forms.js";
import { RequestFailed, request, SignedOut } from "../graphql.js";
import { formatMoney, t, useLanguage } from "../i18n.js";
import { ACCEPT_OFFER, OFFER_PAGE, OFFER_PDF_LINK, PAY_OFFER, REJECT_OFFER } from "../operations.js";
import {
  documentLink,
  facts,
  offerState,
  paymentKey,
  stateBadge,
  table,
  textArea,
  time,
  totals,
  worded,
} from "../offer-return-parts.js";
import { cardName } from "../payment-parts.js";
import { href } from "../router.js";
import { authenticate, confirmReturn, isReturn, returnUrl } from "../strong-auth.js";

// Payment refusals worth retrying with the same key: the first attempt's outcome is not known yet.
const RETRY_SAME_KEY = new Set(["PAYMENT_IN_PROGRESS", "PAYMENT_UNCONFIRMED", "GATEWAY_UNAVAILABLE"]);

export async function render({ params, query }) {
  const returned = isReturn(query) ? await confirmReturn() : null;
  const { me, offer, paymentOptions } = await request(OFFER_PAGE, { number: params.number });
  useLanguage(me.settings.language);
  const back = h("p", {}, h("a", { href: href("/offers") }, t("offers.back")));
  if (!offer) {
    return h(
      "section",
      {},
      back,
      h("h1", { tabindex: "-1" }, t("offer.notFound")),
      h("p", {}, t("offer.notFoundHint", { number: params.number })),
    );
  }
  const section = h("section", {});
  const page = { me, offer, section, back, paymentOptions, notice: returned ? returnedNotice(returned) : null };
  draw(page);
  return section;
}

/** Draws the page for `page.offer`; `notice` (a message key or element) says what the last action did. */
function draw(page) {
  const { me, offer } = page;
  const timeZone = me.settings.timezone;
  const state = offerState(offer);
  const notice = page.notice
    ? h("p", { class: "notice", role: "status", tabindex: "-1" }, page.notice)
    : null;
  replace(
    page.section,
    page.back,
    h("h1", { tabindex: "-1" }, t("offer.title", { number: offer.number })),
    h("p", { class: "summary" }, stateBadge(t(`offer.state.${state}`), state), " ", stateLine(offer, state, timeZone)),
    notice,
    offer.note ? h("div", { class: "note" }, h("h2", {}, t("offer.note")), h("p", { class: "pre" }, offer.note)) : null,
    h("h2", {}, t("offer.lines")),
    linesTable(offer),
    h("h2", {}, t("offer.taxBreakdown")),
    taxTable(offer),
    totals([
      [t("offer.subtotal"), offer.subtotal],
      [t("offer.tax"), offer.taxTotal],
      [t("offer.total"), offer.total],
    ]),
    facts([
      [t("offer.written"), time(offer.createdAt, timeZone)],
      offer.revisedAt ? [t("offer.revisedOn"), revisedLine(offer, timeZone)] : null,
      [t("offer.validUntil"), time(offer.validUntil, timeZone, true)],
    ]),
    documents(offer),
    actions(page, state),
  );
  const focus = page.section.querySelector(".notice") || null;
  if (focus && page.notice) focus.focus();
}

function stateLine(offer, state, timeZone) {
  switch (state) {
    case "NEW":
      return h("span", {}, t("offer.openUntil"), " ", time(offer.validUntil, timeZone, true));
    case "ACCEPTED":
      return h("span", {}, t("offer.acceptedOn"), " ", time(offer.acceptedAt, timeZone, true));
    case "PAID":
      return h("span", {}, t("offer.paidOn"), " ", time(offer.paidAt, timeZone, true));
    case "REJECTED":
      return h("span", {}, t("offer.rejectedOn"), " ", time(offer.rejectedAt, timeZone, true));
    case "WITHDRAWN":
      return h("span", {}, t("offer.withdrawnOn"), " ", time(offer.withdrawnAt, timeZone, true));
    default:
      return h("span", {}, t("offer.expiredOn"), " ", time(offer.expiredAt || offer.validUntil, timeZone, true));
  }
}

/** "Revised on …", with what the version before cost. */
function revisedLine(offer, timeZone) {
  const previous = (offer.revisions || []).at(-1);
  return h(
    "span",
    {},
    time(offer.revisedAt, timeZone, true),
    previous ? h("small", { class: "muted" }, " ", t("offer.previousTotal", { total: formatMoney(previous.total) })) : null,
  );
}

function linesTable(offer) {
  return table(
    t("offer.lines"),
    [
      { label: t("order.item") },
      { label: t("order.quantity"), numeric: true },
      { label: t("offer.unitPrice"), numeric: true },
      { label: t("offer.taxRate"), numeric: true },
      { label: t("offer.lineTotal"), numeric: true },
    ],
    offer.lines.map((line) => [
      [line.name, h("br"), h("small", { class: "muted" }, line.sku)],
      String(line.quantity),
      formatMoney(line.unitPrice),
      percent(line.taxRate),
      formatMoney(line.total),
    ]),
  );
}

function percent(rate) {
  return `${new Intl.NumberFormat(document.documentElement.lang, { maximumFractionDigits: 2 }).format(Number(rate))} %`;
}

/** Net amount and tax per rate, as the PDF prints them. */
function taxTable(offer) {
  const rates = new Map();
  for (const line of offer.lines) {
    const key = String(Number(line.taxRate));
    const entry = rates.get(key) || { rate: line.taxRate, net: 0, tax: 0 };
    entry.net += Math.round(Number(line.total.amount) * 100);
    entry.tax += Math.round(Number(line.taxAmount.amount) * 100);
    rates.set(key, entry);
  }
  const money = (cents) => formatMoney({ amount: (cents / 100).toFixed(2), currencyCode: offer.currencyCode });
  return table(
    t("offer.taxBreakdown"),
    [{ label: t("offer.taxRate") }, { label: t("offer.net"), numeric: true }, { label: t("offer.tax"), numeric: true }],
    [...rates.values()]
      .sort((a, b) => Number(b.rate) - Number(a.rate))
      .map((entry) => [percent(entry.rate), money(entry.net), money(entry.tax)]),
  );
}

function documents(offer) {
  const order = offer.order;
  const receipts = order ? order.payments.filter((payment) => payment.receiptUrl) : [];
  return h(
    "div",
    {},
    h("h2", {}, t("offer.documents")),
    h(
      "ul",
      { class: "links" },
      h(
        "li",
        {},
        documentLink({
          url: offer.pdfUrl,
          label: t("offer.downloadPdf"),
          refresh: async () => (await request(OFFER_PDF_LINK, { number: offer.number })).offer?.pdfUrl,
        }),
      ),
      order && order.invoice
        ? h("li", {}, h("a", { href: order.invoice.downloadUrl, download: "" }, t("offer.invoicePdf", { number: order.invoice.number })))
        : null,
      receipts.map((payment) =>
        h("li", {}, h("a", { href: payment.receiptUrl, download: "" }, t("offer.receiptPdf", { method: payment.method }))),
      ),
      order ? h("li", {}, h("a", { href: href(`/orders/${encodeURIComponent(order.id)}`) }, t("offer.order", { number: order.number }))) : null,
    ),
  );
}

function actions(page, state) {
  const { offer } = page;
  if (state === "NEW") return newActions(page);
  if (state === "ACCEPTED") return payForm(page);
  if (state === "REJECTED") {
    return h(
      "div",
      {},
      h("h2", {}, t("offer.rejectedTitle")),
      offer.rejectionReason ? h("p", {}, t("offer.yourReason"), " ", h("q", {}, offer.rejectionReason)) : null,
    );
  }
  if (state === "EXPIRED") return h("p", {}, t("offer.expiredHint"));
  if (state === "WITHDRAWN") return h("p", {}, t("offer.withdrawnHint"));
  return h("p", {}, t("offer.paidHint"));
}

/** Accept, or decline: declining opens a confirmation that asks for the reason the API records. */
function newActions(page) {
  const { offer } = page;
  const message = formMessage();
  const accept = h("button", { type: "button" }, t("offer.accept"));
  const decline = h("button", { type: "button", class: "small" }, t("offer.decline"));
  const confirmArea = h("div", {});
  const wrapper = h(
    "div",
    { class: "offer-actions" },
    h("h2", {}, t("offer.decide")),
    h("p", { class: "hint" }, t("offer.acceptHint", { total: formatMoney(offer.total) })),
    message,
    h("div", { class: "actions" }, accept, decline),
    confirmArea,
  );
  accept.addEventListener("click", async () => {
    message.hidden = true;
    accept.disabled = decline.disabled = true;
    try {
      const data = await request(ACCEPT_OFFER, { input: { offerId: offer.id, revision: offer.revision } });
      const payload = data.acceptOffer;
      if (payload.userErrors.length) {
        showMessage(message, payload.userErrors.map((error) => worded("offer.error", error)).join(" "));
        return;
      }
      page.offer = payload.offer;
      page.notice = t("offer.accepted");
      draw(page);
    } catch (error) {
      showFailure(message, error);
    } finally {
      accept.disabled = decline.disabled = false;
    }
  });
  decline.addEventListener("click", () => {
    decline.hidden = true;
    replace(confirmArea, rejectForm(page, () => {
      replace(confirmArea);
      decline.hidden = false;
      decline.focus();
    }));
    confirmArea.querySelector("textarea").focus();
  });
  return wrapper;
}

function rejectForm(page, cancel) {
  const { offer } = page;
  const form = h(
    "form",
    { novalidate: true, class: "confirm-box", "aria-labelledby": "reject-title" },
    h("h3", { id: "reject-title" }, t("offer.rejectTitle", { number: offer.number })),
    h("p", {}, t("offer.rejectWarning")),
    formMessage(),
    textArea({ name: "reason", label: t("offer.reason"), hint: t("offer.reasonHint"), maxlength: "500", required: true }),
    h(
      "div",
      { class: "actions" },
      h("button", { type: "submit", class: "danger" }, t("offer.rejectConfirm")),
      h("button", { type: "button", class: "link", onclick: cancel }, t("offer.keep")),
    ),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const reason = form.elements.reason.value.trim();
    if (!reason) {
      showErrors(form, [{ field: ["reason"], message: t("offer.error.reasonRequired") }]);
      return;
    }
    const data = await submit(form, () => request(REJECT_OFFER, { input: { offerId: offer.id, reason } }));
    if (!data) return;
    const payload = data.rejectOffer;
    if (payload.userErrors.length) {
      showErrors(form, payload.userErrors.map((error) => ({ ...error, message: worded("offer.error", error) })));
      return;
    }
    page.offer = payload.offer;
    page.notice = t("offer.rejected");
    draw(page);
  });
  return form;
}

/** What became of the payment that waited for the reader's bank. */
function returnedNotice(payload) {
  if (payload.userErrors.length) return payload.userErrors.map((error) => worded("offerPay.error", error)).join(" ");
  if (payload.payment.status === "REQUIRES_ACTION") return t("pay.notAuthenticated");
  if (payload.payment.status === "PROCESSING") return t("offer.processing", { method: payload.payment.method });
  return t("offer.paid", { amount: formatMoney(payload.payment.amount), method: payload.payment.method });
}

function cardLabel(method) {
  if (method.kind === "SEPA_DEBIT") return cardName(method);
  const expiry = `${String(method.expMonth).padStart(2, "0")}/${method.expYear}`;
  return t(method.isExpired ? "offer.cardExpired" : "offer.card", { brand: method.brand, last4: method.last4, expiry });
}

/** Pay the accepted offer's order: a saved card or store credit; retry-safe with one key per attempt. */
function payForm(page) {
  const { me, offer } = page;
  const cards = me.paymentMethods;
  const usable = cards.filter((method) => !method.isExpired);
  const preferred = usable.find((method) => method.isDefault) || usable[0];
  const credit = me.storeCredit && me.storeCredit.available;
  const creditLabel =
    credit && credit.currencyCode === offer.currencyCode
      ? t("offer.storeCreditAvailable", { amount: formatMoney(credit) })
      : t("offer.storeCredit");
  const option = (value, label, { checked = false, disabled = false } = {}) => {
    const id = `pay-with-${value}`;
    return h(
      "div",
      { class: "option" },
      h("input", { type: "radio", id, name: "payWith", value, checked, disabled, "aria-describedby": "pay-error" }),
      h("label", { for: id }, label),
    );
  };
  let key = paymentKey("offer");
  const form = h(
    "form",
    { novalidate: true, "aria-labelledby": "pay-title" },
    h("h2", { id: "pay-title" }, t("offer.payTitle")),
    h("p", {}, t("offer.payHint", { total: formatMoney(offer.total) })),
    formMessage(),
    h(
      "fieldset",
      {},
      h("legend", {}, t("offer.payWith")),
      cards.map((method) =>
        option(method.id, cardLabel(method), { checked: method === preferred, disabled: method.isExpired }),
      ),
      option("store-credit", creditLabel, { checked: !preferred }),
      h("p", { class: "field-error", id: "pay-error", "data-error-for": "paymentMethodId", hidden: true }),
    ),
    cards.length ? null : h("p", { class: "hint" }, t("offer.noCards"), " ", h("a", { href: href("/payment-methods") }, t("offer.addCard"))),
    h("div", { class: "actions" }, h("button", { type: "submit" }, t("offer.pay", { total: formatMoney(offer.total) }))),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const chosen = form.querySelector('input[name="payWith"]:checked')?.value;
    if (!chosen) {
      showErrors(form, [{ field: ["paymentMethodId"], message: t("offer.error.chooseMethod") }]);
      return;
    }
    const input =
      chosen === "store-credit"
        ? { offerId: offer.id, useStoreCredit: true, idempotencyKey: key }
        : { offerId: offer.id, paymentMethodId: chosen, idempotencyKey: key, returnUrl: returnUrl() };
    const data = await submit(form, () => request(PAY_OFFER, { input }));
    if (!data) return; // a network failure: the same key is sent again, so nothing is charged twice
    const payload = data.payOffer;
    if (!payload.userErrors.length && payload.payment.status === "REQUIRES_ACTION") {
      // The reader's bank asks for authentication: with Stripe here, else on the bank's page and back.
      const confirmed = await authenticate(payload, page.paymentOptions).catch(() => null);
      key = paymentKey("offer");
      const fresh = await request(OFFER_PAGE, { number: offer.number });
      page.offer = fresh.offer;
      page.notice = confirmed ? returnedNotice(confirmed) : t("pay.authenticationUnavailable");
      draw(page);
      return;
    }
    if (payload.userErrors.length) {
      if (!payload.userErrors.some((error) => RETRY_SAME_KEY.has(error.code))) key = paymentKey("offer");
      const errors = payload.userErrors.map((error) => {
        const last = error.field && error.field[error.field.length - 1];
        const field = last === "useStoreCredit" || last === "paymentMethodId" ? ["paymentMethodId"] : null;
        return { field, code: error.code, message: worded("offerPay.error", error) };
      });
      showErrors(form, errors);
      return;
    }
    page.offer = payload.offer;
    page.notice =
      payload.payment.status === "PROCESSING"
        ? t("offer.processing", { method: payload.payment.method })
        : t("offer.paid", { amount: formatMoney(payload.payment.amount), method: payload.payment.method });
    draw(page);
  });
  return form;
}

function showMessage(element, text) {
  element.textContent = text;
  element.hidden = false;
  element.focus?.();
}

function showFailure(element, error) {
  if (error instanceof SignedOut) return;
  showMessage(element, error instanceof RequestFailed && error.code === "NETWORK" ? t("app.network") : t("app.error"));
}
