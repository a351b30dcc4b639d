// Payments that need the customer's bank first (3-D Secure), with either gateway: Stripe authenticates in
// the page with its own library (Stripe.js, loaded from js.stripe.com on the payment pages only); the
// sandbox, like a bank's page, is a page of its own that sends the reader back to `returnUrl()`. Either way
// the portal then asks confirmPayment how the payment stands now. The payment waiting for that answer is
// kept in sessionStorage (this tab only) so the page the reader comes back to knows which one it was.
import { request } from "./graphql.js";
import { CONFIRM_PAYMENT } from "./operations.js";

const PENDING_KEY = "portal.pendingPayment";
const RETURN_MARK = "authenticated";
const STRIPE_JS = "https://js.stripe.com/v3/";
let stripeLoading = null;

/** Stripe.js, loaded once per page; rejects when it cannot be loaded (offline, blocked). */
export function loadStripe(publishableKey) {
  if (!stripeLoading) {
    stripeLoading = new Promise((resolve, reject) => {
      const script = document.createElement("script");
      script.src = STRIPE_JS;
      script.addEventListener("load", () => resolve(window.Stripe(publishableKey)));
      script.addEventListener("error", () => {
        stripeLoading = null;
        reject(new Error("Stripe.js could not be loaded"));
      });
      document.head.append(script);
    });
  }
  return stripeLoading;
}

/** Where the bank's page sends the reader back to: this page, marked as a return. */
export function returnUrl() {
  const url = new URL(location.href);
  url.search = `?${RETURN_MARK}=1`;
  url.hash = "";
  return url.toString();
}

/** Whether this page was opened by the bank's page sending the reader back. */
export function isReturn(query) {
  return query.has(RETURN_MARK) && Boolean(sessionStorage.getItem(PENDING_KEY));
}

/**
 * A payment answered REQUIRES_ACTION: let the reader authenticate it. With Stripe this resolves with
 * confirmPayment's payload; with a redirect the browser leaves (the promise never settles) and the page it
 * comes back to calls `confirmReturn`.
 */
export async function authenticate(payload, options) {
  sessionStorage.setItem(PENDING_KEY, payload.payment.id);
  const action = payload.nextAction;
  if (options && options.gateway === "stripe" && options.publishableKey) {
    const stripe = await loadStripe(options.publishableKey);
    await stripe.handleNextAction({ clientSecret: action.clientSecret });
    return confirmReturn();
  }
  location.assign(action.redirectUrl);
  return new Promise(() => {});
}

/** confirmPayment for the payment that waited for the reader's bank (null when none did). */
export async function confirmReturn() {
  const paymentId = sessionStorage.getItem(PENDING_KEY);
  if (!paymentId) return null;
  sessionStorage.removeItem(PENDING_KEY);
  const data = await request(CONFIRM_PAYMENT, { input: { paymentId } });
  return data.confirmPayment;
}
