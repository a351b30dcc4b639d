// Undo an email change from the link sent to the old address (/undo-email-change?token=…): undoEmailChange
// puts the old address back and signs every session out; then we suggest a new password.
import { h, replace } from "../dom.js";
import { request } from "../graphql.js";
import { t } from "../i18n.js";
import { UNDO_EMAIL_CHANGE } from "../operations.js";
import { href } from "../router.js";
import { clearToken } from "../session.js";
import { linkErrors, noToken, takeToken } from "./mailed-link.js";

export async function render({ query }) {
  const section = h("section", { class: "narrow" });
  const linkToken = takeToken(query, "/undo-email-change");
  if (!linkToken) {
    replace(section, h("h1", { tabindex: "-1" }, t("undoEmail.title")), noToken());
    return section;
  }
  const { undoEmailChange: payload } = await request(UNDO_EMAIL_CHANGE, { input: { token: linkToken } });
  if (payload.userErrors.length) {
    replace(section, h("h1", { tabindex: "-1" }, t("undoEmail.failedTitle")), linkErrors(payload.userErrors));
    return section;
  }
  clearToken();
  replace(
    section,
    h("h1", { tabindex: "-1" }, t("undoEmail.doneTitle")),
    h("p", {}, t("emailChange.status.UNDONE")),
    h("p", {}, t("undoEmail.doneHint")),
    h("p", {}, h("a", { href: href("/forgot-password") }, t("undoEmail.newPassword"))),
  );
  return section;
}
