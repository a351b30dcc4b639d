// Add earlier guest orders to the account from the mailed link (/claim-orders?token=…):
// confirmGuestOrderClaim. The link alone proves the address, so no sign-in is needed first.
import { h, replace } from "../dom.js";
import { request } from "../graphql.js";
import { t } from "../i18n.js";
import { CONFIRM_GUEST_ORDER_CLAIM } from "../operations.js";
import { href } from "../router.js";
import { linkErrors, noToken, takeToken } from "./mailed-link.js";

export async function render({ query }) {
  const section = h("section", { class: "narrow" });
  const linkToken = takeToken(query, "/claim-orders");
  if (!linkToken) {
    replace(section, h("h1", { tabindex: "-1" }, t("claim.title")), noToken());
    return section;
  }
  const { confirmGuestOrderClaim: payload } = await request(CONFIRM_GUEST_ORDER_CLAIM, { input: { token: linkToken } });
  if (payload.userErrors.length) {
    replace(section, h("h1", { tabindex: "-1" }, t("claim.failedTitle")), linkErrors(payload.userErrors));
    return section;
  }
  replace(
    section,
    h("h1", { tabindex: "-1" }, t("claim.doneTitle")),
    h("p", {}, payload.claimedOrders === 1 ? t("claim.doneOne") : t("claim.doneMany", { count: payload.claimedOrders })),
    h("p", {}, h("a", { href: href("/orders") }, t("claim.orders"))),
  );
  return section;
}
