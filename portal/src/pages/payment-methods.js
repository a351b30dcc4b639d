// Saved cards and bank accounts: list (default first), make one the default, remove one (after a
// confirmation), and add one. With Stripe the card or IBAN is typed into Stripe's own form (its Payment
// Element, confirming a SetupIntent from beginPaymentMethodSetup) and only the setup's id reaches our API;
// with the sandbox gateway the reader picks one of its test cards. A card number never reaches our API.
import { h, replace } from "../dom.js";
import { choice, formMessage, showErrors, submit } from "../forms.js";
import { request } from "../graphql.js";
import { t, useLanguage } from "../i18n.js";
import {
  ADD_PAYMENT_METHOD,
  BEGIN_PAYMENT_METHOD_SETUP,
  PAYMENT_METHODS_PAGE,
  REMOVE_PAYMENT_METHOD,
  SET_DEFAULT_PAYMENT_METHOD,
} from "../operations.js";
import { act, alertLine, cardExpiry, cardName, notice, worded } from "../payment-parts.js";
import { navigate } from "../router.js";
import { loadStripe, returnUrl } from "../strong-auth.js";

// The sandbox gateway's test tokens (README, "Invoices, payments and store credit"), in the order offered.
const TEST_TOKENS = [
  "tok_visa",
  "tok_mastercard",
  "tok_amex",
  "tok_discover",
  "tok_visa_expiring",
  "tok_visa_expired",
  "tok_declined",
  "tok_insufficient_funds",
  "tok_do_not_honor",
  "tok_network_error",
  "tok_network_flaky",
  "tok_visa_3ds",
];
// The sandbox's test bank accounts, offered where SEPA Direct Debit is (euros, a SEPA country).
const TEST_DEBIT_TOKENS = ["tok_sepa_debit", "tok_sepa_debit_fails"];
const DONE = { added: "cards.added", removed: "cards.removed", default: "cards.defaultSaved" };

export async function render({ query }) {
  const { me, paymentOptions } = await request(PAYMENT_METHODS_PAGE);
  useLanguage(me.settings.language);
  // Back from a bank's page that a Stripe setup needed: the setup's id is what addPaymentMethod takes.
  const returnedSetup = query.get("setup_intent");
  if (returnedSetup && query.get("redirect_status") === "succeeded") {
    const data = await request(ADD_PAYMENT_METHOD, { input: { gatewayToken: returnedSetup } });
    if (!data.addPaymentMethod.userErrors.length) {
      navigate("/payment-methods?done=added", { replace: true });
      return h("section", {});
    }
  }
  const done = DONE[query.get("done")];
  const list = me.paymentMethods.length
    ? h("ul", { class: "saved-cards" }, me.paymentMethods.map(card))
    : h("p", {}, t("cards.empty"));
  return h(
    "section",
    {},
    h("h1", { tabindex: "-1" }, t("cards.title")),
    notice(done ? t(done) : ""),
    list,
    addForm(me.paymentMethods.length === 0, paymentOptions),
  );
}

function card(method) {
  const name = cardName(method);
  const alert = alertLine();
  const badges = [
    method.isDefault ? h("span", { class: "badge" }, t("cards.default")) : null,
    method.isExpired ? h("span", { class: "badge warning" }, t("cards.expired")) : null,
    method.expiresSoon ? h("span", { class: "badge warning" }, t("cards.expiresSoon")) : null,
  ];
  const actions = h("div", { class: "actions" });
  const button = (text, onclick) =>
    h("button", { type: "button", class: "small", "aria-label": `${text}: ${name}`, onclick }, text);
  const makeDefault = async (event) => {
    const input = { paymentMethodId: method.id };
    const sent = () => request(SET_DEFAULT_PAYMENT_METHOD, { input });
    if (await act(event.currentTarget, alert, sent, (data) => data.setDefaultPaymentMethod, "cards.error.")) {
      navigate("/payment-methods?done=default", { replace: true });
    }
  };
  const showActions = () => {
    replace(
      actions,
      method.isDefault ? null : button(t("cards.makeDefault"), makeDefault),
      button(t("cards.remove"), confirmRemoval),
    );
  };
  // Removing is not undone: say what goes, and ask once more, in place.
  const confirmRemoval = () => {
    const question = h("p", { id: `remove-${method.id}`, class: "confirm" }, t("cards.removeQuestion", { card: name }));
    const yes = h("button", { type: "button", class: "small danger", "aria-describedby": question.id }, t("cards.removeConfirm"));
    const no = h("button", { type: "button", class: "small" }, t("cards.keep"));
    yes.addEventListener("click", async () => {
      const input = { paymentMethodId: method.id };
      const sent = () => request(REMOVE_PAYMENT_METHOD, { input });
      if (await act(yes, alert, sent, (data) => data.removePaymentMethod, "cards.error.")) {
        navigate("/payment-methods?done=removed", { replace: true });
      }
    });
    no.addEventListener("click", () => {
      showActions();
      actions.querySelector("button:last-child").focus();
    });
    replace(actions, question, yes, no);
    no.focus();
  };
  showActions();
  return h(
    "li",
    { class: "saved-card" },
    h("strong", {}, name),
    h(
      "span",
      { class: "muted" },
      method.kind === "SEPA_DEBIT"
        ? t("cards.bankAccount", { country: method.country || "" })
        : t("cards.expires", { date: cardExpiry(method) }),
    ),
    h("div", { class: "badges" }, badges),
    actions,
    alert,
  );
}

function addForm(first, options) {
  if (!options.gateway) return h("p", { class: "muted" }, t("cards.unavailable"));
  if (options.gateway === "stripe") return stripeForm(first, options);
  const offered = options.methodKinds.includes("SEPA_DEBIT") ? [...TEST_TOKENS, ...TEST_DEBIT_TOKENS] : TEST_TOKENS;
  const tokens = offered.map((token) => ({ value: token, label: t(`sandbox.${token}`) }));
  const makeDefault = h("input", { type: "checkbox", id: "card-make-default", name: "makeDefault", checked: first });
  const form = h(
    "form",
    { novalidate: true, "aria-labelledby": "add-card-title", class: "add-card" },
    h("h2", { id: "add-card-title" }, t("cards.addTitle")),
    h(
      "div",
      { class: "sandbox", role: "note" },
      h("strong", {}, t("cards.sandboxTitle")),
      h("p", {}, t("cards.sandboxText")),
    ),
    formMessage(),
    choice({ name: "gatewayToken", label: t("cards.testCard"), options: tokens, value: "tok_visa" }),
    h("div", { class: "check" }, makeDefault, h("label", { for: "card-make-default" }, t("cards.makeDefaultNew"))),
    h("div", { class: "actions" }, h("button", { type: "submit" }, t("cards.save"))),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const input = { gatewayToken: form.elements.gatewayToken.value, makeDefault: makeDefault.checked };
    const data = await submit(form, () => request(ADD_PAYMENT_METHOD, { input }));
    if (!data) return;
    const payload = data.addPaymentMethod;
    if (payload.userErrors.length) {
      showErrors(form, worded(payload.userErrors, "cards.error."));
      return;
    }
    navigate("/payment-methods?done=added", { replace: true });
  });
  return form;
}

/** Stripe's Payment Element (cards, and bank accounts where SEPA Direct Debit is offered) for a SetupIntent. */
function stripeForm(first, options) {
  const makeDefault = h("input", { type: "checkbox", id: "card-make-default", name: "makeDefault", checked: first });
  const mount = h("div", { class: "stripe-element" });
  const button = h("button", { type: "submit", disabled: true }, t("cards.save"));
  const form = h(
    "form",
    { novalidate: true, "aria-labelledby": "add-card-title", class: "add-card" },
    h("h2", { id: "add-card-title" }, t("cards.addTitle")),
    formMessage(),
    mount,
    h("div", { class: "check" }, makeDefault, h("label", { for: "card-make-default" }, t("cards.makeDefaultNew"))),
    h("div", { class: "actions" }, button),
  );
  const failed = (message) => showErrors(form, [{ field: null, message }]);
  let ready = null;
  (async () => {
    const data = await request(BEGIN_PAYMENT_METHOD_SETUP, { input: { kinds: options.methodKinds } });
    const payload = data.beginPaymentMethodSetup;
    if (payload.userErrors.length) throw new Error(payload.userErrors[0].message);
    const stripe = await loadStripe(options.publishableKey);
    const elements = stripe.elements({ clientSecret: payload.setup.clientSecret });
    elements.create("payment").mount(mount);
    ready = { stripe, elements };
    button.disabled = false;
  })().catch(() => failed(t("cards.formUnavailable")));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!ready) return;
    button.disabled = true;
    try {
      const result = await ready.stripe.confirmSetup({
        elements: ready.elements,
        redirect: "if_required",
        confirmParams: { return_url: returnUrl() },
      });
      if (result.error) {
        failed(result.error.message || t("cards.formUnavailable"));
        return;
      }
      const input = { gatewayToken: result.setupIntent.id, makeDefault: makeDefault.checked };
      const data = await submit(form, () => request(ADD_PAYMENT_METHOD, { input }));
      if (!data) return;
      if (data.addPaymentMethod.userErrors.length) {
        showErrors(form, worded(data.addPaymentMethod.userErrors, "cards.error."));
        return;
      }
      navigate("/payment-methods?done=added", { replace: true });
    } finally {
      button.disabled = false;
    }
  });
  return form;
}
