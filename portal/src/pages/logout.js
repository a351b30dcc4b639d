// Sign out: end the session on the server, forget the token here, whatever the server answered.
import { h } from "../dom.js";
import { request, SignedOut } from "../graphql.js";
import { t } from "../i18n.js";
import { LOGOUT } from "../operations.js";
import { href } from "../router.js";
import { clearToken, token } from "../session.js";

export async function render() {
  if (token()) {
    try {
      await request(LOGOUT);
    } catch (error) {
      if (!(error instanceof SignedOut)) clearToken();
    }
    clearToken();
  }
  return h(
    "section",
    { class: "narrow" },
    h("h1", { tabindex: "-1" }, t("signOut.title")),
    h("p", {}, h("a", { href: href("/login") }, t("signOut.again"))),
  );
}
