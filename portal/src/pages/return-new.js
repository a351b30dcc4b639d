// Return items of a delivered order (/returns/new?order=<order id>, linked from the order page): how many of
// each line and why, what the customer wants for them, an optional comment; a live preview of the refund from
// returnCalculate (one request per settled change, never per keystroke); then requestReturn and the return.
import { h, replace } from "../dom.js";
import { clearErrors, formMessage, submit } from "../forms.js";
import { request, SignedOut } from "../graphql.js";
import { formatMoney, t, useLanguage } from "../i18n.js";
import { NEW_RETURN_PAGE, REQUEST_RETURN, RETURN_CALCULATE } from "../operations.js";
import { facts, table, textArea, time, totals } from "../offer-return-parts.js";
import { href, navigate } from "../router.js";

// How long the preview waits after the last change before it asks: typing "12" is one change, not two.
const SETTLE_MS = 400;
const RESOLUTIONS = ["REFUND", "STORE_CREDIT", "EXCHANGE"];

export async function render({ query }) {
  const orderId = query.get("order");
  if (!orderId) {
    useLanguage(null);
    return h(
      "section",
      {},
      h("h1", { tabindex: "-1" }, t("returnNew.title")),
      h("p", {}, t("returnNew.chooseOrder"), " ", h("a", { href: href("/orders") }, t("returns.toOrders"))),
    );
  }
  const data = await request(NEW_RETURN_PAGE, { orderId });
  useLanguage(data.me.settings.language);
  const order = data.node;
  if (!order || !order.number) {
    return h(
      "section",
      {},
      h("p", {}, h("a", { href: href("/returns") }, t("returns.back"))),
      h("h1", { tabindex: "-1" }, t("order.notFound")),
    );
  }
  const back = h("p", {}, h("a", { href: href(`/orders/${encodeURIComponent(order.id)}`) }, t("returnNew.backToOrder", { number: order.number })));
  const heading = h("h1", { tabindex: "-1" }, t("returnNew.titleFor", { number: order.number }));
  if (order.status !== "DELIVERED") {
    return h("section", {}, back, heading, h("p", { role: "status" }, t("returnNew.notDelivered", { status: t(`status.${order.status}`) })));
  }
  const counts = covered(order);
  if (order.lines.every((line) => (counts.get(line.id) || 0) >= line.quantity)) {
    return h(
      "section",
      {},
      back,
      heading,
      h("p", { role: "status" }, t("returnNew.allReturned")),
      h("p", {}, h("a", { href: href("/returns") }, t("returns.back"))),
    );
  }
  return h("section", {}, back, heading, returnForm(order, data.returnReasons, data.me.settings.timezone));
}

/** What open and completed returns already cover of each line (a rejected return frees its quantity). */
function covered(order) {
  const counts = new Map();
  for (const found of order.returns) {
    if (found.status === "REJECTED") continue;
    for (const line of found.lines) counts.set(line.orderLineId, (counts.get(line.orderLineId) || 0) + line.quantity);
  }
  return counts;
}

function reasonLabel(reason) {
  const key = `return.reason.${reason.code}`;
  const text = t(key);
  return text === key ? reason.label : text;
}

function lineRow(line, left, reasons, index) {
  const quantityId = `return-quantity-${index}`;
  const reasonId = `return-reason-${index}`;
  const errorId = `return-line-error-${index}`;
  const hintId = `return-line-hint-${index}`;
  return h(
    "fieldset",
    { class: "return-line", "data-line": line.id },
    h("legend", {}, line.name, " ", h("small", { class: "muted" }, line.sku)),
    h(
      "p",
      { class: "hint", id: hintId },
      left > 0
        ? t("returnNew.returnable", { left, bought: line.quantity, price: formatMoney(line.unitPrice) })
        : t("returnNew.nothingLeft"),
    ),
    h(
      "div",
      { class: "line-fields" },
      h(
        "div",
        { class: "field" },
        h("label", { for: quantityId }, t("returnNew.quantity")),
        h("input", {
          id: quantityId,
          name: "quantity",
          type: "number",
          inputmode: "numeric",
          min: "0",
          max: String(left),
          step: "1",
          value: "0",
          disabled: left <= 0,
          "aria-describedby": `${hintId} ${errorId}`,
        }),
      ),
      h(
        "div",
        { class: "field" },
        h("label", { for: reasonId }, t("returnNew.reason")),
        h(
          "select",
          { id: reasonId, name: "reason", disabled: left <= 0, "aria-describedby": errorId },
          h("option", { value: "" }, t("returnNew.chooseReason")),
          reasons.map((reason) =>
            h("option", { value: reason.code }, reason.deductionsApply ? `${reasonLabel(reason)} *` : reasonLabel(reason)),
          ),
        ),
      ),
    ),
    h("p", { class: "field-error", id: errorId, "data-line-error": line.id, hidden: true }),
  );
}

function returnForm(order, reasons, timeZone) {
  const counts = covered(order);
  const left = new Map(order.lines.map((line) => [line.id, Math.max(line.quantity - (counts.get(line.id) || 0), 0)]));
  const rows = order.lines.map((line, index) => lineRow(line, left.get(line.id), reasons, index));
  const preview = h("div", { class: "preview", "aria-live": "polite" }, h("p", { class: "muted" }, t("returnNew.previewEmpty")));
  const form = h(
    "form",
    { novalidate: true, "aria-labelledby": "return-form-title" },
    h("h2", { id: "return-form-title" }, t("returnNew.items")),
    h("p", { class: "hint" }, t("returnNew.deductionsHint")),
    formMessage(),
    rows,
    h(
      "fieldset",
      {},
      h("legend", {}, t("returnNew.resolution")),
      RESOLUTIONS.map((value, index) =>
        h(
          "div",
          { class: "option" },
          h("input", { type: "radio", id: `resolution-${value}`, name: "resolution", value, checked: index === 0 }),
          h("label", { for: `resolution-${value}` }, t(`returnNew.resolution.${value}`)),
        ),
      ),
    ),
    textArea({ name: "note", label: t("returnNew.note"), hint: t("returnNew.noteHint"), maxlength: "1000" }),
    h("h2", {}, t("returnNew.preview")),
    preview,
    h("div", { class: "actions" }, h("button", { type: "submit" }, t("returnNew.submit"))),
  );

  /** The input the form describes now; `sent[i]` is the order line of input line i (errors name indexes). */
  const current = () => {
    const lines = [];
    let missingReason = false;
    for (const row of rows) {
      const quantity = Number.parseInt(row.querySelector('[name="quantity"]').value, 10);
      if (!Number.isFinite(quantity) || quantity === 0) continue;
      const reason = row.querySelector('[name="reason"]').value;
      if (!reason) missingReason = true;
      lines.push({ orderLineId: row.dataset.line, quantity, reason });
    }
    const note = form.elements.note.value.trim() || null;
    return { input: { orderId: order.id, lines, resolution: form.elements.resolution.value, note }, missingReason };
  };

  let timer = null;
  let asked = null;
  let sequence = 0;
  const calculate = async () => {
    const { input, missingReason } = current();
    const previewInput = { ...input, note: null }; // the comment changes nothing in the refund
    const key = JSON.stringify(previewInput);
    if (key === asked) return;
    clearErrors(form);
    if (!input.lines.length) {
      asked = null;
      replace(preview, h("p", { class: "muted" }, t("returnNew.previewEmpty")));
      return;
    }
    if (missingReason) {
      asked = null;
      replace(preview, h("p", { class: "muted" }, t("returnNew.previewNeedsReason")));
      return;
    }
    asked = key;
    const mine = ++sequence;
    preview.setAttribute("aria-busy", "true");
    try {
      const data = await request(RETURN_CALCULATE, { input: previewInput });
      if (mine !== sequence) return; // a later change has asked again
      const payload = data.returnCalculate;
      if (payload.userErrors.length) {
        placeErrors(form, payload.userErrors, input.lines, left, { focus: false });
        replace(preview, h("p", { class: "muted" }, t("returnNew.previewBlocked")));
        return;
      }
      replace(preview, previewView(payload.calculation, order, timeZone));
    } catch (error) {
      if (mine !== sequence || error instanceof SignedOut) return;
      asked = null;
      replace(preview, h("p", { class: "form-error" }, t("app.error")));
    } finally {
      if (mine === sequence) preview.removeAttribute("aria-busy");
    }
  };
  const schedule = () => {
    clearTimeout(timer);
    timer = setTimeout(calculate, SETTLE_MS);
  };
  form.addEventListener("input", (event) => {
    if (event.target.name !== "note") schedule();
  });
  form.addEventListener("change", (event) => {
    if (event.target.name !== "note") schedule();
  });

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearTimeout(timer);
    const { input } = current();
    const missing = [];
    input.lines.forEach((line, index) => {
      if (!line.reason) missing.push({ field: ["input", "lines", String(index), "reason"], code: "REASON_MISSING", message: "" });
    });
    if (!input.lines.length) {
      placeErrors(form, [{ field: ["input", "lines"], code: "REQUIRED", message: "" }], input.lines, left);
      return;
    }
    if (missing.length) {
      placeErrors(form, missing, input.lines, left);
      return;
    }
    const data = await submit(form, () => request(REQUEST_RETURN, { input }));
    if (!data) return;
    const payload = data.requestReturn;
    if (payload.userErrors.length) {
      placeErrors(form, payload.userErrors, input.lines, left);
      return;
    }
    navigate(`/returns/${encodeURIComponent(payload.return.number)}?requested=1`);
  });
  return form;
}

/** Each userError next to what it names: a line's quantity or reason, the comment, else above the form. */
function placeErrors(form, errors, sentLines, left, { focus = true } = {}) {
  clearErrors(form);
  let first = null;
  const say = (slot, text) => {
    slot.textContent = slot.textContent ? `${slot.textContent} ${text}` : text;
    slot.hidden = false;
  };
  for (const error of errors) {
    const path = (error.field || []).filter((part) => part !== "input");
    const sent = path[0] === "lines" && path.length > 1 ? sentLines[Number(path[1])] : null;
    const row = sent ? form.querySelector(`[data-line="${CSS.escape(sent.orderLineId)}"]`) : null;
    const text = wordedReturnError(error, sent ? left.get(sent.orderLineId) : null);
    if (row) {
      const control = row.querySelector(path[path.length - 1] === "reason" ? '[name="reason"]' : '[name="quantity"]');
      control.setAttribute("aria-invalid", "true");
      say(row.querySelector("[data-line-error]"), text);
      first = first || control;
    } else if (path[0] === "note") {
      const slot = form.querySelector('[data-error-for="note"]');
      say(slot, text);
      form.elements.note.setAttribute("aria-invalid", "true");
      first = first || form.elements.note;
    } else {
      const slot = form.querySelector(".form-error");
      say(slot, text);
      first = first || slot;
    }
  }
  if (focus && first && first.focus) first.focus();
}

function wordedReturnError(error, left) {
  const key = `return.error.${error.code}`;
  const text = t(key, { left: left ?? 0 });
  return text === key ? error.message : text;
}

function previewView(calculation, order, timeZone) {
  const names = new Map(order.lines.map((line) => [line.id, line.name]));
  const zero = (money) => !Number(money.amount);
  const negative = (money) => ({ ...money, amount: `-${money.amount}` });
  return h(
    "div",
    {},
    table(
      t("returnNew.preview"),
      [{ label: t("order.item") }, { label: t("order.quantity"), numeric: true }, { label: t("return.amount"), numeric: true }],
      calculation.lines.map((line) => [names.get(line.orderLineId) || "", String(line.quantity), formatMoney(line.amount)]),
    ),
    calculation.refundDestination === "NONE"
      ? h("p", {}, t("returnNew.exchangeNote"))
      : totals([
          [t("return.subtotal"), calculation.subtotal],
          [t("return.taxIncluded"), calculation.taxTotal],
          zero(calculation.restockingFee) ? null : [t("return.restockingFee"), negative(calculation.restockingFee)],
          zero(calculation.shippingDeduction) ? null : [t("return.shippingDeduction"), negative(calculation.shippingDeduction)],
          [t("return.refundTotal"), calculation.refundTotal],
        ]),
    facts([
      [t("return.destination"), t(`return.destination.${calculation.refundDestination}`)],
      [t("returnNew.returnableUntil"), time(calculation.returnableUntil, timeZone, true)],
    ]),
  );
}
