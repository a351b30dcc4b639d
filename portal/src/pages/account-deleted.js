// After deleteAccount: the account is gone and this tab is signed out; say what happened and what was kept.
import { h } from "../dom.js";
import { t } from "../i18n.js";
import { href } from "../router.js";

export async function render() {
  return h(
    "section",
    { class: "narrow" },
    h("h1", { tabindex: "-1" }, t("privacy.deletedTitle")),
    h("p", {}, t("privacy.deletedText")),
    h("p", {}, h("a", { href: href("/register") }, t("privacy.deletedRegister"))),
  );
}
