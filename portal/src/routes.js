// The portal's pages: a path below /account, the module that renders it (loaded when first visited), and
// whether it needs a signed-in customer. Adding a page is one line here and one module in pages/.
// The mailed links' paths (README, "Storefront routes") must keep answering here. `payments: true` marks the
// pages where a payment is made or a method saved (app/portal.py PAYMENT_PAGES must match them).

export const ROUTES = [
  { path: "/", page: () => import("./pages/home.js"), signedIn: true },
  { path: "/login", page: () => import("./pages/login.js"), signedIn: false },
  { path: "/logout", page: () => import("./pages/logout.js"), signedIn: false },
  { path: "/register", page: () => import("./pages/register.js"), signedIn: false },
  { path: "/activate", page: () => import("./pages/activate.js"), signedIn: false },
  { path: "/forgot-password", page: () => import("./pages/forgot-password.js"), signedIn: false },
  { path: "/reset-password", page: () => import("./pages/reset-password.js"), signedIn: false },
  { path: "/confirm-email", page: () => import("./pages/confirm-email.js"), signedIn: false },
  { path: "/approve-email-change", page: () => import("./pages/confirm-email.js"), signedIn: false },
  { path: "/undo-email-change", page: () => import("./pages/undo-email-change.js"), signedIn: false },
  { path: "/claim-orders", page: () => import("./pages/claim-orders.js"), signedIn: false },
  { path: "/orders", page: () => import("./pages/orders.js"), signedIn: true },
  { path: "/profile", page: () => import("./pages/profile.js"), signedIn: true },
  { path: "/settings", page: () => import("./pages/settings.js"), signedIn: true },
  { path: "/addresses", page: () => import("./pages/addresses.js"), signedIn: true },
  { path: "/orders/:id", page: () => import("./pages/order.js"), signedIn: true },
  // ── offers-returns ──

  { path: "/offers", page: () => import("./pages/offers.js"), signedIn: true },
  { path: "/offers/:number", page: () => import("./pages/offer.js"), signedIn: true, payments: true },
  { path: "/returns", page: () => import("./pages/returns.js"), signedIn: true },
  // Before /returns/:number, which would match "new" as a number.
  { path: "/returns/new", page: () => import("./pages/return-new.js"), signedIn: true },
  { path: "/returns/:number", page: () => import("./pages/return.js"), signedIn: true },

  // ── orders-tickets ──

  { path: "/tickets", page: () => import("./pages/tickets.js"), signedIn: true },
  { path: "/tickets/:number", page: () => import("./pages/ticket.js"), signedIn: true },
  { path: "/help", page: () => import("./pages/help.js"), signedIn: false },
  { path: "/help/:slug", page: () => import("./pages/help-article.js"), signedIn: false },
  // ── security ──

  { path: "/security", page: () => import("./pages/security.js"), signedIn: true },
  { path: "/security/two-factor", page: () => import("./pages/two-factor.js"), signedIn: true },
  { path: "/security/password", page: () => import("./pages/change-password.js"), signedIn: true },
  { path: "/security/email", page: () => import("./pages/change-email.js"), signedIn: true },
  // ── payments ──

  { path: "/payment-methods", page: () => import("./pages/payment-methods.js"), signedIn: true, payments: true },
  { path: "/orders/:id/pay", page: () => import("./pages/pay.js"), signedIn: true, payments: true },
  { path: "/invoices/:id/pay", page: () => import("./pages/pay.js"), signedIn: true, payments: true },
  { path: "/store-credit", page: () => import("./pages/store-credit.js"), signedIn: true, payments: true },
  { path: "/wishlist", page: () => import("./pages/wishlist.js"), signedIn: true },

  // ── statements ──

  { path: "/store-credit/statement", page: () => import("./pages/statement.js"), signedIn: true },

  // ── privacy ──

  { path: "/privacy", page: () => import("./pages/privacy.js"), signedIn: true },
  { path: "/account-deleted", page: () => import("./pages/account-deleted.js"), signedIn: false },

  // ── staff console ── (staff: true: the console's navigation; the API refuses its data to non-staff accounts)

  { path: "/staff", page: () => import("./staff/pages/home.js"), signedIn: true, staff: true },
  { path: "/staff/tickets", page: () => import("./staff/pages/tickets.js"), signedIn: true, staff: true },
  { path: "/staff/tickets/:number", page: () => import("./staff/pages/ticket.js"), signedIn: true, staff: true },
  { path: "/staff/returns", page: () => import("./staff/pages/returns.js"), signedIn: true, staff: true },
  { path: "/staff/returns/:number", page: () => import("./staff/pages/return.js"), signedIn: true, staff: true },
  { path: "/staff/offers", page: () => import("./staff/pages/offers.js"), signedIn: true, staff: true },
  // Before /staff/offers/:number, which would match "new" as a number.
  { path: "/staff/offers/new", page: () => import("./staff/pages/offer-new.js"), signedIn: true, staff: true },
  { path: "/staff/offers/:number", page: () => import("./staff/pages/offer.js"), signedIn: true, staff: true },
  { path: "/staff/customers", page: () => import("./staff/pages/customers.js"), signedIn: true, staff: true },
  { path: "/staff/customers/new", page: () => import("./staff/pages/customer-new.js"), signedIn: true, staff: true },
  { path: "/staff/customers/:id", page: () => import("./staff/pages/customer.js"), signedIn: true, staff: true },
  { path: "/staff/groups", page: () => import("./staff/pages/groups.js"), signedIn: true, staff: true },
  // admin: true: the page refuses SUPPORT (as the API refuses them publishPrivacyPolicy) in the router's words.
  {
    path: "/staff/privacy",
    page: () => import("./staff/pages/privacy.js"),
    signedIn: true,
    staff: true,
    admin: true,
  },
  { path: "/staff/help", page: () => import("./staff/pages/help.js"), signedIn: true, staff: true },
  { path: "/staff/help/new", page: () => import("./staff/pages/help-article.js"), signedIn: true, staff: true },
  { path: "/staff/help/:id", page: () => import("./staff/pages/help-article.js"), signedIn: true, staff: true },
  { path: "/staff/audit", page: () => import("./staff/pages/audit.js"), signedIn: true, staff: true },
  { path: "/staff/analytics", page: () => import("./staff/pages/analytics.js"), signedIn: true, staff: true },
  // admin: true: the API refuses it to SUPPORT too, so a refusal says the page (not the console) is not theirs.
  {
    path: "/staff/audit/alerts",
    page: () => import("./staff/pages/alerts.js"),
    signedIn: true,
    staff: true,
    admin: true,
  },
  { path: "/staff/webhooks", page: () => import("./staff/pages/webhooks.js"), signedIn: true, staff: true, admin: true },
  {
    path: "/staff/webhooks/:id",
    page: () => import("./staff/pages/webhook.js"),
    signedIn: true,
    staff: true,
    admin: true,
  },
];

export const NOT_FOUND = { path: "*", page: () => import("./pages/not-found.js"), signedIn: false };
