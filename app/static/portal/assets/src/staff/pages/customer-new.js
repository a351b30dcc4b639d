// Create an account for a customer (on the phone, at the counter): email, names, phone, group and language,
// with the reason. The customer is mailed a link to choose a password; the page says so and links to the new
// account. In a group that needs approval, an account support opens waits for an administrator.
import { h, replace } from "../../dom.js";
import { choice, field } from "../../forms.js";
import { request } from "../../graphql.js";
import { LANGUAGES, t, useLanguage } from "../../i18n.js";
import { href } from "../../router.js";
import { guarded, statusBadge } from "../customers-parts.js";
import { STAFF_CREATE_CUSTOMER_ACCOUNT, STAFF_CUSTOMER_NEW_PAGE } from "../operations.js";
import { actionForm, customerLink } from "../parts.js";

export async function render() {
  const { me, customerGroups } = await request(STAFF_CUSTOMER_NEW_PAGE);
  useLanguage(me.settings.language);
  const outcome = h("div", { role: "status" });
  const form = actionForm({
    label: t("staff.customerNew.title"),
    submitLabel: t("staff.customerNew.submit"),
    fields: [
      field({ name: "email", type: "email", label: t("staff.customerNew.email"), autocomplete: "off" }),
      field({ name: "firstName", label: t("staff.customerNew.firstName"), required: false, autocomplete: "off" }),
      field({ name: "lastName", label: t("staff.customerNew.lastName"), required: false, autocomplete: "off" }),
      field({
        name: "phone",
        type: "tel",
        label: t("staff.customerNew.phone"),
        hint: t("staff.customerNew.phoneHint"),
        required: false,
        autocomplete: "off",
      }),
      choice({
        name: "groupId",
        label: t("staff.customerNew.group"),
        options: [
          { value: "", label: t("staff.customerNew.defaultGroup") },
          ...customerGroups.map((group) => ({
            value: group.id,
            label: group.activationMode === "ADMIN_APPROVAL" ? t("staff.customerNew.groupApproval", { name: group.name }) : group.name,
          })),
        ],
      }),
      choice({
        name: "language",
        label: t("staff.customerNew.language"),
        value: "",
        options: [
          { value: "", label: t("staff.customerNew.languageDefault") },
          ...LANGUAGES.map((code) => ({ value: code, label: t(`staff.customerNew.language.${code}`) })),
        ],
      }),
    ],
    run: (values) =>
      guarded(values, ["email", "reason"], async () => {
        const blank = (name) => String(values[name] || "").trim() || null;
        const input = {
          email: values.email.trim(),
          reason: values.reason,
          firstName: blank("firstName"),
          lastName: blank("lastName"),
          phone: blank("phone"),
          groupId: blank("groupId"),
          language: blank("language"),
        };
        return (await request(STAFF_CREATE_CUSTOMER_ACCOUNT, { input })).createCustomerAccount;
      }),
    done: ({ customer }, shown) => {
      shown.hidden = true;
      replace(
        outcome,
        h("h2", { tabindex: "-1" }, t("staff.customerNew.created")),
        h("p", { class: "notice" }, t("staff.customerNew.mailed", { email: customer.email })),
        customer.status === "PENDING_APPROVAL" ? h("p", {}, statusBadge(customer.status), " ", t("staff.customerNew.waits")) : null,
        h("p", {}, customerLink(customer)),
        h("p", {}, h("a", { href: href("/staff/customers/new") }, t("staff.customerNew.another"))),
      );
      outcome.querySelector("h2").focus();
    },
  });
  return h(
    "section",
    { class: "staff-customer-new narrow" },
    h("p", {}, h("a", { href: href("/staff/customers") }, t("staff.customers.back"))),
    h("h1", { tabindex: "-1" }, t("staff.customerNew.title")),
    h("p", { class: "muted" }, t("staff.customerNew.intro")),
    form,
    outcome,
  );
}
