// The console's home: accounts waiting for approval (counted, with how long the oldest has waited), the open
// tickets nobody has taken, and a card per work area.
import { h } from "../../dom.js";
import { request } from "../../graphql.js";
import { t, useLanguage } from "../../i18n.js";
import { formatMoment } from "../../moments.js";
import { href } from "../../router.js";
import { rememberRoles } from "../../session.js";
import { STAFF_HOME_PAGE } from "../operations.js";
import { customerName } from "../parts.js";

const AREAS = [
  { path: "/staff/tickets", title: "staff.home.tickets", hint: "staff.home.ticketsHint" },
  { path: "/staff/returns", title: "staff.home.returns", hint: "staff.home.returnsHint" },
  { path: "/staff/offers", title: "staff.home.offers", hint: "staff.home.offersHint" },
  { path: "/staff/customers", title: "staff.home.customers", hint: "staff.home.customersHint" },
  { path: "/staff/help", title: "staff.home.help", hint: "staff.home.helpHint" },
  { path: "/staff/audit", title: "staff.home.audit", hint: "staff.home.auditHint" },
];

export async function render() {
  const { me, pendingApprovals, tickets } = await request(STAFF_HOME_PAGE);
  useLanguage(me.settings.language);
  rememberRoles(me.roles);
  const { timezone: timeZone, language } = me.settings;
  const name = [me.firstName, me.lastName].filter(Boolean).join(" ");
  const waiting = pendingApprovals.count
    ? h(
        "p",
        {},
        t("staff.home.pendingCount", {
          count: pendingApprovals.count,
          since: formatMoment(pendingApprovals.oldestWaitingSince, timeZone, language),
        }),
        " ",
        h("a", { href: href("/staff/customers?status=PENDING_APPROVAL") }, t("staff.home.pendingLink")),
      )
    : h("p", { class: "muted" }, t("staff.home.pendingNone"));
  const open = tickets.edges.map(({ node }) => node);
  return h(
    "section",
    { class: "staff-home" },
    h("h1", { tabindex: "-1" }, name ? t("staff.home.greeting", { name }) : t("staff.home.greetingNoName")),
    h("h2", {}, t("staff.home.pending")),
    h("div", { class: "staff-pending", "data-count": String(pendingApprovals.count) }, waiting),
    h("h2", {}, t("staff.home.unassigned")),
    open.length
      ? h(
          "ul",
          { class: "staff-list" },
          open.map((ticket) =>
            h(
              "li",
              {},
              h("a", { href: href(`/staff/tickets/${encodeURIComponent(ticket.number)}`) }, h("strong", {}, ticket.subject)),
              h("span", { class: "muted" }, ` ${ticket.number} · ${customerName(ticket.customer)} · `),
              h("time", { datetime: ticket.lastMessageAt, class: "muted" }, formatMoment(ticket.lastMessageAt, timeZone, language)),
            ),
          ),
        )
      : h("p", { class: "muted" }, t("staff.home.unassignedNone")),
    h("h2", {}, t("staff.home.areas")),
    h(
      "ul",
      { class: "cards" },
      AREAS.map((area) =>
        h("li", {}, h("a", { href: href(area.path) }, h("strong", {}, t(area.title)), h("span", {}, t(area.hint)))),
      ),
    ),
  );
}
