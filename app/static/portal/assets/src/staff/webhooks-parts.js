// What the webhooks pages share: the event catalogue to choose from, an endpoint's state in words, the API's
// refusals said by code, a signing secret shown once, and one attempt of the log in words.
import "./messages.js";
import { h } from "../dom.js";
import { t } from "../i18n.js";

// The types of the event catalogue (app/integration/catalogue.py, README "Events"): an endpoint wants some, or
// "*" for all, including types added later. tests/portal/test_webhooks_catalogue.py keeps this list in step.
export const EVENT_TYPES = [
  "customer.created",
  "customer.updated",
  "customer.activated",
  "customer.deleted",
  "customer.consent_changed",
  "order.placed",
  "order.status_changed",
  "order.cancelled",
  "payment.succeeded",
  "payment.failed",
  "payment.refunded",
  "invoice.issued",
  "invoice.paid",
  "invoice.voided",
  "return.requested",
  "return.approved",
  "return.rejected",
  "return.received",
  "return.refunded",
  "store_credit.moved",
  "credit_limit.decided",
  "ticket.opened",
  "ticket.answered",
  "ticket.closed",
  "inventory.moved",
];

/** The event types an endpoint wants, as text: "every event" for ["*"]. */
export function eventsText(types) {
  return types.includes("*") ? t("staff.webhooks.allEvents") : types.join(", ");
}

/** "Enabled", or "Disabled" (with the reason an automatic or manual disabling gave), as a badge and a line. */
export function endpointState(endpoint) {
  const badge = h(
    "span",
    { class: `badge${endpoint.enabled ? "" : " badge-warn"}`, "data-state": endpoint.enabled ? "enabled" : "disabled" },
    t(endpoint.enabled ? "staff.webhooks.enabled" : "staff.webhooks.disabled"),
  );
  return endpoint.enabled || !endpoint.disabledReason
    ? badge
    : h("span", {}, badge, " ", t("staff.webhooks.disabledBecause", { reason: endpoint.disabledReason }));
}

/** userErrors with their message in the reader's language, by code (the API's own text for a new code). */
export function worded(userErrors) {
  return userErrors.map((error) => {
    const key = `staff.webhooks.error.${error.code}`;
    const words = error.code ? t(key) : key;
    return words === key ? error : { ...error, message: words };
  });
}

/**
 * The event types as checkboxes (name "eventTypes"), "every event" first; the API's errors about them show
 * below. `chosen`: the types ticked now.
 */
export function eventChoice(chosen = []) {
  const id = `events-${Math.random().toString(36).slice(2, 8)}`;
  const box = (value, label) =>
    h(
      "label",
      { class: "staff-webhook-event" },
      h("input", { type: "checkbox", name: "eventTypes", value, checked: chosen.includes(value) }),
      " ",
      label,
    );
  return h(
    "fieldset",
    { class: "field staff-webhook-events", "aria-describedby": `${id}-error` },
    h("legend", {}, t("staff.webhooks.events")),
    h("p", { class: "hint" }, t("staff.webhooks.eventsHint")),
    box("*", t("staff.webhooks.allEventsChoice")),
    EVENT_TYPES.map((type) => box(type, h("code", {}, type))),
    h("p", { class: "field-error", id: `${id}-error`, "data-error-for": "eventTypes", hidden: true }),
  );
}

/** The ticked event types of a form's FormData ("*" alone when it is ticked). */
export function chosenEvents(values) {
  const types = values.getAll("eventTypes").map(String);
  return types.includes("*") ? ["*"] : types;
}

/**
 * A signing secret, shown this once: the page keeps it nowhere else (not in storage, not in the address), so
 * it is gone with the page. `note`: what else to say (the old secret's overlap).
 */
export function secretBox(secret, note = null) {
  const id = `secret-${Math.random().toString(36).slice(2, 8)}`;
  return h(
    "div",
    { class: "panel staff-webhook-secret", role: "status" },
    h("h2", {}, t("staff.webhooks.secretTitle")),
    h("p", { class: "warning" }, t("staff.webhooks.secretOnce")),
    h("label", { for: id }, t("staff.webhooks.secretLabel")),
    h("input", { id, type: "text", readonly: true, value: secret, class: "secret", autocomplete: "off", spellcheck: "false" }),
    note ? h("p", {}, note) : null,
  );
}

/** Why an attempt failed, in words (a kind added to the API later shows as its name). */
export function kindLabel(kind) {
  const key = `staff.webhooks.kind.${kind}`;
  const words = kind ? t(key) : "";
  return words === key ? kind : words;
}

/** One attempt in words: when, its status code (or why it failed), its latency, and the answer's start. */
export function attemptLine(attempt, when) {
  const outcome = attempt.statusCode
    ? t("staff.webhooks.statusCode", { code: attempt.statusCode })
    : t("staff.webhooks.noAnswer", { kind: kindLabel(attempt.errorKind) });
  return h(
    "li",
    { class: "staff-webhook-attempt", "data-succeeded": attempt.succeeded ? "yes" : "no" },
    h("span", {}, when(attempt.startedAt)),
    " · ",
    h("span", { class: attempt.succeeded ? "badge" : "badge badge-warn" }, attempt.succeeded ? t("staff.webhooks.ok") : t("staff.webhooks.failed")),
    " ",
    outcome,
    " · ",
    t("staff.webhooks.latency", { ms: attempt.latencyMs }),
    attempt.responseExcerpt ? h("pre", { class: "staff-webhook-excerpt" }, attempt.responseExcerpt) : null,
  );
}
