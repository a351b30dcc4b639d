// Parts the offer and return pages share: tables of lines, totals, signed document links, paged lists,
// a text area that shows its userErrors like forms.js fields, and keys for retry-safe payments.
import { h } from "./dom.js";
import { SignedOut } from "./graphql.js";
import { currentLanguage, formatMoney, t } from "./i18n.js";

let sequence = 0;

/** A labelled multi-line text whose userErrors appear next to it (`name` is the input field they name). */
export function textArea({ name, label, hint, maxlength, required = false }) {
  const id = `area-${name}-${++sequence}`;
  const hintElement = hint ? h("p", { class: "hint", id: `${id}-hint` }, hint) : null;
  const describedBy = hint ? `${id}-hint ${id}-error` : `${id}-error`;
  return h(
    "div",
    { class: "field" },
    h("label", { for: id }, label),
    hintElement,
    h("textarea", { id, name, rows: "3", maxlength, required, "aria-describedby": describedBy }),
    h("p", { class: "field-error", id: `${id}-error`, "data-error-for": name, hidden: true }),
  );
}

/** An ISO moment with its time, in the reader's language and time zone. */
export function formatDateTime(iso, timeZone) {
  if (!iso) return "";
  const options = { dateStyle: "medium", timeStyle: "short" };
  try {
    return new Intl.DateTimeFormat(currentLanguage(), timeZone ? { ...options, timeZone } : options).format(new Date(iso));
  } catch {
    return new Intl.DateTimeFormat(currentLanguage(), options).format(new Date(iso));
  }
}

/** A <time> element for an ISO moment. */
export function time(iso, timeZone, withTime = false) {
  return h("time", { datetime: iso }, withTime ? formatDateTime(iso, timeZone) : formatDateOnly(iso, timeZone));
}

function formatDateOnly(iso, timeZone) {
  const options = { dateStyle: "medium" };
  try {
    return new Intl.DateTimeFormat(currentLanguage(), timeZone ? { ...options, timeZone } : options).format(new Date(iso));
  } catch {
    return new Intl.DateTimeFormat(currentLanguage(), options).format(new Date(iso));
  }
}

/** A table named `label`: `columns` [{ label, numeric }], `rows` arrays of cells (strings or elements). On a
 * narrow screen it scrolls sideways in its own box, which keyboard users can focus to scroll. */
export function table(label, columns, rows) {
  return h(
    "div",
    { class: "table-wrap doc-table", role: "region", tabindex: "0", "aria-label": label },
    h(
      "table",
      {},
      h("thead", {}, h("tr", {}, columns.map((column) => h("th", { scope: "col", class: column.numeric ? "num" : null }, column.label)))),
      h(
        "tbody",
        {},
        rows.map((cells) => h("tr", {}, cells.map((cell, index) => h("td", { class: columns[index].numeric ? "num" : null }, cell)))),
      ),
    ),
  );
}

/** Totals as a definition list: [label, Money] pairs; null pairs are left out, the last one is the total. */
export function totals(pairs) {
  return h(
    "dl",
    { class: "totals" },
    pairs.filter(Boolean).map(([label, money]) => h("div", {}, h("dt", {}, label), h("dd", {}, formatMoney(money)))),
  );
}

/** Facts as a definition list: [label, value] pairs; pairs whose value is empty are left out. */
export function facts(pairs) {
  return h(
    "dl",
    { class: "facts" },
    pairs.filter((pair) => pair && pair[1] !== null && pair[1] !== undefined && pair[1] !== "").map(([label, value]) =>
      h("div", {}, h("dt", {}, label), h("dd", {}, value)),
    ),
  );
}

/** A state shown as a badge whose colour class follows the state's `tone`. */
export function stateBadge(text, tone) {
  return h("span", { class: `state state-${tone}` }, text);
}

// Signed document links stay valid for DOCUMENT_LINK_MINUTES (15 by default): a page open for longer asks
// for a fresh link when the reader clicks, so the download never answers "link expired".
const FRESH_FOR_MS = 10 * 60 * 1000;

/** A download link to a signed document URL; `refresh()` answers a fresh URL when the page has been open long. */
export function documentLink({ url, label, refresh, className = "button-link" }) {
  const loadedAt = Date.now();
  const link = h("a", { href: url, download: "", class: className }, label);
  link.addEventListener("click", async (event) => {
    if (Date.now() - loadedAt < FRESH_FOR_MS) return;
    event.preventDefault();
    try {
      const fresh = await refresh();
      if (!fresh) throw new Error("no document link");
      window.location.assign(fresh);
    } catch (error) {
      if (!(error instanceof SignedOut)) link.after(h("p", { class: "form-error", role: "alert" }, t("app.error")));
    }
  });
  return link;
}

/** A list shown a page at a time: `first` is the first connection, `more(after)` fetches the next. */
export function pagedList({ first, more, row, listClass = "orders", moreLabel }) {
  const list = h("ul", { class: listClass });
  const button = h("button", { type: "button", class: "secondary" }, moreLabel);
  const error = h("p", { class: "form-error", role: "alert", hidden: true });
  let pageInfo = first.pageInfo;
  const show = (connection) => {
    pageInfo = connection.pageInfo;
    list.append(...connection.edges.map(({ node }) => row(node)));
    button.hidden = !pageInfo.hasNextPage;
  };
  button.addEventListener("click", async () => {
    button.disabled = true;
    error.hidden = true;
    try {
      show(await more(pageInfo.endCursor));
    } catch (failure) {
      if (!(failure instanceof SignedOut)) {
        error.textContent = t("app.error");
        error.hidden = false;
      }
    } finally {
      button.disabled = false;
    }
  });
  show(first);
  return h("div", {}, list, button, error);
}

/** A fresh idempotency key: the same key is sent again only when retrying the same payment. */
export function paymentKey(prefix) {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return `${prefix}-${[...bytes].map((byte) => byte.toString(16).padStart(2, "0")).join("")}`;
}

/** The message for a typed error: ours for the `code` when the catalogue has `<prefix>.<code>`, else the server's. */
export function worded(prefix, error, values = {}) {
  const key = `${prefix}.${error.code}`;
  const text = t(key, values);
  return text === key ? error.message : text;
}

/** An offer's state as the customer should read it: a NEW offer past its validUntil can no longer be accepted,
 * even before the server's expiry job has marked it EXPIRED, so it reads as expired. */
export function offerState(offer, now = Date.now()) {
  if (offer.state === "NEW" && new Date(offer.validUntil).getTime() < now) return "EXPIRED";
  return offer.state;
}
