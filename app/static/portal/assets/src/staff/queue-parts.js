// Pieces the support queue's two pages share: a ticket's state in staff words, who handles it, a checkbox.
import "./messages.js";
import { h } from "../dom.js";
import { t } from "../i18n.js";
import { customerName } from "./parts.js";

export const STATES = ["OPEN", "PENDING_CUSTOMER", "RESOLVED", "CLOSED"];
export const CATEGORIES = ["ORDER", "PAYMENT", "RETURN", "ACCOUNT", "PRODUCT", "OTHER"];

/** The state as a badge, worded for staff ("Waiting for the customer", not "Waiting for your reply"). */
export function stateBadge(state) {
  return h(
    "span",
    { class: `ticket-state ticket-state-${state.toLowerCase().replace("_", "-")}`, "data-state": state },
    t(`staff.queue.state.${state}`),
  );
}

/** Who handles the ticket, or "Nobody yet". */
export function assigneeName(assignee) {
  return assignee ? customerName(assignee) : t("staff.queue.nobody");
}

let sequence = 0;

/** A labelled checkbox whose userErrors appear next to it. */
export function checkBox({ name, label, checked = false, hint }) {
  const id = `check-${name}-${++sequence}`;
  return h(
    "div",
    { class: "check" },
    h("input", { type: "checkbox", id, name, value: "1", checked, "aria-describedby": hint ? `${id}-hint` : null }),
    h("label", { for: id }, label),
    hint ? h("p", { class: "hint", id: `${id}-hint` }, hint) : null,
    h("p", { class: "field-error", "data-error-for": name, hidden: true }),
  );
}
