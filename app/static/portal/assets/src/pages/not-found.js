import { h } from "../dom.js";
import { t } from "../i18n.js";
import { href } from "../router.js";

export async function render() {
  return h(
    "section",
    {},
    h("h1", { tabindex: "-1" }, t("notFound.title")),
    h("p", {}, h("a", { href: href("/") }, t("notFound.home"))),
  );
}
