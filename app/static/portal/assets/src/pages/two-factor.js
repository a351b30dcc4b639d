// Two-step verification: set it up (QR code or the key by hand, then a code from the app, then the recovery
// codes, shown once), get new recovery codes (after a step-up when the API asks for one), or switch it off
// with the password or a current code.
import { h, replace } from "../dom.js";
import { field, formMessage, showErrors, submit } from "../forms.js";
import { request } from "../graphql.js";
import { t, useLanguage } from "../i18n.js";
import { CONFIRM_TOTP, DISABLE_TOTP, ENABLE_TOTP, REGENERATE_RECOVERY_CODES, TWO_FACTOR_PAGE } from "../operations.js";
import { recoveryCodesView } from "../recovery-codes.js";
import { href } from "../router.js";
import { runAction, worded } from "../security-ui.js";
import { withStepUp } from "../step-up.js";

export async function render() {
  const { me, twoFactor } = await request(TWO_FACTOR_PAGE);
  useLanguage(me.settings.language);
  const body = h("div", { class: "stack" });
  const section = h(
    "section",
    { class: "narrow" },
    h("p", {}, h("a", { href: href("/security") }, t("security.back"))),
    h("h1", { tabindex: "-1" }, t("twoFactor.title")),
    body,
  );
  const show = (status, notice) => {
    replace(body, status.enabled ? enabledView(body, me, status, show, notice) : disabledView(body, me, show, notice));
  };
  show(twoFactor);
  return section;
}

function noticeOf(text) {
  return text ? h("p", { class: "notice", role: "status" }, text) : null;
}

function disabledView(body, me, show, notice) {
  const message = h("p", { class: "form-error", role: "alert", hidden: true });
  const start = h("button", { type: "button" }, t("twoFactor.start"));
  start.addEventListener("click", async () => {
    const data = await runAction([start], message, () => request(ENABLE_TOTP));
    if (!data) return;
    const setup = data.enableTotp;
    if (setup.userErrors.length) {
      message.textContent = worded(setup.userErrors).map((error) => error.message).join(" ");
      message.hidden = false;
      return;
    }
    replace(body, setupView(body, me, setup, show));
    body.querySelector("h2").focus();
  });
  return [
    noticeOf(notice),
    h("p", { class: "status-line" }, h("span", { class: "badge badge-warn" }, t("twoFactor.off"))),
    h("p", {}, t("twoFactor.explain")),
    message,
    start,
  ];
}

/** The key grouped in fours, as authenticator apps print it: easier to type by hand. */
function grouped(secret) {
  return secret.replace(/(.{4})/g, "$1 ").trim();
}

function setupView(body, me, setup, show) {
  const form = h(
    "form",
    { novalidate: true },
    formMessage(),
    field({
      name: "code",
      label: t("twoFactor.code"),
      autocomplete: "one-time-code",
      inputmode: "numeric",
      hint: t("twoFactor.codeHint"),
    }),
    h("button", { type: "submit" }, t("twoFactor.confirm")),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const input = { code: form.elements.code.value.replace(/\s/g, "") };
    const data = await submit(form, () => request(CONFIRM_TOTP, { input }));
    if (!data) return;
    const payload = data.confirmTotp;
    if (payload.userErrors.length) {
      showErrors(form, worded(payload.userErrors));
      return;
    }
    const status = { enabled: true, recoveryCodesLeft: payload.recoveryCodes.length };
    replace(
      body,
      h("p", { class: "notice", role: "status" }, t("twoFactor.enabled")),
      recoveryCodesView(payload.recoveryCodes, me.email, () => show(status, t("twoFactor.enabled"))),
    );
    body.querySelector("h2").focus();
  });
  return [
    h("h2", { tabindex: "-1" }, t("twoFactor.scanTitle")),
    h("p", {}, t("twoFactor.scanText")),
    h("img", { class: "qr", src: setup.qrCodeSvg, alt: t("twoFactor.qrAlt"), width: "200", height: "200" }),
    h("p", {}, t("twoFactor.manual")),
    h("p", {}, h("code", { class: "secret", "aria-label": t("twoFactor.secretLabel") }, grouped(setup.secret))),
    h("p", {}, h("a", { href: setup.otpauthUri }, t("twoFactor.openApp"))),
    h("h2", {}, t("twoFactor.confirmTitle")),
    form,
  ];
}

function enabledView(body, me, status, show, notice) {
  const few = status.recoveryCodesLeft <= 3;
  return [
    noticeOf(notice),
    h("p", { class: "status-line" }, h("span", { class: "badge" }, t("twoFactor.on"))),
    h("p", {}, t("twoFactor.onText")),
    h("h2", {}, t("twoFactor.recoveryTitle")),
    h("p", { class: few ? "warning" : null }, t("twoFactor.recoveryLeft", { count: status.recoveryCodesLeft })),
    regenerate(body, me, show),
    h("h2", {}, t("twoFactor.offTitle")),
    disableForm(show),
  ];
}

function regenerate(body, me, show) {
  const holder = h("div", { class: "stack" });
  const message = h("p", { class: "form-error", role: "alert", hidden: true });
  const idle = () => {
    const button = h("button", { type: "button", class: "small" }, t("twoFactor.newCodes"));
    button.addEventListener("click", ask);
    replace(holder, h("p", { class: "muted" }, t("twoFactor.newCodesHint")), message, h("div", { class: "actions" }, button));
    return button;
  };
  function ask() {
    const yes = h("button", { type: "button" }, t("twoFactor.newCodesConfirm"));
    const no = h("button", { type: "button", class: "small" }, t("security.cancel"));
    no.addEventListener("click", () => idle().focus());
    yes.addEventListener("click", async () => {
      const payload = await withStepUp(holder, () =>
        runAction([yes, no], message, async () => (await request(REGENERATE_RECOVERY_CODES)).regenerateRecoveryCodes),
      );
      if (!payload) return;
      if (payload.userErrors.length) {
        message.textContent = worded(payload.userErrors).map((error) => error.message).join(" ");
        message.hidden = false;
        return;
      }
      const status = { enabled: true, recoveryCodesLeft: payload.recoveryCodes.length };
      replace(body, recoveryCodesView(payload.recoveryCodes, me.email, () => show(status, t("twoFactor.newCodesDone"))));
      body.querySelector("h2").focus();
    });
    replace(holder, h("p", { class: "confirm" }, t("twoFactor.newCodesAsk")), message, h("div", { class: "actions" }, yes, no));
    yes.focus();
  }
  idle();
  return holder;
}

function disableForm(show) {
  let useCode = false;
  const password = field({ name: "password", label: t("twoFactor.password"), type: "password", autocomplete: "current-password" });
  const code = field({ name: "code", label: t("twoFactor.currentCode"), autocomplete: "one-time-code", inputmode: "numeric" });
  code.hidden = true;
  const toggle = h("button", { type: "button", class: "link" }, t("twoFactor.useCode"));
  toggle.addEventListener("click", () => {
    useCode = !useCode;
    password.hidden = useCode;
    code.hidden = !useCode;
    toggle.textContent = t(useCode ? "twoFactor.usePassword" : "twoFactor.useCode");
    (useCode ? code : password).querySelector("input").focus();
  });
  const form = h(
    "form",
    { novalidate: true },
    h("p", { class: "muted" }, t("twoFactor.offText")),
    formMessage(),
    password,
    code,
    h("div", { class: "actions" }, h("button", { type: "submit", class: "danger" }, t("twoFactor.turnOff")), toggle),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const input = useCode ? { code: form.elements.code.value.replace(/\s/g, "") } : { password: form.elements.password.value };
    const data = await submit(form, () => request(DISABLE_TOTP, { input }));
    if (!data) return;
    const errors = data.disableTotp.userErrors;
    if (errors.length) {
      // Show a missing or wrong proof next to the field the customer is using (the server may name the other).
      const here = useCode ? "code" : "password";
      showErrors(form, worded(errors).map((error) => ({ ...error, field: error.field ? [here] : null })));
      return;
    }
    show({ enabled: false, recoveryCodesLeft: 0 }, t("twoFactor.disabled"));
  });
  return form;
}
