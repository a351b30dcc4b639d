// The offer line editor that "Write an offer" and "Revise" share: one group of fields per line (SKU with a
// product lookup that fills the name and unit price, quantity, net unit price, tax rate per line), lines added
// and removed in place, read back as OfferLineInput values, and the server's typed errors shown at the line
// and field they name (lines.<index>.<field>). Also the validity day both forms ask for.
import "./messages.js";
import { h } from "../dom.js";
import { clearErrors, field, showErrors } from "../forms.js";
import { request, SignedOut } from "../graphql.js";
import { formatMoney, t } from "../i18n.js";
import { startOfDay } from "../moments.js";
import { STAFF_PRODUCT_LOOKUP } from "./operations.js";

let sequence = 0;

/** A line's input field with its own error slot (`name` is the OfferLineInput field the server names). */
function lineField({ name, label, value, inputmode, type = "text", hint }) {
  const id = `line-${name}-${++sequence}`;
  const hintElement = hint ? h("p", { class: "hint", id: `${id}-hint` }, hint) : null;
  const describedBy = hint ? `${id}-hint ${id}-error` : `${id}-error`;
  return h(
    "div",
    { class: "field" },
    h("label", { for: id }, label),
    hintElement,
    h("input", { id, name, type, value, inputmode, required: true, "aria-describedby": describedBy, "data-line-field": name }),
    h("p", { class: "field-error", id: `${id}-error`, "data-line-error": name, hidden: true }),
  );
}

/** Basis points (1900) as the percent the editor shows ("19"). */
function percent(bp) {
  return String(Number(bp || 0) / 100);
}

/** "19" or "7,5" → 1900 / 750 basis points; -1 when it is no number (the server then says INVALID). */
function basisPoints(text) {
  const value = Number(String(text).trim().replace(",", "."));
  return String(text).trim() === "" || Number.isNaN(value) ? -1 : Math.round(value * 100);
}

/**
 * The editor: `lines` prefill it (OfferLine values: sku, name, quantity, unitPrice {amount}, taxRateBp);
 * `currency()` answers the offer's currency, to compare a product's price with. Answers { element, read(), show(errors) }.
 */
export function lineEditor({ lines = [], currency = () => null } = {}) {
  const list = h("ol", { class: "offer-lines" });
  const add = h("button", { type: "button", class: "secondary" }, t("staff.offerLines.add"));
  const element = h("fieldset", { class: "offer-lines-editor" }, h("legend", {}, t("staff.offerLines.title")), list, add);

  const renumber = () => {
    [...list.children].forEach((item, index) => {
      item.dataset.line = String(index);
      item.querySelector("legend").textContent = t("staff.offerLines.line", { number: index + 1 });
      item.querySelector("[data-remove]").hidden = list.children.length === 1;
    });
  };

  const addLine = (line = {}) => {
    const sku = lineField({ name: "sku", label: t("staff.offerLines.sku"), value: line.sku || "" });
    const lookup = h("button", { type: "button", class: "secondary", "data-lookup": "" }, t("staff.offerLines.lookup"));
    const found = h("p", { class: "hint offer-line-product", role: "status" });
    const name = lineField({ name: "name", label: t("staff.offerLines.name"), value: line.name || "" });
    const quantity = lineField({
      name: "quantity",
      label: t("staff.offerLines.quantity"),
      value: String(line.quantity || 1),
      inputmode: "numeric",
    });
    const unitPrice = lineField({
      name: "unitPrice",
      label: t("staff.offerLines.unitPrice"),
      value: line.unitPrice ? line.unitPrice.amount : "",
      inputmode: "decimal",
    });
    const tax = lineField({
      name: "taxRateBp",
      label: t("staff.offerLines.taxRate"),
      hint: t("staff.offerLines.taxRateHint"),
      value: percent(line.taxRateBp ?? 1900),
      inputmode: "decimal",
    });
    const remove = h("button", { type: "button", class: "secondary", "data-remove": "" }, t("staff.offerLines.remove"));
    const item = h(
      "li",
      {},
      h(
        "fieldset",
        { class: "offer-line" },
        h("legend", {}),
        h("div", { class: "offer-line-sku" }, sku, lookup),
        found,
        name,
        h("div", { class: "offer-line-numbers" }, quantity, unitPrice, tax),
        remove,
      ),
    );
    lookup.addEventListener("click", async () => {
      const input = sku.querySelector("input");
      const wanted = input.value.trim();
      found.textContent = "";
      if (!wanted) {
        found.textContent = t("staff.offerLines.skuFirst");
        return;
      }
      lookup.disabled = true;
      try {
        const { product } = await request(STAFF_PRODUCT_LOOKUP, { sku: wanted });
        if (!product) {
          found.textContent = t("staff.offerLines.notFound", { sku: wanted });
          return;
        }
        input.value = product.sku;
        name.querySelector("input").value = product.name;
        unitPrice.querySelector("input").value = product.price.amount;
        const other = currency() && product.price.currencyCode !== currency();
        found.textContent = [
          t("staff.offerLines.found", { name: product.name, price: formatMoney(product.price) }),
          product.active ? "" : t("staff.offerLines.inactive"),
          other ? t("staff.offerLines.otherCurrency", { currency: currency() }) : "",
        ]
          .filter(Boolean)
          .join(" ");
      } catch (error) {
        if (!(error instanceof SignedOut)) found.textContent = t("app.error");
      } finally {
        lookup.disabled = false;
      }
    });
    remove.addEventListener("click", () => {
      item.remove();
      renumber();
      list.querySelector("input").focus();
    });
    list.append(item);
    renumber();
    return item;
  };

  add.addEventListener("click", () => addLine().querySelector("input").focus());
  for (const line of lines.length ? lines : [{}]) addLine(line);

  /** The lines as OfferLineInput values. */
  const read = () =>
    [...list.children].map((item) => {
      const value = (name) => item.querySelector(`[data-line-field="${name}"]`).value.trim();
      const quantity = Number(value("quantity"));
      const price = value("unitPrice").replace(",", ".");
      return {
        sku: value("sku"),
        name: value("name"),
        quantity: Number.isInteger(quantity) ? quantity : 0,
        unitPrice: /^\d+(\.\d+)?$/.test(price) ? price : "-1", // the server says INVALID_AMOUNT
        taxRateBp: basisPoints(value("taxRateBp")),
      };
    });

  return { element, read };
}

/**
 * Shows an offer mutation's userErrors in `form`: those naming a line (…lines.<i>.<field>) at that line's field,
 * the rest like forms.js's showErrors (at the field named by the path's end, else in the form message).
 */
export function showOfferErrors(form, userErrors) {
  const atLines = [];
  const rest = [];
  for (const error of userErrors) {
    const path = error.field || [];
    const at = path.indexOf("lines");
    if (at >= 0 && path.length > at + 2) atLines.push({ ...error, index: path[at + 1], name: path[path.length - 1] });
    else rest.push(error);
  }
  clearErrors(form);
  if (rest.length) showErrors(form, rest);
  let first = null;
  for (const error of atLines) {
    const item = form.querySelector(`.offer-lines > li[data-line="${CSS.escape(String(error.index))}"]`);
    const slot = item && item.querySelector(`[data-line-error="${CSS.escape(error.name)}"]`);
    if (!slot) {
      showErrors(form, [...rest, { field: null, message: error.message }]);
      continue;
    }
    slot.textContent = slot.textContent ? `${slot.textContent} ${error.message}` : error.message;
    slot.hidden = false;
    const input = item.querySelector(`[data-line-field="${CSS.escape(error.name)}"]`);
    input.setAttribute("aria-invalid", "true");
    first = first || input;
  }
  if (first && !rest.length) first.focus();
}

/** The validity field: a calendar day, valid to its end in the agent's time zone. */
export function validUntilField(value) {
  return field({ name: "validUntil", label: t("staff.offerLines.validUntil"), type: "date", value });
}

/** The last moment of the calendar day "YYYY-MM-DD" in `timeZone`, as ISO 8601 (what validUntil takes). */
export function endOfDay(day, timeZone) {
  const next = startOfDay(day, timeZone, 1);
  return next ? new Date(Date.parse(next) - 1000).toISOString() : "";
}

/** An ISO moment's calendar day ("YYYY-MM-DD") in `timeZone`, to prefill the validity field. */
export function dayOf(iso, timeZone) {
  const options = { year: "numeric", month: "2-digit", day: "2-digit" };
  try {
    return new Intl.DateTimeFormat("en-CA", timeZone ? { ...options, timeZone } : options).format(new Date(iso));
  } catch {
    return new Intl.DateTimeFormat("en-CA", options).format(new Date(iso));
  }
}
