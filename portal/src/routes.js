// The portal's pages: a path below /account, the module that renders it (loaded when first visited), and
// whether it needs a signed-in customer. Adding a page is one line here and one module in pages/.
// The mailed links' paths (README, "Storefront routes") must keep answering here.

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

  // ── orders-tickets ──

  // ── security ──

  // ── payments ──

  // ── privacy ──

  { path: "/privacy", page: () => import("./pages/privacy.js"), signedIn: true },
  { path: "/account-deleted", page: () => import("./pages/account-deleted.js"), signedIn: false },
];

export const NOT_FOUND = { path: "*", page: () => import("./pages/not-found.js"), signedIn: false };
