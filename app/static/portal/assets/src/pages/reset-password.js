// Reset the password from the mailed link (/reset-password?token=…): a new password, then sign in with it.
// The token leaves the address bar as the page opens and is kept only in this page's memory.
import { h, replace } from "../dom.js";
import { field, formMessage, showErrors, submit } from "../forms.js";
import { request } from "../graphql.js";
import { t } from "../i18n.js";
import { RESET_PASSWORD } from "../operations.js";
import { attachPasswordRules } from "../password-rules.js";
import { href } from "../router.js";

export async function render({ query }) {
  const linkToken = query.get("token");
  const section = h("section", { class: "narrow" });
  if (!linkToken) {
    replace(
      section,
      h("h1", { tabindex: "-1" }, t("reset.title")),
      h("p", { role: "alert" }, t("reset.noToken")),
      h("p", {}, h("a", { href: href("/forgot-password") }, t("reset.requestAgain"))),
    );
    return section;
  }
  history.replaceState(null, "", href("/reset-password"));
  const newPassword = field({ name: "newPassword", label: t("reset.newPassword"), type: "password", autocomplete: "new-password" });
  // The email rule is left to the server: this page does not know the account until the link is used.
  attachPasswordRules(newPassword);
  const form = h(
    "form",
    { novalidate: true },
    formMessage(),
    newPassword,
    h("button", { type: "submit" }, t("reset.submit")),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const input = { token: linkToken, newPassword: form.elements.newPassword.value };
    const data = await submit(form, () => request(RESET_PASSWORD, { input }));
    if (!data) return;
    const payload = data.resetPassword;
    if (payload.userErrors.length) {
      // A reset waits a few days after support reset two-step verification: said in the reader's language.
      showErrors(form, payload.userErrors.map((item) => (item.code === "COOL_DOWN" ? { ...item, message: t("securityError.COOL_DOWN") } : item)));
      if (payload.userErrors.some((error) => !error.field || error.field[error.field.length - 1] === "token")) {
        form.append(h("p", {}, h("a", { href: href("/forgot-password") }, t("reset.requestAgain"))));
      }
      return;
    }
    replace(
      section,
      h("h1", { tabindex: "-1" }, t("reset.doneTitle")),
      h("p", {}, t("reset.doneText")),
      h("p", {}, h("a", { href: href("/login") }, t("reset.signIn"))),
    );
    section.querySelector("h1").focus();
  });
  replace(section, h("h1", { tabindex: "-1" }, t("reset.title")), form);
  return section;
}
