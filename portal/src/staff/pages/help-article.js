// One help article, new (/staff/help/new) or existing (/staff/help/<article id>): title, category, address
// (slug) and body, with a preview rendered as the customer's help page renders it, updated as one types
// (no request). Save as a draft, publish, unpublish, delete (after a confirm step); a published article links
// to its public page.
import { h, replace } from "../../dom.js";
import { field, formMessage, showErrors, submit } from "../../forms.js";
import { request } from "../../graphql.js";
import { t, useLanguage } from "../../i18n.js";
import { formatMoment } from "../../moments.js";
import { href, navigate } from "../../router.js";
import { textArea } from "../../support.js";
import { articleParagraphs, articleState } from "../help-audit-parts.js";
import {
  STAFF_CREATE_HELP_ARTICLE,
  STAFF_DELETE_HELP_ARTICLE,
  STAFF_HELP_ARTICLE_PAGE,
  STAFF_HELP_NEW_PAGE,
  STAFF_UPDATE_HELP_ARTICLE,
} from "../operations.js";

// The article errors our catalogue words; any other code shows the server's message.
const WORDED = new Set(["REQUIRED", "TOO_LONG", "INVALID", "INVALID_SLUG", "SLUG_TAKEN", "NOT_FOUND"]);

function worded(userErrors) {
  return userErrors.map((error) => (WORDED.has(error.code) ? { ...error, message: t(`staff.help.error.${error.code}`) } : error));
}

export async function render({ params }) {
  const isNew = !params.id;
  const data = isNew
    ? await request(STAFF_HELP_NEW_PAGE)
    : await request(STAFF_HELP_ARTICLE_PAGE, { id: params.id });
  const { me, helpArticles } = data;
  useLanguage(me.settings.language);
  const { timezone: timeZone, language } = me.settings;
  const back = h("p", {}, h("a", { href: href("/staff/help") }, t("staff.help.back")));
  // node(id:) answers null for an id that is no article (or no longer exists); another type has no title.
  let article = isNew ? null : data.node;
  if (!isNew && (!article || typeof article.title !== "string")) {
    return h(
      "section",
      {},
      back,
      h("h1", { tabindex: "-1" }, t("staff.help.notFound")),
      h("p", {}, t("staff.help.notFoundHint")),
    );
  }

  const heading = h("h1", { tabindex: "-1" }, article ? article.title : t("staff.help.new"));
  const status = h("div", { class: "staff-help-status" });
  const saved = h("p", { role: "status", class: "staff-entry" });

  const categoryNames = [...new Set(helpArticles.edges.map(({ node }) => node.category))].sort();
  const categoryList = h(
    "datalist",
    { id: "staff-help-categories" },
    categoryNames.map((name) => h("option", { value: name })),
  );
  const form = h(
    "form",
    { novalidate: true, class: "staff-help-editor", "aria-label": t("staff.help.editor") },
    formMessage(),
    field({ name: "title", label: t("staff.help.articleTitle") }),
    field({ name: "category", label: t("staff.help.category"), hint: t("staff.help.categoryHint") }),
    categoryList,
    field({ name: "slug", label: t("staff.help.slug"), hint: t("staff.help.slugHint"), required: false }),
    textArea({ name: "body", label: t("staff.help.body"), hint: t("staff.help.bodyHint"), maxlength: 20000, rows: 14 }),
    h("div", { class: "actions" }),
  );
  form.elements.title.setAttribute("maxlength", "200");
  form.elements.category.setAttribute("maxlength", "64");
  form.elements.category.setAttribute("list", "staff-help-categories");
  form.elements.category.setAttribute("autocomplete", "off");
  form.elements.slug.setAttribute("maxlength", "100");
  form.elements.slug.setAttribute("autocomplete", "off");
  form.elements.slug.setAttribute("spellcheck", "false");
  if (article) {
    form.elements.title.value = article.title;
    form.elements.category.value = article.category;
    form.elements.slug.value = article.slug;
    form.elements.body.value = article.body;
  }

  // The preview: what a customer will see on /account/help/<slug>, as pages/help-article.js builds it.
  const previewTitle = h("h3", { class: "staff-help-preview-title" });
  const previewMeta = h("p", { class: "muted" });
  const previewBody = h("div", { "data-preview-body": true });
  const preview = h(
    "section",
    { class: "staff-help-preview", "aria-labelledby": "staff-help-preview-heading" },
    h("h2", { id: "staff-help-preview-heading" }, t("staff.help.preview")),
    h("article", { class: "help-article" }, previewTitle, previewMeta, previewBody),
  );
  const showPreview = () => {
    const title = form.elements.title.value.trim();
    previewTitle.textContent = title || t("staff.help.previewNoTitle");
    previewTitle.classList.toggle("muted", !title);
    previewMeta.textContent = form.elements.category.value.trim();
    const paragraphs = articleParagraphs(form.elements.body.value);
    replace(previewBody, paragraphs.length ? paragraphs : h("p", { class: "muted" }, t("staff.help.previewEmpty")));
  };
  form.addEventListener("input", showPreview);
  showPreview();

  const button = (action, label, extra = {}) =>
    h("button", { type: "submit", name: "action", value: action, ...extra }, label);
  const actions = form.querySelector(".actions");

  const deleteBox = h("div", { class: "staff-help-delete" });
  const showDelete = () => {
    if (!article) {
      replace(deleteBox);
      return;
    }
    const ask = h("button", { type: "button", class: "danger-outline" }, t("staff.help.delete"));
    ask.addEventListener("click", () => {
      const confirm = h("button", { type: "button", class: "danger" }, t("staff.help.deleteConfirm"));
      const cancel = h("button", { type: "button", class: "secondary" }, t("staff.help.deleteCancel"));
      const message = formMessage();
      const box = h(
        "div",
        { class: "confirm-box", role: "group", "aria-labelledby": "staff-help-delete-question" },
        h("h3", { id: "staff-help-delete-question" }, t("staff.help.deleteQuestion", { title: article.title })),
        h("p", {}, article.published ? t("staff.help.deletePublishedHint") : t("staff.help.deleteHint")),
        message,
        h("div", { class: "actions" }, confirm, cancel),
      );
      cancel.addEventListener("click", () => {
        showDelete();
        deleteBox.querySelector("button").focus();
      });
      confirm.addEventListener("click", async () => {
        confirm.disabled = true;
        cancel.disabled = true;
        try {
          const { deleteHelpArticle: payload } = await request(STAFF_DELETE_HELP_ARTICLE, {
            input: { articleId: article.id },
          });
          if (payload.userErrors.length) {
            message.textContent = worded(payload.userErrors).map((error) => error.message).join(" ");
            message.hidden = false;
            return;
          }
          navigate("/staff/help?deleted=1");
        } catch {
          message.textContent = t("app.error");
          message.hidden = false;
        } finally {
          confirm.disabled = false;
          cancel.disabled = false;
        }
      });
      replace(deleteBox, box);
      confirm.focus();
    });
    replace(deleteBox, ask);
  };

  const showState = () => {
    replace(
      actions,
      !article || !article.published
        ? [button("draft", t("staff.help.saveDraft"), { class: "secondary-submit" }), button("publish", t("staff.help.publish"))]
        : [button("save", t("staff.help.saveChanges")), button("unpublish", t("staff.help.unpublish"), { class: "secondary-submit" })],
    );
    if (!article) {
      replace(status, h("p", { class: "muted" }, t("staff.help.newHint")));
    } else {
      const when = (iso) => formatMoment(iso, timeZone, language);
      const publicPath = `/help/${encodeURIComponent(article.slug)}`;
      replace(
        status,
        h(
          "p",
          {},
          articleState(article),
          " ",
          h(
            "span",
            { class: "muted" },
            article.published
              ? t("staff.help.publishedSince", { since: when(article.publishedAt), updated: when(article.updatedAt) })
              : t("staff.help.draftUpdated", { updated: when(article.updatedAt) }),
          ),
        ),
        article.published
          ? h("p", {}, h("a", { href: href(publicPath), "data-public-link": true }, t("staff.help.publicLink", { path: href(publicPath) })))
          : h("p", { class: "muted" }, t("staff.help.draftHint")),
      );
    }
    showDelete();
  };
  showState();

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const action = (event.submitter && event.submitter.value) || (article && article.published ? "save" : "draft");
    const values = {
      title: form.elements.title.value,
      category: form.elements.category.value,
      body: form.elements.body.value,
    };
    const slug = form.elements.slug.value.trim();
    const published = { draft: false, publish: true, unpublish: false, save: true }[action];
    const payload = await submit(form, async () => {
      if (!article) {
        const input = { ...values, published, slug: slug || null };
        return (await request(STAFF_CREATE_HELP_ARTICLE, { input })).createHelpArticle;
      }
      const input = { articleId: article.id, ...values, published, slug: slug || null };
      return (await request(STAFF_UPDATE_HELP_ARTICLE, { input })).updateHelpArticle;
    });
    if (!payload) return;
    if (payload.userErrors.length) {
      saved.textContent = "";
      showErrors(form, worded(payload.userErrors));
      return;
    }
    showErrors(form, []);
    const created = !article;
    article = payload.article;
    if (created) {
      // The new article has an address of its own now: a reload opens it, not another new one.
      history.replaceState(null, "", href(`/staff/help/${encodeURIComponent(article.id)}`));
    }
    form.elements.slug.value = article.slug;
    heading.textContent = article.title;
    saved.textContent = t(`staff.help.done.${action}`);
    showState();
  });

  return h(
    "section",
    { class: "staff-help-article" },
    back,
    heading,
    status,
    saved,
    h("div", { class: "staff-help-columns" }, form, preview),
    deleteBox,
  );
}
