// The account statement: the store-credit (on-account) ledger in one currency over a period of days (the
// customer's own days, settings.timezone): the balance it opened with, its entries oldest first, credits,
// debits, the closing balance, and the same statement as a PDF. Without a choice in the address, the server's
// defaults: the customer's currency and this month so far.
import { h } from "../dom.js";
import { choice, field, formMessage, showErrors } from "../forms.js";
import { request, SignedOut } from "../graphql.js";
import { currentLanguage, formatDate, formatMoney, t, useLanguage } from "../i18n.js";
import { ACCOUNT_STATEMENT_ENTRIES, ACCOUNT_STATEMENT_LINK, ACCOUNT_STATEMENT_PAGE } from "../operations.js";
import { ledgerTable } from "../ledger.js";
import { worded } from "../payment-parts.js";
import { href, navigate } from "../router.js";

const PAGE = 25;
const PATH = "/store-credit/statement";
const LINK_FRESH_MS = 10 * 60 * 1000; // signed links live DOCUMENT_LINK_MINUTES (15 by default)
const DAY = /^\d{4}-\d{2}-\d{2}$/;

function asked(query) {
  const currency = String(query.get("currency") || "").toUpperCase();
  const day = (name) => (DAY.test(query.get(name) || "") ? query.get(name) : null);
  return { currency: /^[A-Z]{3}$/.test(currency) ? currency : null, from: day("from"), to: day("to") };
}

function pathFor(currency, from, to) {
  const params = new URLSearchParams({ currency, from, to });
  return `${PATH}?${params}`;
}

/** Today on the customer's clock, as YYYY-MM-DD. */
function today(timeZone) {
  const parts = { year: "numeric", month: "2-digit", day: "2-digit" };
  try {
    return new Intl.DateTimeFormat("en-CA", { ...parts, timeZone }).format(new Date());
  } catch {
    return new Intl.DateTimeFormat("en-CA", parts).format(new Date());
  }
}

const iso = (year, month, day) => new Date(Date.UTC(year, month, day)).toISOString().slice(0, 10);

/** This month so far, last month, this year so far: on the customer's clock. */
function presets(timeZone) {
  const now = today(timeZone);
  const [year, month] = now.split("-").map(Number);
  return [
    { key: "statement.thisMonth", from: iso(year, month - 1, 1), to: now },
    { key: "statement.lastMonth", from: iso(year, month - 2, 1), to: iso(year, month - 1, 0) },
    { key: "statement.thisYear", from: iso(year, 0, 1), to: now },
  ];
}

/** A calendar day (YYYY-MM-DD) in the reader's locale, without moving it through a time zone. */
function formatDay(day) {
  return formatDate(`${day}T12:00:00Z`, "UTC");
}

export async function render({ query }) {
  const wanted = asked(query);
  const { me } = await request(ACCOUNT_STATEMENT_PAGE, { ...wanted, first: PAGE });
  useLanguage(me.settings.language);
  const answer = me.accountStatement;
  const found = answer.statement;
  const currency = found ? found.currencyCode : wanted.currency || me.settings.currency || "EUR";
  const timeZone = (found && found.timezone) || me.settings.timezone || "UTC";
  const period = found ? { from: found.from, to: found.to } : { from: wanted.from || "", to: wanted.to || "" };
  const form = chooser(me, currency, period, timeZone);
  if (answer.userErrors.length) queueMicrotask(() => showErrors(form, worded(answer.userErrors, "statement.error.")));
  return h(
    "section",
    {},
    h("p", {}, h("a", { href: href("/store-credit") }, t("statement.back"))),
    h("h1", { tabindex: "-1" }, t("statement.title")),
    h("p", { class: "hint" }, t("statement.explain")),
    form,
    found ? statement(found, timeZone) : null,
  );
}

function chooser(me, currency, period, timeZone) {
  let names = null;
  try {
    names = new Intl.DisplayNames([currentLanguage()], { type: "currency" });
  } catch {
    names = null;
  }
  const codes = [...new Set([...me.storeCreditCurrencies, currency, me.settings.currency].filter(Boolean))].sort();
  const options = codes.map((code) => ({ value: code, label: names ? `${names.of(code)} (${code})` : code }));
  const from = field({ name: "from", label: t("statement.from"), type: "date" });
  const to = field({ name: "to", label: t("statement.to"), type: "date" });
  from.querySelector("input").value = period.from;
  to.querySelector("input").value = period.to;
  const form = h(
    "form",
    { class: "inline-form statement-form", novalidate: true, "aria-label": t("statement.choose") },
    formMessage(),
    choice({ name: "currencyCode", label: t("statement.currency"), options, value: currency }),
    from,
    to,
    h("button", { type: "submit", class: "small" }, t("statement.show")),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const chosen = form.elements.currencyCode.value;
    const first = form.elements.from.value;
    const last = form.elements.to.value;
    if (!DAY.test(first) || !DAY.test(last)) {
      showErrors(form, [{ field: [DAY.test(first) ? "to" : "from"], message: t("statement.error.INVALID_DAY") }]);
      return;
    }
    navigate(pathFor(chosen, first, last));
  });
  const shortcuts = h(
    "p",
    { class: "statement-presets" },
    t("statement.presets"),
    " ",
    presets(timeZone).flatMap((preset, index) => [
      index ? " · " : "",
      h("a", { href: href(pathFor(currency, preset.from, preset.to)) }, t(preset.key)),
    ]),
  );
  return h("div", {}, form, shortcuts);
}

function statement(found, timeZone) {
  const money = (label, value, id) => h("div", {}, h("dt", {}, label), h("dd", { "data-total": id }, formatMoney(value)));
  return [
    h(
      "h2",
      {},
      t("statement.heading", { currency: found.currencyCode, from: formatDay(found.from), to: formatDay(found.to) }),
    ),
    h(
      "dl",
      { class: "totals statement-totals" },
      money(t("statement.opening", { date: formatDay(found.from) }), found.openingBalance, "opening"),
      money(t("statement.credits"), found.totalCredits, "credits"),
      money(t("statement.debits"), found.totalDebits, "debits"),
      money(t("statement.closing", { date: formatDay(found.to) }), found.closingBalance, "closing"),
    ),
    download(found),
    entries(found, timeZone),
  ];
}

function download(found) {
  if (!found.downloadUrl) return h("p", { class: "hint" }, t("statement.tooLongForPdf"));
  const loadedAt = Date.now();
  const link = h("a", { href: found.downloadUrl, download: "", class: "button secondary" }, t("statement.download"));
  link.addEventListener("click", async (event) => {
    if (Date.now() - loadedAt < LINK_FRESH_MS) return;
    event.preventDefault(); // older than its signature's lifetime: sign it again first
    try {
      const { me } = await request(ACCOUNT_STATEMENT_LINK, { currency: found.currencyCode, from: found.from, to: found.to });
      const fresh = me.accountStatement.statement && me.accountStatement.statement.downloadUrl;
      if (fresh) location.assign(fresh);
    } catch (error) {
      if (!(error instanceof SignedOut)) throw error;
    }
  });
  return h("p", { class: "statement-download" }, link);
}

function entries(found, timeZone) {
  const heading = h("h2", {}, t("statement.entries", { count: found.entryCount }));
  if (!found.entries.edges.length) return [heading, h("p", {}, t("statement.noEntries"))];
  const nextPage = async (after) => {
    const variables = { currency: found.currencyCode, from: found.from, to: found.to, first: PAGE, after };
    const data = await request(ACCOUNT_STATEMENT_ENTRIES, variables);
    return data.me.accountStatement.statement.entries;
  };
  return [heading, ...ledgerTable(found.entries, { timeZone, words: "statement", nextPage, tableClass: "statement-entries" })];
}
