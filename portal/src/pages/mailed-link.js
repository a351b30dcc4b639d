// Shared by the pages a mailed link opens and that act at once: take the token, clear the address bar, and
// word the server's link errors from our catalogue (its message when we have no wording for the code).
import { h } from "../dom.js";
import { t } from "../i18n.js";
import { href } from "../router.js";

const LINK_ERRORS = { INVALID_TOKEN: "link.invalid", TOKEN_EXPIRED: "link.expired", EMAIL_TAKEN: "link.emailTaken" };

/** The link's token, after it has left the address bar (and the history); null without one. */
export function takeToken(query, path) {
  const linkToken = query.get("token");
  if (linkToken) history.replaceState(null, "", href(path));
  return linkToken;
}

/** A paragraph (role alert) saying why the link did not work, in the reader's language. */
export function linkErrors(userErrors) {
  const words = userErrors.map((error) => (LINK_ERRORS[error.code] ? t(LINK_ERRORS[error.code]) : error.message));
  return h("p", { role: "alert" }, words.join(" ") || t("app.error"));
}

export function noToken() {
  return h("p", { role: "alert" }, t("reset.noToken"));
}
