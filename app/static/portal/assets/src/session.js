// The session token lives in sessionStorage: per tab, gone when the tab closes, never sent by the browser on
// its own (so no CSRF), and readable only by our own scripts, which the CSP restricts to this origin.
const KEY = "customer-accounts.token";

export function token() {
  try {
    return sessionStorage.getItem(KEY);
  } catch {
    return null;
  }
}

export function setToken(value) {
  sessionStorage.setItem(KEY, value);
}

export function clearToken() {
  try {
    sessionStorage.removeItem(KEY);
    sessionStorage.removeItem(ROLES);
  } catch {
    // storage blocked: nothing was stored either
  }
}

// The signed-in account's roles, as the last console page that read me.roles saw them: they only decide which
// links the console's navigation shows (the API decides what each account may do).
const ROLES = "customer-accounts.roles";

export function rememberRoles(roles) {
  try {
    sessionStorage.setItem(ROLES, roles.join(" "));
  } catch {
    // storage blocked: the navigation shows what every staff member may open
  }
}

export function rememberedRoles() {
  try {
    return (sessionStorage.getItem(ROLES) || "").split(" ").filter(Boolean);
  } catch {
    return [];
  }
}
