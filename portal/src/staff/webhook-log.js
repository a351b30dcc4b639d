// An endpoint's delivery log: each delivery (event type, status, attempts with status code, latency and the
// answer's start) with "Redeliver", "show more", a refresh, and the latest attempts (test events included).
import "./messages.js";
import { h, replace } from "../dom.js";
import { request, SignedOut } from "../graphql.js";
import { t } from "../i18n.js";
import { STAFF_REDELIVER_WEBHOOK, STAFF_WEBHOOK_LOG } from "./operations.js";
import { pagedList } from "./parts.js";
import { attemptLine, worded } from "./webhooks-parts.js";

export const LOG_PAGE = 20;

/**
 * The log of `endpoint` (the page's data: its deliveries and attempts), in an element whose refresh() asks
 * for it again (one request). `when` formats a moment for the reader.
 */
export function deliveryLog(endpoint, when) {
  const deliveries = h("div", { class: "staff-webhook-deliveries" });
  const attempts = h("div", { class: "staff-webhook-recent" });

  const delivery = (item) => {
    const message = h("p", { class: "form-error", role: "alert", hidden: true });
    const status = h(
      "span",
      { class: item.status === "FAILED" ? "badge badge-warn" : "badge", "data-status": item.status },
      t(`staff.webhooks.status.${item.status}`),
    );
    const redeliver = h("button", { type: "button", class: "small secondary" }, t("staff.webhooks.redeliver"));
    redeliver.addEventListener("click", async () => {
      redeliver.disabled = true;
      message.hidden = true;
      try {
        const { redeliverWebhook: payload } = await request(STAFF_REDELIVER_WEBHOOK, { input: { deliveryId: item.id } });
        if (payload.userErrors.length) {
          message.textContent = worded(payload.userErrors).map((error) => error.message).join(" ");
          message.hidden = false;
          return;
        }
        status.textContent = t(`staff.webhooks.status.${payload.delivery.status}`);
        status.dataset.status = payload.delivery.status;
        status.className = "badge";
        status.setAttribute("role", "status");
      } catch (error) {
        if (!(error instanceof SignedOut)) {
          message.textContent = t("app.error");
          message.hidden = false;
        }
      } finally {
        redeliver.disabled = false;
      }
    });
    const tries = item.attempts ? item.attempts.edges.map(({ node }) => node) : [];
    return h(
      "li",
      { class: "staff-webhook-delivery", "data-delivery": item.id, "data-event-type": item.eventType },
      h("p", {}, h("code", {}, item.eventType), " ", status),
      h(
        "p",
        { class: "muted" },
        t("staff.webhooks.deliveryLine", { when: when(item.createdAt), count: item.attemptCount, id: item.webhookId }),
      ),
      item.status === "PENDING" && item.nextAttemptAt
        ? h("p", { class: "muted" }, t("staff.webhooks.nextAttempt", { when: when(item.nextAttemptAt) }))
        : null,
      tries.length
        ? h("ul", { class: "staff-webhook-attempts", "aria-label": t("staff.webhooks.attemptsOf") }, tries.map((attempt) => attemptLine(attempt, when)))
        : null,
      h("div", { class: "actions" }, redeliver),
      message,
    );
  };

  const show = (node) => {
    if (!node.deliveries.edges.length) {
      replace(deliveries, h("p", {}, t("staff.webhooks.noDeliveries")));
    } else {
      const [list, more] = pagedList(
        node.deliveries,
        (items) => items.map(delivery),
        async (after) => (await request(STAFF_WEBHOOK_LOG, { id: endpoint.id, first: LOG_PAGE, after })).node.deliveries,
        { class: "staff-list staff-webhook-delivery-list", "aria-label": t("staff.webhooks.deliveries") },
      );
      replace(deliveries, list, more);
    }
    const recent = node.attempts.edges.map(({ node: attempt }) => attempt);
    replace(
      attempts,
      recent.length
        ? h(
            "ul",
            { class: "staff-list staff-webhook-attempt-list", "aria-label": t("staff.webhooks.recentAttempts") },
            recent.map((attempt) => {
              const line = attemptLine(attempt, when);
              line.prepend(h("code", {}, attempt.eventType), attempt.test ? ` (${t("staff.webhooks.test")})` : "", " · ");
              return line;
            }),
          )
        : h("p", {}, t("staff.webhooks.noAttempts")),
    );
  };

  const refreshButton = h("button", { type: "button", class: "secondary" }, t("staff.webhooks.refresh"));
  const failure = h("p", { role: "alert", hidden: true });
  const refresh = async () => {
    refreshButton.disabled = true;
    failure.hidden = true;
    try {
      show((await request(STAFF_WEBHOOK_LOG, { id: endpoint.id, first: LOG_PAGE })).node);
    } catch (error) {
      if (!(error instanceof SignedOut)) {
        failure.textContent = t("app.error");
        failure.hidden = false;
      }
    } finally {
      refreshButton.disabled = false;
    }
  };
  refreshButton.addEventListener("click", refresh);
  show(endpoint);
  const element = h(
    "section",
    { class: "staff-webhook-log", "aria-labelledby": "staff-webhook-log-title" },
    h("h2", { id: "staff-webhook-log-title" }, t("staff.webhooks.deliveries")),
    h("div", { class: "actions" }, refreshButton),
    failure,
    deliveries,
    h("h3", {}, t("staff.webhooks.recentAttempts")),
    attempts,
  );
  return { element, refresh };
}
