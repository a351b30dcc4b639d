// Privacy: consents (setConsent) with their history, the privacy policy in force and the review it may ask for
// (confirmConsents), copies of the customer's data (exportMyData), and deleting the account (deleteAccount).
import { h, replace } from "../dom.js";
import { field, formMessage, showErrors, submit } from "../forms.js";
import { request, SignedOut } from "../graphql.js";
import { currentLanguage, formatDate, t, useLanguage } from "../i18n.js";
import { CONFIRM_CONSENTS, DELETE_ACCOUNT, EXPORT_MY_DATA, PRIVACY_PAGE, SET_CONSENT } from "../operations.js";
import { navigate } from "../router.js";
import { clearToken } from "../session.js";

const PURPOSES = ["MARKETING_EMAIL", "MARKETING_SMS", "DATA_SHARING", "PERSONALISATION"];
const SOURCE = "account-page";
// Where a consent was given, in words, for the sources we know; any other is shown as the shop recorded it.
const SOURCES = {
  "account-page": "privacy.sourceAccountPage",
  "privacy-review": "privacy.sourceReview",
  checkout: "privacy.sourceCheckout",
  api: "privacy.sourceApi",
};
// Errors this page knows by their code; any other shows the server's message.
const ERRORS = {
  INCORRECT_PASSWORD: "privacy.errorPassword",
  TOO_MANY_EXPORTS: "privacy.errorTooManyExports",
  POLICY_OUTDATED: "privacy.errorPolicyChanged",
};

function worded(errors) {
  return errors.map((error) => ({ ...error, message: ERRORS[error.code] ? t(ERRORS[error.code]) : error.message }));
}

function sourceLabel(source) {
  return SOURCES[source] ? t(SOURCES[source]) : source;
}

function statusNotice(done) {
  const key = { consent: "privacy.consentSaved", confirmed: "privacy.confirmed", export: "privacy.exportRequested" }[
    done
  ];
  return h("p", { class: "notice", role: "status", tabindex: "-1", hidden: !key }, key ? t(key) : "");
}

/** A message next to a button that acts without a form (a consent toggle, the review confirmation). */
function actionError() {
  return h("p", { class: "form-error", role: "alert", hidden: true });
}

function showActionError(slot, errors) {
  slot.textContent = worded(errors)
    .map((error) => error.message)
    .join(" ");
  slot.hidden = false;
}

/** Runs a button's request; returns the payload, or null after showing why it failed. */
async function act(button, slot, send) {
  button.disabled = true;
  slot.hidden = true;
  try {
    const payload = Object.values(await send())[0];
    if (payload.userErrors.length) {
      showActionError(slot, payload.userErrors);
      return null;
    }
    return payload;
  } catch (error) {
    if (!(error instanceof SignedOut)) showActionError(slot, [{ message: t("app.error") }]);
    return null;
  } finally {
    button.disabled = false;
  }
}

/** Shows the page again with fresh data (no navigation: focus stays where the reader was, on `focus`). */
async function refresh(section, done, focus) {
  let data;
  try {
    data = await request(PRIVACY_PAGE);
  } catch (error) {
    if (!(error instanceof SignedOut)) navigate(`/privacy?done=${done}`, { replace: true });
    return;
  }
  replace(section, view(data, done, section));
  const target = section.querySelector(focus) || section.querySelector("h1");
  target.focus();
}

/** Jumps to the policy (opened) in place: a "#policy" link would go through the router and reload the page. */
function readPolicy(section) {
  const button = h("button", { type: "button", class: "link" }, t("privacy.reviewRead"));
  button.addEventListener("click", () => {
    section.querySelector("details.policy").open = true;
    const heading = section.querySelector("#policy");
    heading.scrollIntoView();
    heading.focus();
  });
  return button;
}

function reviewPrompt(policy, zone, section) {
  const slot = actionError();
  const button = h("button", { type: "button" }, t("privacy.reviewKeep", { version: policy.version }));
  button.addEventListener("click", async () => {
    const payload = await act(button, slot, () =>
      request(CONFIRM_CONSENTS, { input: { policyVersion: policy.version } }),
    );
    if (payload) await refresh(section, "confirmed", "[role=status]");
  });
  return h(
    "aside",
    { class: "review-banner", "aria-labelledby": "review-title" },
    h("h2", { id: "review-title" }, t("privacy.reviewTitle")),
    h(
      "p",
      {},
      t("privacy.reviewText", { version: policy.version, date: formatDate(policy.effectiveFrom, zone) }),
    ),
    h("div", { class: "actions" }, button, readPolicy(section)),
    slot,
  );
}

function consentItem(consent, policy, zone, section) {
  const name = t(`privacy.purpose.${consent.purpose}`);
  const slot = actionError();
  const state = consent.granted ? t("privacy.granted") : t("privacy.notGranted");
  const given = consent.updatedAt
    ? t(consent.granted ? "privacy.grantedOn" : "privacy.withdrawnOn", {
        date: formatDate(consent.updatedAt, zone),
        version: consent.policyVersion,
      })
    : t("privacy.neverAsked");
  const button = h(
    "button",
    {
      type: "button",
      class: "small",
      "aria-label": `${consent.granted ? t("privacy.withdraw") : t("privacy.grant")}: ${name}`,
      disabled: !policy,
    },
    consent.granted ? t("privacy.withdraw") : t("privacy.grant"),
  );
  button.addEventListener("click", async () => {
    const input = { purpose: consent.purpose, granted: !consent.granted, policyVersion: policy.version, source: SOURCE };
    const payload = await act(button, slot, () => request(SET_CONSENT, { input }));
    if (payload) await refresh(section, "consent", `#consent-${consent.purpose} button`);
  });
  return h(
    "li",
    { class: "consent", id: `consent-${consent.purpose}` },
    h("div", {}, h("h3", {}, name), h("p", { class: "hint" }, t(`privacy.purposeHint.${consent.purpose}`))),
    h(
      "p",
      { class: "consent-state" },
      h("span", { class: consent.granted ? "badge" : "badge off" }, state),
      " ",
      h("span", { class: "muted" }, given),
    ),
    button,
    slot,
  );
}

/** Date and time of a change: several changes on one day stay apart. */
function formatDateTime(iso, timeZone) {
  const options = { dateStyle: "medium", timeStyle: "short" };
  try {
    return new Intl.DateTimeFormat(currentLanguage(), timeZone ? { ...options, timeZone } : options).format(new Date(iso));
  } catch {
    return formatDate(iso, timeZone);
  }
}

const HISTORY_COLUMNS = [
  "privacy.historyDate",
  "privacy.historyPurpose",
  "privacy.historyChange",
  "privacy.historyVersion",
  "privacy.historySource",
];

// A table on wide screens; on a phone each change is a small card whose cells carry their column's name.
function historyTable(changes, zone) {
  if (!changes.length) return h("p", { class: "muted" }, t("privacy.historyEmpty"));
  const cell = (column, value) => h("td", { "data-label": t(HISTORY_COLUMNS[column]) }, value);
  return h(
    "table",
    { class: "history" },
    h("caption", { class: "visually-hidden" }, t("privacy.historyTitle")),
    h("thead", {}, h("tr", {}, HISTORY_COLUMNS.map((key) => h("th", { scope: "col" }, t(key))))),
    h(
      "tbody",
      {},
      changes.map((change) =>
        h(
          "tr",
          {},
          cell(0, formatDateTime(change.createdAt, zone)),
          cell(1, t(`privacy.purpose.${change.purpose}`)),
          cell(2, change.granted ? t("privacy.changeGranted") : t("privacy.changeWithdrawn")),
          cell(3, change.policyVersion),
          cell(4, sourceLabel(change.source)),
        ),
      ),
    ),
  );
}

/** The policy's text as customers read it: a blank line separates paragraphs (the console's preview uses it too). */
export function policyParagraphs(text) {
  return text.split(/\n\s*\n/).map((part) => h("p", { class: "policy-paragraph" }, part.trim()));
}

function policySection(policy, zone, reviewRequired) {
  if (!policy) return [h("h2", { id: "policy" }, t("privacy.policyTitle")), h("p", {}, t("privacy.noPolicy"))];
  const paragraphs = policyParagraphs(policy.text);
  return [
    h("h2", { id: "policy", tabindex: "-1" }, t("privacy.policyTitle")),
    h(
      "p",
      { class: "muted" },
      t("privacy.policyVersion", { version: policy.version, date: formatDate(policy.effectiveFrom, zone) }),
    ),
    h(
      "details",
      { class: "policy", open: reviewRequired },
      h("summary", {}, t("privacy.policyRead")),
      h("div", { class: "policy-text" }, paragraphs),
    ),
  ];
}

const EXPORT_STATUS = {
  READY: "privacy.exportReady",
  USED_UP: "privacy.exportUsedUp",
  EXPIRED: "privacy.exportExpired",
};

function exportItem(item, zone) {
  const status = t(EXPORT_STATUS[item.status] || "privacy.exportExpired", { date: formatDate(item.expiresAt, zone) });
  return h(
    "li",
    { class: "export" },
    h("span", {}, t("privacy.exportRequestedOn", { date: formatDate(item.createdAt, zone) })),
    h("span", { class: "muted" }, status),
    item.downloadUrl
      ? h("a", { href: item.downloadUrl, download: "" }, t("privacy.exportDownload", { date: formatDate(item.createdAt, zone) }))
      : null,
  );
}

function exportSection(exports, zone, section) {
  const slot = actionError();
  const button = h("button", { type: "button" }, t("privacy.exportRequest"));
  button.addEventListener("click", async () => {
    const payload = await act(button, slot, () => request(EXPORT_MY_DATA));
    if (payload) await refresh(section, "export", "#exports");
  });
  return [
    h("h2", { id: "exports", tabindex: "-1" }, t("privacy.exportTitle")),
    h("p", {}, t("privacy.exportText")),
    h("div", { class: "actions" }, button),
    slot,
    exports.length
      ? h("ul", { class: "exports", "aria-label": t("privacy.exportList") }, exports.map((item) => exportItem(item, zone)))
      : h("p", { class: "muted" }, t("privacy.exportNone")),
  ];
}

function deletionSection() {
  const start = h("button", { type: "button", class: "danger-outline", "aria-expanded": "false" }, t("privacy.deleteStart"));
  const form = h(
    "form",
    { novalidate: true, hidden: true, class: "danger-zone" },
    formMessage(),
    h("p", {}, t("privacy.deleteConfirmText")),
    field({ name: "password", label: t("privacy.deletePassword"), type: "password", autocomplete: "current-password" }),
    h(
      "div",
      { class: "check" },
      h("input", { type: "checkbox", id: "delete-understood", name: "understood", required: true }),
      h("label", { for: "delete-understood" }, t("privacy.deleteUnderstood")),
    ),
    h("p", { class: "field-error", "data-error-for": "understood", hidden: true }),
    h(
      "div",
      { class: "actions" },
      h("button", { type: "submit", class: "danger" }, t("privacy.deleteSubmit")),
      h("button", { type: "button", class: "link", "data-cancel": true }, t("privacy.deleteCancel")),
    ),
  );
  const toggle = (open) => {
    form.hidden = !open;
    start.hidden = open;
    start.setAttribute("aria-expanded", String(open));
    if (open) form.elements.password.focus();
    else start.focus();
  };
  start.addEventListener("click", () => toggle(true));
  form.querySelector("[data-cancel]").addEventListener("click", () => toggle(false));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!form.elements.understood.checked) {
      showErrors(form, [{ field: ["understood"], message: t("privacy.deleteTick") }]);
      return;
    }
    const input = { password: form.elements.password.value };
    const data = await submit(form, () => request(DELETE_ACCOUNT, { input }));
    if (!data) return;
    const payload = data.deleteAccount;
    if (payload.userErrors.length) {
      showErrors(form, worded(payload.userErrors));
      return;
    }
    // Every session ended on the server; this tab forgets its token too.
    clearToken();
    navigate("/account-deleted", { replace: true });
  });
  return [
    h("h2", { id: "delete" }, t("privacy.deleteTitle")),
    h("p", {}, t("privacy.deleteText")),
    start,
    form,
  ];
}

function view(data, done, section) {
  const { me, privacyPolicy: policy } = data;
  const zone = me.settings.timezone;
  const byPurpose = Object.fromEntries(me.consents.map((consent) => [consent.purpose, consent]));
  const consents = PURPOSES.filter((purpose) => byPurpose[purpose]).map((purpose) => byPurpose[purpose]);
  return [
    h("h1", { tabindex: "-1" }, t("privacy.title")),
    statusNotice(done),
    me.privacyReviewRequired && policy ? reviewPrompt(policy, zone, section) : null,
    h("h2", {}, t("privacy.consentsTitle")),
    h("p", {}, t("privacy.consentsText")),
    policy ? null : h("p", { class: "muted" }, t("privacy.consentsNeedPolicy")),
    h("ul", { class: "consents" }, consents.map((consent) => consentItem(consent, policy, zone, section))),
    h("h2", {}, t("privacy.historyTitle")),
    historyTable(me.consentHistory, zone),
    ...policySection(policy, zone, me.privacyReviewRequired),
    ...exportSection(me.dataExports, zone, section),
    ...deletionSection(),
  ];
}

export async function render({ query }) {
  const data = await request(PRIVACY_PAGE);
  useLanguage(data.me.settings.language);
  const section = h("section", { class: "privacy" });
  replace(section, view(data, query.get("done"), section));
  return section;
}
