// One webhook endpoint (administrators): its details; change its URL, events and description; disable it
// (confirmed: nothing is sent while it is off) or enable it again; rotate its signing secret (the new one is
// shown once, the old one signs beside it for the overlap the API reports); send a test event and see the
// outcome; and its delivery log with "Redeliver" per delivery and "redeliver everything since".
import { h, replace } from "../../dom.js";
import { field, formMessage, showErrors, submit } from "../../forms.js";
import { request } from "../../graphql.js";
import { t, useLanguage } from "../../i18n.js";
import { formatMoment, startOfDay } from "../../moments.js";
import { href } from "../../router.js";
import { textArea } from "../../support.js";
import { confirmBox } from "../customers-parts.js";
import {
  STAFF_DISABLE_WEBHOOK_ENDPOINT,
  STAFF_ENABLE_WEBHOOK_ENDPOINT,
  STAFF_REDELIVER_WEBHOOK_EVENTS,
  STAFF_ROTATE_WEBHOOK_SECRET,
  STAFF_TEST_WEBHOOK_ENDPOINT,
  STAFF_UPDATE_WEBHOOK_ENDPOINT,
  STAFF_WEBHOOK_PAGE,
} from "../operations.js";
import { deliveryLog, LOG_PAGE } from "../webhook-log.js";
import {
  attemptLine,
  chosenEvents,
  endpointState,
  eventChoice,
  EVENT_TYPES,
  eventsText,
  secretBox,
  worded,
} from "../webhooks-parts.js";

/** A form whose submit runs `run(values)` (its FormData) (a mutation's payload); userErrors show in it, by code. */
function form(label, children, run, done) {
  const element = h("form", { novalidate: true, class: "staff-action", "aria-label": label }, formMessage(), children);
  element.addEventListener("submit", async (event) => {
    event.preventDefault();
    const values = new FormData(element); // before submit() disables the controls (FormData skips those)
    const payload = await submit(element, () => run(values));
    if (!payload) return;
    if (payload.userErrors.length) {
      showErrors(element, worded(payload.userErrors));
      return;
    }
    showErrors(element, []);
    done(payload, element);
  });
  return element;
}

const button = (label, attributes = {}) => h("div", { class: "actions" }, h("button", { type: "submit", ...attributes }, label));

export async function render({ params }) {
  const { me, node } = await request(STAFF_WEBHOOK_PAGE, { id: params.id, first: LOG_PAGE });
  useLanguage(me.settings.language);
  const { timezone: timeZone, language } = me.settings;
  const when = (iso) => formatMoment(iso, timeZone, language);
  const back = h("p", {}, h("a", { href: href("/staff/webhooks") }, t("staff.webhooks.back")));
  if (!node || !node.url) {
    return h("section", {}, back, h("h1", { tabindex: "-1" }, t("staff.webhooks.notFound")));
  }
  const endpoint = { ...node };
  const id = endpoint.id;

  // The details, shown again after each change.
  const details = h("dl", { class: "staff-webhook-details" });
  const showDetails = () => {
    const row = (term, value) => (value === null || value === "" ? null : [h("dt", {}, term), h("dd", {}, value)]);
    replace(
      details,
      row(t("staff.webhooks.url"), h("span", { class: "staff-webhook-url" }, endpoint.url)),
      row(t("staff.webhooks.about"), endpoint.description),
      row(t("staff.webhooks.events"), eventsText(endpoint.eventTypes)),
      row(t("staff.webhooks.state"), endpointState(endpoint)),
      endpoint.consecutiveFailures
        ? row(
            t("staff.webhooks.failures"),
            t("staff.webhooks.failuresSince", { count: endpoint.consecutiveFailures, when: when(endpoint.failingSince) }),
          )
        : null,
      row(t("staff.webhooks.createdAt"), when(endpoint.createdAt)),
      row(t("staff.webhooks.secretRotatedAt"), endpoint.secretRotatedAt ? when(endpoint.secretRotatedAt) : null),
      row(
        t("staff.webhooks.previousSecret"),
        endpoint.previousSecretExpiresAt ? t("staff.webhooks.previousUntil", { when: when(endpoint.previousSecretExpiresAt) }) : null,
      ),
    );
  };
  showDetails();
  const log = deliveryLog(endpoint, when);

  // Changing URL, events, description.
  const edit = form(
    t("staff.webhooks.editTitle"),
    [
      h("h2", {}, t("staff.webhooks.editTitle")),
      field({ name: "url", label: t("staff.webhooks.url"), type: "url", value: endpoint.url, hint: t("staff.webhooks.urlHint"), autocomplete: "off" }),
      eventChoice(endpoint.eventTypes),
      field({ name: "description", label: t("staff.webhooks.description"), required: false, value: endpoint.description, autocomplete: "off" }),
      button(t("staff.webhooks.save")),
    ],
    async (values) => {
      const input = {
        endpointId: id,
        url: String(values.get("url") || "").trim(),
        eventTypes: chosenEvents(values),
        description: String(values.get("description") || "").trim(),
      };
      return (await request(STAFF_UPDATE_WEBHOOK_ENDPOINT, { input })).updateWebhookEndpoint;
    },
    (payload, element) => {
      Object.assign(endpoint, payload.endpoint);
      showDetails();
      element.querySelector(".form-error").replaceWith(h("p", { class: "form-error", role: "status" }, t("staff.webhooks.saved")));
    },
  );

  // Enabling and disabling (confirmed: while it is off, events are not even queued for it).
  const onOff = h("div", { class: "staff-webhook-on-off" });
  const showOnOff = () => {
    if (endpoint.enabled) {
      replace(
        onOff,
        form(
          t("staff.webhooks.disableTitle"),
          [
            h("h2", {}, t("staff.webhooks.disableTitle")),
            h("p", {}, t("staff.webhooks.disableText")),
            textArea({ name: "reason", label: t("staff.webhooks.disableReason"), required: false, maxlength: 500, rows: 2 }),
            confirmBox("confirmDisable", t("staff.webhooks.disableConfirm")),
            button(t("staff.webhooks.disable"), { class: "danger" }),
          ],
          async (values) => {
            if (values.get("confirmDisable") !== "yes") {
              return { userErrors: [{ field: ["confirmDisable"], message: t("staff.customers.confirmRequired") }] };
            }
            const reason = String(values.get("reason") || "").trim() || null;
            return (await request(STAFF_DISABLE_WEBHOOK_ENDPOINT, { input: { endpointId: id, reason } })).disableWebhookEndpoint;
          },
          changed,
        ),
      );
    } else {
      replace(
        onOff,
        form(
          t("staff.webhooks.enableTitle"),
          [h("h2", {}, t("staff.webhooks.enableTitle")), h("p", {}, t("staff.webhooks.enableText")), button(t("staff.webhooks.enable"))],
          async () => (await request(STAFF_ENABLE_WEBHOOK_ENDPOINT, { input: { endpointId: id } })).enableWebhookEndpoint,
          changed,
        ),
      );
    }
  };
  function changed(payload) {
    Object.assign(endpoint, payload.endpoint);
    showDetails();
    showOnOff();
    onOff.prepend(
      h("p", { role: "status" }, t(endpoint.enabled ? "staff.webhooks.nowEnabled" : "staff.webhooks.nowDisabled")),
    );
  }
  showOnOff();

  // Rotating the secret: the new one once, and how long the old one keeps signing.
  const rotated = h("div", {});
  const rotate = form(
    t("staff.webhooks.rotateTitle"),
    [
      h("h2", {}, t("staff.webhooks.rotateTitle")),
      h("p", {}, t("staff.webhooks.rotateText")),
      field({ name: "overlapHours", label: t("staff.webhooks.overlap"), type: "number", value: "24", inputmode: "decimal", hint: t("staff.webhooks.overlapHint") }),
      rotated,
      button(t("staff.webhooks.rotate")),
    ],
    async (values) => {
      const text = String(values.get("overlapHours") || "").trim();
      const overlapHours = text === "" ? 24 : Number(text);
      if (!Number.isFinite(overlapHours)) {
        return { userErrors: [{ field: ["overlapHours"], message: t("staff.webhooks.error.INVALID"), code: "INVALID" }] };
      }
      return (await request(STAFF_ROTATE_WEBHOOK_SECRET, { input: { endpointId: id, overlapHours } })).rotateWebhookSecret;
    },
    (payload) => {
      Object.assign(endpoint, payload.endpoint);
      showDetails();
      const until = payload.endpoint.previousSecretExpiresAt;
      const note = until ? t("staff.webhooks.overlapUntil", { when: when(until) }) : t("staff.webhooks.noOverlap");
      replace(rotated, secretBox(payload.secret, note));
      rotated.querySelector("input").focus();
    },
  );

  // A test event: the catalogue's sample of a type, sent now; its outcome shown here and in the log.
  const outcome = h("div", { role: "status" });
  const typeId = `webhook-test-type-${Math.random().toString(36).slice(2, 8)}`;
  const tester = form(
    t("staff.webhooks.testTitle"),
    [
      h("h2", {}, t("staff.webhooks.testTitle")),
      h("p", {}, t("staff.webhooks.testText")),
      h(
        "div",
        { class: "field" },
        h("label", { for: typeId }, t("staff.webhooks.testType")),
        h(
          "select",
          { id: typeId, name: "eventType", "aria-describedby": `${typeId}-error` },
          EVENT_TYPES.map((type) => h("option", { value: type, selected: type === endpoint.eventTypes[0] }, type)),
        ),
        h("p", { class: "field-error", id: `${typeId}-error`, "data-error-for": "eventType", hidden: true }),
      ),
      button(t("staff.webhooks.sendTest")),
      outcome,
    ],
    async (values) => {
      const input = { endpointId: id, eventType: String(values.get("eventType") || "") };
      return (await request(STAFF_TEST_WEBHOOK_ENDPOINT, { input })).testWebhookEndpoint;
    },
    async (payload) => {
      const { attempt } = payload;
      replace(
        outcome,
        h("p", {}, t(attempt.succeeded ? "staff.webhooks.testDelivered" : "staff.webhooks.testFailed")),
        h("ul", { class: "staff-webhook-attempts" }, attemptLine(attempt, when)),
        attempt.errorDetail ? h("p", {}, attempt.errorDetail) : null,
      );
      await log.refresh();
    },
  );

  // Everything since a moment, again (in the reader's time zone).
  const sinceId = `webhook-since-${Math.random().toString(36).slice(2, 8)}`;
  const queued = h("div", { role: "status" });
  const again = form(
    t("staff.webhooks.sinceTitle"),
    [
      h("h2", {}, t("staff.webhooks.sinceTitle")),
      h("p", {}, t("staff.webhooks.sinceText")),
      h(
        "div",
        { class: "field" },
        h("label", { for: sinceId }, t("staff.webhooks.since", { zone: timeZone || "UTC" })),
        h("input", { id: sinceId, name: "since", type: "datetime-local", required: true, "aria-describedby": `${sinceId}-error` }),
        h("p", { class: "field-error", id: `${sinceId}-error`, "data-error-for": "since", hidden: true }),
      ),
      button(t("staff.webhooks.redeliverSince")),
      queued,
    ],
    async (values) => {
      const found = /^(\d{4}-\d{2}-\d{2})T(\d{2}):(\d{2})/.exec(String(values.get("since") || ""));
      if (!found) return { userErrors: [{ field: ["since"], message: t("staff.webhooks.error.REQUIRED"), code: "REQUIRED" }] };
      const midnight = Date.parse(startOfDay(found[1], timeZone || "UTC"));
      const since = new Date(midnight + (Number(found[2]) * 60 + Number(found[3])) * 60000).toISOString();
      return (await request(STAFF_REDELIVER_WEBHOOK_EVENTS, { input: { endpointId: id, since } })).redeliverWebhookEvents;
    },
    async (payload) => {
      replace(queued, h("p", {}, t("staff.webhooks.queued", { count: payload.queued })));
      await log.refresh();
    },
  );

  return h(
    "section",
    { class: "staff-webhook-page" },
    back,
    h("h1", { tabindex: "-1" }, t("staff.webhooks.endpointTitle")),
    details,
    onOff,
    tester,
    log.element,
    again,
    edit,
    rotate,
  );
}
