// One return (RMA), opened by its number as our mails link it (/returns/R-…): where it stands and what came
// before, what happens next, the return slip, the lines, what is paid back and where the money went.
import { h } from "../dom.js";
import { request } from "../graphql.js";
import { formatMoney, t, useLanguage } from "../i18n.js";
import { RETURN_PAGE, RETURN_SLIP_LINK } from "../operations.js";
import { documentLink, facts, stateBadge, table, time, totals } from "../offer-return-parts.js";
import { href } from "../router.js";

// The steps a return goes through, with the moment each was reached.
const STEPS = [
  { status: "REQUESTED", at: "createdAt" },
  { status: "APPROVED", at: "approvedAt" },
  { status: "RECEIVED", at: "receivedAt" },
  { status: "REFUNDED", at: "refundedAt" },
  { status: "CLOSED", at: "closedAt" },
];

export async function render({ params, query }) {
  const { me, return: found } = await request(RETURN_PAGE, { number: params.number });
  useLanguage(me.settings.language);
  const timeZone = me.settings.timezone;
  const back = h("p", {}, h("a", { href: href("/returns") }, t("returns.back")));
  if (!found) {
    return h(
      "section",
      {},
      back,
      h("h1", { tabindex: "-1" }, t("return.notFound")),
      h("p", {}, t("return.notFoundHint", { number: params.number })),
    );
  }
  const zero = (money) => !Number(money.amount);
  return h(
    "section",
    {},
    back,
    h("h1", { tabindex: "-1" }, t("return.title", { number: found.number })),
    h(
      "p",
      { class: "summary" },
      stateBadge(t(`return.status.${found.status}`), found.status),
      " ",
      t(`return.resolution.${found.resolution}`),
    ),
    query.get("requested") ? h("p", { class: "notice", role: "status" }, t("return.requested")) : null,
    h("p", { class: "next" }, nextStep(found)),
    found.rejectionReason ? h("p", {}, t("return.rejectionReason"), " ", h("q", {}, found.rejectionReason)) : null,
    found.slipUrl
      ? h(
          "p",
          {},
          documentLink({
            url: found.slipUrl,
            label: t("return.downloadSlip"),
            refresh: async () => (await request(RETURN_SLIP_LINK, { number: found.number })).return?.slipUrl,
          }),
        )
      : null,
    h("h2", {}, t("return.history")),
    steps(found, timeZone),
    h("h2", {}, t("return.lines")),
    table(
      t("return.lines"),
      [
        { label: t("order.item") },
        { label: t("order.quantity"), numeric: true },
        { label: t("return.reason") },
        { label: t("return.amount"), numeric: true },
      ],
      found.lines.map((line) => [
        [line.name, h("br"), h("small", { class: "muted" }, line.sku)],
        String(line.quantity),
        t(`return.reason.${line.reason}`),
        formatMoney(line.amount),
      ]),
    ),
    found.resolution === "EXCHANGE"
      ? null
      : totals([
          [t("return.subtotal"), found.subtotal],
          [t("return.taxIncluded"), found.taxTotal],
          zero(found.restockingFee) ? null : [t("return.restockingFee"), negative(found.restockingFee)],
          zero(found.shippingDeduction) ? null : [t("return.shippingDeduction"), negative(found.shippingDeduction)],
          [t("return.refundTotal"), found.refundTotal],
        ]),
    facts([
      [t("return.destination"), t(`return.destination.${found.refundDestination}`)],
      found.resolution === "EXCHANGE" ? null : [t("return.refunded"), formatMoney(found.refundedAmount)],
      [t("return.order"), found.order ? h("a", { href: href(`/orders/${encodeURIComponent(found.order.id)}`) }, found.order.number) : null],
      [t("return.yourNote"), found.note ? h("span", { class: "pre" }, found.note) : null],
    ]),
    found.refunds.length ? refunds(found, timeZone) : null,
  );
}

function negative(money) {
  return { ...money, amount: `-${money.amount}` };
}

function nextStep(found) {
  if (found.status === "RECEIVED" && found.refundFailure) return t("return.next.refundDelayed");
  if (found.status === "RECEIVED" && found.resolution === "EXCHANGE") return t("return.next.exchange");
  return t(`return.next.${found.status}`);
}

/** The steps as a list: the ones reached with their moment, the current one marked, the rest to come. */
function steps(found, timeZone) {
  const path =
    found.status === "REJECTED"
      ? [STEPS[0], { status: "REJECTED", at: "rejectedAt" }]
      : found.resolution === "EXCHANGE"
        ? STEPS.filter((step) => step.status !== "REFUNDED")
        : STEPS;
  const current = path.findIndex((step) => step.status === found.status);
  return h(
    "ol",
    { class: "steps" },
    path.map((step, index) => {
      const reached = index <= current && found[step.at];
      return h(
        "li",
        { class: reached ? "done" : "todo", "aria-current": index === current ? "step" : null },
        h("span", {}, t(`return.step.${step.status}`)),
        reached ? time(found[step.at], timeZone, true) : h("span", { class: "muted" }, t("return.step.toCome")),
      );
    }),
  );
}

function refunds(found, timeZone) {
  return h(
    "div",
    {},
    h("h2", {}, t("return.refunds")),
    table(
      t("return.refunds"),
      [{ label: t("return.method") }, { label: t("return.refundStatus") }, { label: t("return.amount"), numeric: true }],
      found.refunds.map((refund) => [
        [refund.method, h("br"), time(refund.completedAt || refund.createdAt, timeZone)],
        t(`return.refund.${refund.status}`),
        formatMoney(refund.amount),
      ]),
    ),
  );
}
