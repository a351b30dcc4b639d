// The customer's offers (quotes), newest first: number, state, total and how long each is valid.
import { h } from "../dom.js";
import { request } from "../graphql.js";
import { formatMoney, t, useLanguage } from "../i18n.js";
import { OFFERS_PAGE } from "../operations.js";
import { offerState, pagedList, stateBadge, time } from "../offer-return-parts.js";
import { href } from "../router.js";

const PAGE = 20;

export async function render() {
  const { me } = await request(OFFERS_PAGE, { first: PAGE });
  useLanguage(me.settings.language);
  const timeZone = me.settings.timezone;
  const section = h("section", {}, h("h1", { tabindex: "-1" }, t("offers.title")));
  if (!me.offers.edges.length) {
    section.append(h("p", {}, t("offers.empty")), h("p", { class: "muted" }, t("offers.emptyHint")));
    return section;
  }
  section.append(
    pagedList({
      first: me.offers,
      more: async (after) => (await request(OFFERS_PAGE, { first: PAGE, after })).me.offers,
      row: (offer) => row(offer, timeZone),
      moreLabel: t("offers.more"),
    }),
  );
  return section;
}

function row(offer, timeZone) {
  const state = offerState(offer);
  return h(
    "li",
    {},
    h(
      "a",
      { href: href(`/offers/${encodeURIComponent(offer.number)}`) },
      h("strong", {}, t("offer.title", { number: offer.number })),
      h("span", { class: "amount" }, formatMoney(offer.total)),
      stateBadge(t(`offer.state.${state}`), state),
      h(
        "span",
        { class: "muted" },
        state === "NEW" ? t("offers.validUntil") : t("offers.written"),
        " ",
        state === "NEW" ? time(offer.validUntil, timeZone) : time(offer.createdAt, timeZone),
      ),
    ),
  );
}
