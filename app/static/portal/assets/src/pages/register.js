// Register: email, password, names, a phone, and the customer group when the shop offers more than one; then
// what happens next, by the group's activation mode (check your mail, enter the texted code, wait, sign in).
import { h, replace } from "../dom.js";
import { choice, field, formMessage, showErrors, submit } from "../forms.js";
import { request } from "../graphql.js";
import { t } from "../i18n.js";
import { REGISTER, REGISTER_PAGE } from "../operations.js";
import { href, navigate } from "../router.js";
import { attachPasswordRules } from "../password-rules.js";
import { token } from "../session.js";
import { smsCodeForm } from "./activate.js";

export async function render() {
  if (token()) {
    navigate("/", { replace: true });
    return h("p", {}, t("app.loading"));
  }
  const { customerGroups } = await request(REGISTER_PAGE);
  const groups = customerGroups.filter((group) => group.selfRegistration);
  const section = h("section", { class: "narrow" });
  replace(section, registerStep(section, groups));
  return section;
}

function registerStep(section, groups) {
  const groupChoice =
    groups.length > 1
      ? choice({
          name: "customerGroup",
          label: t("register.group"),
          options: groups.map((group) => ({ value: group.code, label: group.name })),
        })
      : null;
  const passwordField = field({ name: "password", label: t("register.password"), type: "password", autocomplete: "new-password" });
  const form = h(
    "form",
    { novalidate: true },
    formMessage(),
    field({ name: "email", label: t("register.email"), type: "email", autocomplete: "email" }),
    passwordField,
    field({ name: "firstName", label: t("register.firstName"), autocomplete: "given-name", required: false }),
    field({ name: "lastName", label: t("register.lastName"), autocomplete: "family-name", required: false }),
    field({
      name: "phone",
      label: t("register.phone"),
      type: "tel",
      autocomplete: "tel",
      required: false,
      hint: t("register.phoneHint"),
    }),
    groupChoice,
    h("button", { type: "submit" }, t("register.submit")),
  );
  // The rules are checked as the password is typed, against the email address typed above it.
  const recheck = attachPasswordRules(passwordField, { email: () => form.elements.email.value.trim() || null });
  form.elements.email.addEventListener("input", recheck);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const value = (name) => form.elements[name].value.trim() || null;
    const input = {
      email: form.elements.email.value.trim(),
      password: form.elements.password.value,
      firstName: value("firstName"),
      lastName: value("lastName"),
      phone: value("phone"),
    };
    if (groupChoice) input.customerGroup = form.elements.customerGroup.value;
    const data = await submit(form, () => request(REGISTER, { input }));
    if (!data) return;
    const payload = data.register;
    if (payload.userErrors.length) {
      showErrors(form, payload.userErrors);
      return;
    }
    replace(section, nextStep(payload.activationMode, input));
    section.querySelector("h1").focus();
  });
  return [
    h("h1", { tabindex: "-1" }, t("register.title")),
    form,
    h("p", {}, t("register.haveAccount"), " ", h("a", { href: href("/login") }, t("register.signIn"))),
  ];
}

function nextStep(mode, input) {
  const signIn = h("p", {}, h("a", { href: href("/login") }, t("register.signIn")));
  if (mode === "SMS_CODE") {
    return [
      h("h1", { tabindex: "-1" }, t("register.smsTitle")),
      h("p", {}, t("register.smsText", { phone: input.phone || "" })),
      smsCodeForm(input.phone),
    ];
  }
  if (mode === "ADMIN_APPROVAL") {
    return [h("h1", { tabindex: "-1" }, t("register.approvalTitle")), h("p", {}, t("register.approvalText")), signIn];
  }
  if (mode === "NONE") {
    return [h("h1", { tabindex: "-1" }, t("register.readyTitle")), h("p", {}, t("register.readyText")), signIn];
  }
  return [
    h("h1", { tabindex: "-1" }, t("register.checkMailTitle")),
    h("p", {}, t("register.checkMailText", { email: input.email })),
    h("p", { class: "muted" }, t("register.checkMailHint")),
    signIn,
  ];
}
