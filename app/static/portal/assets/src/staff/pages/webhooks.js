// Administrators' webhook endpoints (README "Webhooks"), newest first: URL, the events each wants, enabled or
// disabled (and why), when it was added; "show more" pages on. The form adds one: the answer's signing secret
// is shown here once and kept nowhere (not in storage, not in the address). The API refuses all of it to
// SUPPORT accounts: the router then says the page is for administrators.
import { h } from "../../dom.js";
import { formMessage, field, showErrors, submit } from "../../forms.js";
import { request } from "../../graphql.js";
import { t, useLanguage } from "../../i18n.js";
import { formatMoment } from "../../moments.js";
import { href } from "../../router.js";
import { STAFF_CREATE_WEBHOOK_ENDPOINT, STAFF_WEBHOOKS_MORE, STAFF_WEBHOOKS_PAGE } from "../operations.js";
import { pagedList } from "../parts.js";
import { chosenEvents, endpointState, eventChoice, eventsText, secretBox, worded } from "../webhooks-parts.js";

const PAGE = 20;

export async function render() {
  const { me, webhookEndpoints } = await request(STAFF_WEBHOOKS_PAGE, { first: PAGE });
  useLanguage(me.settings.language);
  const { timezone: timeZone, language } = me.settings;
  const when = (iso) => formatMoment(iso, timeZone, language);

  const entry = (endpoint) =>
    h(
      "li",
      { class: "staff-webhook", "data-endpoint": endpoint.id },
      h(
        "p",
        { class: "staff-webhook-url" },
        h("a", { href: href(`/staff/webhooks/${encodeURIComponent(endpoint.id)}`) }, endpoint.url),
      ),
      endpoint.description ? h("p", {}, endpoint.description) : null,
      h("p", {}, t("staff.webhooks.wants", { events: eventsText(endpoint.eventTypes) })),
      h("p", {}, endpointState(endpoint)),
      h("p", { class: "muted" }, t("staff.webhooks.created", { when: when(endpoint.createdAt) })),
    );

  const section = h(
    "section",
    { class: "staff-webhooks" },
    h("h1", { tabindex: "-1" }, t("staff.webhooks.title")),
    h("p", { class: "muted" }, t("staff.webhooks.intro")),
  );
  const created = h("div", {});
  const empty = h("p", { role: "status" }, t("staff.webhooks.none"));
  const [list, more] = pagedList(
    webhookEndpoints,
    (endpoints) => endpoints.map(entry),
    async (after) => (await request(STAFF_WEBHOOKS_MORE, { first: PAGE, after })).webhookEndpoints,
    { class: "staff-list staff-webhooks-list", "aria-label": t("staff.webhooks.list") },
  );
  empty.hidden = webhookEndpoints.edges.length > 0;

  // Adding an endpoint: URL, events, description.
  const form = h(
    "form",
    { novalidate: true, class: "staff-action", "aria-labelledby": "staff-webhooks-new" },
    h("h2", { id: "staff-webhooks-new" }, t("staff.webhooks.newTitle")),
    formMessage(),
    field({ name: "url", label: t("staff.webhooks.url"), type: "url", hint: t("staff.webhooks.urlHint"), autocomplete: "off" }),
    eventChoice([]),
    field({ name: "description", label: t("staff.webhooks.description"), required: false, autocomplete: "off" }),
    h("div", { class: "actions" }, h("button", { type: "submit" }, t("staff.webhooks.create"))),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const values = new FormData(form);
    const input = {
      url: String(values.get("url") || "").trim(),
      eventTypes: chosenEvents(values),
      description: String(values.get("description") || "").trim() || null,
    };
    const payload = await submit(form, async () => (await request(STAFF_CREATE_WEBHOOK_ENDPOINT, { input })).createWebhookEndpoint);
    if (!payload) return;
    if (payload.userErrors.length) {
      showErrors(form, worded(payload.userErrors));
      return;
    }
    showErrors(form, []);
    form.reset();
    list.prepend(entry(payload.endpoint));
    empty.hidden = true;
    created.replaceChildren(
      secretBox(payload.secret),
      h(
        "p",
        {},
        h("a", { href: href(`/staff/webhooks/${encodeURIComponent(payload.endpoint.id)}`) }, t("staff.webhooks.openNew")),
      ),
    );
    created.querySelector("input").focus();
  });

  section.append(created, form, h("h2", {}, t("staff.webhooks.listTitle")), empty, list, more);
  return section;
}
