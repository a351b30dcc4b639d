// Administrators publish a new privacy policy version (/staff/privacy): the version in force with its text, a
// form for the new version's name and text with a preview rendered as the customers' privacy page renders it
// (updated as one types, no request), and a confirmation step, since publishing asks every customer who
// consented under an earlier version to confirm again. privacyPolicy is public, so the page itself refuses
// SUPPORT (the router words it as an administrators' page); the API refuses them publishPrivacyPolicy anyway.
import { h, replace } from "../../dom.js";
import { field, formMessage, showErrors, submit } from "../../forms.js";
import { RequestFailed, request } from "../../graphql.js";
import { t, useLanguage } from "../../i18n.js";
import { formatMoment } from "../../moments.js";
import { policyParagraphs } from "../../pages/privacy.js";
import { textArea } from "../../support.js";
import { guarded } from "../customers-parts.js";
import { STAFF_PRIVACY_PAGE, STAFF_PUBLISH_PRIVACY_POLICY } from "../operations.js";

const WORDED = new Set(["REQUIRED", "INVALID_VERSION", "VERSION_TAKEN", "TOO_LONG", "INVALID", "EFFECTIVE_IN_PAST"]);

function worded(userErrors) {
  return userErrors.map((error) => (WORDED.has(error.code) ? { ...error, message: t(`staff.privacy.error.${error.code}`) } : error));
}

export async function render() {
  const { me, privacyPolicy } = await request(STAFF_PRIVACY_PAGE);
  useLanguage(me.settings.language);
  if (!me.roles.includes("ADMIN")) throw new RequestFailed(t("staff.privacy.forbidden"), "FORBIDDEN");
  const { timezone: timeZone, language } = me.settings;

  const current = h("div", { class: "staff-privacy-current" });
  const showCurrent = (policy) => {
    if (!policy) {
      replace(current, h("p", {}, t("staff.privacy.none")));
      return;
    }
    const date = formatMoment(policy.effectiveFrom, timeZone, language);
    replace(
      current,
      h("p", {}, t("staff.privacy.currentVersion", { version: policy.version, date })),
      h(
        "details",
        { class: "policy" },
        h("summary", {}, t("staff.privacy.readCurrent")),
        h("div", { class: "policy-text" }, policyParagraphs(policy.text)),
      ),
    );
  };
  showCurrent(privacyPolicy);
  const done = h("p", { role: "status", class: "staff-entry", tabindex: "-1" });

  const form = h(
    "form",
    { novalidate: true, class: "staff-privacy-editor", "aria-label": t("staff.privacy.form") },
    formMessage(),
    field({ name: "version", label: t("staff.privacy.version"), hint: t("staff.privacy.versionHint"), autocomplete: "off" }),
    textArea({ name: "text", label: t("staff.privacy.text"), hint: t("staff.privacy.textHint"), maxlength: 100000, rows: 14 }),
    h("div", { class: "actions" }, h("button", { type: "submit" }, t("staff.privacy.review"))),
  );
  form.elements.version.setAttribute("maxlength", "32");
  form.elements.version.setAttribute("spellcheck", "false");
  if (privacyPolicy) form.elements.text.value = privacyPolicy.text;

  // The preview: what customers will read on /account/privacy, built by that page's own function.
  const previewBody = h("div", { class: "policy-text" });
  const showPreview = () => {
    const text = form.elements.text.value.trim();
    replace(previewBody, text ? policyParagraphs(text) : h("p", { class: "muted" }, t("staff.privacy.previewEmpty")));
  };
  form.addEventListener("input", showPreview);
  showPreview();
  const preview = h(
    "section",
    { class: "staff-privacy-preview", "aria-labelledby": "staff-privacy-preview-heading" },
    h("h3", { id: "staff-privacy-preview-heading" }, t("staff.privacy.preview")),
    previewBody,
  );

  // The confirmation: nothing is sent before the administrator says so here.
  const confirmBox = h("div", { class: "staff-privacy-confirm" });
  const closeConfirm = () => {
    replace(confirmBox);
    for (const control of form.elements) control.disabled = false;
  };
  const publish = async (input) => {
    const payload = await submit(form, () =>
      guarded({}, [], async () => (await request(STAFF_PUBLISH_PRIVACY_POLICY, { input })).publishPrivacyPolicy),
    );
    if (!payload) return;
    if (payload.userErrors.length) {
      showErrors(form, worded(payload.userErrors));
      return;
    }
    showErrors(form, []);
    showCurrent(payload.privacyPolicy);
    form.elements.version.value = "";
    done.textContent = t("staff.privacy.published", { version: payload.privacyPolicy.version });
    done.focus();
  };

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const input = { version: form.elements.version.value.trim(), text: form.elements.text.value };
    const missing = ["version", "text"].filter((name) => !input[name].trim());
    if (missing.length) {
      showErrors(form, missing.map((name) => ({ field: [name], message: t("staff.privacy.error.REQUIRED") })));
      return;
    }
    showErrors(form, []);
    const yes = h("button", { type: "button", class: "danger" }, t("staff.privacy.confirm", { version: input.version }));
    const no = h("button", { type: "button", class: "secondary" }, t("staff.privacy.back"));
    no.addEventListener("click", () => {
      closeConfirm();
      form.querySelector("button[type=submit]").focus();
    });
    yes.addEventListener("click", async () => {
      closeConfirm();
      await publish(input);
    });
    for (const control of form.elements) control.disabled = true;
    replace(
      confirmBox,
      h(
        "div",
        { class: "confirm-box", role: "group", "aria-labelledby": "staff-privacy-question" },
        h("h3", { id: "staff-privacy-question" }, t("staff.privacy.confirmQuestion", { version: input.version })),
        h("p", {}, t("staff.privacy.confirmText")),
        h("div", { class: "actions" }, yes, no),
      ),
    );
    yes.focus();
  });

  return h(
    "section",
    { class: "staff-privacy" },
    h("h1", { tabindex: "-1" }, t("staff.privacy.title")),
    h("p", { class: "muted" }, t("staff.privacy.intro")),
    h("h2", {}, t("staff.privacy.current")),
    current,
    done,
    h("h2", {}, t("staff.privacy.publish")),
    h("div", { class: "staff-help-columns" }, form, preview),
    confirmBox,
  );
}
