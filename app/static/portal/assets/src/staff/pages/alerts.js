// Administrators' security alerts (what the audit job found: credential stuffing, two-factor guessing, one
// account from many addresses), newest first: the open ones, or all (?show=all). "Mark as handled"
// acknowledges one. The API refuses the alerts to SUPPORT accounts: the router then says the area is not theirs.
import { h, replace } from "../../dom.js";
import { request } from "../../graphql.js";
import { t, useLanguage } from "../../i18n.js";
import { formatMoment } from "../../moments.js";
import { href } from "../../router.js";
import { alertKindLabel } from "../help-audit-parts.js";
import { STAFF_ACKNOWLEDGE_SECURITY_ALERT, STAFF_ALERTS_MORE, STAFF_ALERTS_PAGE } from "../operations.js";
import { customerLink, pagedList } from "../parts.js";

const PAGE = 20;

export async function render({ query }) {
  const all = query.get("show") === "all";
  const variables = { first: PAGE, acknowledged: all ? null : false };
  const { me, securityAlerts } = await request(STAFF_ALERTS_PAGE, variables);
  useLanguage(me.settings.language);
  const { timezone: timeZone, language } = me.settings;
  const when = (iso) => formatMoment(iso, timeZone, language);

  const entry = (alert) => {
    const handled = h("div", { class: "staff-alert-handled" });
    const showHandled = (acknowledgedAt) =>
      replace(handled, h("p", { class: "muted" }, t("staff.alerts.handled", { when: when(acknowledgedAt) })));
    if (alert.acknowledgedAt) {
      showHandled(alert.acknowledgedAt);
    } else {
      const button = h("button", { type: "button", class: "small" }, t("staff.alerts.acknowledge"));
      const message = h("p", { class: "form-error", role: "alert", hidden: true });
      button.addEventListener("click", async () => {
        button.disabled = true;
        try {
          const { acknowledgeSecurityAlert: payload } = await request(STAFF_ACKNOWLEDGE_SECURITY_ALERT, {
            input: { alertId: alert.id },
          });
          if (payload.userErrors.length) {
            message.textContent = payload.userErrors.map((error) => error.message).join(" ");
            message.hidden = false;
            return;
          }
          showHandled(payload.alert.acknowledgedAt);
          handled.setAttribute("role", "status");
        } catch {
          message.textContent = t("app.error");
          message.hidden = false;
        } finally {
          button.disabled = false;
        }
      });
      replace(handled, h("div", { class: "actions" }, button), message);
    }
    return h(
      "li",
      { class: "staff-alert", "data-kind": alert.kind },
      h("h2", {}, alertKindLabel(alert.kind)),
      h("p", { class: "staff-alert-detail" }, alert.detail),
      h(
        "p",
        { class: "muted" },
        t("staff.alerts.window", { count: alert.eventCount, from: when(alert.windowStart), to: when(alert.windowEnd) }),
      ),
      alert.ipAddress ? h("p", {}, t("staff.alerts.address", { address: alert.ipAddress })) : null,
      alert.customer ? h("p", {}, t("staff.alerts.account"), " ", customerLink(alert.customer)) : null,
      handled,
    );
  };

  const section = h(
    "section",
    { class: "staff-alerts" },
    h("p", {}, h("a", { href: href("/staff/audit") }, t("staff.alerts.back"))),
    h("h1", { tabindex: "-1" }, t("staff.alerts.title")),
    h("p", { class: "muted" }, t("staff.alerts.intro")),
    h(
      "p",
      {},
      all
        ? h("a", { href: href("/staff/audit/alerts") }, t("staff.alerts.showOpen"))
        : h("a", { href: href("/staff/audit/alerts?show=all") }, t("staff.alerts.showAll")),
    ),
  );
  if (!securityAlerts.edges.length) {
    section.append(h("p", { role: "status" }, all ? t("staff.alerts.none") : t("staff.alerts.noneOpen")));
    return section;
  }
  const [list, more] = pagedList(
    securityAlerts,
    (alerts) => alerts.map(entry),
    async (after) => (await request(STAFF_ALERTS_MORE, { ...variables, after })).securityAlerts,
    { class: "staff-list staff-alerts-list", "aria-label": t("staff.alerts.list") },
  );
  section.append(list, more);
  return section;
}
