// What the customers pages share: an account's status and roles in words, an action the API may refuse
// (administrators only) said next to its form, and the reason the console asks for even where the API
// would accept none.
import "./messages.js";
import { h } from "../dom.js";
import { RequestFailed } from "../graphql.js";
import { t } from "../i18n.js";

export const STATUSES = ["PENDING_ACTIVATION", "PENDING_APPROVAL", "ACTIVE", "SUSPENDED", "DELETED"];
export const ROLES = ["CUSTOMER", "AFFILIATE", "SUPPORT", "ADMIN"];

export function statusWords(status) {
  return t(`staff.customers.status.${status}`);
}

export function statusBadge(status) {
  return h("span", { class: `badge staff-status staff-status-${status.toLowerCase().replace("_", "-")}` }, statusWords(status));
}

export function rolesText(roles) {
  return roles.map((role) => t(`profile.role.${role}`)).join(", ");
}

/** A message key in words, or `fallback` (the raw value) when the catalogue has none. */
export function wordsOr(key, fallback) {
  const words = t(key);
  return words === key ? fallback : words;
}

/**
 * Runs an action's mutation: a refusal (FORBIDDEN: administrators only) comes back as a form-level userError,
 * said next to the form instead of "something went wrong"; `names` are fields the console requires filled
 * (the reason), checked before anything is sent.
 */
export async function guarded(values, names, work) {
  const missing = names.filter((name) => !String(values[name] || "").trim());
  if (missing.length) {
    const message = (name) => t(name.startsWith("confirm") ? "staff.customers.confirmRequired" : "staff.customers.required");
    return { userErrors: missing.map((name) => ({ field: [name], message: message(name) })) };
  }
  try {
    return await work();
  } catch (error) {
    if (error instanceof RequestFailed && error.code === "FORBIDDEN") {
      return { userErrors: [{ field: null, message: t("staff.customers.forbidden") }] };
    }
    throw error;
  }
}

/** A checkbox that confirms an action that cannot be undone; its error shows next to it. */
export function confirmBox(name, label) {
  const id = `confirm-${name}-${Math.random().toString(36).slice(2, 8)}`;
  return h(
    "div",
    { class: "field staff-confirm" },
    h("label", { for: id }, h("input", { type: "checkbox", id, name, value: "yes", "aria-describedby": `${id}-error` }), " ", label),
    h("p", { class: "field-error", id: `${id}-error`, "data-error-for": name, hidden: true }),
  );
}
