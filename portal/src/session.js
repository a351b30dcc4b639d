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
  } catch {
    // storage blocked: nothing was stored either
  }
}
