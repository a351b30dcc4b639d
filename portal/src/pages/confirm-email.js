// An email change's mailed links: /confirm-email?token=… (the new address confirms) and
// /approve-email-change?token=… (the current address approves a held change). Both call confirmEmailChange;
// the page says in words where the change now stands. The token leaves the address bar before it is sent.
import { h, replace } from "../dom.js";
import { request } from "../graphql.js";
import { t } from "../i18n.js";
import { CONFIRM_EMAIL_CHANGE } from "../operations.js";
import { href } from "../router.js";
import { clearToken } from "../session.js";
import { linkErrors, noToken, takeToken } from "./mailed-link.js";

export async function render({ query }) {
  const section = h("section", { class: "narrow" });
  const linkToken = takeToken(query, location.pathname.endsWith("/approve-email-change") ? "/approve-email-change" : "/confirm-email");
  if (!linkToken) {
    replace(section, h("h1", { tabindex: "-1" }, t("emailChange.title")), noToken());
    return section;
  }
  const { confirmEmailChange: payload } = await request(CONFIRM_EMAIL_CHANGE, { input: { token: linkToken } });
  if (payload.userErrors.length || !payload.status) {
    replace(
      section,
      h("h1", { tabindex: "-1" }, t("emailChange.failedTitle")),
      linkErrors(payload.userErrors),
      h("p", {}, t("emailChange.failedHint")),
    );
    return section;
  }
  // A completed change signs every session out, this tab's included.
  if (payload.status === "COMPLETED") clearToken();
  replace(
    section,
    h("h1", { tabindex: "-1" }, t(`emailChange.title.${payload.status}`)),
    h("p", {}, t(`emailChange.status.${payload.status}`)),
    payload.status === "COMPLETED" ? h("p", {}, h("a", { href: href("/login") }, t("emailChange.signIn"))) : null,
  );
  return section;
}
