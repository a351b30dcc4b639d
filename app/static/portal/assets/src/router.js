// A History API router: real paths below /account (no #), links handled in place, back and forward work,
// and a reload of any path gets the same page (the server answers index.html for every path below it).
import { h, replace } from "./dom.js";
import { knownRoles, RequestFailed, SignedOut, whenSignedOut } from "./graphql.js";
import { t, useLanguage } from "./i18n.js";
import { languageSwitcher } from "./language-switcher.js";
import { NOT_FOUND, ROUTES } from "./routes.js";
import { token } from "./session.js";

export const BASE = "/account";

let main;
let header;
let rendering = 0;
let firstRender = true;
// What the page shown now asked to have undone when the reader leaves it (live updates, timers).
let leaving = { callbacks: [], done: false };

/** The URL of a portal path ("/orders" → "/account/orders"). */
export function href(path) {
  return BASE + path;
}

export function navigate(path, { replace: replacing = false } = {}) {
  if (crossesDocuments(path)) {
    location[replacing ? "replace" : "assign"](href(path));
    return;
  }
  history[replacing ? "replaceState" : "pushState"](null, "", href(path));
  render();
}

// With Stripe the server gives the payment pages a CSP of their own (app/portal.py) and marks the page: then
// they are documents of their own, entered and left with a full page load, so Stripe's library is allowed
// exactly where the server allows it.
const ISOLATED = Boolean(document.querySelector('meta[name="payment-pages"][content="isolated"]'));
let loadedOnPaymentPage = false; // set by start(): the page this document was loaded for

function isPaymentPath(path) {
  return match(path.split("?")[0].split("#")[0]).route.payments === true;
}

function crossesDocuments(path) {
  return ISOLATED && isPaymentPath(path) !== loadedOnPaymentPage;
}

/** A path we may send the reader to after sign-in: ours, below /account, never another origin. */
export function safeNext(value) {
  return typeof value === "string" && value.startsWith("/") && !value.startsWith("//") && !value.includes("\\")
    ? value
    : "/";
}

function compile(route) {
  const keys = [];
  const pattern = route.path.replace(/:(\w+)/g, (_, key) => {
    keys.push(key);
    return "([^/]+)";
  });
  return { ...route, keys, regex: new RegExp(`^${pattern}/?$`) };
}

const COMPILED = ROUTES.map(compile);

function match(path) {
  for (const route of COMPILED) {
    const found = route.regex.exec(path);
    if (found) {
      const params = Object.fromEntries(route.keys.map((key, index) => [key, decodeURIComponent(found[index + 1])]));
      return { route, params };
    }
  }
  return { route: NOT_FOUND, params: {} };
}

// The console's sections (its strings are in staff/messages.js, loaded with any console page); a third
// element "admin" shows the section to administrators only (by me.roles, which every console page reads).
const STAFF_NAV = [
  ["/staff", "staff.nav.home"],
  ["/staff/tickets", "staff.nav.tickets"],
  ["/staff/returns", "staff.nav.returns"],
  ["/staff/offers", "staff.nav.offers"],
  ["/staff/customers", "staff.nav.customers"],
  ["/staff/groups", "staff.nav.groups"],
  ["/staff/help", "staff.nav.help"],
  ["/staff/audit", "staff.nav.audit"],
  ["/staff/analytics", "staff.nav.analytics"],
  ["/staff/webhooks", "staff.nav.webhooks", "admin"],
  ["/staff/privacy", "staff.nav.privacy", "admin"],
];

function staffHeader(path) {
  const current = (section) => (section === "/staff" ? path === "/staff" : path === section || path.startsWith(`${section}/`));
  const nav = h(
    "nav",
    { "aria-label": t("staff.nav") },
    STAFF_NAV.filter(([, , only]) => only !== "admin" || knownRoles().includes("ADMIN")).map(([section, key]) =>
      h("a", { href: href(section), "aria-current": current(section) ? "page" : null }, t(key)),
    ),
    h("a", { href: href("/") }, t("staff.nav.myAccount")),
    h("a", { href: href("/logout"), "data-sign-out": true }, t("nav.signOut")),
  );
  replace(header, h("a", { class: "brand", href: href("/staff") }, t("staff.title")), nav);
}

function renderHeader(route, path) {
  if (route.staff && token()) {
    staffHeader(path);
    return;
  }
  const signedIn = Boolean(token());
  const nav = signedIn
    ? h(
        "nav",
        { "aria-label": t("app.title") },
        h("a", { href: href("/") }, t("nav.home")),
        h("a", { href: href("/orders") }, t("nav.orders")),
        h("a", { href: href("/logout"), "data-sign-out": true }, t("nav.signOut")),
      )
    : languageSwitcher(() => render());
  replace(header, h("a", { class: "brand", href: href("/") }, t("app.title")), nav);
}

function errorView(error, route) {
  if (route.admin && error instanceof RequestFailed && error.code === "FORBIDDEN") {
    // An administrators' page refused to a support agent: the console itself is still theirs.
    return h(
      "section",
      { "data-refused": "admin" },
      h("h1", { tabindex: "-1" }, t("staff.adminOnlyTitle")),
      h("p", { role: "alert" }, t("staff.adminOnlyText")),
      h("p", {}, h("a", { href: href("/staff") }, t("staff.adminOnlyBack"))),
    );
  }
  if (route.staff && error instanceof RequestFailed && error.code === "FORBIDDEN") {
    // The API refused the console's data to this account: say so, rather than "something went wrong".
    return h(
      "section",
      { "data-refused": "staff" },
      h("h1", { tabindex: "-1" }, t("staff.forbiddenTitle")),
      h("p", { role: "alert" }, t("staff.forbiddenText")),
      h("p", {}, h("a", { href: href("/") }, t("staff.forbiddenBack"))),
    );
  }
  const message = error instanceof RequestFailed && error.code === "NETWORK" ? t("app.network") : t("app.error");
  return h("section", {}, h("h1", { tabindex: "-1" }, t("app.error")), h("p", { role: "alert" }, message));
}

/** Runs a page's cleanups once; anything registered afterwards runs at once (the page is already gone). */
function leave(page) {
  page.done = true;
  for (const callback of page.callbacks.splice(0)) callback();
}

async function render() {
  const current = ++rendering;
  // Each render collects its page's cleanups (`onLeave` in render's argument): they run when the next page is shown.
  const page = { callbacks: [], done: false };
  const onLeave = (callback) => (page.done ? callback() : page.callbacks.push(callback));
  const path = location.pathname.slice(BASE.length) || "/";
  const { route, params } = match(path);
  if (route.signedIn && !token()) {
    navigate(`/login?next=${encodeURIComponent(path + location.search)}`, { replace: true });
    return;
  }
  main.setAttribute("aria-busy", "true");
  let view;
  let shownRoute = route;
  try {
    const module = await route.page();
    view = await module.render({ params, query: new URLSearchParams(location.search), onLeave });
  } catch (error) {
    leave(page);
    if (error instanceof SignedOut) return; // the router is already on its way to sign-in
    view = errorView(error, route);
    if (view.dataset.refused) shownRoute = NOT_FOUND; // not staff: no console navigation either
  }
  if (current !== rendering) {
    leave(page);
    return; // the reader went elsewhere meanwhile
  }
  leave(leaving);
  leaving = page;
  renderHeader(shownRoute, path);
  replace(main, view);
  main.removeAttribute("aria-busy");
  if (!firstRender) {
    // Tell screen readers the page changed: focus its heading, as a full page load would start there.
    const heading = main.querySelector("h1");
    (heading || main).focus();
  }
  firstRender = false;
}

function onClick(event) {
  if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) {
    return;
  }
  const link = event.target.closest("a[href]");
  if (!link || link.target || link.hasAttribute("download")) return;
  const url = new URL(link.href);
  if (url.origin !== location.origin || !(url.pathname === BASE || url.pathname.startsWith(`${BASE}/`))) return;
  if (url.pathname.startsWith(`${BASE}/assets/`)) return;
  event.preventDefault();
  navigate(url.pathname.slice(BASE.length) + url.search);
}

export function start(mainElement, headerElement) {
  main = mainElement;
  header = headerElement;
  loadedOnPaymentPage = isPaymentPath(location.pathname.slice(BASE.length) || "/");
  useLanguage(null);
  whenSignedOut(() => navigate(`/login?next=${encodeURIComponent(location.pathname.slice(BASE.length) || "/")}`, { replace: true }));
  document.addEventListener("click", onClick);
  window.addEventListener("popstate", () => {
    if (crossesDocuments(location.pathname.slice(BASE.length) || "/")) location.reload();
    else render();
  });
  render();
}
