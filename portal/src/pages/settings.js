// Settings: language, currency and time zone (updateSettings). A new language applies at once.
import { h } from "../dom.js";
import { choice, formMessage, showErrors, submit } from "../forms.js";
import { request } from "../graphql.js";
import { currentLanguage, t, useLanguage } from "../i18n.js";
import { SETTINGS_PAGE, UPDATE_SETTINGS } from "../operations.js";
import { navigate } from "../router.js";

// Each language named in itself, as language pickers do.
const LANGUAGES = [
  { value: "en", label: "English" },
  { value: "en-GB", label: "English (United Kingdom)" },
  { value: "de", label: "Deutsch" },
  { value: "de-AT", label: "Deutsch (Österreich)" },
  { value: "de-CH", label: "Deutsch (Schweiz)" },
];
const CURRENCIES = ["EUR", "USD", "GBP", "CHF"];

function withCurrent(options, value) {
  return value && !options.some((option) => option.value === value) ? [{ value, label: value }, ...options] : options;
}

function currencyOptions(value) {
  let names = null;
  try {
    names = new Intl.DisplayNames([currentLanguage()], { type: "currency" });
  } catch {
    names = null;
  }
  const options = CURRENCIES.map((code) => ({ value: code, label: names ? `${names.of(code)} (${code})` : code }));
  return [{ value: "", label: t("settings.notSet") }, ...withCurrent(options, value)];
}

function timeZoneOptions(value) {
  const zones = typeof Intl.supportedValuesOf === "function" ? Intl.supportedValuesOf("timeZone") : ["UTC"];
  const options = zones.map((zone) => ({ value: zone, label: zone.replaceAll("_", " ") }));
  return [{ value: "", label: t("settings.notSet") }, ...withCurrent(options, value)];
}

/** Which messages the customer wants beyond those always sent (the README lists which is which). */
function notifications(me) {
  const box = (name, label, checked, hint) =>
    h(
      "div",
      { class: "check" },
      h("input", { type: "checkbox", id: `settings-${name}`, name, checked, "aria-describedby": hint ? `settings-${name}-hint` : null }),
      h("label", { for: `settings-${name}` }, label),
      hint ? h("p", { class: "hint", id: `settings-${name}-hint` }, hint) : null,
      h("p", { class: "field-error", "data-error-for": name, hidden: true }),
    );
  return h(
    "fieldset",
    { "aria-describedby": "notifications-hint" },
    h("legend", {}, t("settings.notifications")),
    h("p", { class: "hint", id: "notifications-hint" }, t("settings.notificationsHint")),
    box("emailNotifications", t("settings.emailNotifications"), me.settings.emailNotifications),
    box(
      "smsNotifications",
      t("settings.smsNotifications"),
      me.settings.smsNotifications,
      me.phoneVerified ? null : t("settings.smsNeedsPhone"),
    ),
  );
}

export async function render({ query }) {
  const { me } = await request(SETTINGS_PAGE);
  useLanguage(me.settings.language);
  const { language, currency, timezone } = me.settings;
  const saved = h("p", { class: "notice", role: "status", hidden: query.get("saved") !== "1" }, t("settings.saved"));
  const form = h(
    "form",
    { novalidate: true },
    formMessage(),
    choice({
      name: "language",
      label: t("settings.language"),
      options: withCurrent(LANGUAGES, language),
      value: language || currentLanguage(),
    }),
    choice({ name: "currency", label: t("settings.currency"), options: currencyOptions(currency), value: currency || "" }),
    choice({ name: "timezone", label: t("settings.timezone"), options: timeZoneOptions(timezone), value: timezone || "" }),
    notifications(me),
    h("div", { class: "actions" }, h("button", { type: "submit" }, t("settings.save")), saved),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    saved.hidden = true;
    const input = {
      language: form.elements.language.value || null,
      currency: form.elements.currency.value || null,
      timezone: form.elements.timezone.value || null,
      emailNotifications: form.elements.emailNotifications.checked,
      smsNotifications: form.elements.smsNotifications.checked,
    };
    const data = await submit(form, () => request(UPDATE_SETTINGS, { input }));
    if (!data) return;
    const payload = data.updateSettings;
    if (payload.userErrors.length) {
      showErrors(form, payload.userErrors);
      return;
    }
    if (payload.settings.language !== language) {
      // The whole portal changes language now: header, this page and every page after it.
      useLanguage(payload.settings.language);
      navigate("/settings?saved=1", { replace: true });
      return;
    }
    showErrors(form, []);
    saved.hidden = false;
  });
  return h("section", { class: "narrow" }, h("h1", { tabindex: "-1" }, t("settings.title")), form);
}
