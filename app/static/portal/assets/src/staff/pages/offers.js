// Offers for staff, newest first: every state, or the one chosen in the URL (?state=NEW); each links to its
// page, and "Write an offer" starts a new one. The list grows a page at a time.
import { h } from "../../dom.js";
import { request } from "../../graphql.js";
import { formatMoney, t, useLanguage } from "../../i18n.js";
import { formatMoment } from "../../moments.js";
import { stateBadge } from "../../offer-return-parts.js";
import { href } from "../../router.js";
import { STAFF_OFFERS_PAGE } from "../operations.js";
import { customerLink, pagedList } from "../parts.js";
import { stateFilter } from "../returns-offers-parts.js";

const OFFER_STATES = ["NEW", "ACCEPTED", "PAID", "REJECTED", "EXPIRED", "WITHDRAWN"];

export async function render({ query }) {
  const asked = query.get("state");
  const state = OFFER_STATES.includes(asked) ? asked : null;
  const { me, offers } = await request(STAFF_OFFERS_PAGE, { state });
  useLanguage(me.settings.language);
  const { timezone: timeZone, language } = me.settings;
  const rows = (nodes) =>
    nodes.map((offer) =>
      h(
        "li",
        { class: "staff-offer" },
        h(
          "p",
          { class: "staff-return-head" },
          h("a", { href: href(`/staff/offers/${encodeURIComponent(offer.number)}`) }, h("strong", {}, offer.number)),
          " ",
          stateBadge(t(`staff.offer.state.${offer.state}`), offer.state),
          " ",
          h("span", {}, formatMoney(offer.total)),
        ),
        h(
          "p",
          { class: "muted" },
          offer.customer ? customerLink(offer.customer) : null,
          ` · ${t("staff.offers.validUntil", { date: formatMoment(offer.validUntil, timeZone, language) })}`,
          offer.revision > 1 ? ` · ${t("staff.offers.revision", { revision: offer.revision })}` : null,
        ),
      ),
    );
  const heading = t("staff.offers.title");
  const [list, more] = pagedList(offers, rows, async (after) => (await request(STAFF_OFFERS_PAGE, { state, after })).offers, {
    "aria-label": heading,
  });
  return h(
    "section",
    { class: "staff-offers" },
    h("h1", { tabindex: "-1" }, heading),
    h("p", {}, h("a", { href: href("/staff/offers/new"), class: "button-link" }, t("staff.offers.write"))),
    stateFilter({
      formLabel: t("staff.offers.filter"),
      path: "/staff/offers",
      name: "state",
      label: t("staff.offers.state"),
      value: state || "",
      options: [{ value: "", label: t("staff.offers.all") }, ...OFFER_STATES.map((value) => ({ value, label: t(`staff.offer.state.${value}`) }))],
    }),
    offers.edges.length ? [list, more] : h("p", { class: "muted" }, t("staff.none")),
  );
}
