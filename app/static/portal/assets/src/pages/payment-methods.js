// Saved cards: list (default first), make one the default, remove one (after a confirmation), and add one.
// Adding stands in for a payment provider's hosted card form: the reader picks one of the sandbox gateway's
// test cards and only its token goes to addPaymentMethod. A card number never reaches our API.
import { h, replace } from "../dom.js";
import { choice, formMessage, showErrors, submit } from "../forms.js";
import { request } from "../graphql.js";
import { t, useLanguage } from "../i18n.js";
import {
  ADD_PAYMENT_METHOD,
  PAYMENT_METHODS_PAGE,
  REMOVE_PAYMENT_METHOD,
  SET_DEFAULT_PAYMENT_METHOD,
} from "../operations.js";
import { act, alertLine, cardExpiry, cardName, notice, worded } from "../payment-parts.js";
import { navigate } from "../router.js";

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
];
const DONE = { added: "cards.added", removed: "cards.removed", default: "cards.defaultSaved" };

export async function render({ query }) {
  const { me } = await request(PAYMENT_METHODS_PAGE);
  useLanguage(me.settings.language);
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
    addForm(me.paymentMethods.length === 0),
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
    h("span", { class: "muted" }, t("cards.expires", { date: cardExpiry(method) })),
    h("div", { class: "badges" }, badges),
    actions,
    alert,
  );
}

function addForm(first) {
  const tokens = TEST_TOKENS.map((token) => ({ value: token, label: t(`sandbox.${token}`) }));
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
