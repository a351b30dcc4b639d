// What the help centre and audit log pages share: an article's body as the customer's help page shows it,
// an article's state, and the audit log's event types in words.
import "./messages.js";
import { h } from "../dom.js";
import { t } from "../i18n.js";

/**
 * An article's body as paragraphs, exactly as the customer's help page (pages/help-article.js) renders it:
 * blank lines separate paragraphs, line breaks inside one are kept (.help-body is white-space: pre-wrap).
 */
export function articleParagraphs(body) {
  const paragraphs = body.split(/\n\s*\n/).filter((paragraph) => paragraph.trim());
  return paragraphs.map((paragraph) => h("p", { class: "help-body" }, paragraph));
}

/** "Draft" or "Published", as a badge. */
export function articleState(article) {
  return h(
    "span",
    { class: `staff-help-state staff-help-state-${article.published ? "published" : "draft"}` },
    t(article.published ? "staff.help.published" : "staff.help.draft"),
  );
}

// Every SecurityEventType the console knows in words (staff.audit.type.<TYPE>); the filter offers these.
export const EVENT_TYPES = [
  "ACCOUNT_REGISTERED",
  "ACCOUNT_ACTIVATED",
  "SIGN_IN",
  "SIGN_OUT",
  "ACCOUNT_LOCKED",
  "SESSION_REVOKED",
  "PASSWORD_CHANGED",
  "PASSWORD_RESET_REQUESTED",
  "PASSWORD_RESET",
  "ACTIVATION_CODE_FAILED",
  "ROLE_GRANTED",
  "ROLE_REVOKED",
  "OFFER_REVISED",
  "OFFER_WITHDRAWN",
  "ACCOUNT_APPROVED",
  "ACCOUNT_SUSPENDED",
  "ACCOUNT_REACTIVATED",
  "TWO_FACTOR_ENABLED",
  "TWO_FACTOR_DISABLED",
  "TWO_FACTOR_RESET",
  "TWO_FACTOR_CHALLENGE",
  "RECOVERY_CODES_REGENERATED",
  "RECOVERY_CODE_USED",
  "DEVICE_TRUSTED",
  "DEVICE_REVOKED",
  "STEP_UP",
  "RISK_DECISION",
  "EMAIL_CHANGE_REQUESTED",
  "EMAIL_CHANGE_APPROVED",
  "EMAIL_CHANGED",
  "EMAIL_CHANGE_UNDONE",
  "PHONE_CHANGED",
  "CONSENT_CHANGED",
  "ACCOUNT_DELETED",
  "DATA_EXPORT_REQUESTED",
  "DATA_EXPORT_DOWNLOADED",
  "PAYMENT_METHOD_ADDED",
  "PAYMENT_METHOD_REMOVED",
  "PRIVACY_POLICY_PUBLISHED",
  "CUSTOMER_GROUP_CHANGED",
  "WEBHOOK_ENDPOINT_CHANGED",
  "WEBHOOK_SECRET_ROTATED",
  "TICKET_ANSWERED",
  "TICKET_NOTE_ADDED",
  "TICKET_ASSIGNED",
  "TICKET_STATE_CHANGED",
  "RETURN_APPROVED",
  "RETURN_REJECTED",
  "RETURN_RECEIVED",
  "RETURN_REFUND_RETRIED",
  "RETURN_CREDITED_INSTEAD",
  "RETURN_CLOSED",
  "OFFER_CREATED",
  "HELP_ARTICLE_CREATED",
  "HELP_ARTICLE_UPDATED",
  "HELP_ARTICLE_DELETED",
  "STORE_CREDIT_ADJUSTED",
  "ACCOUNT_PAYMENT_RECORDED",
  "CREDIT_LIMIT_DECIDED",
];

/** A type in words; a type added to the API after this page was written shows as its name. */
export function eventTypeLabel(type) {
  const key = `staff.audit.type.${type}`;
  const label = t(key);
  return label === key ? type : label;
}

/** An alert's kind in words, or its name for a kind this page does not know yet. */
export function alertKindLabel(kind) {
  const key = `staff.alerts.kind.${kind}`;
  const label = t(key);
  return label === key ? kind : label;
}
