// Sign in: email and password, then the second factor when the account has one: a code from the app, a
// recovery code, or a code we email or text; "trust this browser" keeps a device token for the next sign-in.
import { h, replace } from "../dom.js";
import { field, formMessage, showErrors, submit } from "../forms.js";
import { request } from "../graphql.js";
import { t, useLanguage } from "../i18n.js";
import { LOGIN, SEND_TWO_FACTOR_CODE, SIGN_IN_SECOND_FACTOR } from "../operations.js";
import { href, navigate, safeNext } from "../router.js";
import { worded } from "../security-ui.js";
import { setToken, token } from "../session.js";
import { deviceToken, rememberDevice } from "../trusted-device.js";

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
    const trusted = deviceToken();
    if (trusted) input.deviceToken = trusted; // skips the second step when this browser is trusted by this account
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

// The ways to answer the second step: the app is the default; the others are offered by the challenge's methods.
const MODES = {
  app: { label: "signIn.code", hint: "signIn.twoFactorHint", switchTo: "signIn.useApp" },
  recovery: { label: "signIn.recoveryCode", hint: "signIn.recoveryHint", switchTo: "signIn.useRecovery" },
  email: { label: "signIn.emailCode", hint: "signIn.emailCodeHint", switchTo: "signIn.sendEmailCode", method: "EMAIL_CODE" },
  sms: { label: "signIn.smsCode", hint: "signIn.smsCodeHint", switchTo: "signIn.sendSmsCode", method: "SMS_CODE" },
};
const RESTART = ["CHALLENGE_EXPIRED", "CHALLENGE_NOT_FOUND", "TOO_MANY_ATTEMPTS"];

function challengeStep(section, challenge, next) {
  let mode = "app";
  const hint = h("p", { id: "challenge-hint" });
  const sent = h("p", { class: "notice", role: "status", hidden: true });
  const codeField = field({ name: "code", label: "", autocomplete: "one-time-code", inputmode: "numeric" });
  const codeLabel = codeField.querySelector("label");
  const recoveryField = field({ name: "recoveryCode", label: t("signIn.recoveryCode"), autocomplete: "off" });
  recoveryField.hidden = true;
  const trust = h("input", { type: "checkbox", id: "trust-device", name: "trustDevice", "aria-describedby": "trust-hint" });
  const trustBox = h(
    "div",
    { class: "check" },
    trust,
    h("label", { for: "trust-device" }, t("signIn.trustDevice")),
    h("p", { class: "hint", id: "trust-hint" }, t("signIn.trustDeviceHint")),
  );
  const form = h(
    "form",
    { novalidate: true, "aria-describedby": "challenge-hint" },
    formMessage(),
    sent,
    codeField,
    recoveryField,
    trustBox,
    h("div", { class: "actions" }, h("button", { type: "submit" }, t("signIn.verify"))),
  );
  const others = h("ul", { class: "links", "aria-label": t("signIn.otherWays") });

  const show = (target) => {
    mode = target;
    codeField.hidden = mode === "recovery";
    recoveryField.hidden = mode !== "recovery";
    codeLabel.textContent = t(MODES[mode === "recovery" ? "app" : mode].label);
    hint.textContent = t(MODES[mode].hint);
    replace(others, alternatives());
  };
  const choose = async (target, button) => {
    if (MODES[target].method) {
      const input = { challengeId: challenge.id, method: MODES[target].method };
      button.disabled = true;
      const data = await submit(form, () => request(SEND_TWO_FACTOR_CODE, { input }));
      button.disabled = false;
      if (!data) return;
      const errors = data.sendTwoFactorCode.userErrors;
      if (errors.length) {
        failed(errors);
        return;
      }
      sent.textContent = t(target === "email" ? "signIn.emailCodeSent" : "signIn.smsCodeSent");
      sent.hidden = false;
    } else {
      sent.hidden = true;
    }
    showErrors(form, []);
    show(target);
    (mode === "recovery" ? recoveryField : codeField).querySelector("input").focus();
  };
  const alternatives = () => {
    const offered = ["app", "recovery"];
    if (challenge.methods.includes("EMAIL_CODE")) offered.push("email");
    if (challenge.methods.includes("SMS_CODE")) offered.push("sms");
    return offered.map((target) => {
      const again = target === mode && MODES[target].method;
      if (target === mode && !again) return null;
      const button = h("button", { type: "button", class: "link" }, t(again ? "signIn.sendAgain" : MODES[target].switchTo));
      button.addEventListener("click", () => choose(target, button));
      return h("li", {}, button);
    });
  };
  const failed = (errors) => {
    if (errors.some((error) => RESTART.includes(error.code))) {
      const again = h("button", { type: "button" }, t("signIn.startAgain"));
      again.addEventListener("click", () => {
        replace(section, passwordStep(section, next));
        section.querySelector("h1").focus();
      });
      replace(
        section,
        h("h1", { tabindex: "-1" }, t("signIn.twoFactorTitle")),
        h("p", { role: "alert" }, errors[0].code === "TOO_MANY_ATTEMPTS" ? t("signIn.tooManyCodes") : t("signIn.challengeExpired")),
        again,
      );
      section.querySelector("h1").focus();
      return;
    }
    showErrors(form, worded(errors));
  };

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const input = { challengeId: challenge.id, trustDevice: trust.checked };
    if (mode === "recovery") input.recoveryCode = form.elements.recoveryCode.value.trim();
    else input.code = form.elements.code.value.replace(/\s/g, "");
    const data = await submit(form, () => request(SIGN_IN_SECOND_FACTOR, { input }));
    if (!data) return;
    const payload = data.completeTwoFactorLogin;
    if (payload.userErrors.length) {
      failed(payload.userErrors);
    } else if (payload.token) {
      if (payload.deviceToken) rememberDevice(payload.deviceToken);
      signedIn(payload, next);
    }
  });
  show("app");
  return [h("h1", { tabindex: "-1" }, t("signIn.twoFactorTitle")), hint, form, others];
}
