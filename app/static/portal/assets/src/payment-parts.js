// Small pieces the payment pages share: how a saved card reads, an action button's request with its answer in
// words, and an amount typed in the reader's way turned into the API's decimal.
import { h } from "./dom.js";
import { SignedOut } from "./graphql.js";
import { currentLanguage, t } from "./i18n.js";

// Brand names are names: the same in every language.
const BRANDS = { VISA: "Visa", MASTERCARD: "Mastercard", AMEX: "American Express", DISCOVER: "Discover" };

/** "Visa •••• 4242", or for a bank account "SEPA Direct Debit •••• 3000" (the scheme's name, in every language). */
export function cardName(method) {
  if (method.kind === "SEPA_DEBIT") return `SEPA Direct Debit •••• ${method.last4}`;
  return `${BRANDS[method.brand] || method.brand} •••• ${method.last4}`;
}

/** "12/2030" */
export function cardExpiry(method) {
  return `${String(method.expMonth).padStart(2, "0")}/${method.expYear}`;
}

/** A polite status line for what just happened (hidden while empty). */
export function notice(text) {
  return h("p", { class: "notice", role: "status", hidden: !text }, text || "");
}

/** An alert line for an action's failure (hidden until it has something to say). */
export function alertLine() {
  return h("p", { class: "form-error", role: "alert", hidden: true });
}

export function say(element, text) {
  element.textContent = text;
  element.hidden = !text;
}

/** The server's userErrors in our words where we know the code (`prefix` + code), else its own message. */
export function worded(userErrors, prefix) {
  return userErrors.map((error) => {
    const key = `${prefix}${error.code}`;
    const ours = t(key);
    return { ...error, message: ours === key ? error.message : ours };
  });
}

/**
 * Runs a button's mutation: the button is disabled meanwhile; `payloadOf(data)` is its payload. Returns the
 * payload when it has no userErrors, else shows them (worded) in `alert` and returns null.
 */
export async function act(button, alert, send, payloadOf, prefix) {
  button.disabled = true;
  say(alert, "");
  try {
    const payload = payloadOf(await send());
    if (payload.userErrors.length) {
      say(alert, worded(payload.userErrors, prefix).map((error) => error.message).join(" "));
      return null;
    }
    return payload;
  } catch (error) {
    if (!(error instanceof SignedOut)) say(alert, t("app.error"));
    return null;
  } finally {
    button.disabled = false;
  }
}

/** "1.234,50" (de) or "1,234.50" (en) as typed → "1234.50"; anything else is sent as typed for the server to judge. */
export function decimalInput(text) {
  const value = String(text || "").trim().replace(/[\s\u00a0']/g, "");
  const decimal = currentLanguage() === "de" ? "," : ".";
  const group = decimal === "," ? "." : ",";
  if (/^\d{1,3}([.,]\d{3})+([.,]\d+)?$/.test(value) || value.includes(decimal)) {
    return value.split(group).join("").replace(decimal, ".");
  }
  return value;
}

/** A key for one payment attempt: sent again when retrying the same attempt, so nothing is charged twice. */
export function idempotencyKey() {
  return `portal-${crypto.randomUUID()}`;
}
