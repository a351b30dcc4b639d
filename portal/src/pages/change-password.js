// Change the password: the current one, and a new one whose rules are checked as it is typed. On success
// every other session is signed out (the server does it); this one stays signed in.
import { h, replace } from "../dom.js";
import { field, formMessage, showErrors, submit } from "../forms.js";
import { request } from "../graphql.js";
import { t, useLanguage } from "../i18n.js";
import { CHANGE_PASSWORD, PASSWORD_PAGE } from "../operations.js";
import { attachPasswordRules } from "../password-rules.js";
import { href } from "../router.js";
import { hasCode, worded } from "../security-ui.js";
import { withStepUp } from "../step-up.js";

export async function render() {
  const { me } = await request(PASSWORD_PAGE);
  useLanguage(me.settings.language);
  const newPassword = field({ name: "newPassword", label: t("changePassword.new"), type: "password", autocomplete: "new-password" });
  attachPasswordRules(newPassword, { email: () => me.email });
  const form = h(
    "form",
    { novalidate: true },
    formMessage(),
    h("input", { type: "email", name: "username", autocomplete: "username", value: me.email, hidden: true, readonly: true }),
    field({ name: "currentPassword", label: t("changePassword.current"), type: "password", autocomplete: "current-password" }),
    newPassword,
    h("button", { type: "submit" }, t("changePassword.submit")),
  );
  const section = h(
    "section",
    { class: "narrow" },
    h("p", {}, h("a", { href: href("/security") }, t("security.back"))),
    h("h1", { tabindex: "-1" }, t("changePassword.title")),
    h("p", { class: "muted" }, t("changePassword.text")),
    form,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const input = { currentPassword: form.elements.currentPassword.value, newPassword: form.elements.newPassword.value };
    const payload = await withStepUp(form, async () => {
      const data = await submit(form, () => request(CHANGE_PASSWORD, { input }));
      return data && data.changePassword;
    });
    if (!payload) return;
    if (payload.userErrors.length) {
      showErrors(form, worded(payload.userErrors));
      if (hasCode(payload.userErrors, "CHANGE_REFUSED")) {
        form.append(h("p", {}, h("a", { href: href("/forgot-password") }, t("changePassword.useReset"))));
      }
      return;
    }
    replace(
      section,
      h("p", {}, h("a", { href: href("/security") }, t("security.back"))),
      h("h1", { tabindex: "-1" }, t("changePassword.doneTitle")),
      h("p", { role: "status" }, t("changePassword.doneText")),
    );
    section.querySelector("h1").focus();
  });
  return section;
}
