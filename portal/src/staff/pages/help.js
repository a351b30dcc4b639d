// The help centre for staff: every article, drafts too, searched by words (?q=) or listed by category
// (?category=), each with its state and last change, a link to edit it, and "Write an article".
import { h } from "../../dom.js";
import { field } from "../../forms.js";
import { request } from "../../graphql.js";
import { t, useLanguage } from "../../i18n.js";
import { formatMoment } from "../../moments.js";
import { href, navigate } from "../../router.js";
import { articleState } from "../help-audit-parts.js";
import { STAFF_HELP_MORE, STAFF_HELP_PAGE } from "../operations.js";
import { pagedList } from "../parts.js";

const PAGE = 20;

export async function render({ query }) {
  const text = (query.get("q") || "").trim().slice(0, 200);
  const category = (query.get("category") || "").slice(0, 64);
  const variables = { query: text || null, category: category || null, first: PAGE };
  const { me, helpArticles, helpCategories } = await request(STAFF_HELP_PAGE, variables);
  useLanguage(me.settings.language);
  const { timezone: timeZone, language } = me.settings;

  const search = field({ name: "q", label: t("staff.help.search"), type: "search", required: false });
  const categories = h(
    "select",
    { id: "staff-help-category", name: "category" },
    h("option", { value: "" }, t("staff.help.allCategories")),
    helpCategories.map((entry) =>
      h("option", { value: entry.name, selected: entry.name === category }, `${entry.name} (${entry.articleCount})`),
    ),
  );
  if (category && !helpCategories.some((entry) => entry.name === category)) {
    categories.append(h("option", { value: category, selected: true }, category));
  }
  const form = h(
    "form",
    { role: "search", class: "filters staff-help-filters", "aria-label": t("staff.help.searchLabel") },
    search,
    h("div", { class: "field" }, h("label", { for: "staff-help-category" }, t("staff.help.category")), categories),
    h("div", { class: "actions" }, h("button", { type: "submit", class: "small" }, t("staff.help.searchButton"))),
  );
  form.elements.q.value = text;
  form.elements.q.setAttribute("maxlength", "200");
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const wanted = new URLSearchParams();
    const words = form.elements.q.value.trim();
    if (words) wanted.set("q", words);
    if (form.elements.category.value) wanted.set("category", form.elements.category.value);
    const queryString = wanted.toString();
    navigate(queryString ? `/staff/help?${queryString}` : "/staff/help");
  });

  const row = (article) =>
    h(
      "li",
      { "data-article": article.slug },
      h("a", { href: href(`/staff/help/${encodeURIComponent(article.id)}`) }, h("strong", {}, article.title)),
      articleState(article),
      h("span", { class: "muted" }, article.category),
      h(
        "span",
        { class: "muted" },
        t("staff.help.updated", { when: formatMoment(article.updatedAt, timeZone, language) }),
      ),
    );

  const section = h(
    "section",
    { class: "staff-help" },
    h("h1", { tabindex: "-1" }, t("staff.help.title")),
    h("p", {}, h("a", { class: "button", href: href("/staff/help/new") }, t("staff.help.write"))),
    query.get("deleted") ? h("p", { role: "status", class: "staff-entry" }, t("staff.help.deleted")) : null,
    form,
  );
  if (!helpArticles.edges.length) {
    section.append(h("p", { role: "status" }, text || category ? t("staff.help.noResults") : t("staff.help.empty")));
    return section;
  }
  const [list, more] = pagedList(
    helpArticles,
    (articles) => articles.map(row),
    async (after) => (await request(STAFF_HELP_MORE, { ...variables, after })).helpArticles,
    { class: "staff-list staff-help-list", "aria-label": t("staff.help.articles") },
  );
  section.append(list, more);
  return section;
}
