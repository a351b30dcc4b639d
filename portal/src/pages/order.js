// One order: status (live, through orderStatusChanged), what to do next (pay, return, ask us), lines and
// totals, parcels with their tracking, invoice and receipts, and the timeline of its statuses.
import { h, replace } from "../dom.js";
import { request, SignedOut } from "../graphql.js";
import { formatDate, formatMoney, t, useLanguage } from "../i18n.js";
import { subscribe } from "../live.js";
import { formatMoment } from "../moments.js";
import { ORDER_DETAIL_PAGE, ORDER_DOCUMENTS, ORDER_LIVE } from "../operations.js";
import { href } from "../router.js";

// Document links are signed for DOCUMENT_LINK_MINUTES (15 by default): older ones are fetched again on click.
const LINK_FRESH_MS = 10 * 60 * 1000;
const PAYABLE_INVOICE = "OPEN";
const RETURNABLE_STATUS = "DELIVERED"; // returns are for delivered orders (the return window is checked there)

export async function render({ params, onLeave }) {
  const { me, node } = await request(ORDER_DETAIL_PAGE, { id: params.id });
  useLanguage(me.settings.language);
  const back = h("p", {}, h("a", { href: href("/orders") }, t("nav.back")));
  if (!node || !node.number) {
    return h("section", {}, h("h1", { tabindex: "-1" }, t("order.notFound")), back);
  }
  const view = new OrderView(node, me.settings);
  onLeave(
    subscribe(ORDER_LIVE, { orderId: node.id }, {
      next: (data) => view.changed(data.orderStatusChanged),
      error: () => view.note(t("order.liveUnavailable")),
      interrupted: () => view.note(t("order.liveInterrupted")),
      resumed: () => view.reload(params.id),
    }),
  );
  return h("section", { class: "order" }, back, view.element);
}

class OrderView {
  constructor(order, settings) {
    this.order = order;
    this.timeZone = settings.timezone;
    this.language = settings.language;
    this.linksAt = Date.now();
    this.status = h("span", { class: "status" });
    this.actions = h("div", { class: "actions order-actions" });
    this.shipments = h("div", {});
    this.documents = h("div", {});
    this.timeline = h("div", {});
    // Announced politely: a screen reader finishes what it is reading first.
    this.live = h("p", { class: "live-note", role: "status", "aria-live": "polite" });
    this.element = h(
      "div",
      {},
      h("h1", { tabindex: "-1" }, t("order.title", { number: order.number })),
      h(
        "p",
        { class: "muted" },
        this.status,
        " · ",
        t("order.placed", {}),
        " ",
        h("time", { datetime: order.placedAt }, formatDate(order.placedAt, this.timeZone)),
      ),
      this.live,
      this.actions,
      lines(order),
      shippingAddress(order.shippingAddress),
      this.shipments,
      this.documents,
      this.timeline,
    );
    this.paint();
  }

  /** An orderStatusChanged event: the order as it is now. */
  changed(event) {
    Object.assign(this.order, event.order);
    this.linksAt = Date.now();
    this.paint();
    this.note(t("order.statusChanged", { status: t(`status.${event.status}`) }));
  }

  note(text) {
    this.live.textContent = text;
  }

  /** After a dropped connection: events may have been missed, so read the order again. */
  async reload(id) {
    try {
      const { node } = await request(ORDER_DETAIL_PAGE, { id });
      if (!node || !node.number) return;
      const before = this.order.status;
      Object.assign(this.order, node);
      this.linksAt = Date.now();
      this.paint();
      this.note(before === node.status ? "" : t("order.statusChanged", { status: t(`status.${node.status}`) }));
    } catch (error) {
      if (!(error instanceof SignedOut)) this.note(t("order.liveUnavailable"));
    }
  }

  paint() {
    const order = this.order;
    this.status.textContent = t(`status.${order.status}`);
    replace(this.actions, this.nextSteps());
    replace(this.shipments, shipments(order.shipments, this.timeZone, this.language));
    replace(this.documents, this.documentList());
    replace(this.timeline, timeline(order.timeline, this.timeZone, this.language));
  }

  nextSteps() {
    const order = this.order;
    const id = encodeURIComponent(order.id);
    const steps = [];
    const processing = order.payments.some((payment) => payment.status === "PROCESSING");
    if (order.invoice && order.invoice.status === PAYABLE_INVOICE && !processing) {
      steps.push(h("a", { class: "button", href: href(`/orders/${id}/pay`) }, t("order.payNow")));
    }
    if (order.status === RETURNABLE_STATUS) {
      steps.push(h("a", { class: "button secondary-button", href: href(`/returns/new?order=${id}`) }, t("order.returnItems")));
    }
    steps.push(h("a", { href: href(`/tickets?order=${id}`) }, t("order.askSupport")));
    return steps;
  }

  documentList() {
    const order = this.order;
    const items = [];
    if (order.invoice) {
      const invoice = order.invoice;
      items.push(
        h(
          "li",
          {},
          h("span", {}, t("order.invoice", { number: invoice.number }), " · ", t(`invoice.${invoice.status}`)),
          invoice.status === PAYABLE_INVOICE
            ? h("span", { class: "muted" }, t("order.amountDue", { amount: formatMoney(invoice.amountDue) }))
            : null,
          this.download(invoice.downloadUrl, t("order.downloadInvoice", { number: invoice.number }), (documents) =>
            documents.invoice ? documents.invoice.downloadUrl : null,
          ),
        ),
      );
    }
    for (const payment of order.payments) {
      if (payment.status === "PROCESSING" || payment.status === "REQUIRES_ACTION") {
        const words = { method: payment.method, amount: formatMoney(payment.amount) };
        items.push(h("li", { class: "payment-waiting" }, h("span", {}, t(`order.payment.${payment.status}`, words))));
        continue;
      }
      if (!payment.receiptUrl) continue;
      items.push(
        h(
          "li",
          {},
          h(
            "span",
            {},
            t("order.receipt", { number: payment.receiptNumber || "" }),
            " · ",
            payment.method,
            " · ",
            formatMoney(payment.amount),
          ),
          this.download(payment.receiptUrl, t("order.downloadReceipt", { number: payment.receiptNumber || "" }), (documents) => {
            const fresh = documents.payments.find((candidate) => candidate.id === payment.id);
            return fresh ? fresh.receiptUrl : null;
          }),
        ),
      );
    }
    return [
      h("h2", {}, t("order.documents")),
      items.length ? h("ul", { class: "documents" }, items) : h("p", { class: "muted" }, t("order.noDocuments")),
    ];
  }

  /** A document link; one older than its signature's lifetime is signed again before it is followed. */
  download(url, label, pick) {
    const link = h("a", { href: url, download: "" }, label);
    link.addEventListener("click", async (event) => {
      if (Date.now() - this.linksAt < LINK_FRESH_MS) return;
      event.preventDefault();
      try {
        const { node } = await request(ORDER_DOCUMENTS, { id: this.order.id });
        const fresh = node && pick(node);
        if (!fresh) return;
        link.href = fresh;
        location.assign(fresh);
      } catch (error) {
        if (!(error instanceof SignedOut)) this.note(t("app.error"));
      }
    });
    return link;
  }
}

function lines(order) {
  const money = (label, value) => h("div", {}, h("dt", {}, label), h("dd", {}, formatMoney(value)));
  return [
    h("h2", {}, t("order.lines")),
    h(
      "div",
      { class: "table-wrap" },
      h(
        "table",
        {},
        h(
          "thead",
          {},
          h(
            "tr",
            {},
            h("th", { scope: "col" }, t("order.item")),
            h("th", { scope: "col", class: "num" }, t("order.quantity")),
            h("th", { scope: "col", class: "num" }, t("order.unitPrice")),
            h("th", { scope: "col", class: "num" }, t("order.lineTotal")),
          ),
        ),
        h(
          "tbody",
          {},
          order.lines.map((line) =>
            h(
              "tr",
              {},
              h("td", {}, line.name, h("br"), h("small", { class: "muted" }, line.sku)),
              h("td", { class: "num" }, String(line.quantity)),
              h("td", { class: "num" }, formatMoney(line.unitPrice)),
              h("td", { class: "num" }, formatMoney(line.total)),
            ),
          ),
        ),
      ),
    ),
    h(
      "dl",
      { class: "totals" },
      money(t("order.subtotal"), order.subtotal),
      Number(order.discountTotal.amount) ? money(t("order.discount"), order.discountTotal) : null,
      money(t("order.shipping"), order.shippingTotal),
      money(t("order.tax"), order.taxTotal),
      money(t("order.total"), order.total),
    ),
  ];
}

function shippingAddress(address) {
  if (!address) return null;
  const name = [address.firstName, address.lastName].filter(Boolean).join(" ");
  const place = [address.postalCode, address.city].filter(Boolean).join(" ");
  const rows = [name, address.company, address.line1, address.line2, place, address.region, address.countryCode];
  return [
    h("h2", {}, t("order.shippingAddress")),
    h("address", { class: "order-address" }, rows.filter(Boolean).map((row) => h("span", {}, row))),
  ];
}

function shipments(parcels, timeZone, language) {
  const heading = h("h2", {}, t("order.shipments"));
  if (!parcels.length) return [heading, h("p", { class: "muted" }, t("order.noShipments"))];
  return [
    heading,
    h(
      "ul",
      { class: "parcels" },
      parcels.map((parcel, index) =>
        h(
          "li",
          { class: "parcel" },
          h(
            "h3",
            {},
            t("order.parcel", { number: index + 1, carrier: parcel.carrier }),
            " · ",
            h("span", { class: "status" }, t(`shipment.${parcel.status}`)),
          ),
          tracking(parcel),
          h(
            "p",
            { class: "muted" },
            t("order.parcelContents"),
            " ",
            parcel.lines.map((line) => `${line.quantity} × ${line.sku}`).join(", "),
          ),
          parcel.events.length
            ? h(
                "ol",
                { class: "tracking", "aria-label": t("order.trackingEvents", { carrier: parcel.carrier }) },
                [...parcel.events].reverse().map((event) =>
                  h(
                    "li",
                    {},
                    h("time", { datetime: event.occurredAt }, formatMoment(event.occurredAt, timeZone, language)),
                    h(
                      "span",
                      {},
                      h("strong", {}, t(`shipment.${event.status}`)),
                      event.location ? ` · ${event.location}` : "",
                    ),
                    h("span", {}, event.description),
                  ),
                ),
              )
            : h("p", { class: "muted" }, t("order.noTracking")),
        ),
      ),
    ),
  ];
}

function tracking(parcel) {
  if (!parcel.trackingNumber && !parcel.trackingUrl) return null;
  return h(
    "p",
    {},
    parcel.trackingNumber ? [t("order.trackingNumber"), " ", h("code", {}, parcel.trackingNumber)] : null,
    parcel.trackingNumber && parcel.trackingUrl ? " · " : null,
    parcel.trackingUrl && /^https?:\/\//i.test(parcel.trackingUrl)
      ? h(
          "a",
          { href: parcel.trackingUrl, rel: "noopener noreferrer", target: "_blank" },
          t("order.trackParcel", { carrier: parcel.carrier }),
        )
      : null,
  );
}

function timeline(entries, timeZone, language) {
  return [
    h("h2", {}, t("order.timeline")),
    h(
      "ol",
      { class: "timeline" },
      [...entries].reverse().map((entry) => {
        const note = entryNote(entry);
        return h(
          "li",
          {},
          h("time", { datetime: entry.at }, formatMoment(entry.at, timeZone, language)),
          h("strong", {}, t(`status.${entry.status}`)),
          note ? h("span", { class: "note" }, note) : null,
        );
      }),
    ),
  ];
}

// The entries our server writes carry a reason: worded here in the reader's language (their note is the
// English of it). The order system's notes are the shop's own words and are shown as they are, as is the
// note of a reason this portal does not know yet.
function entryNote(entry) {
  if (!entry.reason) return entry.note;
  if (entry.reason === "RETURN_REFUNDED") return refunded(entry);
  const withCard = entry.reason === "PAID_ONLINE" && entry.paymentMethod;
  const key = withCard ? "order.reason.PAID_ONLINE_WITH" : `order.reason.${entry.reason}`;
  const worded = t(key, { offer: entry.offerNumber ?? "", method: entry.paymentMethod ?? "" });
  return worded === key ? entry.note : worded;
}

function refunded(entry) {
  if (!entry.refundedAmount) return entry.note;
  const parts = (entry.refunds ?? []).map((part) => {
    const amount = formatMoney(part.amount);
    if (part.destination === "STORE_CREDIT") return t("order.refundPart.STORE_CREDIT", { amount });
    if (part.paymentMethod) return t("order.refundPart.CARD", { amount, method: part.paymentMethod });
    return t("order.refundPart.ORIGINAL_PAYMENT", { amount });
  });
  const values = { number: entry.returnNumber ?? "", amount: formatMoney(entry.refundedAmount), parts: parts.join(", ") };
  return t(parts.length ? "order.reason.RETURN_REFUNDED_PARTS" : "order.reason.RETURN_REFUNDED", values);
}
