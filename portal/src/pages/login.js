// Sign in: email and password, then the second factor when the account has one (app or recovery code).
import { h, replace } from "../dom.js";
import { field, formMessage, showErrors, submit } from "../forms.js";
import { request } from "../graphql.js";
import { t, useLanguage } from "../i18n.js";
import { COMPLETE_TWO_FACTOR_LOGIN, LOGIN } from "../operations.js";
import { href, navigate, safeNext } from "../router.js";
import { setToken, token } from "../session.js";

export async function render({ query }) {
  const next = safeNext(query.get("next"));
  if (token()) {
    navigate(next, { replace: true });
    return h("p", {}, t("app.loading"));
  }
  const section = h("section", { class: "narrow" });
  replace(section, passwordStep(section, next));
  return section;
}

function signedIn(payload, next) {
  setToken(payload.token);
  useLanguage(payload.customer && payload.customer.settings.language);
  navigate(next, { replace: true });
}

function passwordStep(section, next) {
  const form = h(
    "form",
    { novalidate: true },
    formMessage(),
    field({ name: "email", label: t("signIn.email"), type: "email", autocomplete: "username" }),
    field({ name: "password", label: t("signIn.password"), type: "password", autocomplete: "current-password" }),
    h("button", { type: "submit" }, t("signIn.submit")),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const input = { email: form.elements.email.value.trim(), password: form.elements.password.value };
    const data = await submit(form, () => request(LOGIN, { input }));
    if (!data) return;
    const payload = data.login;
    if (payload.userErrors.length) {
      showErrors(form, payload.userErrors);
    } else if (payload.twoFactorChallenge) {
      replace(section, challengeStep(section, payload.twoFactorChallenge, next));
      section.querySelector("h1").focus();
    } else if (payload.token) {
      signedIn(payload, next);
    }
  });
  const more = h(
    "ul",
    { class: "links" },
    h("li", {}, h("a", { href: href("/forgot-password") }, t("signIn.forgot"))),
    h("li", {}, h("a", { href: href("/register") }, t("signIn.register"))),
    h("li", {}, h("a", { href: href("/activate") }, t("signIn.activateSms"))),
  );
  return [h("h1", { tabindex: "-1" }, t("signIn.title")), form, more];
}

function challengeStep(section, challenge, next) {
  let recovery = false;
  const codeField = field({ name: "code", label: t("signIn.code"), autocomplete: "one-time-code", inputmode: "numeric" });
  const recoveryField = field({ name: "recoveryCode", label: t("signIn.recoveryCode"), autocomplete: "off" });
  recoveryField.hidden = true;
  const toggle = h("button", { type: "button", class: "link" }, t("signIn.useRecovery"));
  toggle.addEventListener("click", () => {
    recovery = !recovery;
    codeField.hidden = recovery;
    recoveryField.hidden = !recovery;
    toggle.textContent = recovery ? t("signIn.useApp") : t("signIn.useRecovery");
    (recovery ? recoveryField : codeField).querySelector("input").focus();
  });
  const form = h(
    "form",
    { novalidate: true },
    formMessage(),
    codeField,
    recoveryField,
    h("div", { class: "actions" }, h("button", { type: "submit" }, t("signIn.verify")), toggle),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const input = { challengeId: challenge.id };
    if (recovery) input.recoveryCode = form.elements.recoveryCode.value.trim();
    else input.code = form.elements.code.value.replace(/\s/g, "");
    const data = await submit(form, () => request(COMPLETE_TWO_FACTOR_LOGIN, { input }));
    if (!data) return;
    const payload = data.completeTwoFactorLogin;
    if (payload.userErrors.length) {
      showErrors(form, payload.userErrors);
    } else if (payload.token) {
      signedIn(payload, next);
    }
  });
  return [h("h1", { tabindex: "-1" }, t("signIn.twoFactorTitle")), h("p", {}, t("signIn.twoFactorHint")), form];
}
