// One ticket for staff: the thread (customer messages, staff replies, internal notes marked as such), live through
// ticketUpdated(ticketId); beside it the customer (a link to their console page, recent orders and returns); and
// the actions: reply, internal note, assign (to me, a colleague or nobody), change state.
// All of the page's data comes in one request.
import { h, replace } from "../../dom.js";
import { choice, formMessage, showErrors, submit } from "../../forms.js";
import { request, SignedOut } from "../../graphql.js";
import { formatMoney, t, useLanguage } from "../../i18n.js";
import { subscribe } from "../../live.js";
import { formatMoment } from "../../moments.js";
import { href } from "../../router.js";
import { textArea } from "../../support.js";
import {
  STAFF_ADD_TICKET_NOTE,
  STAFF_ASSIGN_TICKET,
  STAFF_REPLY_TO_TICKET,
  STAFF_SET_TICKET_STATE,
  STAFF_TICKET_LIVE,
  STAFF_TICKET_PAGE,
  STAFF_TICKET_STATE,
} from "../operations.js";
import { eventTypeLabel } from "../help-audit-parts.js";
import { customerLink, customerName } from "../parts.js";
import { assigneeName, checkBox, STATES, stateBadge } from "../queue-parts.js";

export async function render({ params, onLeave }) {
  const { me, ticket, colleagues } = await request(STAFF_TICKET_PAGE, { number: params.number });
  useLanguage(me.settings.language);
  const back = h("p", {}, h("a", { href: href("/staff/tickets") }, t("staff.ticket.back")));
  if (!ticket) {
    return h(
      "section",
      {},
      back,
      h("h1", { tabindex: "-1" }, t("staff.ticket.notFound")),
      h("p", {}, t("staff.ticket.notFoundHint", { number: params.number })),
    );
  }
  const view = new StaffTicketView(ticket, me, colleagues.edges.map(({ node }) => node));
  onLeave(
    subscribe(STAFF_TICKET_LIVE, { ticketId: ticket.id }, {
      next: (data) => view.changed(data.ticketUpdated),
      error: () => view.note(t("staff.queue.liveUnavailable")),
      interrupted: () => view.note(t("staff.queue.liveInterrupted")),
      resumed: () => view.reload(),
    }),
  );
  return h("section", { class: "ticket staff-ticket" }, back, view.element);
}

class StaffTicketView {
  constructor(ticket, me, colleagues) {
    this.ticket = ticket;
    this.me = me;
    this.colleagues = colleagues.filter((colleague) => colleague.id !== me.id);
    this.timeZone = me.settings.timezone;
    this.language = me.settings.language;
    this.shown = new Set();
    this.state = h("span", {});
    this.assignee = h("span", { class: "staff-ticket-assignee" });
    this.messages = h("ol", { class: "messages", "aria-label": t("staff.ticket.thread") });
    this.live = h("p", { class: "live-note", role: "status", "aria-live": "polite" });
    this.actions = h("div", { class: "staff-ticket-actions" });
    this.element = h(
      "div",
      {},
      h("h1", { tabindex: "-1" }, ticket.subject),
      h(
        "p",
        { class: "muted ticket-meta" },
        `${ticket.number} · ${t(`staff.queue.category.${ticket.category}`)} · `,
        this.state,
        " · ",
        this.assignee,
        ticket.order ? [" · ", t("staff.ticket.aboutOrder", { number: ticket.order.number })] : null,
        ticket.return ? [" · ", t("staff.ticket.aboutReturn", { number: ticket.return.number })] : null,
      ),
      h(
        "div",
        { class: "staff-ticket-layout" },
        h("div", { class: "staff-ticket-main" }, this.messages, this.live, this.actions),
        this.customerContext(ticket.customer),
      ),
    );
    this.addMessages(ticket.messages);
    this.paint();
  }

  note(text) {
    this.live.textContent = text;
  }

  customerContext(customer) {
    if (!customer) return h("aside", { class: "staff-ticket-customer" }, h("p", { class: "muted" }, t("staff.queue.noCustomer")));
    const orders = customer.orders ? customer.orders.edges.map(({ node }) => node) : [];
    const returns = customer.returns ? customer.returns.edges.map(({ node }) => node) : [];
    const events = customer.securityEvents ? customer.securityEvents.edges.map(({ node }) => node) : [];
    return h(
      "aside",
      { class: "staff-ticket-customer", "aria-labelledby": "staff-ticket-customer-title" },
      h("h2", { id: "staff-ticket-customer-title" }, t("staff.ticket.customer")),
      h("p", {}, customerLink(customer), h("br"), h("span", { class: "muted" }, customer.email)),
      h("h3", {}, t("staff.ticket.orders")),
      orders.length
        ? h(
            "ul",
            { class: "staff-ticket-facts" },
            orders.map((order) =>
              h(
                "li",
                {},
                h("strong", {}, order.number),
                ` · ${t(`status.${order.status}`)} · ${formatMoney(order.total)} · `,
                h("time", { datetime: order.placedAt }, formatMoment(order.placedAt, this.timeZone, this.language)),
              ),
            ),
          )
        : h("p", { class: "muted" }, t("staff.ticket.noOrders")),
      h("h3", {}, t("staff.ticket.returns")),
      returns.length
        ? h(
            "ul",
            { class: "staff-ticket-facts" },
            returns.map((item) => h("li", {}, h("strong", {}, item.number), ` · ${t(`return.status.${item.status}`)}`)),
          )
        : h("p", { class: "muted" }, t("staff.ticket.noReturns")),
      // What happened to the account lately (a locked account, a new email, a reset) often explains the ticket.
      h("h3", {}, t("staff.ticket.security")),
      events.length
        ? h(
            "ul",
            { class: "staff-ticket-facts" },
            events.map((event) =>
              h(
                "li",
                {},
                h("strong", {}, eventTypeLabel(event.type)),
                event.outcome === "SUCCESS" ? " · " : ` (${t(`staff.ticket.outcome.${event.outcome}`)}) · `,
                h("time", { datetime: event.createdAt }, formatMoment(event.createdAt, this.timeZone, this.language)),
              ),
            ),
          )
        : h("p", { class: "muted" }, t("staff.ticket.noSecurity")),
    );
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
    const kind = message.internal ? "internal-note" : staff ? "from-staff" : "from-customer";
    const author = staff ? message.authorName || t("staff.ticket.supportTeam") : customerName(this.ticket.customer) || t("staff.ticket.theCustomer");
    return h(
      "li",
      { class: `message ${kind}` },
      message.internal ? h("p", { class: "internal-mark" }, h("strong", {}, t("staff.ticket.internalMark"))) : null,
      h(
        "p",
        { class: "message-head" },
        h("strong", {}, author),
        " · ",
        h("time", { datetime: message.createdAt }, formatMoment(message.createdAt, this.timeZone, this.language)),
      ),
      h("p", { class: "message-body" }, message.body),
    );
  }

  /** A ticketUpdated event: a message or note, another state, an assignment, a rating. */
  changed(event) {
    const before = { state: this.ticket.state, assignee: this.ticket.assignee ? this.ticket.assignee.id : null };
    Object.assign(this.ticket, event.ticket, { state: event.state });
    const added = event.message ? this.addMessages([event.message]) : [];
    this.paint();
    const now = { state: this.ticket.state, assignee: this.ticket.assignee ? this.ticket.assignee.id : null };
    const message = added[0];
    if (message && message.internal) this.note(t("staff.ticket.newNote", { name: message.authorName || t("staff.ticket.supportTeam") }));
    else if (message && message.authorKind === "STAFF") this.note(t("staff.ticket.newReply", { name: message.authorName || t("staff.ticket.supportTeam") }));
    else if (message) this.note(t("staff.ticket.newCustomerMessage"));
    else if (now.state !== before.state) this.note(t("staff.ticket.stateChanged", { state: t(`staff.queue.state.${now.state}`) }));
    else if (now.assignee !== before.assignee) this.note(t("staff.ticket.assigneeChanged", { name: assigneeName(this.ticket.assignee) }));
  }

  /** After a dropped connection: read the ticket again (changes meanwhile were not delivered). */
  async reload() {
    try {
      const { ticket } = await request(STAFF_TICKET_STATE, { number: this.ticket.number });
      if (!ticket) return;
      Object.assign(this.ticket, ticket);
      const added = this.addMessages(ticket.messages);
      this.paint();
      this.note(added.length ? t("staff.ticket.newMessages") : "");
    } catch (error) {
      if (!(error instanceof SignedOut)) this.note(t("staff.queue.liveUnavailable"));
    }
  }

  /** What a mutation answered: the ticket as it is now. */
  took(ticket) {
    Object.assign(this.ticket, ticket);
    if (ticket.messages) this.addMessages(ticket.messages);
    this.paint();
  }

  paint() {
    const ticket = this.ticket;
    replace(this.state, stateBadge(ticket.state));
    replace(this.assignee, t("staff.queue.assignedTo", { name: assigneeName(ticket.assignee) }));
    const closed = ticket.state === "CLOSED";
    // The forms are kept across updates (what the agent typed stays); the rest follows the ticket.
    replace(
      this.actions,
      ticket.rating ? h("p", { class: "rated" }, t("staff.ticket.rating", { rating: ticket.rating.rating }), ticket.rating.comment ? [" ", h("q", {}, ticket.rating.comment)] : null) : null,
      closed ? h("p", { class: "notice-closed" }, t("staff.ticket.closedHint")) : this.replyForm(),
      closed ? null : this.noteForm(),
      this.assignForm(),
      this.stateForm(),
    );
    this.assignControls();
    if (this.stateChoice) this.stateChoice.value = ticket.state;
  }

  /** A form sending one mutation whose payload is { ticket, userErrors }: errors at their fields, the ticket taken. */
  wire(form, send, done) {
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const data = await submit(form, () => send(event.submitter));
      if (!data) return;
      const payload = Object.values(data)[0];
      if (payload.userErrors.length) {
        showErrors(form, payload.userErrors);
        return;
      }
      showErrors(form, []);
      this.took(payload.ticket);
      done(payload.ticket);
    });
    return form;
  }

  replyForm() {
    if (this.reply) return this.reply;
    const form = h(
      "form",
      { novalidate: true, class: "reply staff-action", "aria-label": t("staff.ticket.reply") },
      h("h2", {}, t("staff.ticket.reply")),
      formMessage(),
      textArea({ name: "body", label: t("staff.ticket.replyBody"), hint: t("staff.ticket.replyHint"), maxlength: 5000, rows: 5 }),
      checkBox({ name: "pendingCustomer", label: t("staff.ticket.waitForCustomer"), checked: true }),
      h("div", { class: "actions" }, h("button", { type: "submit" }, t("staff.ticket.send"))),
    );
    this.reply = this.wire(
      form,
      () =>
        request(STAFF_REPLY_TO_TICKET, {
          input: { ticketId: this.ticket.id, body: form.elements.body.value, pendingCustomer: form.elements.pendingCustomer.checked },
        }),
      () => {
        form.elements.body.value = "";
        this.note(t("staff.ticket.sent"));
        form.elements.body.focus();
      },
    );
    return form;
  }

  noteForm() {
    if (this.internal) return this.internal;
    const form = h(
      "form",
      { novalidate: true, class: "staff-action staff-note-form", "aria-label": t("staff.ticket.addNote") },
      h("h2", {}, t("staff.ticket.addNote")),
      formMessage(),
      textArea({ name: "body", label: t("staff.ticket.noteBody"), hint: t("staff.ticket.noteHint"), maxlength: 5000, rows: 3 }),
      h("div", { class: "actions" }, h("button", { type: "submit", class: "secondary" }, t("staff.ticket.saveNote"))),
    );
    this.internal = this.wire(
      form,
      () => request(STAFF_ADD_TICKET_NOTE, { input: { ticketId: this.ticket.id, body: form.elements.body.value } }),
      () => {
        form.elements.body.value = "";
        this.note(t("staff.ticket.noteSaved"));
        form.elements.body.focus();
      },
    );
    return form;
  }

  assignForm() {
    if (this.assign) return this.assign;
    this.assignNow = h("p", {});
    this.assignToMe = h("button", { type: "submit", name: "to", value: "me" }, t("staff.ticket.assignToMe"));
    this.unassign = h("button", { type: "submit", name: "to", value: "nobody", class: "secondary" }, t("staff.ticket.unassign"));
    const colleague = this.colleagues.length
      ? h(
          "div",
          { class: "staff-assign-colleague" },
          choice({
            name: "colleague",
            label: t("staff.ticket.assignColleague"),
            options: this.colleagues.map((person) => ({ value: person.id, label: assigneeName(person) })),
          }),
          h("button", { type: "submit", name: "to", value: "colleague", class: "secondary" }, t("staff.ticket.assignChosen")),
        )
      : null;
    const form = h(
      "form",
      { novalidate: true, class: "staff-action", "aria-label": t("staff.ticket.assignment") },
      h("h2", {}, t("staff.ticket.assignment")),
      this.assignNow,
      formMessage(),
      h("p", { class: "field-error", "data-error-for": "staffId", hidden: true }),
      h("div", { class: "actions" }, this.assignToMe, this.unassign),
      colleague,
      h("p", { class: "hint" }, t("staff.ticket.assignHint")),
    );
    const chosen = (submitter) => {
      const to = submitter ? submitter.value : "me";
      if (to === "nobody") return null;
      return to === "colleague" ? form.elements.colleague.value : this.me.id;
    };
    this.assign = this.wire(
      form,
      (submitter) => request(STAFF_ASSIGN_TICKET, { input: { ticketId: this.ticket.id, staffId: chosen(submitter) } }),
      (ticket) => this.note(t("staff.ticket.assigneeChanged", { name: assigneeName(ticket.assignee) })),
    );
    return form;
  }

  assignControls() {
    const assignee = this.ticket.assignee;
    replace(this.assignNow, t("staff.queue.assignedTo", { name: assigneeName(assignee) }));
    this.assignToMe.hidden = Boolean(assignee && assignee.id === this.me.id);
    this.unassign.hidden = !assignee;
  }

  stateForm() {
    if (this.stateChange) return this.stateChange;
    const picker = choice({
      name: "state",
      label: t("staff.ticket.newState"),
      value: this.ticket.state,
      options: STATES.map((state) => ({ value: state, label: t(`staff.queue.state.${state}`) })),
    });
    const form = h(
      "form",
      { novalidate: true, class: "staff-action", "aria-label": t("staff.ticket.changeState") },
      h("h2", {}, t("staff.ticket.changeState")),
      formMessage(),
      picker,
      h("div", { class: "actions" }, h("button", { type: "submit", class: "secondary" }, t("staff.ticket.setState"))),
    );
    this.stateChoice = form.elements.state;
    this.stateChange = this.wire(
      form,
      () => request(STAFF_SET_TICKET_STATE, { input: { ticketId: this.ticket.id, state: form.elements.state.value } }),
      (ticket) => this.note(t("staff.ticket.stateChanged", { state: t(`staff.queue.state.${ticket.state}`) })),
    );
    return form;
  }
}
