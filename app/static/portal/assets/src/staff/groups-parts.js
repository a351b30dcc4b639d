// What the customer groups page shows of a group, its form's fields, what they send, and the group errors in
// the reader's words (by code, and for INVALID by the field it names; any other shows the server's message).
import "./messages.js";
import { h } from "../dom.js";
import { choice, field } from "../forms.js";
import { formatMoney, t } from "../i18n.js";
import { formatMoment } from "../moments.js";

export const ACTIVATION_MODES = ["EMAIL_LINK", "SMS_CODE", "ADMIN_APPROVAL", "NONE"];
const WORDED = new Set(["REQUIRED", "TOO_LONG", "CODE_TAKEN", "NOT_FOUND"]);
const INVALID_FIELDS = new Set(["code", "defaultCreditLimit", "currencyCode", "paymentTermsDays"]);

export function worded(userErrors) {
  return userErrors.map((error) => {
    const name = error.field && error.field.length ? error.field[error.field.length - 1] : null;
    if (WORDED.has(error.code)) return { ...error, message: t(`staff.groups.error.${error.code}`) };
    if (error.code === "INVALID" && INVALID_FIELDS.has(name)) return { ...error, message: t(`staff.groups.error.${name}`) };
    return error;
  });
}

/** A group's facts as a description list, with its name as a heading. */
export function groupSummary(group, timeZone, language) {
  const row = (term, value) => [h("dt", {}, term), h("dd", {}, value)];
  return [
    h("h2", {}, group.name),
    h("p", { class: "muted" }, t("staff.groups.code", { code: group.code })),
    h(
      "dl",
      { class: "staff-facts" },
      row(t("staff.groups.activation"), t(`staff.groups.activation.${group.activationMode}`)),
      row(
        t("staff.groups.selfRegistration"),
        group.selfRegistration ? t("staff.groups.selfRegistrationYes") : t("staff.groups.selfRegistrationNo"),
      ),
      row(
        t("staff.groups.creditLimit"),
        group.defaultCreditLimit ? formatMoney(group.defaultCreditLimit) : t("staff.groups.noCreditLimit"),
      ),
      row(
        t("staff.groups.terms"),
        group.paymentTermsDays === null
          ? t("staff.groups.termsNone")
          : t("staff.groups.termsDays", { days: group.paymentTermsDays }),
      ),
    ),
    h("p", { class: "muted" }, t("staff.groups.updated", { when: formatMoment(group.updatedAt, timeZone, language) })),
  ];
}

/** The form's fields, filled with `group`'s values (a new group: no code yet, activation by emailed link). */
export function groupFields(group, currency) {
  const limit = group && group.defaultCreditLimit;
  const fields = [];
  if (!group) {
    fields.push(field({ name: "code", label: t("staff.groups.field.code"), hint: t("staff.groups.field.codeHint"), autocomplete: "off" }));
  }
  fields.push(
    field({ name: "name", label: t("staff.groups.field.name"), autocomplete: "off", value: group ? group.name : undefined }),
    choice({
      name: "activationMode",
      label: t("staff.groups.field.activationMode"),
      options: ACTIVATION_MODES.map((mode) => ({ value: mode, label: t(`staff.groups.activation.${mode}`) })),
      value: group ? group.activationMode : "EMAIL_LINK",
    }),
    h(
      "div",
      { class: "field staff-confirm" },
      h(
        "label",
        {},
        h("input", { type: "checkbox", name: "selfRegistration", value: "yes", checked: group ? group.selfRegistration : false }),
        " ",
        t("staff.groups.field.selfRegistration"),
      ),
    ),
    field({
      name: "defaultCreditLimit",
      label: t("staff.groups.field.creditLimit"),
      hint: t("staff.groups.field.creditLimitHint"),
      inputmode: "decimal",
      autocomplete: "off",
      required: false,
      value: limit ? limit.amount : undefined,
    }),
    field({
      name: "currencyCode",
      label: t("staff.groups.field.currency"),
      hint: t("staff.groups.field.currencyHint"),
      autocomplete: "off",
      required: false,
      value: limit ? limit.currencyCode : currency || "EUR",
    }),
    field({
      name: "paymentTermsDays",
      label: t("staff.groups.field.terms"),
      hint: t("staff.groups.field.termsHint"),
      inputmode: "numeric",
      autocomplete: "off",
      required: false,
      value: group && group.paymentTermsDays !== null ? String(group.paymentTermsDays) : undefined,
    }),
  );
  fields[0].querySelector("input").setAttribute("data-first", "");
  return fields;
}

/**
 * The mutation's input from the form, and the errors found before sending anything (what the API could not
 * even read: an amount or a number of days that is no number). Empty limit or terms send null (none).
 */
export function groupInput(form, isNew) {
  const value = (name) => form.elements[name].value.trim();
  const invalid = [];
  const input = {
    name: form.elements.name.value,
    activationMode: form.elements.activationMode.value,
    selfRegistration: form.elements.selfRegistration.checked,
    defaultCreditLimit: null,
    paymentTermsDays: null,
  };
  if (isNew) input.code = value("code");
  const amount = value("defaultCreditLimit").replace(",", ".");
  if (amount) {
    const currencyCode = value("currencyCode").toUpperCase();
    if (!/^-?\d+(\.\d+)?$/.test(amount)) invalid.push({ field: ["defaultCreditLimit"], message: t("staff.groups.error.defaultCreditLimit") });
    if (!/^[A-Z]{3}$/.test(currencyCode)) invalid.push({ field: ["currencyCode"], message: t("staff.groups.error.currencyCode") });
    input.defaultCreditLimit = { amount, currencyCode };
  }
  const days = value("paymentTermsDays");
  if (days) {
    if (!/^-?\d{1,6}$/.test(days)) invalid.push({ field: ["paymentTermsDays"], message: t("staff.groups.error.paymentTermsDays") });
    input.paymentTermsDays = Number(days);
  }
  return [input, invalid];
}
