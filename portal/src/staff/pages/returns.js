// Returns for staff: by default the ones waiting for a decision (REQUESTED), each saying which automatic rule
// stopped it; the state is chosen in the URL (?status=APPROVED, ?status=ALL), the list grows a page at a time.
import { h } from "../../dom.js";
import { request } from "../../graphql.js";
import { formatMoney, t, useLanguage } from "../../i18n.js";
import { formatMoment } from "../../moments.js";
import { stateBadge } from "../../offer-return-parts.js";
import { href } from "../../router.js";
import { STAFF_RETURNS_PAGE } from "../operations.js";
import { customerLink, pagedList } from "../parts.js";
import { stateFilter } from "../returns-offers-parts.js";

export const RETURN_STATES = ["REQUESTED", "APPROVED", "RECEIVED", "REFUNDED", "REJECTED", "CLOSED"];
// The decisions the automatic rules leave to staff: why a return waits.
export const STOPPING_RULES = new Set(["ABOVE_AUTO_APPROVE_LIMIT", "NOT_IN_GOOD_STANDING", "TOO_MANY_RECENT_RETURNS"]);

export async function render({ query }) {
  const asked = query.get("status");
  const chosen = asked === "ALL" || RETURN_STATES.includes(asked) ? asked : "REQUESTED";
  const status = chosen === "ALL" ? null : chosen;
  const { me, returns } = await request(STAFF_RETURNS_PAGE, { status });
  useLanguage(me.settings.language);
  const { timezone: timeZone, language } = me.settings;
  const rows = (nodes) =>
    nodes.map((found) =>
      h(
        "li",
        { class: "staff-return" },
        h(
          "p",
          { class: "staff-return-head" },
          h("a", { href: href(`/staff/returns/${encodeURIComponent(found.number)}`) }, h("strong", {}, found.number)),
          " ",
          stateBadge(t(`return.status.${found.status}`), found.status),
        ),
        h(
          "p",
          { class: "muted" },
          found.customer ? customerLink(found.customer) : null,
          found.order ? ` · ${t("staff.returns.order", { number: found.order.number })}` : null,
          ` · ${formatMoney(found.refundTotal)} · `,
          h("time", { datetime: found.createdAt }, t("staff.returns.requestedOn", { date: formatMoment(found.createdAt, timeZone, language) })),
        ),
        found.status === "REQUESTED" && STOPPING_RULES.has(found.decisionReason)
          ? h("p", { class: "staff-rule" }, t("staff.returns.stoppedBy"), " ", h("strong", {}, t(`staff.returns.rule.${found.decisionReason}`)))
          : null,
      ),
    );
  const heading = chosen === "REQUESTED" ? t("staff.returns.waiting") : t("staff.returns.title");
  const [list, more] = pagedList(returns, rows, async (after) => (await request(STAFF_RETURNS_PAGE, { status, after })).returns, {
    "aria-label": heading,
  });
  return h(
    "section",
    { class: "staff-returns" },
    h("h1", { tabindex: "-1" }, heading),
    stateFilter({
      formLabel: t("staff.returns.filter"),
      path: "/staff/returns",
      name: "status",
      label: t("staff.returns.state"),
      value: chosen,
      options: [
        ...RETURN_STATES.map((state) => ({
          value: state,
          label: state === "REQUESTED" ? t("staff.returns.waitingOption") : t(`return.status.${state}`),
        })),
        { value: "ALL", label: t("staff.returns.all") },
      ],
    }),
    returns.edges.length ? [list, more] : h("p", { class: "muted" }, chosen === "REQUESTED" ? t("staff.returns.noneWaiting") : t("staff.none")),
  );
}
