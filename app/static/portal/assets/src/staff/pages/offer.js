// One offer for staff: its state, the customer, the lines and totals, the revision it is at and the versions
// revisions replaced. A NEW offer can be revised (the same line editor as "Write an offer", prefilled, with the
// reason the customer reads too) or withdrawn (with its reason). Each action answers with the offer: the page
// redraws in place and says what happened.
import { h, replace } from "../../dom.js";
import { formMessage, submit } from "../../forms.js";
import { request } from "../../graphql.js";
import { formatMoney, t, useLanguage } from "../../i18n.js";
import { formatMoment } from "../../moments.js";
import { facts, stateBadge, table, totals } from "../../offer-return-parts.js";
import { href } from "../../router.js";
import { textArea } from "../../support.js";
import { dayOf, endOfDay, lineEditor, showOfferErrors, validUntilField } from "../offer-lines.js";
import { STAFF_OFFER_PAGE, STAFF_REVISE_OFFER, STAFF_WITHDRAW_OFFER } from "../operations.js";
import { actionForm, customerLink, disclose } from "../parts.js";
import { notice } from "../returns-offers-parts.js";

export async function render({ params, query }) {
  const { me, offer } = await request(STAFF_OFFER_PAGE, { number: params.number });
  useLanguage(me.settings.language);
  const back = h("p", {}, h("a", { href: href("/staff/offers") }, t("staff.offer.back")));
  if (!offer) {
    return h(
      "section",
      {},
      back,
      h("h1", { tabindex: "-1" }, t("staff.offer.notFound")),
      h("p", {}, t("staff.offer.notFoundHint", { number: params.number })),
    );
  }
  const page = {
    me,
    offer,
    back,
    section: h("section", { class: "staff-offer-page" }),
    done: query.get("created") ? t("staff.offer.done.created") : null,
  };
  draw(page);
  return page.section;
}

function changed(page, offer, message) {
  page.offer = offer;
  page.done = message;
  draw(page);
  const shown = page.section.querySelector(".staff-notice");
  if (shown) shown.focus();
}

function draw(page) {
  const { me, offer } = page;
  const { timezone: timeZone, language } = me.settings;
  const at = (iso) => (iso ? h("time", { datetime: iso }, formatMoment(iso, timeZone, language)) : null);
  replace(
    page.section,
    page.back,
    h("h1", { tabindex: "-1" }, t("staff.offer.title", { number: offer.number })),
    h(
      "p",
      { class: "summary" },
      stateBadge(t(`staff.offer.state.${offer.state}`), offer.state),
      " ",
      t("staff.offer.revision", { revision: offer.revision }),
    ),
    page.done ? notice(page.done) : null,
    facts([
      [t("staff.offer.customer"), offer.customer ? customerLink(offer.customer) : null],
      [t("staff.offer.written"), at(offer.createdAt)],
      [t("staff.offer.revisedAt"), at(offer.revisedAt)],
      [t("staff.offer.validUntil"), at(offer.validUntil)],
      [t("staff.offer.acceptedAt"), at(offer.acceptedAt)],
      [t("staff.offer.paidAt"), at(offer.paidAt)],
      [t("staff.offer.rejectedAt"), at(offer.rejectedAt)],
      [t("staff.offer.rejectionReason"), offer.rejectionReason ? h("q", {}, offer.rejectionReason) : null],
      [t("staff.offer.expiredAt"), at(offer.expiredAt)],
      [t("staff.offer.withdrawnAt"), at(offer.withdrawnAt)],
      [t("staff.offer.order"), offer.order ? `${offer.order.number} (${offer.order.status})` : null],
      [t("staff.offer.note"), offer.note ? h("span", { class: "pre" }, offer.note) : null],
    ]),
    h("h2", {}, t("offer.lines")),
    linesTable(offer.lines, t("offer.lines")),
    totals([
      [t("offer.subtotal"), offer.subtotal],
      [t("offer.tax"), offer.taxTotal],
      [t("offer.total"), offer.total],
    ]),
    offer.revisions.length ? revisions(offer, at) : null,
    offer.state === "NEW" ? actions(page) : null,
  );
}

function linesTable(lines, label) {
  return table(
    label,
    [
      { label: t("order.item") },
      { label: t("order.quantity"), numeric: true },
      { label: t("offer.unitPrice"), numeric: true },
      { label: t("offer.taxRate"), numeric: true },
      { label: t("offer.lineTotal"), numeric: true },
    ],
    lines.map((line) => [
      [line.name, h("br"), h("small", { class: "muted" }, line.sku)],
      String(line.quantity),
      formatMoney(line.unitPrice),
      `${Number(line.taxRate)} %`,
      formatMoney(line.total),
    ]),
  );
}

/** The versions revisions replaced, newest first, each with its lines folded away. */
function revisions(offer, at) {
  return h(
    "div",
    { class: "staff-revisions" },
    h("h2", {}, t("staff.offer.revisions")),
    h(
      "ol",
      { class: "staff-list", reversed: true },
      [...offer.revisions].reverse().map((revision) =>
        h(
          "li",
          {},
          h(
            "details",
            {},
            h(
              "summary",
              {},
              t("staff.offer.version", { number: revision.number, total: formatMoney(revision.total) }),
              " · ",
              t("staff.offer.replacedOn"),
              " ",
              at(revision.revisedAt),
            ),
            facts([
              [t("staff.offer.written"), at(revision.createdAt)],
              [t("staff.offer.validUntil"), at(revision.validUntil)],
              [t("staff.offer.note"), revision.note ? h("span", { class: "pre" }, revision.note) : null],
            ]),
            linesTable(revision.lines, t("staff.offer.versionLines", { number: revision.number })),
          ),
        ),
      ),
    ),
  );
}

function actions(page) {
  return h(
    "div",
    { class: "staff-actions" },
    h("h2", {}, t("staff.offer.actions")),
    reviseStep(page),
    h("h3", {}, t("staff.offer.withdrawTitle")),
    actionForm({
      label: t("staff.offer.withdrawTitle"),
      submitLabel: t("staff.offer.withdraw"),
      danger: true,
      reason: false,
      fields: [textArea({ name: "reason", label: t("staff.offer.reasonLabel"), hint: t("staff.offer.reasonHint"), maxlength: 500, rows: 2 })],
      run: async (values) =>
        (await request(STAFF_WITHDRAW_OFFER, { input: { offerId: page.offer.id, reason: values.reason } })).withdrawOffer,
      done: (payload) => changed(page, payload.offer, t("staff.offer.done.withdrawn")),
    }),
  );
}

/** "Revise…" opens the line editor prefilled with the offer as it is, its validity and note, and the reason. */
function reviseStep(page) {
  const { me, offer } = page;
  const timeZone = me.settings.timezone;
  const open = h("button", { type: "button", "aria-expanded": "false" }, t("staff.offer.revise"));
  const editor = lineEditor({ lines: offer.lines, currency: () => offer.currencyCode });
  const noteArea = textArea({ name: "note", label: t("staff.offerNew.note"), hint: t("staff.offerNew.noteHint"), required: false, maxlength: 2000, rows: 3 });
  noteArea.querySelector("textarea").value = offer.note || "";
  const form = h(
    "form",
    { novalidate: true, class: "staff-action staff-offer-form", hidden: true, "aria-label": t("staff.offer.reviseTitle") },
    h("p", { class: "hint", tabindex: "-1", "data-first": "" }, t("staff.offer.reviseHint", { currency: offer.currencyCode })),
    formMessage(),
    editor.element,
    validUntilField(dayOf(offer.validUntil, timeZone)),
    noteArea,
    textArea({ name: "reason", label: t("staff.offer.reasonLabel"), hint: t("staff.offer.reasonHint"), maxlength: 500, rows: 2 }),
    h(
      "div",
      { class: "actions" },
      h("button", { type: "submit" }, t("staff.offer.reviseSend")),
      h("button", { type: "button", class: "secondary", "data-cancel": "" }, t("staff.offer.keep")),
    ),
  );
  disclose(open, form);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const values = new FormData(form);
    if (!values.get("validUntil")) {
      showOfferErrors(form, [{ field: ["validUntil"], message: t("staff.offerLines.validUntilRequired") }]);
      return;
    }
    const input = {
      offerId: offer.id,
      lines: editor.read(),
      validUntil: endOfDay(values.get("validUntil"), timeZone),
      note: String(values.get("note") || "").trim() || null,
      reason: String(values.get("reason") || ""),
    };
    const data = await submit(form, () => request(STAFF_REVISE_OFFER, { input }));
    if (!data) return;
    const payload = data.reviseOffer;
    if (payload.userErrors.length) {
      showOfferErrors(form, payload.userErrors);
      return;
    }
    changed(page, payload.offer, t("staff.offer.done.revised", { revision: payload.offer.revision }));
  });
  return h("div", {}, h("h3", {}, t("staff.offer.reviseTitle")), open, form);
}
