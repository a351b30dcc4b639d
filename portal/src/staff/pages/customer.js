// One customer's account for staff, in one request: profile, addresses, orders, returns, tickets, store
// credit and credit-limit requests, roles and groups with their history, the security events (what staff did,
// with the reason). The actions that apply to the account's state, each asking for the reason the audit log
// keeps; an action only administrators may take is refused by the API and said next to its form.
import { h, replace } from "../../dom.js";
import { choice, field } from "../../forms.js";
import { RequestFailed, request, SignedOut } from "../../graphql.js";
import { formatMoney, t, useLanguage } from "../../i18n.js";
import { formatMoment } from "../../moments.js";
import { href, navigate } from "../../router.js";
import { textArea } from "../../support.js";
import { confirmBox, guarded, ROLES, rolesText, statusBadge, wordsOr } from "../customers-parts.js";
import { eventTypeLabel } from "../help-audit-parts.js";
import {
  STAFF_ADJUST_STORE_CREDIT,
  STAFF_APPROVE_CUSTOMER,
  STAFF_CUSTOMER_EVENTS_MORE,
  STAFF_CUSTOMER_PAGE,
  STAFF_DECIDE_CREDIT_LIMIT_REQUEST,
  STAFF_DELETE_CUSTOMER,
  STAFF_GRANT_ROLE,
  STAFF_MOVE_CUSTOMER_TO_GROUP,
  STAFF_REACTIVATE_CUSTOMER,
  STAFF_RECORD_ACCOUNT_PAYMENT,
  STAFF_RESET_TWO_FACTOR,
  STAFF_REVOKE_ROLE,
  STAFF_SECURITY_LOG,
  STAFF_SUSPEND_CUSTOMER,
} from "../operations.js";
import { actionForm, customerName, pagedList } from "../parts.js";

const IDENTITY_CHECKS = ["ORDER_DETAILS", "BILLING_ADDRESS", "ID_DOCUMENT", "PHONE_CALLBACK"];
const DONE = new Set([
  "approved",
  "suspended",
  "reactivated",
  "granted",
  "revoked",
  "moved",
  "credited",
  "payment",
  "decided",
  "twoFactor",
]);

export async function render({ params, query }) {
  const { me, customerGroups, node: customer } = await request(STAFF_CUSTOMER_PAGE, { id: params.id });
  useLanguage(me.settings.language);
  const back = h("p", {}, h("a", { href: href("/staff/customers") }, t("staff.customers.back")));
  if (!customer || !customer.email) {
    return h("section", {}, back, h("h1", { tabindex: "-1" }, t("staff.customer.notFound")), h("p", {}, t("staff.customer.notFoundHint")));
  }
  const page = new CustomerPage(customer, customerGroups, me.settings);
  const done = query.get("done");
  return h(
    "section",
    { class: "staff-customer" },
    back,
    h("h1", { tabindex: "-1" }, customerName(customer)),
    DONE.has(done) ? h("p", { class: "notice", role: "status" }, t(`staff.customer.done.${done}`)) : null,
    page.element(),
  );
}

/** An address on one line: name, company, street, town, region, country. */
function addressLine(a) {
  const name = [a.firstName, a.lastName].filter(Boolean).join(" ");
  const town = [a.postalCode, a.city].filter(Boolean).join(" ");
  return [name, a.company, a.line1, a.line2, town, a.region, a.countryCode].filter(Boolean).join(", ");
}

class CustomerPage {
  constructor(customer, groups, settings) {
    this.customer = customer;
    this.groups = groups;
    this.timeZone = settings.timezone;
    this.language = settings.language;
    this.path = `/staff/customers/${encodeURIComponent(customer.id)}`;
  }

  moment(iso) {
    return iso ? h("time", { datetime: iso }, formatMoment(iso, this.timeZone, this.language)) : "";
  }

  /** After an action: the page again, in its one request, saying what was done. */
  reload(done) {
    navigate(`${this.path}?done=${done}`, { replace: true });
  }

  element() {
    const c = this.customer;
    return [
      h(
        "p",
        { class: "staff-customer-head" },
        statusBadge(c.status),
        " ",
        h("span", {}, c.email),
        " · ",
        h("span", {}, t("staff.customer.groupLabel"), " ", h("a", { href: href("/staff/groups") }, c.group.name)),
        " · ",
        h("span", {}, rolesText(c.roles)),
      ),
      h(
        "p",
        { class: "actions" },
        h("a", { href: href(`/staff/offers/new?customer=${encodeURIComponent(c.id)}`) }, t("staff.customer.writeOffer")),
      ),
      this.profile(),
      h("h2", {}, t("staff.customer.actions")),
      this.actions(),
      h("h2", {}, t("staff.customer.addresses")),
      this.addresses(),
      h("h2", {}, t("staff.customer.orders")),
      this.orders(),
      h("h2", {}, t("staff.customer.returns")),
      this.returns(),
      h("h2", {}, t("staff.customer.tickets")),
      this.tickets(),
      h("h2", {}, t("staff.customer.credit")),
      this.credit(),
      h("h2", {}, t("staff.customer.creditRequests")),
      this.creditRequests(),
      h("h2", {}, t("staff.customer.affiliate")),
      this.affiliate(),
      h("h2", {}, t("staff.customer.roleChanges")),
      this.roleChanges(),
      h("h2", {}, t("staff.customer.groupHistory")),
      this.groupHistory(),
      h("h2", {}, t("staff.customer.security")),
      this.securityEvents(),
      this.securityLog(),
    ];
  }

  profile() {
    const c = this.customer;
    const verified = (yes) => t(yes ? "staff.customer.verified" : "staff.customer.unverified");
    const rows = [
      ["staff.customer.email", [c.email, " ", verified(c.emailVerified)]],
      ["staff.customer.phone", c.phone ? [c.phone, " ", verified(c.phoneVerified)] : "—"],
      ["staff.customer.company", c.company || "—"],
      ["staff.customer.language", c.settings.language || "—"],
      ["staff.customer.registered", this.moment(c.createdAt)],
      ["staff.customer.activated", c.activatedAt ? this.moment(c.activatedAt) : "—"],
    ];
    return h("dl", { class: "staff-facts" }, rows.map(([key, value]) => [h("dt", {}, t(key)), h("dd", {}, value)]));
  }

  // ── actions ──

  /** An action behind a disclosure: the summary names it; the form opens under it. */
  action(label, form, hint = null) {
    return h("details", { class: "staff-customer-action" }, h("summary", {}, label), hint ? h("p", { class: "hint" }, hint) : null, form);
  }

  /**
   * An audited action: its form (the reason included unless `reason` is false), the fields the console
   * requires (`required`), `send(values)` answering the mutation's payload, and the page again on success.
   */
  audited({ label, submit = label, hint, fields = [], reason = true, required = ["reason"], danger = false, send, done }) {
    const form = actionForm({
      label,
      submitLabel: submit,
      fields,
      reason,
      danger,
      run: (values) => guarded(values, required, () => send(values)),
      done: () => this.reload(done),
    });
    return this.action(label, form, hint === undefined ? t("staff.customer.adminOnly") : hint);
  }

  actions() {
    const c = this.customer;
    const customerId = c.id;
    if (c.status === "DELETED") return h("p", { class: "muted" }, t("staff.customer.deletedHint"));
    const list = [];
    if (c.status === "PENDING_APPROVAL") {
      list.push(
        this.audited({
          label: t("staff.customer.approve"),
          done: "approved",
          send: async ({ reason }) => (await request(STAFF_APPROVE_CUSTOMER, { input: { customerId, reason } })).approveCustomer,
        }),
      );
    }
    if (c.status === "SUSPENDED") {
      list.push(
        this.audited({
          label: t("staff.customer.reactivate"),
          done: "reactivated",
          send: async ({ reason }) => (await request(STAFF_REACTIVATE_CUSTOMER, { input: { customerId, reason } })).reactivateCustomer,
        }),
      );
    } else {
      list.push(
        this.audited({
          label: t("staff.customer.suspend"),
          hint: t("staff.customer.suspendHint"),
          danger: true,
          done: "suspended",
          send: async ({ reason }) => (await request(STAFF_SUSPEND_CUSTOMER, { input: { customerId, reason } })).suspendCustomer,
        }),
      );
    }
    const roleChoice = (roles) =>
      choice({ name: "role", label: t("staff.customer.role"), options: roles.map((role) => ({ value: role, label: t(`profile.role.${role}`) })) });
    const grantable = ROLES.filter((role) => role !== "CUSTOMER" && !c.roles.includes(role));
    if (grantable.length) {
      list.push(
        this.audited({
          label: t("staff.customer.grant"),
          submit: t("staff.customer.grantSubmit"),
          fields: [roleChoice(grantable)],
          done: "granted",
          send: async ({ role, reason }) => (await request(STAFF_GRANT_ROLE, { input: { customerId, role, reason } })).grantRole,
        }),
      );
    }
    const revocable = c.roles.filter((role) => role !== "CUSTOMER");
    if (revocable.length) {
      list.push(
        this.audited({
          label: t("staff.customer.revoke"),
          submit: t("staff.customer.revokeSubmit"),
          fields: [roleChoice(revocable)],
          danger: true,
          done: "revoked",
          send: async ({ role, reason }) => (await request(STAFF_REVOKE_ROLE, { input: { customerId, role, reason } })).revokeRole,
        }),
      );
    }
    const otherGroups = this.groups.filter((group) => group.id !== c.group.id);
    if (otherGroups.length) {
      const groups = otherGroups.map((group) => ({ value: group.id, label: group.name }));
      list.push(
        this.audited({
          label: t("staff.customer.move"),
          submit: t("staff.customer.moveSubmit"),
          fields: [choice({ name: "groupId", label: t("staff.customer.group"), options: groups })],
          done: "moved",
          send: async ({ groupId, reason }) =>
            (await request(STAFF_MOVE_CUSTOMER_TO_GROUP, { input: { customerId, groupId, reason } })).moveCustomerToGroup,
        }),
      );
    }
    list.push(...this.creditActions());
    if (c.status !== "PENDING_APPROVAL" && c.status !== "PENDING_ACTIVATION") list.push(this.twoFactorAction());
    list.push(this.deleteAction());
    return h("div", { class: "staff-customer-actions" }, list);
  }

  creditActions() {
    const customerId = this.customer.id;
    const currency = this.customer.storeCredit.balance.currencyCode;
    const money = (values) => ({ amount: values.amount.trim(), currencyCode: values.currencyCode.trim().toUpperCase() || null });
    const currencyField = () =>
      field({ name: "currencyCode", label: t("staff.customer.currency"), hint: t("staff.customer.currencyHint"), value: currency, autocomplete: "off" });
    const reasonArea = () => textArea({ name: "note", label: t("staff.reason"), hint: t("staff.reasonHint"), maxlength: 500, rows: 2 });
    const adjust = this.audited({
      label: t("staff.customer.adjust"),
      submit: t("staff.customer.adjustSubmit"),
      reason: false, // the note is the reason here
      required: ["amount", "note"],
      fields: [
        field({
          name: "amount",
          label: t("staff.customer.amountSigned"),
          hint: t("staff.customer.amountSignedHint"),
          inputmode: "decimal",
          autocomplete: "off",
        }),
        currencyField(),
        reasonArea(),
      ],
      done: "credited",
      send: async (values) => {
        const input = { customerId, ...money(values), note: values.note };
        return (await request(STAFF_ADJUST_STORE_CREDIT, { input })).adjustStoreCredit;
      },
    });
    const payment = this.audited({
      label: t("staff.customer.payment"),
      submit: t("staff.customer.paymentSubmit"),
      hint: t("staff.customer.paymentHint"),
      reason: false,
      required: ["amount", "reference", "note"],
      fields: [
        field({ name: "amount", label: t("staff.customer.amount"), inputmode: "decimal", autocomplete: "off" }),
        currencyField(),
        field({ name: "reference", label: t("staff.customer.reference"), hint: t("staff.customer.referenceHint"), autocomplete: "off" }),
        reasonArea(),
      ],
      done: "payment",
      send: async (values) => {
        const input = { customerId, ...money(values), reference: values.reference, note: values.note };
        return (await request(STAFF_RECORD_ACCOUNT_PAYMENT, { input })).recordAccountPayment;
      },
    });
    return [adjust, payment];
  }

  // The identity checks performed are the reset's recorded reason; the note says what was checked.
  twoFactorAction() {
    const customerId = this.customer.id;
    const checks = h(
      "fieldset",
      { class: "staff-checks" },
      h("legend", {}, t("staff.customer.identityChecks")),
      IDENTITY_CHECKS.map((check) =>
        h("label", {}, h("input", { type: "checkbox", name: `check-${check}`, value: check }), " ", t(`staff.customer.identity.${check}`)),
      ),
      h("p", { class: "field-error", "data-error-for": "identityChecks", hidden: true }),
    );
    return this.audited({
      label: t("staff.customer.twoFactor"),
      submit: t("staff.customer.twoFactorSubmit"),
      hint: t("staff.customer.twoFactorHint"),
      reason: false,
      required: ["note", "confirmReset"],
      danger: true,
      fields: [
        checks,
        textArea({ name: "note", label: t("staff.customer.identityNote"), hint: t("staff.customer.identityNoteHint"), maxlength: 500, rows: 2 }),
        confirmBox("confirmReset", t("staff.customer.twoFactorConfirm")),
      ],
      done: "twoFactor",
      send: async (values) => {
        const identityChecks = IDENTITY_CHECKS.filter((check) => values[`check-${check}`]);
        return (await request(STAFF_RESET_TWO_FACTOR, { input: { customerId, identityChecks, note: values.note } })).resetTwoFactor;
      },
    });
  }

  // Deleting leaves no page to come back to: the form says it is done and links to the list.
  deleteAction() {
    const customerId = this.customer.id;
    const result = h("div", { role: "status" });
    const form = actionForm({
      label: t("staff.customer.delete"),
      submitLabel: t("staff.customer.deleteSubmit"),
      danger: true,
      fields: [confirmBox("confirmDelete", t("staff.customer.deleteConfirm", { email: this.customer.email }))],
      run: (values) =>
        guarded(values, ["reason", "confirmDelete"], async () => {
          const input = { customerId, reason: values.reason };
          return (await request(STAFF_DELETE_CUSTOMER, { input })).deleteCustomer;
        }),
      done: () => {
        form.hidden = true;
        const back = h("a", { href: href("/staff/customers") }, t("staff.customers.back"));
        replace(result, h("p", { class: "notice" }, t("staff.customer.deleted")), h("p", {}, back));
      },
    });
    return this.action(t("staff.customer.delete"), [form, result], t("staff.customer.deleteHint"));
  }

  // ── what the account holds ──

  list(items, empty = t("staff.none"), more = false) {
    if (!items.length) return h("p", { class: "muted" }, empty);
    return [h("ul", { class: "staff-list" }, items), more ? h("p", { class: "muted" }, t("staff.customer.onlyNewest")) : null];
  }

  addresses() {
    return this.list(
      this.customer.addresses.map((a) =>
        h(
          "li",
          {},
          h("span", {}, addressLine(a)),
          a.isDefaultBilling ? h("span", { class: "badge" }, t("staff.customer.defaultBilling")) : null,
          a.isDefaultShipping ? h("span", { class: "badge" }, t("staff.customer.defaultShipping")) : null,
        ),
      ),
    );
  }

  orders() {
    const orders = this.customer.orders;
    return this.list(
      orders.edges.map(({ node: o }) =>
        h(
          "li",
          {},
          h("strong", {}, o.number),
          h("span", {}, wordsOr(`status.${o.status}`, o.status)),
          h("span", {}, formatMoney(o.total)),
          h("span", { class: "muted" }, this.moment(o.placedAt)),
        ),
      ),
      t("staff.none"),
      orders.pageInfo.hasNextPage,
    );
  }

  returns() {
    const returns = this.customer.returns;
    return this.list(
      returns.edges.map(({ node: r }) =>
        h(
          "li",
          {},
          h("a", { href: href(`/staff/returns/${encodeURIComponent(r.number)}`) }, r.number),
          h("span", {}, wordsOr(`return.status.${r.status}`, r.status)),
          h("span", {}, formatMoney(r.refundTotal)),
          h("span", { class: "muted" }, this.moment(r.createdAt)),
        ),
      ),
      t("staff.none"),
      returns.pageInfo.hasNextPage,
    );
  }

  tickets() {
    const tickets = this.customer.tickets;
    return this.list(
      tickets.edges.map(({ node: ticket }) =>
        h(
          "li",
          {},
          h("a", { href: href(`/staff/tickets/${encodeURIComponent(ticket.number)}`) }, ticket.subject),
          h("span", { class: "muted" }, ticket.number),
          h("span", {}, wordsOr(`ticket.state.${ticket.state}`, ticket.state)),
          h("span", { class: "muted" }, this.moment(ticket.lastMessageAt)),
        ),
      ),
      t("staff.none"),
      tickets.pageInfo.hasNextPage,
    );
  }

  credit() {
    const { storeCredit, storeCreditCurrencies, creditTransactions } = this.customer;
    const facts = h(
      "dl",
      { class: "staff-facts staff-credit" },
      h("dt", {}, t("staff.customer.balance")),
      h("dd", { "data-balance": storeCredit.balance.amount }, formatMoney(storeCredit.balance)),
      h("dt", {}, t("staff.customer.creditLimit")),
      h("dd", {}, formatMoney(storeCredit.creditLimit)),
      h("dt", {}, t("staff.customer.available")),
      h("dd", {}, formatMoney(storeCredit.available)),
    );
    const others = storeCreditCurrencies.filter((code) => code !== storeCredit.balance.currencyCode);
    const entries = creditTransactions.edges.map(({ node: entry }) =>
      h(
        "li",
        {},
        h("strong", {}, formatMoney(entry.amount)),
        h("span", {}, wordsOr(`credit.reason.${entry.reason}`, entry.reason)),
        entry.reference ? h("span", { class: "muted" }, entry.reference) : null,
        h("span", { class: "muted" }, t("staff.customer.balanceAfter", { balance: formatMoney(entry.balanceAfter) })),
        h("span", { class: "muted" }, this.moment(entry.createdAt)),
        entry.note ? h("p", { class: "staff-quote" }, entry.note) : null,
      ),
    );
    return [
      facts,
      others.length ? h("p", { class: "muted" }, t("staff.customer.otherCurrencies", { currencies: others.join(", ") })) : null,
      h("h3", {}, t("staff.customer.ledger")),
      this.list(entries),
    ];
  }

  creditRequests() {
    return this.list(
      this.customer.creditLimitRequests.map((ask) => {
        const li = h(
          "li",
          { class: "staff-credit-request" },
          h("strong", {}, formatMoney(ask.amount)),
          h("span", {}, wordsOr(`credit.status.${ask.status}`, ask.status)),
          h("span", { class: "muted" }, this.moment(ask.createdAt)),
          h("p", { class: "staff-quote" }, ask.reason),
          ask.approvedAmount ? h("p", {}, t("staff.customer.approvedAmount", { amount: formatMoney(ask.approvedAmount) })) : null,
          ask.decisionReason ? h("p", { class: "muted" }, ask.decisionReason) : null,
        );
        if (ask.status === "PENDING") li.append(this.decideForm(ask));
        return li;
      }),
    );
  }

  decideForm(ask) {
    const options = [
      { value: "approve", label: t("staff.customer.decisionApprove") },
      { value: "decline", label: t("staff.customer.decisionDecline") },
    ];
    return this.audited({
      label: t("staff.customer.decide"),
      submit: t("staff.customer.decideSubmit"),
      fields: [
        choice({ name: "decision", label: t("staff.customer.decision"), options }),
        field({
          name: "amount",
          label: t("staff.customer.decideAmount"),
          hint: t("staff.customer.decideAmountHint"),
          required: false,
          inputmode: "decimal",
          value: ask.amount.amount,
        }),
      ],
      done: "decided",
      send: async ({ decision, amount, reason }) => {
        const approve = decision === "approve";
        const input = { requestId: ask.id, approve, amount: approve && amount.trim() ? amount.trim() : null, reason };
        return (await request(STAFF_DECIDE_CREDIT_LIMIT_REQUEST, { input })).decideCreditLimitRequest;
      },
    });
  }

  affiliate() {
    return this.list(
      this.customer.affiliateRequests.map((ask) =>
        h(
          "li",
          {},
          h("span", {}, wordsOr(`affiliate.status.${ask.status}`, ask.status)),
          h("span", { class: "muted" }, this.moment(ask.createdAt)),
          ask.message ? h("p", { class: "staff-quote" }, ask.message) : null,
          ask.decisionReason ? h("p", { class: "muted" }, ask.decisionReason) : null,
          ask.status === "PENDING" ? h("p", {}, h("a", { href: href("/staff/customers") }, t("staff.customer.affiliateDecide"))) : null,
        ),
      ),
    );
  }

  actor(actor) {
    return actor ? t("staff.customer.by", { name: customerName(actor) }) : t("staff.customer.byCommandLine");
  }

  roleChanges() {
    return this.list(
      this.customer.roleChanges.map((change) =>
        h(
          "li",
          {},
          h("strong", {}, t(`staff.customer.roleAction.${change.action}`, { role: t(`profile.role.${change.role}`) })),
          h("span", { class: "muted" }, this.actor(change.actor)),
          h("span", { class: "muted" }, this.moment(change.createdAt)),
          h("p", { class: "staff-quote" }, change.reason),
        ),
      ),
    );
  }

  groupHistory() {
    return this.list(
      this.customer.groupHistory.map((move) =>
        h(
          "li",
          {},
          h("strong", {}, t("staff.customer.moved", { from: move.fromGroup.name, to: move.toGroup.name })),
          h("span", { class: "muted" }, this.actor(move.actor)),
          h("span", { class: "muted" }, this.moment(move.createdAt)),
          h("p", { class: "staff-quote" }, move.reason),
        ),
      ),
    );
  }

  event(event) {
    return h(
      "li",
      { class: "staff-event" },
      h("strong", {}, eventTypeLabel(event.type)),
      event.outcome !== "SUCCESS" ? h("span", { class: "badge badge-warn" }, t(`staff.customer.outcome.${event.outcome}`)) : null,
      event.actor ? h("span", {}, this.actor(event.actor)) : null,
      h("span", { class: "muted" }, this.moment(event.createdAt)),
      event.ipAddress ? h("span", { class: "muted" }, event.ipAddress) : null,
      event.reason ? h("span", { class: "muted" }, event.reason) : null,
      event.detail ? h("p", { class: "staff-quote" }, event.detail) : null,
    );
  }

  securityEvents() {
    const events = this.customer.securityEvents;
    if (!events.edges.length) return h("p", { class: "muted" }, t("staff.none"));
    return pagedList(
      events,
      (nodes) => nodes.map((event) => this.event(event)),
      async (after) => (await request(STAFF_CUSTOMER_EVENTS_MORE, { id: this.customer.id, after })).node.securityEvents,
      { "aria-label": t("staff.customer.security") },
    );
  }

  // Administrators search the whole security log of the account by kind of event (asked when wanted).
  securityLog() {
    const results = h("div", { class: "staff-security-log" });
    const types = [
      "SIGN_IN",
      "ACCOUNT_LOCKED",
      "PASSWORD_RESET",
      "PASSWORD_CHANGED",
      "EMAIL_CHANGED",
      "TWO_FACTOR_RESET",
      "ACCOUNT_APPROVED",
      "ACCOUNT_SUSPENDED",
      "ACCOUNT_REACTIVATED",
      "ROLE_GRANTED",
      "ROLE_REVOKED",
    ];
    const form = h(
      "form",
      { class: "staff-action", "aria-label": t("staff.customer.securityLog") },
      choice({
        name: "type",
        label: t("staff.customer.securityType"),
        options: [
          { value: "", label: t("staff.customer.securityAny") },
          ...types.map((type) => ({ value: type, label: eventTypeLabel(type) })),
        ],
      }),
      choice({
        name: "outcome",
        label: t("staff.customer.securityOutcome"),
        options: [
          { value: "", label: t("staff.customer.securityAny") },
          { value: "SUCCESS", label: t("staff.customer.outcome.SUCCESS") },
          { value: "FAILURE", label: t("staff.customer.outcome.FAILURE") },
          { value: "BLOCKED", label: t("staff.customer.outcome.BLOCKED") },
        ],
      }),
      h("div", { class: "actions" }, h("button", { type: "submit" }, t("staff.customer.securitySearch"))),
    );
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const values = Object.fromEntries(new FormData(form).entries());
      const filter = { customerId: this.customer.id, type: values.type || null, outcome: values.outcome || null };
      const button = form.querySelector("button");
      button.disabled = true;
      try {
        const { securityEvents } = await request(STAFF_SECURITY_LOG, { filter });
        replace(
          results,
          securityEvents.edges.length
            ? pagedList(
                securityEvents,
                (nodes) => nodes.map((found) => this.event(found)),
                async (after) => (await request(STAFF_SECURITY_LOG, { filter, after })).securityEvents,
                { "aria-label": t("staff.customer.securityLog") },
              )
            : h("p", { class: "muted", role: "status" }, t("staff.none")),
        );
      } catch (error) {
        if (error instanceof SignedOut) return;
        const refused = error instanceof RequestFailed && error.code === "FORBIDDEN";
        replace(results, h("p", { role: "alert", class: "form-error" }, refused ? t("staff.customers.forbidden") : t("app.error")));
      } finally {
        button.disabled = false;
      }
    });
    return this.action(t("staff.customer.securityLog"), [form, results], t("staff.customer.adminOnly"));
  }
}
