// One support ticket, opened by its number (the route our mails link to): the conversation, live through
// ticketUpdated (a staff reply appears without a reload, announced politely), reply, close and rate.
import { h, replace } from "../dom.js";
import { formMessage, showErrors, submit } from "../forms.js";
import { request, SignedOut } from "../graphql.js";
import { t, useLanguage } from "../i18n.js";
import { subscribe } from "../live.js";
import { formatMoment } from "../moments.js";
import { CLOSE_TICKET, RATE_TICKET, REPLY_TO_TICKET, TICKET_LIVE, TICKET_PAGE, TICKET_STATE } from "../operations.js";
import { href } from "../router.js";
import { stateBadge, textArea, worded } from "../support.js";

export async function render({ params, onLeave }) {
  const { me, ticket } = await request(TICKET_PAGE, { number: params.number });
  useLanguage(me.settings.language);
  const back = h("p", {}, h("a", { href: href("/tickets") }, t("ticket.back")));
  if (!ticket) {
    return h(
      "section",
      {},
      back,
      h("h1", { tabindex: "-1" }, t("ticket.notFound")),
      h("p", {}, t("ticket.notFoundHint", { number: params.number })),
    );
  }
  const view = new TicketView(ticket, me.settings);
  onLeave(
    subscribe(TICKET_LIVE, { ticketId: ticket.id }, {
      next: (data) => view.changed(data.ticketUpdated),
      error: () => view.note(t("ticket.liveUnavailable")),
      interrupted: () => view.note(t("ticket.liveInterrupted")),
      resumed: () => view.reload(),
    }),
  );
  return h("section", { class: "ticket" }, back, view.element);
}

class TicketView {
  constructor(ticket, settings) {
    this.ticket = ticket;
    this.timeZone = settings.timezone;
    this.language = settings.language;
    this.shown = new Set();
    this.state = h("span", {});
    this.messages = h("ol", { class: "messages", "aria-label": t("ticket.conversation") });
    this.live = h("p", { class: "live-note", role: "status", "aria-live": "polite" });
    this.actions = h("div", { class: "ticket-actions" });
    this.element = h(
      "div",
      {},
      h("h1", { tabindex: "-1" }, ticket.subject),
      h(
        "p",
        { class: "muted ticket-meta" },
        `${ticket.number} · ${t(`ticket.category.${ticket.category}`)} · `,
        this.state,
        ticket.order
          ? [" · ", h("a", { href: href(`/orders/${encodeURIComponent(ticket.order.id)}`) }, t("ticket.aboutOrder", { number: ticket.order.number }))]
          : null,
      ),
      this.messages,
      this.live,
      this.actions,
    );
    this.addMessages(ticket.messages);
    this.paint();
  }

  note(text) {
    this.live.textContent = text;
  }

  addMessages(messages) {
    const added = [];
    for (const message of messages) {
      if (this.shown.has(message.id)) continue;
      this.shown.add(message.id);
      this.messages.append(this.bubble(message));
      added.push(message);
    }
    return added;
  }

  bubble(message) {
    const staff = message.authorKind === "STAFF";
    return h(
      "li",
      { class: staff ? "message from-staff" : "message from-customer" },
      h(
        "p",
        { class: "message-head" },
        h("strong", {}, staff ? message.authorName || t("ticket.supportTeam") : t("ticket.you")),
        " · ",
        h("time", { datetime: message.createdAt }, formatMoment(message.createdAt, this.timeZone, this.language)),
      ),
      // white-space: pre-wrap keeps the line breaks as they were typed.
      h("p", { class: "message-body" }, message.body),
    );
  }

  /** A ticketUpdated event: a new message, another state, a rating. */
  changed(event) {
    Object.assign(this.ticket, event.ticket, { state: event.state });
    const added = event.message ? this.addMessages([event.message]) : [];
    const fromStaff = added.find((message) => message.authorKind === "STAFF");
    this.paint();
    if (fromStaff) this.note(t("ticket.newReply", { name: fromStaff.authorName || t("ticket.supportTeam") }));
    else if (event.change === "STATE") this.note(t("ticket.stateChanged", { state: t(`ticket.state.${event.state}`) }));
  }

  /** After a dropped connection: read the ticket again (messages meanwhile were not delivered). */
  async reload() {
    try {
      const { ticket } = await request(TICKET_STATE, { number: this.ticket.number });
      if (!ticket) return;
      Object.assign(this.ticket, ticket);
      const added = this.addMessages(ticket.messages);
      this.paint();
      this.note(added.length ? t("ticket.newMessages") : "");
    } catch (error) {
      if (!(error instanceof SignedOut)) this.note(t("ticket.liveUnavailable"));
    }
  }

  paint() {
    const ticket = this.ticket;
    replace(this.state, stateBadge(ticket.state));
    const closed = ticket.state === "CLOSED";
    const rateable = (ticket.state === "RESOLVED" || closed) && !ticket.rating;
    // The forms are kept across updates (what the customer typed stays); the rest follows the ticket.
    replace(
      this.actions,
      closed ? h("p", { class: "notice-closed" }, t("ticket.closedHint"), " ", h("a", { href: href("/tickets") }, t("ticket.openAnother"))) : null,
      ticket.rating ? this.ratingShown(ticket.rating) : null,
      rateable ? this.rateForm() : null,
      closed ? null : this.replyForm(),
      closed ? null : this.closeControl(),
    );
  }

  replyForm() {
    if (this.reply) return this.reply; // the same form across updates: what the customer typed stays
    const form = h(
      "form",
      { novalidate: true, class: "reply", "aria-label": t("ticket.reply") },
      formMessage(),
      textArea({ name: "body", label: t("ticket.yourReply"), maxlength: 5000, rows: 5 }),
      h("div", { class: "actions" }, h("button", { type: "submit" }, t("ticket.send"))),
    );
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const body = form.elements.body.value;
      const data = await submit(form, () => request(REPLY_TO_TICKET, { input: { ticketId: this.ticket.id, body } }));
      if (!data) return;
      const payload = data.replyToTicket;
      if (payload.userErrors.length) {
        showErrors(form, worded(payload.userErrors));
        return;
      }
      showErrors(form, []);
      form.elements.body.value = "";
      Object.assign(this.ticket, payload.ticket);
      this.addMessages(payload.ticket.messages);
      this.paint();
      this.note(t("ticket.sent"));
      form.elements.body.focus();
    });
    this.reply = form;
    return form;
  }

  closeControl() {
    const wrapper = h("div", { class: "close-ticket" });
    const ask = h("button", { type: "button", class: "secondary" }, t("ticket.close"));
    ask.addEventListener("click", () => {
      const error = h("p", { class: "form-error", role: "alert", hidden: true });
      const confirm = h("button", { type: "button" }, t("ticket.closeConfirm"));
      const cancel = h("button", { type: "button", class: "link" }, t("ticket.closeCancel"));
      const box = h(
        "div",
        { class: "confirm-box", role: "group", "aria-label": t("ticket.close") },
        h("p", {}, t("ticket.closeQuestion")),
        error,
        h("div", { class: "actions" }, confirm, cancel),
      );
      cancel.addEventListener("click", () => {
        replace(wrapper, ask);
        ask.focus();
      });
      confirm.addEventListener("click", async () => {
        confirm.disabled = true;
        try {
          const payload = (await request(CLOSE_TICKET, { input: { ticketId: this.ticket.id } })).closeTicket;
          if (payload.userErrors.length) {
            error.textContent = worded(payload.userErrors).map((e) => e.message).join(" ");
            error.hidden = false;
            return;
          }
          Object.assign(this.ticket, payload.ticket);
          this.paint();
          this.note(t("ticket.closed"));
          this.element.querySelector("h1").focus();
        } catch (failure) {
          if (!(failure instanceof SignedOut)) {
            error.textContent = t("app.error");
            error.hidden = false;
          }
        } finally {
          confirm.disabled = false;
        }
      });
      replace(wrapper, box);
      confirm.focus();
    });
    wrapper.append(ask);
    return wrapper;
  }

  rateForm() {
    if (this.rate) return this.rate;
    const legendId = `rating-legend-${this.ticket.id}`;
    const form = h(
      "form",
      { novalidate: true, class: "rate", "aria-labelledby": legendId },
      h("h2", { id: legendId }, t("ticket.rateTitle")),
      formMessage(),
      h(
        "fieldset",
        { class: "stars" },
        h("legend", {}, t("ticket.rateQuestion")),
        [1, 2, 3, 4, 5].map((value) =>
          h(
            "label",
            { class: "star" },
            h("input", { type: "radio", name: "rating", value: String(value), required: true }),
            t(`ticket.rating.${value}`),
          ),
        ),
        h("p", { class: "field-error", "data-error-for": "rating", hidden: true }),
      ),
      textArea({ name: "comment", label: t("ticket.rateComment"), required: false, maxlength: 1000, rows: 3 }),
      h("div", { class: "actions" }, h("button", { type: "submit" }, t("ticket.rateSend"))),
    );
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const picked = form.querySelector('input[name="rating"]:checked');
      if (!picked) {
        showErrors(form, [{ field: ["input", "rating"], message: t("ticket.error.pickRating") }]);
        return;
      }
      const input = { ticketId: this.ticket.id, rating: Number(picked.value), comment: form.elements.comment.value.trim() || null };
      const data = await submit(form, () => request(RATE_TICKET, { input }));
      if (!data) return;
      const payload = data.rateTicket;
      if (payload.userErrors.length) {
        showErrors(form, worded(payload.userErrors));
        return;
      }
      Object.assign(this.ticket, payload.ticket);
      this.paint();
      this.note(t("ticket.rated"));
    });
    this.rate = form;
    return form;
  }

  ratingShown(rating) {
    return h(
      "p",
      { class: "rated" },
      t("ticket.yourRating", { rating: rating.rating }),
      rating.comment ? [" ", h("q", {}, rating.comment)] : null,
    );
  }
}
