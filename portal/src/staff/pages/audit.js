// The audit log of staff actions, newest first: when, who acted, what they did (the event type in words), on
// whose account, and why. Administrators see every staff member's actions, SUPPORT their own (the API decides).
// Filters live in the address: ?actor=<id>&customer=<id>&type=<TYPE>&since=YYYY-MM-DD&until=YYYY-MM-DD
// (days in the staff member's time zone, both included).
import { h } from "../../dom.js";
import { request } from "../../graphql.js";
import { currentLanguage, t, useLanguage } from "../../i18n.js";
import { formatMoment, startOfDay } from "../../moments.js";
import { href, navigate } from "../../router.js";
import { rememberRoles } from "../../session.js";
import { EVENT_TYPES, eventTypeLabel } from "../help-audit-parts.js";
import { STAFF_AUDIT_MORE, STAFF_AUDIT_PAGE } from "../operations.js";
import { customerLink, customerName, pagedList } from "../parts.js";

const PAGE = 25;
const DAY = /^\d{4}-\d{2}-\d{2}$/;
const TYPE = /^[A-Z][A-Z0-9_]{0,63}$/;
const ZONE_KEY = "customer-accounts.staff-audit.timezone";

function wanted(query) {
  const pick = (name, pattern) => {
    const value = (query.get(name) || "").trim();
    return pattern.test(value) ? value : "";
  };
  return {
    actor: (query.get("actor") || "").trim().slice(0, 200),
    customer: (query.get("customer") || "").trim().slice(0, 200),
    type: pick("type", TYPE),
    since: pick("since", DAY),
    until: pick("until", DAY),
  };
}

function addressOf(filters) {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(filters)) if (value) params.set(name, value);
  const text = params.toString();
  return text ? `/staff/audit?${text}` : "/staff/audit";
}

export async function render({ query }) {
  const filters = wanted(query);
  // Days are turned into instants for the API in the staff member's time zone: the one their last visit here
  // answered (kept for this tab), else the browser's.
  const zone = sessionStorage.getItem(ZONE_KEY) || Intl.DateTimeFormat().resolvedOptions().timeZone;
  const filter = {
    actorId: filters.actor || null,
    customerId: filters.customer || null,
    type: filters.type || null,
    since: filters.since ? startOfDay(filters.since, zone) : null,
    until: filters.until ? startOfDay(filters.until, zone, 1) : null,
  };
  const variables = { first: PAGE, filter };
  const { me, staffActions } = await request(STAFF_AUDIT_PAGE, variables);
  useLanguage(me.settings.language);
  rememberRoles(me.roles);
  const { timezone: timeZone, language } = me.settings;
  if (timeZone) sessionStorage.setItem(ZONE_KEY, timeZone);
  const isAdmin = me.roles.includes("ADMIN");
  const nodes = staffActions.edges.map(({ node }) => node);

  // The filters: type and days in a form; the staff member and the customer are chosen from an entry (the
  // "their actions" links) and shown as removable choices.
  const typeSelect = h(
    "select",
    { id: "staff-audit-type", name: "type" },
    h("option", { value: "" }, t("staff.audit.anyType")),
    [...EVENT_TYPES]
      .map((type) => ({ type, label: eventTypeLabel(type) }))
      .sort((a, b) => a.label.localeCompare(b.label, currentLanguage()))
      .map(({ type, label }) => h("option", { value: type, selected: type === filters.type }, label)),
  );
  if (filters.type && !EVENT_TYPES.includes(filters.type)) {
    typeSelect.append(h("option", { value: filters.type, selected: true }, filters.type));
  }
  const day = (name, label) =>
    h(
      "div",
      { class: "field" },
      h("label", { for: `staff-audit-${name}` }, label),
      h("input", { id: `staff-audit-${name}`, name, type: "date", value: filters[name] || null }),
    );
  const form = h(
    "form",
    { class: "filters staff-audit-filters", "aria-label": t("staff.audit.filters") },
    h("div", { class: "field" }, h("label", { for: "staff-audit-type" }, t("staff.audit.type")), typeSelect),
    day("since", t("staff.audit.since")),
    day("until", t("staff.audit.until")),
    h("div", { class: "actions" }, h("button", { type: "submit", class: "small" }, t("staff.audit.apply"))),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    navigate(
      addressOf({
        ...filters,
        type: form.elements.type.value,
        since: form.elements.since.value,
        until: form.elements.until.value,
      }),
    );
  });

  const nameOf = (id, side) => {
    const found = nodes.find((node) => node[side] && node[side].id === id);
    return found ? customerName(found[side]) : null;
  };
  const chosen = [];
  if (filters.actor) {
    const name = filters.actor === me.id ? t("staff.audit.you") : nameOf(filters.actor, "actor");
    chosen.push(
      h(
        "li",
        {},
        name ? t("staff.audit.byName", { name }) : t("staff.audit.byOne"),
        " ",
        h("a", { href: href(addressOf({ ...filters, actor: "" })) }, t("staff.audit.removeActor")),
      ),
    );
  }
  if (filters.customer) {
    const name = nameOf(filters.customer, "customer");
    chosen.push(
      h(
        "li",
        {},
        name ? t("staff.audit.onName", { name }) : t("staff.audit.onOne"),
        " ",
        h("a", { href: href(addressOf({ ...filters, customer: "" })) }, t("staff.audit.removeCustomer")),
      ),
    );
  }
  const any = Object.values(filters).some(Boolean);

  const entry = (event) => {
    const when = h("time", { datetime: event.createdAt }, formatMoment(event.createdAt, timeZone, language));
    const who = event.actor
      ? [
          customerLink(event.actor),
          " ",
          h(
            "a",
            { class: "staff-audit-narrow", href: href(addressOf({ ...filters, actor: event.actor.id })) },
            t("staff.audit.theirActions", { name: customerName(event.actor) }),
          ),
        ]
      : event.integration
        ? h("span", { class: "staff-audit-integration" }, t("staff.audit.integration", { name: event.integration }))
        : h("span", { class: "muted" }, t("staff.audit.unknownActor"));
    const whom = event.customer
      ? [
          customerLink(event.customer),
          " ",
          h(
            "a",
            { class: "staff-audit-narrow", href: href(addressOf({ ...filters, customer: event.customer.id })) },
            t("staff.audit.actionsOn", { name: customerName(event.customer) }),
          ),
        ]
      : h("span", { class: "muted" }, t("staff.audit.noCustomer"));
    // detail: the staff member's reason; reason: a code the API adds (how identity was checked, a refusal).
    const why = event.detail;
    return h(
      "li",
      { class: "staff-audit-entry", "data-type": event.type },
      h(
        "dl",
        {},
        h("dt", {}, t("staff.audit.when")),
        h("dd", {}, when),
        h("dt", {}, t("staff.audit.who")),
        h("dd", { "data-field": "who" }, who),
        h("dt", {}, t("staff.audit.what")),
        h(
          "dd",
          { "data-field": "what" },
          h("strong", {}, eventTypeLabel(event.type)),
          event.outcome !== "SUCCESS" ? h("span", { class: "muted" }, ` (${t(`staff.audit.outcome.${event.outcome}`)})`) : null,
        ),
        h("dt", {}, t("staff.audit.whom")),
        h("dd", { "data-field": "whom" }, whom),
        h("dt", {}, t("staff.audit.why")),
        h(
          "dd",
          { "data-field": "why" },
          why ? h("span", { class: "staff-audit-why" }, why) : h("span", { class: "muted" }, t("staff.audit.noReason")),
          event.reason ? h("span", { class: "muted staff-audit-code" }, ` (${event.reason})`) : null,
        ),
      ),
    );
  };

  const section = h(
    "section",
    { class: "staff-audit" },
    h("h1", { tabindex: "-1" }, t("staff.audit.title")),
    h("p", { class: "muted" }, isAdmin ? t("staff.audit.introAdmin") : t("staff.audit.introSupport")),
    isAdmin ? h("p", {}, h("a", { href: href("/staff/audit/alerts") }, t("staff.audit.alertsLink"))) : null,
    form,
    chosen.length || any
      ? h(
          "div",
          { class: "staff-audit-chosen" },
          chosen.length ? h("ul", { "aria-label": t("staff.audit.chosen") }, chosen) : null,
          h("p", {}, h("a", { href: href("/staff/audit") }, t("staff.audit.clear"))),
        )
      : null,
    isAdmin && filters.actor !== me.id
      ? h("p", {}, h("a", { href: href(addressOf({ ...filters, actor: me.id })) }, t("staff.audit.mine")))
      : null,
  );
  if (!nodes.length) {
    section.append(h("p", { role: "status" }, any ? t("staff.audit.noResults") : t("staff.audit.empty")));
    return section;
  }
  const [list, more] = pagedList(
    staffActions,
    (events) => events.map(entry),
    async (after) => (await request(STAFF_AUDIT_MORE, { ...variables, after })).staffActions,
    { class: "staff-list staff-audit-list", "aria-label": t("staff.audit.entries") },
  );
  section.append(list, more);
  return section;
}
