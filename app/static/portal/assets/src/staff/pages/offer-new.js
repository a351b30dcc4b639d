// Write an offer: the customer (found by email or name, or preset by ?customer=<id> as the customer page links
// it), the currency, the lines (SKU lookup fills name and unit price; tax rate per line), the validity day and a
// note for the customer. createOffer mails it; typed errors show at their fields, then the offer's page opens.
import { h, replace } from "../../dom.js";
import { choice, formMessage, showErrors, submit } from "../../forms.js";
import { request, SignedOut } from "../../graphql.js";
import { t, useLanguage } from "../../i18n.js";
import { href, navigate } from "../../router.js";
import { textArea } from "../../support.js";
import { dayOf, endOfDay, lineEditor, showOfferErrors, validUntilField } from "../offer-lines.js";
import {
  STAFF_CREATE_OFFER,
  STAFF_NEW_OFFER_FOR_CUSTOMER_PAGE,
  STAFF_NEW_OFFER_PAGE,
  STAFF_OFFER_CUSTOMER_SEARCH,
} from "../operations.js";
import { customerLink, customerName } from "../parts.js";

const CURRENCIES = ["EUR", "USD", "GBP", "CHF", "SEK", "DKK", "NOK", "PLN", "CZK", "JPY"];
const VALID_DAYS = 14;

export async function render({ query }) {
  const customerId = query.get("customer");
  const data = customerId
    ? await request(STAFF_NEW_OFFER_FOR_CUSTOMER_PAGE, { customerId })
    : await request(STAFF_NEW_OFFER_PAGE);
  const { me } = data;
  useLanguage(me.settings.language);
  const timeZone = me.settings.timezone;
  const preset = data.node && data.node.email ? data.node : null;
  const currencyDefault = (preset && preset.settings.currency) || me.settings.currency || "EUR";
  const currencies = CURRENCIES.includes(currencyDefault) ? CURRENCIES : [currencyDefault, ...CURRENCIES];

  const currencyField = choice({
    name: "currency",
    label: t("staff.offerNew.currency"),
    value: currencyDefault,
    options: currencies.map((code) => ({ value: code, label: code })),
  });
  const editor = lineEditor({ currency: () => currencyField.querySelector("select").value });
  const form = h(
    "form",
    { novalidate: true, class: "staff-offer-form", "aria-label": t("staff.offerNew.title") },
    formMessage(),
    customerChooser(preset),
    currencyField,
    editor.element,
    validUntilField(dayOf(new Date(Date.now() + VALID_DAYS * 86_400_000).toISOString(), timeZone)),
    textArea({ name: "note", label: t("staff.offerNew.note"), hint: t("staff.offerNew.noteHint"), required: false, maxlength: 2000, rows: 3 }),
    h("div", { class: "actions" }, h("button", { type: "submit" }, t("staff.offerNew.send"))),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const values = new FormData(form);
    const missing = [];
    if (!values.get("customerId")) missing.push({ field: ["customerId"], message: t("staff.offerNew.chooseCustomer") });
    if (!values.get("validUntil")) missing.push({ field: ["validUntil"], message: t("staff.offerLines.validUntilRequired") });
    if (missing.length) {
      showErrors(form, missing);
      return;
    }
    const input = {
      customerId: values.get("customerId"),
      currency: values.get("currency"),
      lines: editor.read(),
      validUntil: endOfDay(values.get("validUntil"), timeZone),
      note: String(values.get("note") || "").trim() || null,
    };
    const data = await submit(form, () => request(STAFF_CREATE_OFFER, { input }));
    if (!data) return;
    const payload = data.createOffer;
    if (payload.userErrors.length) {
      showOfferErrors(form, payload.userErrors);
      return;
    }
    navigate(`/staff/offers/${encodeURIComponent(payload.offer.number)}?created=1`);
  });
  return h(
    "section",
    { class: "staff-offer-new" },
    h("p", {}, h("a", { href: href("/staff/offers") }, t("staff.offer.back"))),
    h("h1", { tabindex: "-1" }, preset ? t("staff.offerNew.titleFor", { name: customerName(preset) }) : t("staff.offerNew.title")),
    form,
  );
}

/**
 * The customer the offer is for: the preset one (with a way to choose another), or a search by email or name
 * whose results are choices; the chosen one is the form's customerId.
 */
function customerChooser(preset) {
  const error = h("p", { class: "field-error", id: "offer-customer-error", "data-error-for": "customerId", hidden: true });
  const results = h("div", { class: "staff-customer-results", "aria-live": "polite" });
  const search = h("input", { id: "offer-customer-query", type: "search", name: "customerQuery", autocomplete: "off", "aria-describedby": "offer-customer-error" });
  const find = h("button", { type: "button", class: "secondary" }, t("staff.offerNew.find"));
  const searching = h(
    "div",
    { class: "field staff-customer-search", hidden: Boolean(preset) },
    h("label", { for: "offer-customer-query" }, t("staff.offerNew.customerQuery")),
    h("div", { class: "staff-inline" }, search, find),
    results,
  );
  const show = (customers) => {
    if (!customers.length) {
      replace(results, h("p", { class: "muted" }, t("staff.offerNew.noCustomer")));
      return;
    }
    replace(
      results,
      h(
        "fieldset",
        { class: "staff-choice" },
        h("legend", {}, t("staff.offerNew.pickCustomer")),
        customers.map((customer, index) =>
          h(
            "label",
            {},
            h("input", { type: "radio", name: "customerId", value: customer.id, checked: index === 0 && customers.length === 1 }),
            " ",
            customerName(customer),
            customer.firstName || customer.lastName ? h("span", { class: "muted" }, ` (${customer.email})`) : null,
          ),
        ),
      ),
    );
  };
  const lookUp = async () => {
    const wanted = search.value.trim();
    if (!wanted) return;
    find.disabled = true;
    try {
      const { customers } = await request(STAFF_OFFER_CUSTOMER_SEARCH, { query: wanted });
      show(customers ? customers.edges.map(({ node }) => node) : []);
    } catch (failure) {
      if (!(failure instanceof SignedOut)) replace(results, h("p", { role: "alert" }, t("app.error")));
    } finally {
      find.disabled = false;
    }
  };
  find.addEventListener("click", lookUp);
  search.addEventListener("keydown", (event) => {
    if (event.key === "Enter") {
      event.preventDefault();
      lookUp();
    }
  });
  const chosen = preset
    ? h(
        "div",
        { class: "staff-preset" },
        h("input", { type: "hidden", name: "customerId", value: preset.id }),
        h("p", {}, t("staff.offerNew.for"), " ", customerLink(preset), h("span", { class: "muted" }, ` (${preset.email})`)),
      )
    : null;
  const change = preset ? h("button", { type: "button", class: "secondary" }, t("staff.offerNew.another")) : null;
  if (change) {
    change.addEventListener("click", () => {
      chosen.remove();
      change.remove();
      searching.hidden = false;
      search.focus();
    });
  }
  return h("fieldset", { class: "staff-offer-customer" }, h("legend", {}, t("staff.offerNew.customer")), chosen, change, searching, error);
}
