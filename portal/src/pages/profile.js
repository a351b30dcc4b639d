// Profile: names, company, mobile phone and date of birth, edited in place (updateProfile); errors next to
// their fields. Below: what the account is (type, since when, roles) and the affiliate programme.
import { h } from "../dom.js";
import { field, formMessage, showErrors, submit } from "../forms.js";
import { request } from "../graphql.js";
import { formatDate, t, useLanguage } from "../i18n.js";
import { PROFILE_PAGE, REQUEST_AFFILIATE_STATUS, UPDATE_PROFILE } from "../operations.js";

const FIELDS = [
  { name: "firstName", label: "profile.firstName", autocomplete: "given-name" },
  { name: "lastName", label: "profile.lastName", autocomplete: "family-name" },
  { name: "company", label: "profile.company", autocomplete: "organization" },
  { name: "phone", label: "profile.phone", autocomplete: "tel", type: "tel", hint: "profile.phoneHint" },
  { name: "dateOfBirth", label: "profile.dateOfBirth", autocomplete: "bday", type: "date" },
];

export async function render() {
  const { me } = await request(PROFILE_PAGE);
  useLanguage(me.settings.language);
  return h(
    "section",
    { class: "narrow" },
    h("h1", { tabindex: "-1" }, t("profile.title")),
    h("p", { class: "muted" }, t("profile.email", { email: me.email })),
    profileForm(me),
    accountFacts(me),
    affiliateSection(me),
  );
}

function profileForm(me) {
  const saved = h("p", { class: "notice", role: "status", hidden: true });
  const form = h(
    "form",
    { novalidate: true },
    formMessage(),
    FIELDS.map((spec) =>
      field({
        name: spec.name,
        label: t(spec.label),
        type: spec.type,
        autocomplete: spec.autocomplete,
        required: false,
        hint: spec.hint ? t(spec.hint) : undefined,
      }),
    ),
    h("div", { class: "actions" }, h("button", { type: "submit" }, t("profile.save")), saved),
  );
  const fill = (customer) => {
    for (const spec of FIELDS) form.elements[spec.name].value = customer[spec.name] || "";
  };
  fill(me);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    saved.hidden = true;
    const input = Object.fromEntries(FIELDS.map((spec) => [spec.name, form.elements[spec.name].value.trim() || null]));
    const data = await submit(form, () => request(UPDATE_PROFILE, { input }));
    if (!data) return;
    const payload = data.updateProfile;
    if (payload.userErrors.length) {
      // A new phone number waits after support reset two-step verification: said in the reader's language.
      showErrors(form, payload.userErrors.map((item) => (item.code === "COOL_DOWN" ? { ...item, message: t("securityError.COOL_DOWN") } : item)));
      return;
    }
    showErrors(form, []);
    fill(payload.customer);
    saved.textContent = t("profile.saved");
    saved.hidden = false;
  });
  return form;
}

function accountFacts(me) {
  const fact = (label, value) => h("div", {}, h("dt", {}, label), h("dd", {}, value));
  return h(
    "section",
    { "aria-labelledby": "account-facts" },
    h("h2", { id: "account-facts" }, t("profile.account")),
    h(
      "dl",
      { class: "facts" },
      fact(t("profile.group"), me.group.name),
      fact(t("profile.memberSince"), formatDate(me.activatedAt || me.createdAt, me.settings.timezone)),
      fact(t("profile.roles"), me.roles.map((role) => t(`profile.role.${role}`)).join(", ")),
    ),
    h("p", { class: "muted" }, me.emailVerified ? t("profile.emailVerified") : t("profile.emailUnverified")),
  );
}

function affiliateSection(me) {
  const history = h("ul", { class: "plain" });
  const showHistory = (requests) =>
    history.replaceChildren(
      ...requests.map((item) =>
        h(
          "li",
          {},
          t("affiliate.requested", {
            date: formatDate(item.createdAt, me.settings.timezone),
            status: t(`affiliate.status.${item.status}`),
          }),
          item.decisionReason ? h("br") : null,
          item.decisionReason ? t("affiliate.reason", { reason: item.decisionReason }) : null,
        ),
      ),
    );
  let requests = me.affiliateRequests;
  showHistory(requests);
  const heading = h("h2", { id: "affiliate" }, t("affiliate.title"));
  if (me.roles.includes("AFFILIATE")) {
    return h("section", { "aria-labelledby": "affiliate" }, heading, h("p", {}, t("affiliate.isAffiliate")), history);
  }
  const sent = h("p", { class: "notice", role: "status", hidden: true });
  const form = h(
    "form",
    { novalidate: true },
    formMessage(),
    field({ name: "message", label: t("affiliate.message"), required: false, autocomplete: "off" }),
    h("div", { class: "actions" }, h("button", { type: "submit" }, t("affiliate.submit"))),
  );
  form.hidden = requests.some((item) => item.status === "PENDING");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const data = await submit(form, () =>
      request(REQUEST_AFFILIATE_STATUS, { input: { message: form.elements.message.value.trim() || null } }),
    );
    if (!data) return;
    const payload = data.requestAffiliateStatus;
    if (payload.userErrors.length) {
      showErrors(form, payload.userErrors.map((item) => ({ ...item, message: worded(item) })));
      return;
    }
    showErrors(form, []);
    requests = [payload.affiliateRequest, ...requests];
    showHistory(requests);
    form.hidden = true;
    sent.textContent = t("affiliate.sent");
    sent.hidden = false;
  });
  return h("section", { "aria-labelledby": "affiliate" }, heading, h("p", {}, t("affiliate.intro")), history, sent, form);
}

function worded(error) {
  const key = `affiliate.error.${error.code}`;
  const text = t(key);
  return text === key ? error.message : text;
}
