// The help centre, for everyone (no sign-in needed): search (helpArticles(query:)), browse by category,
// and the articles found. The search lives in the address (?q=…, ?category=…), so results can be shared.
import { h } from "../dom.js";
import { field } from "../forms.js";
import { request, SignedOut } from "../graphql.js";
import { t, useLanguage } from "../i18n.js";
import { HELP_MORE, HELP_PAGE } from "../operations.js";
import { href, navigate } from "../router.js";
import { token } from "../session.js";

const PAGE = 20;

export async function render({ query }) {
  const text = (query.get("q") || "").trim().slice(0, 200);
  const category = (query.get("category") || "").slice(0, 64);
  const variables = { query: text || null, category: category || null, first: PAGE };
  const { helpArticles, helpCategories } = await request(HELP_PAGE, variables);
  useLanguage(null);

  const form = h(
    "form",
    { role: "search", class: "help-search", "aria-label": t("help.searchLabel") },
    field({ name: "q", label: t("help.search"), type: "search", required: false, hint: t("help.searchHint") }),
    h("div", { class: "actions" }, h("button", { type: "submit" }, t("help.searchButton"))),
  );
  form.elements.q.value = text;
  form.elements.q.setAttribute("maxlength", "200");
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const value = form.elements.q.value.trim();
    navigate(value ? `/help?q=${encodeURIComponent(value)}` : "/help");
  });

  const section = h(
    "section",
    {},
    h("h1", { tabindex: "-1" }, t("help.title")),
    h("p", { class: "muted" }, t("help.intro")),
    form,
  );
  if (helpCategories.length) {
    section.append(
      h("h2", {}, t("help.categories")),
      h(
        "ul",
        { class: "help-categories" },
        helpCategories.map((entry) =>
          h(
            "li",
            {},
            h(
              "a",
              {
                href: href(`/help?category=${encodeURIComponent(entry.name)}`),
                "aria-current": entry.name === category ? "true" : null,
              },
              entry.name,
              " ",
              h("span", { class: "muted" }, `(${entry.articleCount})`),
            ),
          ),
        ),
      ),
    );
  }
  const heading = text
    ? t("help.resultsFor", { query: text })
    : category
      ? t("help.inCategory", { category })
      : t("help.allArticles");
  section.append(h("h2", {}, heading));
  if (!helpArticles.edges.length) {
    section.append(h("p", { role: "status" }, text ? t("help.noResults") : t("help.empty")));
  } else {
    const list = h("ul", { class: "help-articles" });
    let pageInfo = helpArticles.pageInfo;
    const more = h("button", { type: "button", class: "secondary" }, t("help.more"));
    const show = (connection) => {
      pageInfo = connection.pageInfo;
      list.append(...connection.edges.map(({ node }) => row(node)));
      more.hidden = !pageInfo.hasNextPage;
    };
    more.addEventListener("click", async () => {
      more.disabled = true;
      try {
        show((await request(HELP_MORE, { ...variables, after: pageInfo.endCursor })).helpArticles);
      } catch (error) {
        if (!(error instanceof SignedOut)) more.after(h("p", { role: "alert" }, t("app.error")));
      } finally {
        more.disabled = false;
      }
    });
    show(helpArticles);
    section.append(list, more);
  }
  section.append(
    h(
      "p",
      { class: "help-contact" },
      t("help.stillStuck"),
      " ",
      h("a", { href: href("/tickets") }, token() ? t("help.contactUs") : t("help.signInToContact")),
    ),
  );
  return section;
}

function row(article) {
  return h(
    "li",
    {},
    h(
      "a",
      { href: href(`/help/${encodeURIComponent(article.slug)}`) },
      h("strong", {}, article.title),
      h("span", { class: "muted" }, article.category),
    ),
  );
}
