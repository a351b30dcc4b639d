// Forgot password: the email address, then "check your mail" (the same answer whether an account exists or not).
import { h, replace } from "../dom.js";
import { field, formMessage, showErrors, submit } from "../forms.js";
import { request } from "../graphql.js";
import { t } from "../i18n.js";
import { REQUEST_PASSWORD_RESET } from "../operations.js";
import { href } from "../router.js";

export async function render() {
  const section = h("section", { class: "narrow" });
  const form = h(
    "form",
    { novalidate: true },
    formMessage(),
    field({ name: "email", label: t("forgot.email"), type: "email", autocomplete: "email" }),
    h("button", { type: "submit" }, t("forgot.submit")),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const email = form.elements.email.value.trim();
    const data = await submit(form, () => request(REQUEST_PASSWORD_RESET, { input: { email } }));
    if (!data) return;
    const payload = data.requestPasswordReset;
    if (payload.userErrors.length) {
      showErrors(form, payload.userErrors);
      return;
    }
    replace(
      section,
      h("h1", { tabindex: "-1" }, t("forgot.sentTitle")),
      h("p", {}, t("forgot.sentText", { email })),
      h("p", { class: "muted" }, t("forgot.sentHint")),
      h("p", {}, h("a", { href: href("/login") }, t("forgot.signIn"))),
    );
    section.querySelector("h1").focus();
  });
  replace(
    section,
    h("h1", { tabindex: "-1" }, t("forgot.title")),
    h("p", {}, t("forgot.text")),
    form,
    h("p", {}, h("a", { href: href("/login") }, t("forgot.signIn"))),
  );
  return section;
}
