// Activate an account: from the mailed link (/activate?token=…), or with the code we texted (phone and code).
// The token leaves the address bar before it is sent: nothing secret stays in the URL or the history.
import { h, replace } from "../dom.js";
import { field, formMessage, showErrors, submit } from "../forms.js";
import { request } from "../graphql.js";
import { t } from "../i18n.js";
import { ACTIVATE_ACCOUNT, RESEND_ACTIVATION } from "../operations.js";
import { href } from "../router.js";

export async function render({ query }) {
  const linkToken = query.get("token");
  const section = h("section", { class: "narrow" });
  if (!linkToken) {
    replace(
      section,
      h("h1", { tabindex: "-1" }, t("activate.smsTitle")),
      h("p", {}, t("activate.smsHint")),
      smsCodeForm(),
      h("h2", {}, t("activate.resendCodeTitle")),
      resendForm("phone"),
    );
    return section;
  }
  history.replaceState(null, "", href("/activate"));
  const { activateAccount: payload } = await request(ACTIVATE_ACCOUNT, { input: { token: linkToken } });
  if (payload.activated && !payload.userErrors.length) {
    replace(section, activated());
  } else {
    replace(
      section,
      h("h1", { tabindex: "-1" }, t("activate.failedTitle")),
      h("p", { role: "alert" }, payload.userErrors.map((error) => error.message).join(" ") || t("app.error")),
      h("p", {}, t("activate.failedHint")),
      h("h2", {}, t("activate.resendTitle")),
      resendForm("email"),
    );
  }
  return section;
}

function activated() {
  return [
    h("h1", { tabindex: "-1" }, t("activate.doneTitle")),
    h("p", {}, t("activate.doneText")),
    h("p", {}, h("a", { href: href("/login") }, t("activate.signIn"))),
  ];
}

/** The phone-and-code form for accounts activated by SMS; `phone` is filled in when we know it. */
export function smsCodeForm(phone) {
  const phoneField = field({ name: "phone", label: t("activate.phone"), type: "tel", autocomplete: "tel" });
  if (phone) phoneField.querySelector("input").value = phone;
  const form = h(
    "form",
    { novalidate: true },
    formMessage(),
    phoneField,
    field({ name: "code", label: t("activate.code"), autocomplete: "one-time-code", inputmode: "numeric" }),
    h("button", { type: "submit" }, t("activate.submit")),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const input = { phone: form.elements.phone.value.trim(), code: form.elements.code.value.replace(/\s/g, "") };
    const data = await submit(form, () => request(ACTIVATE_ACCOUNT, { input }));
    if (!data) return;
    const payload = data.activateAccount;
    if (payload.userErrors.length || !payload.activated) {
      showErrors(form, payload.userErrors.length ? payload.userErrors : [{ field: null, message: t("app.error") }]);
      return;
    }
    const section = form.closest("section");
    replace(section, activated());
    section.querySelector("h1").focus();
  });
  return form;
}

/** Asks for a new activation link (by email) or code (by phone); the answer never says whether the account
 * exists, so neither does the page. */
function resendForm(by) {
  const byPhone = by === "phone";
  const sent = h("p", { class: "notice", role: "status", hidden: true });
  const form = h(
    "form",
    { novalidate: true },
    formMessage(),
    byPhone
      ? field({ name: "phone", label: t("activate.phone"), type: "tel", autocomplete: "tel" })
      : field({ name: "email", label: t("activate.resendEmail"), type: "email", autocomplete: "email" }),
    h("div", { class: "actions" }, h("button", { type: "submit" }, t(byPhone ? "activate.resendCode" : "activate.resendLink")), sent),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    sent.hidden = true;
    const value = form.elements[by].value.trim();
    const data = await submit(form, () => request(RESEND_ACTIVATION, { input: { [by]: value } }));
    if (!data) return;
    const errors = data.resendActivation.userErrors;
    showErrors(form, errors);
    if (errors.length) return;
    sent.textContent = byPhone ? t("activate.resentCode", { phone: value }) : t("activate.resentLink", { email: value });
    sent.hidden = false;
  });
  return form;
}
