// Profile: names, company and mobile phone, edited in place (updateProfile); errors next to their fields.
import { h } from "../dom.js";
import { field, formMessage, showErrors, submit } from "../forms.js";
import { request } from "../graphql.js";
import { t, useLanguage } from "../i18n.js";
import { PROFILE_PAGE, UPDATE_PROFILE } from "../operations.js";

const FIELDS = [
  { name: "firstName", label: "profile.firstName", autocomplete: "given-name" },
  { name: "lastName", label: "profile.lastName", autocomplete: "family-name" },
  { name: "company", label: "profile.company", autocomplete: "organization" },
  { name: "phone", label: "profile.phone", autocomplete: "tel", type: "tel", hint: "profile.phoneHint" },
];

export async function render() {
  const { me } = await request(PROFILE_PAGE);
  useLanguage(me.settings.language);
  const saved = h("p", { class: "notice", role: "status", hidden: true });
  const form = h(
    "form",
    { novalidate: true },
    formMessage(),
    FIELDS.map((spec) =>
      field({
        name: spec.name,
        label: t(spec.label),
        type: spec.type,
        autocomplete: spec.autocomplete,
        required: false,
        hint: spec.hint ? t(spec.hint) : undefined,
      }),
    ),
    h("div", { class: "actions" }, h("button", { type: "submit" }, t("profile.save")), saved),
  );
  const fill = (customer) => {
    for (const spec of FIELDS) form.elements[spec.name].value = customer[spec.name] || "";
  };
  fill(me);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    saved.hidden = true;
    const input = Object.fromEntries(FIELDS.map((spec) => [spec.name, form.elements[spec.name].value.trim() || null]));
    const data = await submit(form, () => request(UPDATE_PROFILE, { input }));
    if (!data) return;
    const payload = data.updateProfile;
    if (payload.userErrors.length) {
      showErrors(form, payload.userErrors);
      return;
    }
    showErrors(form, []);
    fill(payload.customer);
    saved.textContent = t("profile.saved");
    saved.hidden = false;
  });
  return h(
    "section",
    { class: "narrow" },
    h("h1", { tabindex: "-1" }, t("profile.title")),
    h("p", { class: "muted" }, t("profile.email", { email: me.email })),
    form,
  );
}
