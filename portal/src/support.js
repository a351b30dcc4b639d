// Pieces the support pages share: a labelled multi-line field, a ticket's state in words, categories.
import { h } from "./dom.js";
import { t } from "./i18n.js";

export const CATEGORIES = ["ORDER", "PAYMENT", "RETURN", "ACCOUNT", "PRODUCT", "OTHER"];
export const STATES = ["OPEN", "PENDING_CUSTOMER", "RESOLVED", "CLOSED"];

let sequence = 0;

/** A labelled textarea whose userErrors appear next to it (like forms.js's field()). */
export function textArea({ name, label, hint, required = true, maxlength, rows = 5 }) {
  const id = `area-${name}-${++sequence}`;
  const error = h("p", { class: "field-error", id: `${id}-error`, "data-error-for": name, hidden: true });
  const hintElement = hint ? h("p", { class: "hint", id: `${id}-hint` }, hint) : null;
  const describedBy = hint ? `${id}-hint ${id}-error` : `${id}-error`;
  const area = h("textarea", { id, name, rows, required, maxlength, "aria-describedby": describedBy });
  return h("div", { class: "field" }, h("label", { for: id }, label), hintElement, area, error);
}

export function stateBadge(state) {
  return h("span", { class: `ticket-state ticket-state-${state.toLowerCase().replace("_", "-")}` }, t(`ticket.state.${state}`));
}

// The ticket errors our catalogue words; any other code shows the server's message.
const WORDED = new Set(["REQUIRED", "TOO_LONG", "ORDER_NOT_FOUND", "TICKET_CLOSED", "NOT_RESOLVED", "ALREADY_RATED", "INVALID_RATING"]);

/** The userErrors of a ticket mutation, worded from our catalogue by their code where we know it. */
export function worded(userErrors) {
  return userErrors.map((error) => (WORDED.has(error.code) ? { ...error, message: t(`ticket.error.${error.code}`) } : error));
}
