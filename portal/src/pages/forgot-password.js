// Forgot password: by email (a link, then "check your mail") or by mobile phone (a texted code, entered here
// with the new password). Either way the answer is the same whether an account exists or not.
import { h, replace } from "../dom.js";
import { field, formMessage, showErrors, submit } from "../forms.js";
import { request } from "../graphql.js";
import { t } from "../i18n.js";
import { REQUEST_PASSWORD_RESET, RESET_PASSWORD } from "../operations.js";
import { attachPasswordRules } from "../password-rules.js";
import { href } from "../router.js";

export async function render({ query }) {
  const section = h("section", { class: "narrow" });
  if (query.get("by") === "phone") showPhoneForm(section);
  else showEmailForm(section);
  return section;
}

function signInLink() {
  return h("p", {}, h("a", { href: href("/login") }, t("forgot.signIn")));
}

function show(section, ...children) {
  replace(section, ...children);
  section.querySelector("h1").focus();
}

function switchLink(section, to) {
  const link = h(
    "a",
    { href: href(to === "phone" ? "/forgot-password?by=phone" : "/forgot-password") },
    t(to === "phone" ? "forgot.usePhone" : "forgot.useEmail"),
  );
  link.addEventListener("click", (event) => {
    event.preventDefault();
    history.replaceState(null, "", link.getAttribute("href"));
    if (to === "phone") showPhoneForm(section);
    else showEmailForm(section);
  });
  return h("p", {}, link);
}

async function ask(form, input) {
  const data = await submit(form, () => request(REQUEST_PASSWORD_RESET, { input }));
  if (!data) return false;
  const errors = data.requestPasswordReset.userErrors;
  showErrors(form, errors);
  return errors.length === 0;
}

function showEmailForm(section) {
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
    if (!(await ask(form, { email }))) return;
    show(
      section,
      h("h1", { tabindex: "-1" }, t("forgot.sentTitle")),
      h("p", {}, t("forgot.sentText", { email })),
      h("p", { class: "muted" }, t("forgot.sentHint")),
      signInLink(),
    );
  });
  replace(
    section,
    h("h1", { tabindex: "-1" }, t("forgot.title")),
    h("p", {}, t("forgot.text")),
    form,
    switchLink(section, "phone"),
    signInLink(),
  );
}

function showPhoneForm(section) {
  const form = h(
    "form",
    { novalidate: true },
    formMessage(),
    field({ name: "phone", label: t("forgot.phone"), type: "tel", autocomplete: "tel", hint: t("register.phoneHint") }),
    h("button", { type: "submit" }, t("forgot.sendCode")),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const phone = form.elements.phone.value.trim();
    if (await ask(form, { phone })) showCodeForm(section, phone);
  });
  replace(
    section,
    h("h1", { tabindex: "-1" }, t("forgot.title")),
    h("p", {}, t("forgot.phoneText")),
    form,
    switchLink(section, "email"),
    signInLink(),
  );
}

function showCodeForm(section, phone) {
  const newPassword = field({ name: "newPassword", label: t("reset.newPassword"), type: "password", autocomplete: "new-password" });
  // As on the reset page: the rules show as the customer types; the email rule is the server's to check.
  attachPasswordRules(newPassword);
  const form = h(
    "form",
    { novalidate: true },
    formMessage(),
    field({ name: "code", label: t("forgot.code"), autocomplete: "one-time-code", inputmode: "numeric" }),
    newPassword,
    h("button", { type: "submit" }, t("reset.submit")),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const input = {
      phone,
      code: form.elements.code.value.replace(/\s/g, ""),
      newPassword: form.elements.newPassword.value,
    };
    const data = await submit(form, () => request(RESET_PASSWORD, { input }));
    if (!data) return;
    const errors = data.resetPassword.userErrors;
    if (errors.length) {
      showErrors(form, errors);
      return;
    }
    show(
      section,
      h("h1", { tabindex: "-1" }, t("reset.doneTitle")),
      h("p", {}, t("reset.doneText")),
      h("p", {}, h("a", { href: href("/login") }, t("reset.signIn"))),
    );
  });
  show(section, h("h1", { tabindex: "-1" }, t("forgot.codeTitle")), h("p", {}, t("forgot.codeText", { phone })), form);
}
