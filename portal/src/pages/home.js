// The account home: who is signed in, a link to every section, and a prompt when the privacy policy changed.
import { h } from "../dom.js";
import { request } from "../graphql.js";
import { t, useLanguage } from "../i18n.js";
import { HOME_PAGE } from "../operations.js";
import { href } from "../router.js";

const SECTIONS = [
  { path: "/orders", title: "home.orders", hint: "home.ordersHint" },
  { path: "/offers", title: "home.offers", hint: "home.offersHint" },
  { path: "/returns", title: "home.returns", hint: "home.returnsHint" },
  { path: "/tickets", title: "home.tickets", hint: "home.ticketsHint" },
  { path: "/payment-methods", title: "home.paymentMethods", hint: "home.paymentMethodsHint" },
  { path: "/store-credit", title: "home.storeCredit", hint: "home.storeCreditHint" },
  { path: "/store-credit/statement", title: "home.statement", hint: "home.statementHint" },
  { path: "/wishlist", title: "home.wishlist", hint: "home.wishlistHint" },
  { path: "/profile", title: "home.profile", hint: "home.profileHint" },
  { path: "/addresses", title: "home.addresses", hint: "home.addressesHint" },
  { path: "/settings", title: "home.settings", hint: "home.settingsHint" },
  { path: "/security", title: "home.security", hint: "home.securityHint" },
  { path: "/privacy", title: "home.privacy", hint: "home.privacyHint" },
];

// A changed privacy policy asks the customer to look at their consents again, first thing on the home page.
function reviewBanner() {
  return h(
    "aside",
    { class: "review-banner", "aria-labelledby": "review-banner-title" },
    h("h2", { id: "review-banner-title" }, t("privacy.bannerTitle")),
    h("p", {}, t("privacy.bannerText")),
    h("a", { href: href("/privacy") }, t("privacy.bannerLink")),
  );
}

export async function render() {
  const { me } = await request(HOME_PAGE);
  useLanguage(me.settings.language);
  const name = [me.firstName, me.lastName].filter(Boolean).join(" ");
  return h(
    "section",
    {},
    h("h1", { tabindex: "-1" }, name ? t("home.greeting", { name }) : t("home.greetingNoName")),
    h("p", { class: "muted" }, t("home.email", { email: me.email })),
    me.privacyReviewRequired ? reviewBanner() : null,
    // Staff work in the console; the API decides what they may do there, this only shows the way in.
    me.roles.some((role) => role === "SUPPORT" || role === "ADMIN")
      ? h("p", { class: "staff-entry" }, h("a", { href: href("/staff") }, t("home.staffConsole")))
      : null,
    h("h2", {}, t("home.sections")),
    h(
      "ul",
      { class: "cards" },
      SECTIONS.map((section) =>
        h(
          "li",
          {},
          h("a", { href: href(section.path) }, h("strong", {}, t(section.title)), h("span", {}, t(section.hint))),
        ),
      ),
    ),
  );
}
