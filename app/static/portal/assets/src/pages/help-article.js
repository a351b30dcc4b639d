// One help-centre article by its slug: plain text, blank lines between paragraphs, line breaks kept.
import { h } from "../dom.js";
import { formatDate, t, useLanguage } from "../i18n.js";
import { request } from "../graphql.js";
import { HELP_ARTICLE_PAGE } from "../operations.js";
import { href } from "../router.js";

export async function render({ params }) {
  const { helpArticle: article } = await request(HELP_ARTICLE_PAGE, { slug: params.slug });
  useLanguage(null);
  const back = h("p", {}, h("a", { href: href("/help") }, t("help.back")));
  if (!article) {
    return h("section", {}, back, h("h1", { tabindex: "-1" }, t("help.notFound")), h("p", {}, t("help.notFoundHint")));
  }
  const paragraphs = article.body.split(/\n\s*\n/).filter((paragraph) => paragraph.trim());
  return h(
    "article",
    { class: "help-article" },
    back,
    h("h1", { tabindex: "-1" }, article.title),
    h(
      "p",
      { class: "muted" },
      h("a", { href: href(`/help?category=${encodeURIComponent(article.category)}`) }, article.category),
      " · ",
      t("help.updated", { date: formatDate(article.updatedAt) }),
    ),
    paragraphs.map((paragraph) => h("p", { class: "help-body" }, paragraph)),
    h("p", { class: "help-contact" }, t("help.stillStuck"), " ", h("a", { href: href("/tickets") }, t("help.contactUs"))),
  );
}
