// One return for staff: why it waits (the rule that stopped it), the customer and order, the lines and their
// reasons, the customer's note, the refund and where the money went. The actions its state allows: approve
// (with a note for staff) or reject (with the reason the customer is told); mark received, after seeing the
// refund it triggers (amount and destination) and choosing whether the goods go back to stock; retry a failed
// refund or pay it as store credit; close. Each action answers with the return: the page redraws in place and
// says what happened, the refund's outcome included.
import { h, replace } from "../../dom.js";
import { formMessage, showErrors, submit } from "../../forms.js";
import { request } from "../../graphql.js";
import { formatMoney, t, useLanguage } from "../../i18n.js";
import { formatMoment } from "../../moments.js";
import { facts, stateBadge, table, totals } from "../../offer-return-parts.js";
import { href } from "../../router.js";
import { textArea } from "../../support.js";
import {
  STAFF_APPROVE_RETURN,
  STAFF_CLOSE_RETURN,
  STAFF_RECEIVE_RETURN,
  STAFF_REJECT_RETURN,
  STAFF_RETRY_RETURN_REFUND,
  STAFF_RETURN_PAGE,
} from "../operations.js";
import { actionForm, customerLink, disclose } from "../parts.js";
import { notice } from "../returns-offers-parts.js";
import { STOPPING_RULES } from "./returns.js";

export async function render({ params }) {
  const { me, return: found } = await request(STAFF_RETURN_PAGE, { number: params.number });
  useLanguage(me.settings.language);
  const back = h("p", {}, h("a", { href: href("/staff/returns") }, t("staff.return.back")));
  if (!found) {
    return h(
      "section",
      {},
      back,
      h("h1", { tabindex: "-1" }, t("staff.return.notFound")),
      h("p", {}, t("staff.return.notFoundHint", { number: params.number })),
    );
  }
  const page = { me, found, back, section: h("section", { class: "staff-return-page" }), done: null };
  draw(page);
  return page.section;
}

/** After an action: the new return, what was done, and the page drawn again with the notice focused. */
function changed(page, returned, message) {
  page.found = returned;
  page.done = message;
  draw(page);
  const shown = page.section.querySelector(".staff-notice");
  if (shown) shown.focus();
}

function draw(page) {
  const { me, found } = page;
  const { timezone: timeZone, language } = me.settings;
  const at = (iso) => (iso ? h("time", { datetime: iso }, formatMoment(iso, timeZone, language)) : null);
  const zero = (money) => !Number(money.amount);
  replace(
    page.section,
    page.back,
    h("h1", { tabindex: "-1" }, t("staff.return.title", { number: found.number })),
    h(
      "p",
      { class: "summary" },
      stateBadge(t(`return.status.${found.status}`), found.status),
      " ",
      t(`return.resolution.${found.resolution}`),
    ),
    page.done ? notice(page.done, refundOutcome(found)) : null,
    found.status === "REQUESTED" && STOPPING_RULES.has(found.decisionReason)
      ? h(
          "div",
          { class: "staff-rule-box" },
          h("h2", {}, t("staff.return.waits")),
          h("p", {}, t("staff.returns.stoppedBy"), " ", h("strong", {}, t(`staff.returns.rule.${found.decisionReason}`))),
          h("p", { class: "hint" }, t(`staff.returns.ruleHint.${found.decisionReason}`)),
        )
      : null,
    facts([
      [t("staff.return.customer"), found.customer ? customerLink(found.customer) : null],
      [t("staff.return.order"), found.order ? orderText(found.order, timeZone, language) : null],
      [t("staff.return.requested"), at(found.createdAt)],
      [t("staff.return.decision"), found.decisionReason ? t(`staff.returns.rule.${found.decisionReason}`) : null],
      [t("staff.return.approved"), at(found.approvedAt)],
      [t("staff.return.rejected"), at(found.rejectedAt)],
      [t("staff.return.rejectionReason"), found.rejectionReason ? h("q", {}, found.rejectionReason) : null],
      [t("staff.return.received"), at(found.receivedAt)],
      [t("staff.return.refundedAt"), at(found.refundedAt)],
      [t("staff.return.closed"), at(found.closedAt)],
      [t("staff.return.customerNote"), found.note ? h("span", { class: "pre" }, found.note) : null],
      [t("staff.return.staffNote"), found.staffNote ? h("span", { class: "pre" }, found.staffNote) : null],
    ]),
    h("h2", {}, t("return.lines")),
    table(
      t("return.lines"),
      [
        { label: t("order.item") },
        { label: t("order.quantity"), numeric: true },
        { label: t("return.reason") },
        { label: t("return.amount"), numeric: true },
      ],
      found.lines.map((line) => [
        [line.name, h("br"), h("small", { class: "muted" }, line.sku)],
        String(line.quantity),
        t(`return.reason.${line.reason}`),
        formatMoney(line.amount),
      ]),
    ),
    h("h2", {}, t("staff.return.refund")),
    found.resolution === "EXCHANGE"
      ? h("p", {}, t("staff.return.exchange"))
      : totals([
          [t("return.subtotal"), found.subtotal],
          [t("return.taxIncluded"), found.taxTotal],
          zero(found.restockingFee) ? null : [t("return.restockingFee"), negative(found.restockingFee)],
          zero(found.shippingDeduction) ? null : [t("return.shippingDeduction"), negative(found.shippingDeduction)],
          [t("return.refundTotal"), found.refundTotal],
        ]),
    facts([
      [t("staff.return.destination"), destination(found)],
      found.resolution === "EXCHANGE" ? null : [t("staff.return.refundedAmount"), formatMoney(found.refundedAmount)],
      [t("staff.return.failure"), found.refundFailure ? failureText(found.refundFailure) : null],
    ]),
    found.refunds.length ? refunds(found, at) : null,
    actions(page),
  );
}

function negative(money) {
  return { ...money, amount: `-${money.amount}` };
}

function orderText(order, timeZone, language) {
  return [order.number, " · ", formatMoney(order.total), " · ", formatMoment(order.placedAt, timeZone, language)];
}

function failureText(failure) {
  return failure.message ? `${failure.code}: ${failure.message}` : failure.code;
}

/** The card the order was paid with ("Visa •••• 4242"), to say where a refund to the original payment goes. */
function cardOf(found) {
  const payments = (found.order && found.order.payments) || [];
  const card = payments.find((payment) => payment.source === "CARD" && payment.status !== "DECLINED" && payment.status !== "FAILED");
  return card ? card.method : null;
}

function destination(found) {
  if (found.refundDestination === "ORIGINAL_PAYMENT") {
    const card = cardOf(found);
    return card ? t("staff.return.toCard", { card }) : t("staff.return.toOriginal");
  }
  return t(`staff.return.to.${found.refundDestination}`);
}

/** The refund as it stands after an action: each refund's amount, where it went and how it fared. */
function refundOutcome(found) {
  if (!found.refunds.length) return null;
  return h(
    "ul",
    { class: "staff-refund-outcome" },
    found.refunds.map((refund) =>
      h(
        "li",
        {},
        t("staff.return.outcome", {
          amount: formatMoney(refund.amount),
          method: refund.method,
          status: t(`staff.return.refundState.${refund.status}`),
        }),
      ),
    ),
  );
}

function refunds(found, at) {
  return h(
    "div",
    {},
    h("h2", {}, t("return.refunds")),
    table(
      t("return.refunds"),
      [
        { label: t("return.method") },
        { label: t("return.refundStatus") },
        { label: t("return.amount"), numeric: true },
      ],
      found.refunds.map((refund) => [
        [refund.method, h("br"), at(refund.completedAt || refund.createdAt)],
        [t(`staff.return.refundState.${refund.status}`), refund.failureCode ? [h("br"), h("small", { class: "muted" }, refund.failureCode)] : null],
        formatMoney(refund.amount),
      ]),
    ),
  );
}

function hasFailedRefund(found) {
  return Boolean(found.refundFailure) || found.refunds.some((refund) => refund.status === "FAILED");
}

function actions(page) {
  const { found } = page;
  const forms = [];
  const returnId = found.id;
  if (found.status === "REQUESTED") {
    forms.push(
      h("h3", {}, t("staff.return.approveTitle")),
      actionForm({
        label: t("staff.return.approveTitle"),
        submitLabel: t("staff.return.approve"),
        reason: false,
        fields: [textArea({ name: "note", label: t("staff.return.noteLabel"), hint: t("staff.return.noteHint"), required: false, maxlength: 1000, rows: 2 })],
        run: async (values) =>
          (await request(STAFF_APPROVE_RETURN, { input: { returnId, note: values.note.trim() || null } })).approveReturn,
        done: (payload) => changed(page, payload.return, t("staff.return.done.approved")),
      }),
      h("h3", {}, t("staff.return.rejectTitle")),
      actionForm({
        label: t("staff.return.rejectTitle"),
        submitLabel: t("staff.return.reject"),
        reason: false,
        danger: true,
        fields: [textArea({ name: "reason", label: t("staff.return.rejectReason"), hint: t("staff.return.rejectHint"), maxlength: 500, rows: 2 })],
        run: async (values) => (await request(STAFF_REJECT_RETURN, { input: { returnId, reason: values.reason } })).rejectReturn,
        done: (payload) => changed(page, payload.return, t("staff.return.done.rejected")),
      }),
    );
  }
  if (found.status === "APPROVED") forms.push(receiveStep(page));
  if (found.status === "RECEIVED" && hasFailedRefund(found)) {
    forms.push(
      h("h3", {}, t("staff.return.retryTitle")),
      h("p", { class: "hint" }, t("staff.return.retryHint")),
      actionForm({
        label: t("staff.return.retry"),
        submitLabel: t("staff.return.retry"),
        reason: false,
        run: async () =>
          (await request(STAFF_RETRY_RETURN_REFUND, { input: { returnId, toStoreCredit: false } })).retryReturnRefund,
        done: (payload) => changed(page, payload.return, t("staff.return.done.retried")),
      }),
      actionForm({
        label: t("staff.return.toStoreCredit"),
        submitLabel: t("staff.return.toStoreCredit"),
        reason: false,
        run: async () =>
          (await request(STAFF_RETRY_RETURN_REFUND, { input: { returnId, toStoreCredit: true } })).retryReturnRefund,
        done: (payload) => changed(page, payload.return, t("staff.return.done.paidAsCredit")),
      }),
    );
  }
  if (found.status === "REFUNDED" || (found.status === "RECEIVED" && found.resolution === "EXCHANGE")) {
    forms.push(
      h("h3", {}, t("staff.return.closeTitle")),
      actionForm({
        label: t("staff.return.closeTitle"),
        submitLabel: t("staff.return.close"),
        reason: false,
        run: async () => (await request(STAFF_CLOSE_RETURN, { input: { returnId } })).closeReturn,
        done: (payload) => changed(page, payload.return, t("staff.return.done.closed")),
      }),
    );
  }
  return forms.length ? h("div", { class: "staff-actions" }, h("h2", {}, t("staff.return.actions")), forms) : null;
}

/**
 * Marking an approved return received starts its refund at once: the first button shows what will be paid and
 * where (and asks whether the goods go back to stock); only the second sends markReturnReceived.
 */
function receiveStep(page) {
  const { found } = page;
  const exchange = found.resolution === "EXCHANGE";
  const open = h("button", { type: "button", "aria-expanded": "false" }, t("staff.return.receive"));
  const restock = h(
    "fieldset",
    { class: "staff-choice" },
    h("legend", {}, t("staff.return.restock")),
    h("label", {}, h("input", { type: "radio", name: "restock", value: "yes", checked: true }), " ", t("staff.return.restockYes")),
    h("label", {}, h("input", { type: "radio", name: "restock", value: "no" }), " ", t("staff.return.restockNo")),
  );
  const confirmLabel = exchange
    ? t("staff.return.receiveConfirmExchange")
    : t("staff.return.receiveConfirm", { amount: formatMoney(found.refundTotal) });
  const form = h(
    "form",
    { class: "staff-action staff-confirm", novalidate: true, hidden: true, "aria-label": t("staff.return.receiveTitle") },
    exchange
      ? h("p", { tabindex: "-1", "data-first": "" }, t("staff.return.receiveExchange"))
      : h(
          "div",
          { class: "staff-refund-preview" },
          h("p", { tabindex: "-1", "data-first": "" }, t("staff.return.willRefund")),
          facts([
            [t("return.refundTotal"), formatMoney(found.refundTotal)],
            [t("staff.return.destination"), destination(found)],
          ]),
        ),
    formMessage(),
    restock,
    textArea({ name: "note", label: t("staff.return.conditionLabel"), hint: t("staff.return.noteHint"), required: false, maxlength: 1000, rows: 2 }),
    h(
      "div",
      { class: "actions" },
      h("button", { type: "submit" }, confirmLabel),
      h("button", { type: "button", class: "secondary", "data-cancel": "" }, t("staff.return.notYet")),
    ),
  );
  disclose(open, form);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const values = Object.fromEntries(new FormData(form).entries());
    const input = { returnId: found.id, restock: values.restock !== "no", note: values.note.trim() || null };
    const data = await submit(form, () => request(STAFF_RECEIVE_RETURN, { input }));
    if (!data) return;
    const payload = data.markReturnReceived;
    if (payload.userErrors.length) {
      showErrors(form, payload.userErrors);
      return;
    }
    changed(page, payload.return, t("staff.return.done.received"));
  });
  return h("div", {}, h("h3", {}, t("staff.return.receiveTitle")), h("p", { class: "hint" }, t("staff.return.receiveHint")), open, form);
}
