// Pieces the console's pages share: loading the console's strings, a customer's name, the required reason of
// an audited action, "show more" paging, and a confirmed action form.
import "./messages.js";
import { h } from "../dom.js";
import { formMessage, showErrors, submit } from "../forms.js";
import { SignedOut } from "../graphql.js";
import { t } from "../i18n.js";
import { href } from "../router.js";
import { textArea } from "../support.js";

/** "Ada Lovelace", or the email address when the customer gave no name. */
export function customerName(customer) {
  if (!customer) return "";
  const name = [customer.firstName, customer.lastName].filter(Boolean).join(" ");
  return name || customer.email;
}

/** A link to the customer's console page. */
export function customerLink(customer) {
  return h("a", { href: href(`/staff/customers/${encodeURIComponent(customer.id)}`) }, customerName(customer));
}

/** The reason every audited action asks for: required, kept in the audit log with who and when. */
export function reasonField(label = t("staff.reason")) {
  return textArea({ name: "reason", label, hint: t("staff.reasonHint"), maxlength: 500, rows: 2 });
}

/**
 * A list that grows by pages: `items` renders a connection's nodes into list items, `next(after)` asks for the
 * page after a cursor (one request) and answers the connection. Returns [list, button].
 */
export function pagedList(connection, items, next, attributes = {}) {
  const list = h("ul", { class: "staff-list", ...attributes });
  const more = h("button", { type: "button", class: "secondary" }, t("staff.more"));
  let pageInfo = connection.pageInfo;
  const show = (page) => {
    pageInfo = page.pageInfo;
    list.append(...items(page.edges.map(({ node }) => node)));
    more.hidden = !pageInfo || !pageInfo.hasNextPage;
  };
  more.addEventListener("click", async () => {
    more.disabled = true;
    try {
      show(await next(pageInfo.endCursor));
    } catch (error) {
      if (!(error instanceof SignedOut)) more.after(h("p", { role: "alert" }, t("app.error")));
    } finally {
      more.disabled = false;
    }
  });
  show(connection);
  return [list, more];
}

/**
 * A form for one audited action: its fields, the reason, and a submit button. `run(values)` sends the mutation
 * (a request of a staff/operations.js constant) and answers its payload; userErrors show at their fields, anything else in the form;
 * `done(payload)` is called on success.
 */
export function actionForm({ label, submitLabel, fields = [], reason = true, run, done, danger = false }) {
  const form = h(
    "form",
    { novalidate: true, class: "staff-action", "aria-label": label },
    formMessage(),
    fields,
    reason ? reasonField() : null,
    h("div", { class: "actions" }, h("button", { type: "submit", class: danger ? "danger" : null }, submitLabel)),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const values = Object.fromEntries(new FormData(form).entries());
    const payload = await submit(form, () => run(values));
    if (!payload) return;
    if (payload.userErrors && payload.userErrors.length) {
      showErrors(form, payload.userErrors);
      return;
    }
    showErrors(form, []);
    await done(payload, form);
  });
  return form;
}

/**
 * A form opened by a button (`open`, which hides while the form shows) and closed by the form's [data-cancel]
 * button: focus moves to the form's [data-first] field, and back to the button on cancel.
 */
export function disclose(open, form) {
  open.addEventListener("click", () => {
    form.hidden = false;
    open.hidden = true;
    open.setAttribute("aria-expanded", "true");
    form.querySelector("[data-first]").focus();
  });
  form.querySelector("[data-cancel]").addEventListener("click", () => {
    form.hidden = true;
    open.hidden = false;
    open.setAttribute("aria-expanded", "false");
    open.focus();
  });
}
