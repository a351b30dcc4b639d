// The support queue: every ticket, the latest message first, filtered by a form whose values live in the
// address (?state=OPEN&unassigned=1&mine=1&assignee=<id>&category=…&q=…), paged, and live: ticketUpdated without a ticket id
// tells staff of every change, so a new ticket or message moves its row to the top and a state or assignee
// change repaints it (announced politely).
import { h, replace } from "../../dom.js";
import { choice, field } from "../../forms.js";
import { request, SignedOut } from "../../graphql.js";
import { t, useLanguage } from "../../i18n.js";
import { subscribe } from "../../live.js";
import { formatMoment } from "../../moments.js";
import { href, navigate } from "../../router.js";
import { STAFF_TICKETS_LIVE, STAFF_TICKETS_PAGE } from "../operations.js";
import { customerName, pagedList } from "../parts.js";
import { assigneeName, CATEGORIES, checkBox, STATES, stateBadge } from "../queue-parts.js";

const PAGE = 20;

function filtersFrom(query) {
  const state = query.get("state");
  const category = query.get("category");
  return {
    state: STATES.includes(state) ? state : "",
    category: CATEGORIES.includes(category) ? category : "",
    unassigned: query.get("unassigned") === "1",
    mine: query.get("mine") === "1",
    assignee: (query.get("assignee") || "").trim(),
    q: (query.get("q") || "").trim(),
  };
}

function apiFilter(wanted) {
  return {
    state: wanted.state || null,
    category: wanted.category || null,
    unassigned: wanted.unassigned,
    assignedToMe: wanted.mine,
    assigneeId: wanted.assignee || null,
    query: wanted.q || null,
  };
}

export async function render({ query, onLeave }) {
  const wanted = filtersFrom(query);
  const data = await request(STAFF_TICKETS_PAGE, { first: PAGE, filter: apiFilter(wanted) });
  const { me } = data;
  const colleagues = data.colleagues.edges.map(({ node }) => node);
  useLanguage(me.settings.language);
  const queue = new Queue(wanted, me);
  const [list, more] = pagedList(
    data.tickets,
    (tickets) => tickets.map((ticket) => queue.row(ticket)),
    async (after) => (await request(STAFF_TICKETS_PAGE, { first: PAGE, after, filter: apiFilter(wanted) })).tickets,
    { "aria-label": t("staff.queue.listLabel"), class: "staff-list staff-queue" },
  );
  queue.list = list;
  queue.emptyCheck();
  onLeave(
    subscribe(STAFF_TICKETS_LIVE, {}, {
      next: (event) => queue.changed(event.ticketUpdated),
      error: () => queue.note(t("staff.queue.liveUnavailable")),
      interrupted: () => queue.note(t("staff.queue.liveInterrupted")),
      resumed: () => queue.reload(),
    }),
  );
  return h(
    "section",
    { class: "staff-queue-page" },
    h("h1", { tabindex: "-1" }, t("staff.queue.title")),
    filterForm(wanted, colleagues),
    queue.live,
    queue.empty,
    list,
    more,
  );
}

function filterForm(wanted, colleagues) {
  const form = h(
    "form",
    { class: "filters staff-queue-filters", role: "search", "aria-label": t("staff.queue.filters") },
    field({ name: "q", label: t("staff.queue.search"), type: "search", required: false, value: wanted.q, autocomplete: "off" }),
    choice({
      name: "state",
      label: t("staff.queue.stateLabel"),
      value: wanted.state,
      options: [{ value: "", label: t("staff.queue.anyState") }, ...STATES.map((s) => ({ value: s, label: t(`staff.queue.state.${s}`) }))],
    }),
    choice({
      name: "category",
      label: t("staff.queue.categoryLabel"),
      value: wanted.category,
      options: [
        { value: "", label: t("staff.queue.anyCategory") },
        ...CATEGORIES.map((c) => ({ value: c, label: t(`staff.queue.category.${c}`) })),
      ],
    }),
    choice({
      name: "assignee",
      label: t("staff.queue.assigneeLabel"),
      value: wanted.assignee,
      options: [
        { value: "", label: t("staff.queue.anyAssignee") },
        ...colleagues.map((person) => ({ value: person.id, label: assigneeName(person) })),
      ],
    }),
    h(
      "div",
      { class: "staff-queue-checks" },
      checkBox({ name: "unassigned", label: t("staff.queue.unassigned"), checked: wanted.unassigned }),
      checkBox({ name: "mine", label: t("staff.queue.mine"), checked: wanted.mine }),
    ),
    h("div", { class: "actions" }, h("button", { type: "submit", class: "small" }, t("staff.queue.apply"))),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const values = new URLSearchParams();
    const q = form.elements.q.value.trim();
    if (form.elements.state.value) values.set("state", form.elements.state.value);
    if (form.elements.category.value) values.set("category", form.elements.category.value);
    if (form.elements.unassigned.checked) values.set("unassigned", "1");
    if (form.elements.mine.checked) values.set("mine", "1");
    if (form.elements.assignee.value) values.set("assignee", form.elements.assignee.value);
    if (q) values.set("q", q);
    const search = values.toString();
    navigate(search ? `/staff/tickets?${search}` : "/staff/tickets");
  });
  return form;
}

class Queue {
  constructor(wanted, me) {
    this.wanted = wanted;
    this.me = me;
    this.timeZone = me.settings.timezone;
    this.language = me.settings.language;
    this.rows = new Map();
    this.list = null;
    this.live = h("p", { class: "live-note", role: "status", "aria-live": "polite" });
    this.empty = h("p", { class: "muted" }, t("staff.queue.none"));
  }

  note(text) {
    this.live.textContent = text;
  }

  emptyCheck() {
    this.empty.hidden = this.rows.size > 0;
  }

  /** A ticket's row (kept by id, so a change repaints the row in place). */
  row(ticket) {
    const li = h("li", { "data-ticket": ticket.number });
    this.paint(li, ticket);
    this.rows.set(ticket.id, li);
    return li;
  }

  paint(li, ticket) {
    replace(
      li,
      h("a", { href: href(`/staff/tickets/${encodeURIComponent(ticket.number)}`) }, h("strong", {}, ticket.subject)),
      h("span", { class: "muted" }, ticket.number),
      h("span", {}, ticket.customer ? customerName(ticket.customer) : t("staff.queue.noCustomer")),
      stateBadge(ticket.state),
      h("span", { class: "muted" }, t(`staff.queue.category.${ticket.category}`)),
      h("span", { class: "staff-queue-assignee" }, t("staff.queue.assignedTo", { name: assigneeName(ticket.assignee) })),
      h(
        "span",
        { class: "muted" },
        t("staff.queue.lastActivity"),
        " ",
        h("time", { datetime: ticket.lastMessageAt }, formatMoment(ticket.lastMessageAt, this.timeZone, this.language)),
      ),
    );
  }

  matches(ticket) {
    const { state, category, unassigned, mine, assignee, q } = this.wanted;
    if (state && ticket.state !== state) return false;
    if (category && ticket.category !== category) return false;
    if (unassigned && ticket.assignee) return false;
    if (mine && (!ticket.assignee || ticket.assignee.id !== this.me.id)) return false;
    if (assignee && (!ticket.assignee || ticket.assignee.id !== assignee)) return false;
    if (q) {
      const needle = q.toLowerCase();
      if (!ticket.number.toLowerCase().includes(needle) && !ticket.subject.toLowerCase().includes(needle)) return false;
    }
    return true;
  }

  /** A ticketUpdated event of any ticket. */
  changed(event) {
    const ticket = event.ticket;
    const existing = this.rows.get(ticket.id);
    if (!this.matches(ticket)) {
      // It left this view (taken by someone, another state): out of the list, said so.
      if (existing) {
        existing.remove();
        this.rows.delete(ticket.id);
        this.emptyCheck();
        this.note(t("staff.queue.leftView", { number: ticket.number }));
      }
      return;
    }
    const moves = event.change === "OPENED" || event.change === "MESSAGE" || !existing;
    let li = existing;
    if (li) this.paint(li, ticket);
    else li = this.row(ticket);
    if (moves) this.list.prepend(li);
    this.emptyCheck();
    this.note(this.announcement(event.change, ticket));
  }

  announcement(change, ticket) {
    const values = { number: ticket.number, subject: ticket.subject };
    if (change === "OPENED") return t("staff.queue.announce.OPENED", values);
    if (change === "MESSAGE") return t("staff.queue.announce.MESSAGE", values);
    if (change === "STATE") return t("staff.queue.announce.STATE", { ...values, state: t(`staff.queue.state.${ticket.state}`) });
    if (change === "ASSIGNMENT") return t("staff.queue.announce.ASSIGNMENT", { ...values, name: assigneeName(ticket.assignee) });
    return t("staff.queue.announce.OTHER", values);
  }

  /** After a dropped connection: the first page again (changes meanwhile were not delivered). */
  async reload() {
    try {
      const { tickets } = await request(STAFF_TICKETS_PAGE, { first: PAGE, filter: apiFilter(this.wanted) });
      for (const { node } of [...tickets.edges].reverse()) {
        const existing = this.rows.get(node.id);
        if (existing) this.paint(existing, node);
        else this.list.prepend(this.row(node));
      }
      this.emptyCheck();
      this.note("");
    } catch (error) {
      if (!(error instanceof SignedOut)) this.note(t("staff.queue.liveUnavailable"));
    }
  }
}
