// The token of a browser the customer chose to trust at the two-factor step ("trust this browser"). It lives
// in localStorage, because trust is about this browser and must outlast the tab (the session token, in
// sessionStorage, must not). It is no credential on its own: the server accepts it only with the right
// password of the account that trusted it, stores only its hash, and forgets it on revocation (Security page),
// expiry (TRUSTED_DEVICE_DAYS) or when two-step verification is switched off. README "My Account portal" says why.
const KEY = "customer-accounts.trusted-device";

export function deviceToken() {
  try {
    return localStorage.getItem(KEY);
  } catch {
    return null;
  }
}

export function rememberDevice(value) {
  try {
    localStorage.setItem(KEY, value);
  } catch {
    // storage blocked: the next sign-in asks for the second step again, nothing worse
  }
}
