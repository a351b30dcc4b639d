// The customer groups (/staff/groups), for everyone on the staff: how each activates new accounts, whether
// storefronts may register into it, and for business customers the credit limit and payment terms accounts
// start with. Administrators create groups and edit each one (the API refuses SUPPORT: the forms are shown to
// administrators only, and a refusal is said beside the form). One request for the page's data.
import { h, replace } from "../../dom.js";
import { formMessage, showErrors, submit } from "../../forms.js";
import { request } from "../../graphql.js";
import { t, useLanguage } from "../../i18n.js";
import { guarded } from "../customers-parts.js";
import { groupFields, groupInput, groupSummary, worded } from "../groups-parts.js";
import { STAFF_CREATE_CUSTOMER_GROUP, STAFF_GROUPS_PAGE, STAFF_UPDATE_CUSTOMER_GROUP } from "../operations.js";
import { disclose } from "../parts.js";

/** A form for a group (new when `group` is null); `send(input)` answers the mutation's payload. */
function groupForm({ label, submitLabel, group, currency, send, done }) {
  const form = h(
    "form",
    { novalidate: true, class: "staff-action staff-group-form", "aria-label": label, hidden: true },
    formMessage(),
    groupFields(group, currency),
    h(
      "div",
      { class: "actions" },
      h("button", { type: "submit" }, submitLabel),
      h("button", { type: "button", class: "secondary", "data-cancel": true }, t("staff.groups.cancel")),
    ),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const [input, invalid] = groupInput(form, !group);
    if (invalid.length) {
      showErrors(form, invalid);
      return;
    }
    const payload = await submit(form, () => guarded({}, [], () => send(input)));
    if (!payload) return;
    if (payload.userErrors.length) {
      showErrors(form, worded(payload.userErrors));
      return;
    }
    showErrors(form, []);
    done(payload.customerGroup, form);
  });
  return form;
}

export async function render() {
  const { me, customerGroups } = await request(STAFF_GROUPS_PAGE);
  useLanguage(me.settings.language);
  const { timezone: timeZone, language, currency } = me.settings;
  const isAdmin = me.roles.includes("ADMIN");
  const status = h("p", { role: "status", class: "staff-entry" });
  const list = h("ul", { class: "staff-list staff-groups", "aria-label": t("staff.groups.list") });

  const entry = (group) => {
    const item = h("li", { class: "staff-group", "data-group": group.code });
    const show = (current) => {
      const parts = [groupSummary(current, timeZone, language)];
      if (isAdmin) {
        const open = h(
          "button",
          { type: "button", class: "secondary small", "aria-expanded": "false" },
          t("staff.groups.edit", { name: current.name }),
        );
        const form = groupForm({
          label: t("staff.groups.editForm", { name: current.name }),
          submitLabel: t("staff.groups.editSubmit"),
          group: current,
          currency,
          send: async (input) =>
            (await request(STAFF_UPDATE_CUSTOMER_GROUP, { input: { groupId: current.id, ...input } })).updateCustomerGroup,
          done: (saved) => {
            show(saved);
            status.textContent = t("staff.groups.saved", { name: saved.name });
            item.querySelector("button").focus();
          },
        });
        disclose(open, form);
        parts.push(h("div", { class: "actions" }, open), form);
      }
      replace(item, parts);
    };
    show(group);
    return item;
  };
  list.append(...customerGroups.map(entry));
  const none = h("p", { hidden: customerGroups.length > 0 }, t("staff.groups.none"));

  let create = h("p", { class: "muted" }, t("staff.groups.adminOnly"));
  if (isAdmin) {
    const open = h("button", { type: "button", "aria-expanded": "false" }, t("staff.groups.create"));
    const form = groupForm({
      label: t("staff.groups.createForm"),
      submitLabel: t("staff.groups.createSubmit"),
      group: null,
      currency,
      send: async (input) => (await request(STAFF_CREATE_CUSTOMER_GROUP, { input })).createCustomerGroup,
      done: (created, createForm) => {
        list.append(entry(created));
        none.hidden = true;
        createForm.reset();
        createForm.hidden = true;
        open.hidden = false;
        open.setAttribute("aria-expanded", "false");
        status.textContent = t("staff.groups.created", { name: created.name });
        open.focus();
      },
    });
    disclose(open, form);
    create = h("div", { class: "staff-group-create" }, h("div", { class: "actions" }, open), form);
  }

  return h(
    "section",
    { class: "staff-groups-page" },
    h("h1", { tabindex: "-1" }, t("staff.groups.title")),
    h("p", { class: "muted" }, t("staff.groups.intro")),
    create,
    status,
    none,
    list,
  );
}
